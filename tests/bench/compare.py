#!/usr/bin/env python3
"""`make bench-compare`: dyad against PyTorch on the same nets, interleaved, one table.

A benchmark, not a test: CI does not run it and nothing here asserts a speed. Steps:
  1. `dyad bench --peak --json`: plain sgemm on the dense net's batch shapes (the FLOP
     limit's rate), before and after the training runs; the mean of the two is used;
  2. rounds of: `dyad train` on every net, then tests/bench/torch_peer.py on every net
     (the order flips each round); images/s = median over epochs, then over rounds;
  3. the layer benchmark (`dyad bench --json --strategy pool`) against issue 8's targets;
  4. one-image inference of the shipped models (the window's path).
The FLOP limit of a net is peak / (6 x its stored weights) images/s (forward, dX, dW).

Standard library only (torch is used by the peer, under /usr/bin/python3).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
NETS = {
    "dense": "dense:1024,dense:1024,dense:10",
    "DYAD-IT/4": "dyad-it/4:1024,dyad-it/4:1024,dense:10",
    "DYAD-IT/8": "dyad-it/8:1024,dyad-it/8:1024,dense:10",
}
# issue 8, item 5: (fraction of the FLOP limit, ratio to PyTorch)
NET_TARGETS = {"dense": (0.75, 1.2), "DYAD-IT/4": (0.60, 1.3), "DYAD-IT/8": (0.45, 1.3)}


def stored_weights(spec, fin=784):
    total = 0
    for part in spec.split(","):
        kind_n, width = part.split(":")
        width = int(width)
        n = int(kind_n.split("/")[1]) if "/" in kind_n else 1
        total += fin * width if n == 1 else 2 * fin * width // n
        fin = width
    return total


def run(cmd, env=None):
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        sys.exit(f"bench-compare: {' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return res.stdout


def peak(dyad, threads, batch, repeats):
    out = run([dyad, "bench", "--peak", "--json", "--threads", str(threads), "--batch",
               str(batch), "--repeats", str(repeats)])
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {r["strategy"]: r["gflops"] for r in rows}


def dyad_rate(args, spec, tmp):
    metrics = os.path.join(tmp, "metrics.csv")
    run([args.dyad, "train", "--data", args.data, "--layers", spec, "--epochs", str(args.epochs),
         "--train-limit", str(args.train_limit), "--batch", str(args.batch), "--threads",
         str(args.threads), "--lr", "0.05", "--schedule", "constant", "--metrics", metrics,
         "--out", os.path.join(tmp, "model.safetensors")])
    with open(metrics) as f:
        rates = [float(row["images_per_s"]) for row in csv.DictReader(f)]
    return statistics.median(rates)


def torch_rates(args, specs):
    cmd = [args.python, os.path.join(HERE, "torch_peer.py"), "--data", args.data, "--epochs",
           str(args.epochs), "--train-limit", str(args.train_limit), "--batch", str(args.batch),
           "--threads", str(args.threads)]
    for spec in specs:
        cmd += ["--layers", spec]
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    out = run(cmd, env)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {r["layers"]: r["images_per_s"] for r in rows}


def layer_targets(args):
    """Layer benchmark rows and the issue's speed-up targets."""
    cells = [(w, 256, n) for w in args.layer_widths if w >= 2048 for n in (4, 8, 16)]
    cells += [(1024, 64, n) for n in (4, 8)] if 1024 in args.layer_widths else []
    rows = []
    for batch in sorted({c[1] for c in cells}):
        widths = sorted({c[0] for c in cells if c[1] == batch})
        ndyads = sorted({c[2] for c in cells if c[1] == batch})
        out = run([args.dyad, "bench", "--json", "--strategy", "pool", "--threads",
                   str(args.threads), "--repeats", str(args.layer_repeats), "--batch", str(batch),
                   "--widths", ",".join(map(str, widths)), "--ndyad",
                   ",".join(map(str, ndyads))])
        rows += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    table = []
    for r in rows:
        if r["variant"] == "dense" or (r["width"], r["batch"], r["ndyad"]) not in cells:
            continue
        factor = 0.75 if r["batch"] == 64 else 0.85
        target = factor * r["ndyad"] / 2
        table.append((r["width"], r["batch"], r["variant"], r["ndyad"], r["speedup"], target))
    return table


def inference_us(dyad):
    script = os.path.join(HERE, "..", "scripts", "digit-7.script")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    res = subprocess.run([dyad, "draw", "--script", script, "--print-timing"],
                         capture_output=True, text=True, env=env)
    return [line for line in res.stdout.splitlines() if line.startswith("timing forward")]


def main():
    p = argparse.ArgumentParser(description="dyad vs PyTorch, interleaved, one table")
    p.add_argument("--dyad", default="./dyad")
    p.add_argument("--python", default="/usr/bin/python3", help="a python3 with torch")
    p.add_argument("--data", default=os.environ.get("MNIST_DIR", "data"))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-limit", type=int, default=12800)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--nets", default=",".join(NETS), help="comma list of " + ", ".join(NETS))
    p.add_argument("--layer-widths", default="1024,2048,4096",
                   help="layer benchmark widths; empty: skip it")
    p.add_argument("--layer-repeats", type=int, default=9)
    args = p.parse_args()
    args.layer_widths = [int(w) for w in args.layer_widths.split(",") if w]
    nets = [n.strip() for n in args.nets.split(",") if n.strip()]
    for n in nets:
        if n not in NETS:
            sys.exit(f"bench-compare: unknown net '{n}' (known: {', '.join(NETS)})")
    specs = [NETS[n] for n in nets]

    peaks = [peak(args.dyad, args.threads, args.batch, 9)]
    dyad_runs = {s: [] for s in specs}
    torch_runs = {s: [] for s in specs}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = ["dyad", "torch"] if r % 2 == 0 else ["torch", "dyad"]
            for side in order:
                if side == "dyad":
                    for s in specs:
                        dyad_runs[s].append(dyad_rate(args, s, tmp))
                else:
                    for s, v in torch_rates(args, specs).items():
                        torch_runs[s].append(v)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    peaks.append(peak(args.dyad, args.threads, args.batch, 9))
    rate = statistics.mean(p["best"] for p in peaks)

    print(f"MLP 784-1024-1024-10, batch {args.batch}, {args.threads} threads, SGD momentum 0.9, "
          f"{args.train_limit} MNIST images x {args.epochs} epochs, median over epochs and "
          f"{args.rounds} interleaved rounds")
    print(f"plain sgemm on the dense net's batch-{args.batch} shapes: "
          + ", ".join(f"{k} {v:.1f}" for k, v in peaks[0].items() if k != "best")
          + f" GFLOP/s (before), best {peaks[0]['best']:.1f} before / {peaks[1]['best']:.1f} after;"
          f" FLOP limit uses {rate:.1f}")
    print()
    print("| net | dyad images/s | PyTorch images/s | ratio | FLOP limit images/s "
          "| dyad % of limit | PyTorch % of limit | targets (limit, ratio) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, s in zip(nets, specs):
        d, t = statistics.median(dyad_runs[s]), statistics.median(torch_runs[s])
        limit = rate * 1e9 / (6 * stored_weights(s))
        goal = NET_TARGETS.get(n)
        met = ""
        if goal:
            ok_limit, ok_ratio = d / limit >= goal[0], d / t >= goal[1]
            met = (f"{goal[0]:.0%} {'met' if ok_limit else 'not met'}, "
                   f"{goal[1]:.1f}x {'met' if ok_ratio else 'not met'}")
        print(f"| {n} | {d:,.0f} | {t:,.0f} | {d / t:.2f}x | {limit:,.0f} | {d / limit:.0%} "
              f"| {t / limit:.0%} | {met} |")
    sys.stdout.flush()

    if args.layer_widths:
        print()
        print(f"Layer forward+backward, pool strategy, {args.threads} threads, speed-up over our "
              "dense layer, timed interleaved (median of the per-repeat ratios), against "
              "issue 8's targets:")
        print("| width | batch | variant | ndyad | speed-up | target | |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for w, b, v, n, sp, goal in layer_targets(args):
            print(f"| {w} | {b} | {v} | {n} | {sp:.2f}x | {goal:.2f}x | "
                  f"{'met' if sp >= goal else 'not met'} |")
    print()
    for line in inference_us(args.dyad):
        print(line + " (one image, the window's path; target < 300 us)")


if __name__ == "__main__":
    main()
