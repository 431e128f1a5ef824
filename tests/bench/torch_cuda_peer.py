#!/usr/bin/env python3
"""The PyTorch peer of `dyad bench --device cuda` and `dyad train --device cuda` (a benchmark).

Layers: one square layer (width x width) forward+backward (dx and the weight gradients),
nn.Linear against DYAD written as the authors' code does (wl, wu 3-D parameters, each part
one torch.bmm over the blocks, tests/bench/torch_peer.py's Dyad), in fp32 (TF32 off) or
bf16 (parameters and activations in bfloat16). Each cell: the median over --repeats of the
mean time of enough calls to fill 20 ms, timed with CUDA events.

--mnist: trains 784-1024-1024-10 dense and DYAD-IT/4 on MNIST with the data on the GPU,
SGD with momentum, at each --train-batch; images/s of the second epoch (the first warms up).

One JSON line per result (side "torch"), and a table on stderr.
"""
import argparse
import json
import os
import statistics
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import Dyad, build, find, read_idx  # noqa: E402


def time_call(fn, repeats):
    """Median over repeats of the mean seconds per call, each sample >= 20 ms."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    calls = 1
    while True:
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        end.synchronize()
        if start.elapsed_time(end) > 20 or calls > 1 << 16:
            break
        calls *= 2
    samples = []
    for _ in range(repeats):
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end) / 1e3 / calls)
    return statistics.median(samples)


def bench_layers(args, dtype, precision):
    dev = torch.device("cuda")
    torch.set_default_device(dev)  # parameters are made on the GPU, not copied there
    for batch in args.batch:
        for width in args.widths:
            x = torch.rand(batch, width, device=dev, dtype=dtype, requires_grad=True)
            dy = (torch.rand(batch, width, device=dev, dtype=dtype) - 0.5)
            dense = nn.Linear(width, width).to(dev, dtype)

            def step(m):
                def fn():
                    y = m(x)
                    y.backward(dy)
                return fn

            def fwd(m):
                def fn():
                    with torch.no_grad():
                        m(x)
                return fn

            t_dense = time_call(step(dense), args.repeats)
            f_dense = time_call(fwd(dense), args.repeats)
            flops = 6.0 * width * width * batch
            rows = [("dense", 1, f_dense, t_dense, flops)]
            del dense
            for kind in args.kinds:
                for n in args.ndyad:
                    if width % n:
                        continue
                    m = Dyad(kind, n, width, width).to(dev, dtype)
                    t = time_call(step(m), args.repeats)
                    f = time_call(fwd(m), args.repeats)
                    rows.append((kind, n, f, t, 2 * 6.0 * (width // n) * width * batch))
                    del m
            for kind, n, f, t, fl in rows:
                rec = {"side": "torch", "kind": "layer", "variant": kind, "precision": precision,
                       "width": width, "batch": batch, "ndyad": n, "forward_ms": f * 1e3,
                       "ms": t * 1e3, "tflops": fl / t / 1e12, "speedup": t_dense / t,
                       "ideal": n / 2 if kind != "dense" else 1.0}
                print(json.dumps(rec), flush=True)
                print(f"torch {precision} {width:6d} {batch:5d} {kind:8s} {n:3d} "
                      f"fwd {f*1e6:10.1f} us  fwd+bwd {t*1e6:10.1f} us  {fl/t/1e12:7.1f} TFLOP/s"
                      f"  speed {t_dense/t:5.2f}x", file=sys.stderr, flush=True)
            del x, dy


def bench_mnist(args):
    dev = torch.device("cuda")
    images = read_idx(find(args.data, "train-images-idx3-ubyte"))
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"))
    x_all = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0).to(dev)
    y_all = torch.from_numpy(labels.astype(np.int64)).to(dev)
    count = x_all.shape[0]
    for spec, name in (("dense:1024,dense:1024,dense:10", "dense"),
                       ("dyad-it/4:1024,dyad-it/4:1024,dense:10", "dyad-it/4")):
        for batch in args.train_batch:
            torch.manual_seed(1)
            net = build(spec, 784).to(dev)
            opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
            loss_fn = nn.CrossEntropyLoss()
            rates = []
            for _ in range(2):
                order = torch.randperm(count, device=dev)
                total = torch.zeros((), device=dev)
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                for first in range(0, count, batch):
                    idx = order[first:first + batch]
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(net(x_all[idx]), y_all[idx])
                    loss.backward()
                    opt.step()
                    total += loss.detach() * len(idx)
                end.record()
                end.synchronize()
                rates.append(count / (start.elapsed_time(end) / 1e3))
            rec = {"side": "torch", "kind": "mnist", "net": name, "batch": batch,
                   "images_per_s": rates[-1], "loss": float(total) / count}
            print(json.dumps(rec), flush=True)
            print(f"torch mnist {name:10s} batch {batch:5d}: {rates[-1]:10.0f} images/s",
                  file=sys.stderr, flush=True)


def ints(text):
    return [int(v) for v in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--widths", type=ints, default=[1024, 2048, 4096, 8192])
    p.add_argument("--batch", type=ints, default=[256, 4096])
    p.add_argument("--ndyad", type=ints, default=[4, 8, 16])
    p.add_argument("--kinds", default="dyad-it,dyad-ot,dyad-dt")
    p.add_argument("--precision", default="fp32", help="fp32, bf16 or fp32,bf16")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--mnist", action="store_true")
    p.add_argument("--train-batch", type=ints, default=[64, 1024])
    p.add_argument("--data", default=os.environ.get("MNIST_DIR", "data"))
    args = p.parse_args()
    args.kinds = args.kinds.split(",")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}", file=sys.stderr)
    if args.mnist:
        bench_mnist(args)
        return
    for precision in args.precision.split(","):
        bench_layers(args, torch.bfloat16 if precision == "bf16" else torch.float32, precision)


if __name__ == "__main__":
    main()
