#!/usr/bin/env python3
"""Tables from one H200 run of `dyad bench --device cuda --json` and
tests/bench/torch_cuda_peer.py (a report, not a test).

usage: cuda_compare.py --ours fp32=ours_fp32.jsonl --ours bf16=ours_bf16.jsonl --torch torch.jsonl
Prints, per precision, one markdown row per layer: our fwd+bwd time, our DYAD/dense speedup
against the ideal ndyad/2, TFLOP/s and share of our measured GEMM peak, PyTorch's time and its
bmm-DYAD/nn.Linear speedup, and ours vs PyTorch (PyTorch time / our time); then the width at
which our DYAD speedup first reaches 90% of ndyad/2 per batch, kind and ndyad.
"""
import argparse
import json


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ours", action="append", required=True, help="PRECISION=FILE.jsonl")
    p.add_argument("--torch", action="append", default=[])
    args = p.parse_args()
    torch_rows = {}
    for path in args.torch:
        for r in load(path):
            if r.get("kind") == "layer":
                torch_rows[(r["precision"], r["width"], r["batch"], r["variant"], r["ndyad"])] = r
    for spec in args.ours:
        precision, path = spec.split("=", 1)
        rows = load(path)
        peak = next((r["tflops"] for r in rows if r.get("kind") == "peak"), None)
        print(f"\n### {precision}: ours (cuBLAS, one strided-batched GEMM per DYAD part) vs "
              f"PyTorch (nn.Linear, bmm DYAD); our GEMM peak {peak} TFLOP/s\n")
        print("| width | batch | kind | ndyad | ours fwd+bwd us | ours vs dense | ideal | "
              "TFLOP/s | % peak | torch us | torch vs Linear | ours vs torch |")
        print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        reach = {}
        for r in rows:
            if r.get("kind") != "layer":
                continue
            key = (precision, r["width"], r["batch"], r["variant"], r["ndyad"])
            t = torch_rows.get(key)
            tus = f"{t['ms'] * 1e3:.1f}" if t else "-"
            tsp = f"{t['speedup']:.2f}x" if t else "-"
            vs = f"{t['ms'] / r['ms']:.2f}x" if t else "-"
            print(f"| {r['width']} | {r['batch']} | {r['variant']} | {r['ndyad']} | "
                  f"{r['ms'] * 1e3:.1f} | {r['speedup']:.2f}x | {r['ideal']:.1f}x | "
                  f"{r['gflops'] / 1e3:.1f} | {r.get('peak_pct', 0):.0f}% | {tus} | {tsp} | {vs} |")
            if r["variant"] != "dense" and r["speedup"] >= 0.9 * r["ideal"]:
                k = (r["batch"], r["variant"], r["ndyad"])
                reach[k] = min(reach.get(k, 1 << 30), r["width"])
        print(f"\nwidth where our DYAD speedup first reaches 0.9 x ndyad/2 ({precision}):")
        for k in sorted(reach):
            print(f"- batch {k[0]}, {k[1]}/{k[2]}: width {reach[k]}")


if __name__ == "__main__":
    main()
