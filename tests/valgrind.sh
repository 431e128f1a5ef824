#!/usr/bin/env bash
# `make valgrind`: valgrind memcheck on the image and checkpoint paths of the
# real program (the system libstb is not instrumented, so ASan cannot see into
# it). Runs predict on every image fixture and the hostile images, info and a
# small eval (raw and gzip IDX) on a real model, and a one-epoch train that
# saves a checkpoint. Fails on any memcheck error or definite leak, or when a
# command's exit status is not the expected one.
# usage: bash tests/valgrind.sh [DYAD_BIN]   (MNIST_DIR: the MNIST files)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-./dyad}
mnist=${MNIST_DIR:-../shared/data/mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 99: tells memcheck's verdict apart from dyad's own exit statuses.
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)
export OPENBLAS_NUM_THREADS=1
failed=0

# check WANT_STATUS ARGS...: runs dyad ARGS under memcheck.
check() {
    local want=$1
    shift
    "${vg[@]}" "$bin" "$@" > "$tmp/out" 2>&1
    local rc=$?
    if [ $rc -eq 99 ]; then
        cat "$tmp/out"
        echo "valgrind: FAILED (memcheck errors): dyad $*"
        failed=1
    elif [ $rc -ne "$want" ]; then
        cat "$tmp/out"
        echo "valgrind: FAILED (exit $rc, expected $want): dyad $*"
        failed=1
    else
        echo "valgrind: clean (exit $rc): dyad $*"
    fi
}

model=assets/dyad.safetensors
fx=tests/fixtures
check 0 predict "$model" $fx/seven_dark_on_white.png $fx/seven_16bit.png $fx/one_transparent.png \
    $fx/zero_light_on_black.pgm $fx/four_on_grey.bmp $fx/four_top_down.bmp
for bad in $fx/zero_16bit.pgm $fx/seven_truncated.jpg tests/fuzz/regressions/image/*.*; do
    check 1 predict "$model" "$bad"
done
check 0 info "$model"
for bad in tests/fuzz/regressions/checkpoint/*.safetensors; do
    check 1 info "$bad"
done

# A small MNIST: the first 300 test and 600 training images, images as .gz.
small=$tmp/mnist
mkdir -p "$small"
python3 - "$mnist" "$small" <<'PY' || { echo "valgrind: cannot read MNIST in $mnist"; exit 1; }
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def read(name):
    path = os.path.join(src, name)
    return gzip.open(path + ".gz").read() if os.path.exists(path + ".gz") else open(path, "rb").read()
for split, n in (("t10k", 300), ("train", 600)):
    img, lab = read(split + "-images-idx3-ubyte"), read(split + "-labels-idx1-ubyte")
    with gzip.open(os.path.join(dst, split + "-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + img[16:16 + n * 784])
    with open(os.path.join(dst, split + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + lab[8:8 + n])
PY
check 0 eval "$model" --data "$small" --threads 1
check 0 train --data "$small" --layers dyad-it/4:64,dense:10 --epochs 1 --batch 50 --threads 1 \
    --out "$tmp/small.safetensors"
check 0 info "$tmp/small.safetensors"

[ $failed -eq 0 ] && echo "valgrind: all clean"
exit $failed
