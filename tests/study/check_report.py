#!/usr/bin/env python3
"""Checks that a generated study report is well-formed and agrees with its runs.

    python3 tests/study/check_report.py RUNDIR REPORTDIR [README]

RUNDIR is the sweep's --out, REPORTDIR what assets/study/report.py wrote.
Checks: every planned run has exactly one row (no duplicates, no strays);
the rows survive a CSV round trip (report's results.csv == the sweep's);
every column the issue asks for is present and parses; REPORT.md has its
sections, machine, commit, commands and total run time, one verdict from
the allowed set per claim, and every plot it links exists as a PNG; the
headline numbers equal summary.csv's; with README, its generated study block
holds the report's commit, a row for every headline configuration with the
same accuracy, every claim with the same verdict, and two plots that exist.
Prints one line per failure and exits 1 if there is any.
"""
import csv
import math
import os
import re
import sys

COLUMNS = ["run_id", "group", "label", "dataset", "net", "kind", "param", "seed", "epochs",
           "train_limit", "hyperparameters", "threads", "jobs", "params", "checkpoint_bytes",
           "nonzero_w", "epoch_s", "test_acc", "best_test_acc", "dense_run_id", "speedup_vs_dense",
           "acc_pct_of_dense", "wall_s", "finished_utc", "note"]
NUMERIC = ["seed", "epochs", "train_limit", "threads", "jobs", "params", "checkpoint_bytes",
           "nonzero_w", "epoch_s", "test_acc", "best_test_acc", "wall_s"]
VERDICTS = {"holds", "does not hold", "inconclusive", "not tested"}
SECTIONS = ["## Run", "## Headline", "## Claims", "## Plots", "## All configurations"]


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.reader(line for line in f if not line.startswith("#")))


def check_readme(readme, report, md, summary, claims, err):
    text = open(readme).read()
    begin = text.find("<!-- study:begin")
    end = text.find("<!-- study:end -->")
    if begin < 0 or end < begin:
        err("%s: no generated study block" % readme)
        return
    block = text[begin:end]
    commit = re.search(r"Commit: `([0-9a-f]+)`", md)
    if commit and "`%s`" % commit.group(1) not in block:
        err("%s: study block does not name the report's commit %s" % (readme, commit.group(1)))
    headline = md.split("## Headline")[-1].split("## Claims")[0]
    for line in headline.splitlines():
        if line.startswith("| mnist |") and line not in block:
            err("%s: study block lacks the headline row %s" % (readme, line[:60]))
    for c in claims:
        if "| %s | **%s** |" % (c[0], c[1]) not in block:
            err("%s: study block lacks claim '%s' as %s" % (readme, c[0], c[1]))
    pngs = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", block)
    if len(pngs) != 2:
        err("%s: study block shows %d plots, not 2" % (readme, len(pngs)))
    for p in pngs:
        if not os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(readme)), p)):
            err("%s: plot %s does not exist" % (readme, p))


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    rundir, report = sys.argv[1:3]
    readme = sys.argv[3] if len(sys.argv) == 4 else None
    errors = []
    err = errors.append

    results = rows_of(os.path.join(rundir, "results.csv"))
    if results[0] != COLUMNS:
        err("results.csv: header %s, expected %s" % (results[0], COLUMNS))
    rows = [dict(zip(results[0], r)) for r in results[1:]]
    for i, r in enumerate(results[1:], 2):
        if len(r) != len(COLUMNS):
            err("results.csv line %d: %d fields, expected %d" % (i, len(r), len(COLUMNS)))
    ids = [r["run_id"] for r in rows]
    if len(ids) != len(set(ids)):
        err("results.csv: duplicate run ids %s" % sorted({i for i in ids if ids.count(i) > 1}))
    plan = [dict(zip(p[0], x)) for p in [rows_of(os.path.join(rundir, "plan.csv"))] for x in p[1:]]
    planned = {p["run_id"] for p in plan}
    if set(ids) != planned:
        err("results.csv vs plan.csv: missing %s, not planned %s" % (sorted(planned - set(ids)), sorted(set(ids) - planned)))
    for r in rows:
        for c in NUMERIC:
            try:
                v = float(r[c])
                if not math.isfinite(v) or v < 0:
                    raise ValueError
            except ValueError:
                err("results.csv run %s: %s = %r is not a non-negative number" % (r["run_id"], c, r[c]))
        if not 0 <= float(r["test_acc"] or -1) <= 1:
            err("results.csv run %s: test_acc %s outside [0, 1]" % (r["run_id"], r["test_acc"]))
        if "," in r["net"] and ":" not in r["net"]:
            err("results.csv run %s: net %r lost in the round trip" % (r["run_id"], r["net"]))
    copy = rows_of(os.path.join(report, "results.csv"))
    if copy != results:
        err("the report's results.csv differs from the sweep's")

    md_path = os.path.join(report, "REPORT.md")
    md = open(md_path).read()
    for s in SECTIONS:
        if s not in md:
            err("REPORT.md: no section '%s'" % s)
    for needle in ("Commit: `", "Machine: ", "BLAS: ", "Total run time: ", "```sh", "dyad sweep ", "report.py"):
        if needle not in md:
            err("REPORT.md: missing %r" % needle)
    if "Do not edit by hand" not in md:
        err("REPORT.md: missing the generated-file notice")
    claims = re.findall(r"^\| ([^|]+) \| \*\*([^*]+)\*\* \|", md, re.M)
    if len(claims) < 7:
        err("REPORT.md: %d claims, expected at least 7" % len(claims))
    for name, v in claims:
        if v not in VERDICTS:
            err("REPORT.md: claim '%s' has verdict '%s'" % (name.strip(), v))
    pngs = re.findall(r"!\[[^]]*\]\(([^)]+\.png)\)", md)
    if len(pngs) < 5:
        err("REPORT.md: %d plots, expected 5" % len(pngs))
    for p in pngs:
        path = os.path.join(report, p)
        if not os.path.exists(path):
            err("REPORT.md links %s, which does not exist" % p)
        else:
            with open(path, "rb") as f:
                head = f.read(8)
            if head != b"\x89PNG\r\n\x1a\n" or os.path.getsize(path) < 1000:
                err("%s is not a PNG with content" % p)

    summary = [dict(zip(s[0], x)) for s in [rows_of(os.path.join(report, "summary.csv"))] for x in s[1:]]
    if sum(int(s["seeds"]) for s in summary) != len(rows):
        err("summary.csv counts %d runs, results.csv has %d" % (sum(int(s["seeds"]) for s in summary), len(rows)))
    table = md.split("## All configurations")[-1]
    for s in summary:
        acc = "%.2f%%" % float(s["test_acc_mean"])
        line = next((l for l in table.splitlines() if l.startswith("| %s | %s" % (s["dataset"], s["label"]))
                     and "| %s |" % format(int(s["params"]), ",") in l), None)
        if not line:
            err("REPORT.md: no table row for %s %s" % (s["dataset"], s["label"]))
        elif acc not in line:
            err("REPORT.md: %s %s shows no %s (summary.csv)" % (s["dataset"], s["label"], acc))

    if readme:
        check_readme(readme, report, md, summary, claims, err)

    for e in errors:
        print("check_report: " + e)
    print("check_report: %s: %d runs, %d configurations, %d claims, %d plots: %s" % (
        report, len(rows), len(summary), len(claims), len(pngs), "FAILED" if errors else "ok"))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
