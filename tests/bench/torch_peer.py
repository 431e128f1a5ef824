#!/usr/bin/python3
"""The PyTorch peer of `dyad train` for `make bench-compare` (a benchmark, not a test).

Trains the same MLP on the same MNIST subset with the same batch and SGD with momentum,
and prints one JSON line per net: images/s of every epoch and their median. DYAD layers
are written as in the authors' code: wl and wu are 3-D parameters (ndyad, out/ndyad,
in/ndyad) and each part is one torch.bmm over the blocks; IT/OT/DT differ only in how
the input is viewed before, and the output after, the BLOCK TRANS bmm.

Needs Debian's python3-torch (1.13); run it with /usr/bin/python3.
"""
import os

# Before torch is imported: otherwise its OpenMP threads spin against
# OpenBLAS's pthreads on the cores and it runs 2-5x slower.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


class Dyad(nn.Module):
    """y = BD(wl) x + BLOCK TRANS(wu) x + bias, on (batch, features) rows."""

    def __init__(self, kind, ndyad, fin, fout):
        super().__init__()
        self.kind, self.n = kind, ndyad
        self.a, self.b = fin // ndyad, fout // ndyad
        k = 1.0 / fin ** 0.5
        self.wl = nn.Parameter(torch.empty(ndyad, self.b, self.a).uniform_(-k, k))
        self.wu = nn.Parameter(torch.empty(ndyad, self.b, self.a).uniform_(-k, k))
        self.bias = nn.Parameter(torch.empty(fout).uniform_(-k, k))

    def forward(self, x):
        bsz, n, a, b = x.shape[0], self.n, self.a, self.b
        # BLOCK DIAG: block k reads inputs k*a .. k*a+a-1
        xl = x.view(bsz, n, a).transpose(0, 1)                       # (n, B, a)
        yl = torch.bmm(xl, self.wl.transpose(1, 2))                  # (n, B, b)
        # BLOCK TRANS: strided inputs (IT, DT) read k, k+n, ...
        if self.kind in ("dyad-it", "dyad-dt"):
            xu = x.view(bsz, a, n).permute(2, 0, 1)                  # (n, B, a)
        else:
            xu = xl
        yu = torch.bmm(xu, self.wu.transpose(1, 2))                  # (n, B, b)
        yl = yl.transpose(0, 1).reshape(bsz, n * b)
        # strided outputs (OT, DT) write k, k+n, ...
        if self.kind in ("dyad-ot", "dyad-dt"):
            yu = yu.permute(1, 2, 0).reshape(bsz, b * n)
        else:
            yu = yu.transpose(0, 1).reshape(bsz, n * b)
        return yl + yu + self.bias


def build(spec, fin):
    """spec like dyad's --layers: dyad-it/4:1024,dyad-it/4:1024,dense:10."""
    mods = []
    parts = spec.split(",")
    for i, part in enumerate(parts):
        kind_n, width = part.split(":")
        width = int(width)
        if "/" in kind_n:
            kind, n = kind_n.split("/")
            mods.append(Dyad(kind, int(n), fin, width))
        else:
            lin = nn.Linear(fin, width)
            k = 1.0 / fin ** 0.5
            nn.init.uniform_(lin.weight, -k, k)
            nn.init.uniform_(lin.bias, -k, k)
            mods.append(lin)
        if i + 1 < len(parts):
            mods.append(nn.ReLU())
        fin = width
    return nn.Sequential(*mods)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"torch_peer: {name}(.gz) not found in {data_dir}")


def train(net, images, labels, epochs, batch, lr, momentum, seed):
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    rates, losses = [], []
    count = images.shape[0]
    for _ in range(epochs):
        order = torch.randperm(count, generator=gen)
        start = time.perf_counter()
        total = 0.0
        for first in range(0, count, batch):
            idx = order[first:first + batch]
            x, y = images[idx], labels[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        rates.append(count / (time.perf_counter() - start))
        losses.append(total / count)
    return rates, losses


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.environ.get("MNIST_DIR", "data"))
    p.add_argument("--layers", action="append", required=True,
                   help="net as dyad's --layers; repeat for several nets")
    p.add_argument("--name", action="append", help="label per --layers")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-limit", type=int, default=12800)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images = read_idx(find(args.data, "train-images-idx3-ubyte"))[:args.train_limit]
    labels = read_idx(find(args.data, "train-labels-idx1-ubyte"))[:args.train_limit]
    # the whole subset as one float tensor, pixel / 255: the batch is one gather
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    names = args.name or args.layers
    for name, spec in zip(names, args.layers):
        net = build(spec, x.shape[1])
        rates, losses = train(net, x, y, args.epochs, args.batch, args.lr, args.momentum,
                              args.seed)
        print(json.dumps({"side": "torch", "net": name, "layers": spec,
                          "images_per_s": statistics.median(rates), "epochs": rates,
                          "loss": losses, "threads": torch.get_num_threads(),
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
