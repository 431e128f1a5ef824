#!/usr/bin/env python3
"""Generates the study report from a `dyad sweep` directory.

    python3 assets/study/report.py RUNDIR --out OUTDIR

Reads RUNDIR/results.csv (one row per finished run), plan.csv (every run of
the grid), sessions.csv (machine, commit, time of each sweep session),
jobs.txt and runs/ID/metrics.csv. Writes OUTDIR/REPORT.md, summary.csv (one
row per configuration, mean and standard deviation over seeds), claims.csv,
curves.csv, results.csv (a copy of the runs) and PNG plots drawn by gnuplot.
Standard library only. REPORT.md is generated, never edited by hand.

Verdicts: a difference is real when it exceeds two standard errors (standard
error of a difference of means: sqrt(sd1^2/n1 + sd2^2/n2)); within that it is
"inconclusive". With one seed there is no noise estimate: the verdict then
compares the point values and says "one seed".
"""
import argparse
import csv
import datetime
import math
import os
import shutil
import statistics
import subprocess
import sys

VERDICTS = ("holds", "does not hold", "inconclusive", "not tested")
BASELINE_KINDS = ("blockdiag", "monarch", "lowrank", "sparse")


def read_csv(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]


def layers_of(net):
    """'dyad-it/4:1024,dense:10' -> [('dyad-it', '4', 1024), ('dense', '', 10)]"""
    out = []
    for part in net.split(","):
        kind, width = part.split(":")
        kind, _, param = kind.partition("/")
        out.append((kind, param, int(width)))
    return out


def num(text):
    """A kind's parameter as a number for sorting (ndyad 4, density 0.25); 0 if none."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def hidden_widths(net):
    return tuple(w for _, _, w in layers_of(net)[:-1])


def dense_net(net):
    return ",".join("dense:%d" % w for _, _, w in layers_of(net))


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    m = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else None
    return m, sd


def fmt_h(seconds):
    seconds = int(round(seconds))
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


class Config:
    """One net on one dataset with one recipe: its runs over seeds."""

    def __init__(self, key, rows):
        self.key = key
        self.rows = sorted(rows, key=lambda r: int(r["seed"]))
        first = self.rows[0]
        self.dataset, self.net, self.label = first["dataset"], first["net"], first["label"]
        self.kind, self.param, self.group = first["kind"], first["param"], first["group"]
        self.epochs, self.limit, self.hyper = int(first["epochs"]), int(first["train_limit"]), first["hyperparameters"]
        self.note = "; ".join(x for x in first["note"].split("; ") if x and not x.startswith("resumed"))
        self.widths = hidden_widths(self.net)
        self.params = int(first["params"])
        self.bytes = int(first["checkpoint_bytes"])
        self.nonzero = float(first["nonzero_w"])
        self.n = len(self.rows)
        self.acc, self.acc_sd = mean_sd([100 * float(r["test_acc"]) for r in self.rows])
        self.epoch_s, self.epoch_sd = mean_sd([float(r["epoch_s"]) for r in self.rows])
        self.seeds = [r["seed"] for r in self.rows]
        self.dense = None
        self.ids = [r["run_id"] for r in self.rows]

    @property
    def name(self):
        return "%s %s H=%s" % (self.dataset, self.label, "-".join(map(str, self.widths)))

    @property
    def uniform_dyad(self):
        return self.kind.startswith("dyad-") and self.param != ""

    def acc_se(self):
        return self.acc_sd / math.sqrt(self.n) if self.acc_sd is not None else None

    def speedup(self):
        """dense mean epoch time / ours, with its standard error (delta method)."""
        d = self.dense
        if not d or not self.epoch_s:
            return None, None
        r = d.epoch_s / self.epoch_s
        if d.epoch_sd is None or self.epoch_sd is None:
            return r, None
        rel = (d.epoch_sd ** 2 / d.n) / d.epoch_s ** 2 + (self.epoch_sd ** 2 / self.n) / self.epoch_s ** 2
        return r, r * math.sqrt(rel)

    def acc_pct(self):
        d = self.dense
        if not d or not d.acc:
            return None, None
        p = 100 * self.acc / d.acc
        if d.acc_sd is None or self.acc_sd is None:
            return p, None
        rel = (self.acc_sd ** 2 / self.n) / self.acc ** 2 + (d.acc_sd ** 2 / d.n) / d.acc ** 2
        return p, p * math.sqrt(rel)


def diff_verdict(a, a_se, b, b_se, n_min):
    """Sign of a - b: +1 / -1 beyond two standard errors, 0 within (or one seed: None)."""
    if n_min < 2 or a_se is None or b_se is None:
        return None
    se = math.sqrt(a_se ** 2 + b_se ** 2)
    if a - b > 2 * se:
        return 1
    if b - a > 2 * se:
        return -1
    return 0


def se_of(value_sd, n):
    return value_sd / math.sqrt(n) if value_sd is not None and n > 1 else None


class Report:
    def __init__(self, rundir, out):
        self.rundir, self.out = rundir, out
        self.rows = read_csv(os.path.join(rundir, "results.csv"))
        plan_path = os.path.join(rundir, "plan.csv")
        self.plan = read_csv(plan_path) if os.path.exists(plan_path) else []
        self.disabled = []
        if os.path.exists(plan_path):
            with open(plan_path) as f:
                self.disabled = [l[len("# disabled: "):].strip() for l in f if l.startswith("# disabled: ")]
        sp = os.path.join(rundir, "sessions.csv")
        self.sessions = read_csv(sp) if os.path.exists(sp) else []
        jp = os.path.join(rundir, "jobs.txt")
        self.jobs = open(jp).read().strip().splitlines() if os.path.exists(jp) else []
        groups = {}
        for r in self.rows:
            key = (r["dataset"], r["net"], r["epochs"], r["train_limit"], r["hyperparameters"])
            groups.setdefault(key, []).append(r)
        self.configs = [Config(k, v) for k, v in groups.items()]
        by_key = {c.key: c for c in self.configs}
        for c in self.configs:
            c.dense = by_key.get((c.dataset, dense_net(c.net)) + c.key[2:])
        self.configs.sort(key=lambda c: (c.dataset != "mnist", c.dataset, c.widths, c.kind != "dense",
                                         c.kind == "mixed", c.kind, num(c.param), c.label))
        self.claims = []
        self.plots = []

    # ------------------------------------------------------------- claims
    def claim(self, name, verdict, numbers):
        assert verdict in VERDICTS, verdict
        self.claims.append((name, verdict, numbers))

    def one_seed(self, configs):
        return any(c.n < 2 for c in configs)

    def claim_90(self):
        lines, verdicts = [], []
        dyad = [c for c in self.configs if c.kind.startswith("dyad-") and c.dense]
        for c in dyad:
            p, se = c.acc_pct()
            if se is not None and c.n > 1 and c.dense.n > 1:
                v = "holds" if p - 2 * se >= 90 else "does not hold" if p + 2 * se < 90 else "inconclusive"
                lines.append("%s: %.2f%% of dense (± %.2f)" % (c.name, p, 2 * se))
            else:
                v = "holds" if p >= 90 else "does not hold"
                lines.append("%s: %.2f%% of dense (one seed)" % (c.name, p))
            verdicts.append(v)
        if not dyad:
            return self.claim("DYAD keeps at least 90% of dense accuracy", "not tested", "no DYAD run with its dense reference")
        v = "does not hold" if "does not hold" in verdicts else "holds" if all(x == "holds" for x in verdicts) else "inconclusive"
        worst = min(dyad, key=lambda c: c.acc_pct()[0])
        head = "lowest: %s at %.2f%% of dense; %d of %d configurations hold" % (
            worst.name, worst.acc_pct()[0], verdicts.count("holds"), len(verdicts))
        if self.one_seed(dyad):
            head += "; one seed for some configurations: no seed-noise estimate there"
        self.claim("DYAD keeps at least 90% of dense accuracy", v, head + ".<br>" + "; ".join(lines))

    def claim_faster(self):
        dyad = [c for c in self.configs if c.kind.startswith("dyad-") and c.dense]
        res = []
        for c in dyad:
            s, se = c.speedup()
            if se is not None:
                res.append((c, s, "holds" if s - 2 * se > 1 else "does not hold" if s + 2 * se < 1 else "inconclusive"))
            else:
                res.append((c, s, "holds" if s > 1 else "does not hold"))
        if not res:
            return self.claim("DYAD trains faster than dense at equal width", "not tested", "no DYAD run with its dense reference")
        vs = [v for _, _, v in res]
        v = "holds" if all(x == "holds" for x in vs) else "does not hold" if "does not hold" in vs else "inconclusive"
        text = "%d of %d configurations faster (beyond noise where there are seeds); " % (vs.count("holds"), len(vs))
        text += "; ".join("%s %.2fx" % (c.name, s) for c, s, _ in res)
        slow = [c.label for c, _, x in res if x == "does not hold"]
        if slow:
            text += ". Not faster: " + ", ".join(slow)
        if self.one_seed(dyad):
            text += ". One seed for some: epoch-time noise not estimated there"
        self.claim("DYAD trains faster than dense at equal width", v, text)

    def width_series(self):
        """(kind, param) of DYAD with the most widths on mnist, its configs by width."""
        series = {}
        for c in self.configs:
            if c.dataset == "mnist" and c.uniform_dyad and c.dense and len(set(c.widths)) == 1:
                series.setdefault((c.kind, c.param), []).append(c)
        if not series:
            return None, []
        key = max(series, key=lambda k: (len(series[k]), k == ("dyad-it", "8")))
        return key, sorted(series[key], key=lambda c: c.widths[0])

    def claim_width(self):
        key, cs = self.width_series()
        name = "DYAD's speed advantage grows with width"
        if len(cs) < 2:
            return self.claim(name, "not tested", "fewer than two widths in the sweep")
        steps = []
        for a, b in zip(cs, cs[1:]):
            sa, sea = a.speedup()
            sb, seb = b.speedup()
            d = diff_verdict(sb, seb, sa, sea, min(a.n, b.n))
            if d is None:  # one seed: the point values
                d = 1 if sb > sa else -1 if sb < sa else 0
            steps.append(d)
        text = "%s/%s: " % key + ", ".join("H=%d %.2fx" % (c.widths[0], c.speedup()[0]) for c in cs)
        v = "holds" if all(d == 1 for d in steps) else "does not hold" if any(d == -1 for d in steps) else "inconclusive"
        if self.one_seed(cs):
            text += " (one seed: no noise estimate)"
        self.claim(name, v, text)

    def ndyad_series(self, kind, dataset="mnist"):
        cs = [c for c in self.configs if c.dataset == dataset and c.kind == kind and c.uniform_dyad and c.dense
              and c.widths == self.main_widths]
        return sorted(cs, key=lambda c: int(c.param))

    def claim_tradeoff(self):
        name = "Larger ndyad trades accuracy for speed"
        parts, verdicts = [], []
        for kind in ("dyad-it", "dyad-ot", "dyad-dt"):
            cs = self.ndyad_series(kind)
            if len(cs) < 2:
                continue
            lo, hi = cs[0], cs[-1]
            n = min(lo.n, hi.n)
            acc = diff_verdict(lo.acc, lo.acc_se(), hi.acc, hi.acc_se(), n)
            s_lo, se_lo = lo.speedup()
            s_hi, se_hi = hi.speedup()
            spd = diff_verdict(s_hi, se_hi, s_lo, se_lo, n)
            if acc is None:
                acc = 1 if lo.acc > hi.acc else -1
                spd = 1 if s_hi > s_lo else -1
                v = "holds" if acc == 1 and spd == 1 else "does not hold"
                tag = " (one seed)"
            else:
                v = "holds" if acc == 1 and spd == 1 else "does not hold" if acc == -1 or spd == -1 else "inconclusive"
                tag = ""
            verdicts.append(v)
            parts.append("%s ndyad %s -> %s: accuracy %.2f%% -> %.2f%%, speed-up %.2fx -> %.2fx: %s%s" % (
                kind, lo.param, hi.param, lo.acc, hi.acc, s_lo, s_hi, v, tag))
        if not verdicts:
            return self.claim(name, "not tested", "fewer than two ndyad values per kind")
        v = verdicts[0] if len(set(verdicts)) == 1 else "inconclusive"
        self.claim(name, v, "; ".join(parts))

    def claim_variants(self):
        name = "IT, OT and DT differ in accuracy"
        parts, found, tested, one = [], False, False, False
        for dataset in sorted({c.dataset for c in self.configs}):
            params = sorted({int(c.param) for c in self.configs if c.dataset == dataset and c.uniform_dyad})
            for p in params:
                cs = [c for c in self.configs if c.dataset == dataset and c.uniform_dyad and int(c.param) == p
                      and c.widths == self.main_widths]
                if len(cs) < 2:
                    continue
                tested = True
                best, worst = max(cs, key=lambda c: c.acc), min(cs, key=lambda c: c.acc)
                d = diff_verdict(best.acc, best.acc_se(), worst.acc, worst.acc_se(), min(best.n, worst.n))
                one |= d is None
                found |= d == 1
                parts.append("%s ndyad %d: %s" % (dataset, p, ", ".join("%s %.2f%%" % (c.kind[5:].upper(), c.acc) for c in cs))
                             + (" (differ beyond noise)" if d == 1 else " (within noise)" if d == 0 else " (one seed)"))
        if not tested:
            return self.claim(name, "not tested", "no ndyad with two variants")
        v = "holds" if found else "inconclusive"
        self.claim(name, v, "; ".join(parts) + ("; one seed for some: differences not tested against noise" if one else ""))

    def claim_mix(self):
        name = "Mixing variants across layers changes accuracy (vs uniform DYAD-IT at the same ndyad)"
        mixes = [c for c in self.configs if c.kind == "mixed" and c.dense]
        parts, verdicts = [], []
        for m in mixes:
            ps = {p for k, p, _ in layers_of(m.net)[:-1] if p}
            ref = next((c for c in self.configs if c.dataset == m.dataset and c.kind == "dyad-it" and c.param in ps
                        and c.widths == m.widths and c.epochs == m.epochs), None)
            if not ref:
                parts.append("%s: %.2f%% (no uniform IT to compare)" % (m.label, m.acc))
                continue
            d = diff_verdict(m.acc, m.acc_se(), ref.acc, ref.acc_se(), min(m.n, ref.n))
            verdicts.append("holds" if d in (1, -1) else "inconclusive")
            parts.append("%s %.2f%% vs %s %.2f%%, speed-up %.2fx vs %.2fx%s" % (
                m.label, m.acc, ref.label, ref.acc, m.speedup()[0] or 0, ref.speedup()[0] or 0,
                " (beyond noise)" if d in (1, -1) else " (within noise)" if d == 0 else " (one seed)"))
        if not verdicts:
            return self.claim(name, "not tested", "; ".join(parts) or "no mixed nets in the sweep")
        self.claim(name, "holds" if "holds" in verdicts else "inconclusive", "; ".join(parts))

    def claim_baselines(self):
        name = "DYAD beats blockdiag, monarch, lowrank and sparse layers at the same parameter count"
        base = [c for c in self.configs if c.kind in BASELINE_KINDS]
        if not base:
            why = "; ".join(self.disabled) or "no baseline kinds in the grid"
            return self.claim(name, "not tested", "the baseline kinds are not in this sweep (%s)" % why)
        parts, verdicts = [], []
        for b in base:
            ref = min((c for c in self.configs if c.dataset == b.dataset and c.kind == "dyad-it" and c.epochs == b.epochs),
                      key=lambda c: abs(c.params - b.params), default=None)
            if not ref:
                continue
            d = diff_verdict(ref.acc, ref.acc_se(), b.acc, b.acc_se(), min(ref.n, b.n))
            verdicts.append("holds" if d == 1 else "does not hold" if d == -1 else "inconclusive")
            parts.append("%s %s %.2f%% (%d params) vs %s %.2f%% (%d)" % (b.dataset, b.label, b.acc, b.params, ref.label, ref.acc, ref.params))
        v = "holds" if verdicts and all(x == "holds" for x in verdicts) else "does not hold" if "does not hold" in verdicts else "inconclusive"
        self.claim(name, v, "; ".join(parts))

    # -------------------------------------------------------------- plots
    def gnuplot(self, name, script, title):
        path = os.path.join(self.out, name + ".gnuplot")
        with open(path, "w") as f:
            f.write("set terminal pngcairo size 900,560 font 'DejaVu Sans,11'\n")
            f.write("set output '%s.png'\nset grid\nset key outside right\n" % name)
            f.write(script)
        try:
            subprocess.run(["gnuplot", name + ".gnuplot"], cwd=self.out, check=True)
        except FileNotFoundError:
            sys.exit("report.py: gnuplot not found (apt-get install gnuplot-nox)")
        except subprocess.CalledProcessError as e:
            sys.exit("report.py: gnuplot failed on %s (exit %d)" % (path, e.returncode))
        self.plots.append((name + ".png", title))

    def dat(self, name, rows):
        with open(os.path.join(self.out, "plot-data", name), "w") as f:
            for r in rows:
                f.write(" ".join(str(x) for x in r) + "\n")
        return "plot-data/" + name

    def plot_all(self):
        os.makedirs(os.path.join(self.out, "plot-data"), exist_ok=True)
        # accuracy vs parameters, one curve per kind (mnist)
        kinds = {}
        for c in self.configs:
            if c.dataset == "mnist":
                kinds.setdefault(c.kind, []).append(c)
        plots = []
        for k, cs in sorted(kinds.items()):
            f = self.dat("acc_params_%s.dat" % k, [(c.params, "%.4f" % c.acc, "%.4f" % (c.acc_sd or 0)) for c in sorted(cs, key=lambda c: c.params)])
            plots.append("'%s' using 1:2:3 with yerrorbars pointsize 1.3 title '%s'" % (f, k))
        self.gnuplot("acc_vs_params", "set logscale x\nset xlabel 'parameters'\nset ylabel 'test accuracy (%)'\n"
                     "set title 'MNIST: accuracy vs parameters (error bars: sd over seeds)'\nplot " + ", ".join(plots) + "\n",
                     "Accuracy vs parameters, one curve per kind (error bars: standard deviation over seeds)")
        # speed-up vs ndyad with the ideal ndyad/2
        plots = []
        for k in ("dyad-it", "dyad-ot", "dyad-dt"):
            cs = self.ndyad_series(k)
            if cs:
                f = self.dat("speedup_ndyad_%s.dat" % k, [(c.param, "%.4f" % c.speedup()[0], "%.4f" % (c.speedup()[1] or 0)) for c in cs])
                plots.append("'%s' using 1:2:3 with yerrorlines title '%s'" % (f, k))
        plots.append("x/2 with lines dashtype 2 title 'ideal ndyad/2'")
        self.gnuplot("speedup_vs_ndyad", "set logscale x 2\nset xlabel 'ndyad'\nset ylabel 'epoch speed-up over dense'\n"
                     "set title 'MNIST, hidden %s: training speed-up vs ndyad'\nplot " % "-".join(map(str, self.main_widths)) + ", ".join(plots) + "\n",
                     "Training speed-up over dense vs ndyad, with the ideal ndyad/2 (the FLOP ratio of the hidden layers)")
        key, cs = self.width_series()
        rows = [(c.widths[0], "%.4f" % c.speedup()[0], "%.4f" % (c.speedup()[1] or 0)) for c in cs]
        f = self.dat("speedup_width.dat", rows or [(0, 0, 0)])
        self.gnuplot("speedup_vs_width", "set logscale x 2\nset xlabel 'hidden width H'\nset ylabel 'epoch speed-up over dense'\n"
                     "set title 'MNIST: speed-up of %s vs width'\nplot '%s' using 1:2:3 with yerrorlines title '%s'\n"
                     % ("/".join(key) if key else "-", f, "/".join(key) if key else "none"),
                     "Training speed-up over dense vs hidden width")
        # training curves: dense vs the first uniform DYAD config at the main width
        plots = []
        dense = next((c for c in self.configs if c.dataset == "mnist" and c.kind == "dense" and c.widths == self.main_widths), None)
        dyad = next((c for c in self.configs if c.dataset == "mnist" and c.kind == "dyad-it" and c.widths == self.main_widths
                     and c.param == "4"), None) or next((c for c in self.configs if c.dataset == "mnist" and c.uniform_dyad), None)
        curve_rows = []
        for c in (dense, dyad):
            if not c:
                continue
            per_epoch = {}
            for rid in c.ids:
                mp = os.path.join(self.rundir, "runs", rid, "metrics.csv")
                if os.path.exists(mp):
                    for r in read_csv(mp):
                        per_epoch.setdefault(int(r["epoch"]), []).append(100 * float(r["test_acc"]))
            rows = [(e, "%.4f" % statistics.fmean(v), "%.4f" % (statistics.stdev(v) if len(v) > 1 else 0)) for e, v in sorted(per_epoch.items())]
            curve_rows += [(c.label, c.net) + r for r in rows]
            f = self.dat("curve_%s.dat" % c.kind, rows)
            plots.append("'%s' using 1:2:3 with yerrorlines title '%s'" % (f, c.label))
        with open(os.path.join(self.out, "curves.csv"), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["label", "net", "epoch", "test_acc_mean", "test_acc_sd"])
            w.writerows(curve_rows)
        self.gnuplot("curves", "set xlabel 'epoch'\nset ylabel 'test accuracy (%)'\nset title 'MNIST: test accuracy per epoch (mean over seeds)'\nplot "
                     + (", ".join(plots) or "0 title 'no runs'") + "\n", "Training curves, dense vs DYAD (test accuracy per epoch)")
        # variants' accuracy per ndyad
        plots = []
        for k in ("dyad-it", "dyad-ot", "dyad-dt"):
            cs = self.ndyad_series(k)
            if cs:
                f = self.dat("variants_%s.dat" % k, [(c.param, "%.4f" % c.acc, "%.4f" % (c.acc_sd or 0)) for c in cs])
                plots.append("'%s' using 1:2:3 with yerrorlines title '%s'" % (f, k))
        if dense:
            plots.append("%.4f with lines dashtype 2 title 'dense'" % dense.acc)
        self.gnuplot("variants_per_ndyad", "set logscale x 2\nset xlabel 'ndyad'\nset ylabel 'test accuracy (%)'\n"
                     "set title 'MNIST: IT, OT, DT accuracy per ndyad'\nplot " + (", ".join(plots) or "0 title 'no runs'") + "\n",
                     "The variants' accuracy per ndyad (error bars: standard deviation over seeds)")

    # ------------------------------------------------------------- output
    def write_csvs(self):
        shutil.copyfile(os.path.join(self.rundir, "results.csv"), os.path.join(self.out, "results.csv"))
        with open(os.path.join(self.out, "summary.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["dataset", "label", "net", "kind", "param", "seeds", "epochs", "train_limit", "params",
                        "checkpoint_bytes", "nonzero_w", "epoch_s_mean", "epoch_s_sd", "speedup_vs_dense",
                        "speedup_se", "test_acc_mean", "test_acc_sd", "acc_pct_of_dense", "acc_pct_se", "hyperparameters", "note"])
            for c in self.configs:
                s, sse = c.speedup()
                p, pse = c.acc_pct()
                w.writerow([c.dataset, c.label, c.net, c.kind, c.param, c.n, c.epochs, c.limit, c.params, c.bytes,
                            "%.6f" % c.nonzero, "%.4f" % c.epoch_s, "" if c.epoch_sd is None else "%.4f" % c.epoch_sd,
                            "" if s is None else "%.4f" % s, "" if sse is None else "%.4f" % sse,
                            "%.4f" % c.acc, "" if c.acc_sd is None else "%.4f" % c.acc_sd,
                            "" if p is None else "%.3f" % p, "" if pse is None else "%.3f" % pse, c.hyper, c.note])
        with open(os.path.join(self.out, "claims.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["claim", "verdict", "numbers"])
            w.writerows(self.claims)

    def table(self, configs):
        out = ["| dataset | net | seeds | parameters | checkpoint | nonzero W | epoch time | speed-up | test accuracy | % of dense |",
               "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for c in configs:
            s, sse = c.speedup()
            p, pse = c.acc_pct()
            out.append("| %s | %s | %d | %s | %.2f MB | %.2f%% | %.2f s%s | %s | %.2f%%%s | %s |" % (
                c.dataset, c.label + (" (%s)" % c.net if c.kind == "mixed" or c.note else ""), c.n,
                format(c.params, ","), c.bytes / 1e6, 100 * c.nonzero, c.epoch_s,
                " ± %.2f" % c.epoch_sd if c.epoch_sd is not None else "",
                "-" if s is None else "%.2fx%s" % (s, " ± %.2f" % sse if sse is not None else ""),
                c.acc, " ± %.2f" % c.acc_sd if c.acc_sd is not None else "",
                "-" if p is None else "%.1f%%" % p))
        return "\n".join(out)

    def write_md(self):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        planned = len(self.plan)
        done_ids = {r["run_id"] for r in self.rows}
        missing = [p for p in self.plan if p["run_id"] not in done_ids]
        seconds = sum(float(s["seconds"]) for s in self.sessions)
        commits = sorted({s["commit"] for s in self.sessions}) or ["unknown"]
        cpus = sorted({"%s, %s cores" % (s["cpu"], s["cores"]) for s in self.sessions}) or ["unknown"]
        blas = sorted({s["blas"] for s in self.sessions}) or ["unknown"]
        commands = []
        for s in self.sessions:
            if s["command"] not in commands:
                commands.append(s["command"])
        hypers = sorted({(c.dataset, c.epochs, c.limit, c.hyper) for c in self.configs})
        notes = sorted({c.note for c in self.configs if c.note})
        seeds = sorted({int(s) for c in self.configs for s in c.seeds})
        L = []
        L.append("# DYAD study: generated report\n")
        L.append("Generated by `assets/study/report.py` from `%s` on %s. **Do not edit by hand**: "
                 "rerun the sweep and this script (`make reproduce`).\n" % (self.rundir, now))
        L.append("## Run\n")
        L.append("- Runs: %d finished of %d planned%s; seeds %s." % (
            len(self.rows), planned, "" if not missing else " (**incomplete**: %d missing)" % len(missing),
            ", ".join(map(str, seeds))))
        for d in self.disabled:
            L.append("- Disabled group (not run): %s." % d)
        L.append("- Commit: %s%s." % (", ".join("`%s`" % c for c in commits),
                                     "" if len(commits) == 1 else " (**more than one commit: not one run of one commit**)"))
        L.append("- Machine: %s; BLAS: %s." % ("; ".join(cpus), "; ".join(blas)))
        L.append("- Total run time: %s (%d sweep session%s), jobs: %s." % (
            fmt_h(seconds), len(self.sessions), "" if len(self.sessions) == 1 else "s",
            "; ".join(self.jobs) if self.jobs else "as given on the command line"))
        L.append("- Epoch times come from one shared machine; a loaded machine slows every run, and two runs side by "
                 "side share its cores. Speed-ups are ratios of runs of the same sweep.\n")
        L.append("Commands:\n\n```sh")
        L += commands
        L.append("python3 assets/study/report.py %s --out %s" % (self.rundir, self.out))
        L.append("```\n")
        L.append("Hyperparameters (identical within each dataset/epochs/limit; flags passed to `dyad train`, its "
                 "defaults otherwise):\n")
        for d, e, lim, h in hypers:
            L.append("- %s, %d epochs, %s: `%s`" % (d, e, "all training images" if not lim else "first %d training images" % lim, h or "(defaults)"))
        L.append("")
        L.append("Method: test accuracy after the last epoch; epoch time is the median of a run's epoch times "
                 "(training only, evaluation excluded); speed-up is the dense net's mean epoch time over this "
                 "net's, both of the same widths, dataset and recipe in this sweep; ± is one standard "
                 "deviation over seeds in the tables, two standard errors in the claims. A difference within two "
                 "standard errors is called inconclusive; with one seed no noise is estimated and the claim says so.\n")
        L.append("First layer where ndyad does not divide 784: the layer keeps DYAD with the largest divisor "
                 "of the requested ndyad that divides both its widths (16 for 32 and 64; 784 = 16 x 49); "
                 "the hidden 1024 x 1024 layer uses the requested ndyad. The net column shows every layer. "
                 + ("Notes: " + "; ".join(notes) + "." if notes else "No run needed it.") + "\n")
        L.append("## Headline\n")
        main = [c for c in self.configs if c.widths == self.main_widths and c.kind != "mixed" and c.kind not in BASELINE_KINDS]
        L.append(self.table(main))
        L.append("")
        L.append("## Claims\n")
        L.append("| claim | verdict | numbers |\n| --- | --- | --- |")
        for name, v, numbers in self.claims:
            L.append("| %s | **%s** | %s |" % (name, v, numbers.replace("|", "/")))
        L.append("")
        L.append("## Plots\n")
        for png, title in self.plots:
            L.append("### %s\n\n![%s](%s)\n" % (title, title, png))
        L.append("## All configurations\n")
        L.append(self.table(self.configs))
        L.append("")
        L.append("## Files\n")
        L.append("`summary.csv` (one row per configuration), `results.csv` (one row per run, as the sweep wrote it), "
                 "`claims.csv`, `curves.csv`, the plots' data in `plot-data/` and their gnuplot scripts.")
        with open(os.path.join(self.out, "REPORT.md"), "w") as f:
            f.write("\n".join(L) + "\n")

    def run(self):
        if not self.rows:
            sys.exit("report.py: %s/results.csv has no finished runs" % self.rundir)
        os.makedirs(self.out, exist_ok=True)
        widths = [c.widths for c in self.configs if c.dataset == "mnist" and c.kind.startswith("dyad-")]
        self.main_widths = max(set(widths), key=widths.count) if widths else self.configs[0].widths
        self.claim_90()
        self.claim_faster()
        self.claim_width()
        self.claim_tradeoff()
        self.claim_variants()
        self.claim_mix()
        self.claim_baselines()
        self.plot_all()
        self.write_csvs()
        self.write_md()
        print("report.py: wrote %s/REPORT.md (%d runs, %d configurations, %d plots)" % (
            self.out, len(self.rows), len(self.configs), len(self.plots)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rundir", help="the sweep's --out directory")
    ap.add_argument("--out", required=True, help="where REPORT.md, CSVs and PNGs go")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.rundir, "results.csv")):
        sys.exit("report.py: %s/results.csv not found (run dyad sweep first)" % a.rundir)
    Report(a.rundir, a.out).run()


if __name__ == "__main__":
    main()
