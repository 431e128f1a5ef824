#!/usr/bin/env bash
# Regenerates the models the window ships with (`make models`): a DYAD-IT
# model and its dense baseline of the same widths, trained by our own
# `dyad train` with its default recipe plus data augmentation (random affine
# and elastic distortion of every training image, different every epoch), so
# they read drawings in the window that look nothing like MNIST. Needs MNIST
# (make data, or MNIST_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${MNIST_DIR:-data}"
common=(--data "$data" --hidden 512,512 --epochs 30 --seed 1 --augment affine,elastic)
./dyad train "${common[@]}" --kind dyad-it --ndyad 4 --out assets/dyad.safetensors
./dyad train "${common[@]}" --kind dense --out assets/dense.safetensors
./dyad info assets/dyad.safetensors
./dyad info assets/dense.safetensors
