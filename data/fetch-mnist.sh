#!/usr/bin/env bash
# Downloads the four MNIST .gz files into this script's folder (`make data`),
# trying each mirror in turn and checking every file's sha256. Files already
# here with the right checksum are kept. Exits non-zero if any file is missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)

# MNIST_MIRROR (a URL ending in /, file:// works too) is tried first if set.
mirrors=(
  ${MNIST_MIRROR:+"$MNIST_MIRROR"}
  "https://ossci-datasets.s3.amazonaws.com/mnist/"
  "https://storage.googleapis.com/cvdf-datasets/mnist/"
  "http://yann.lecun.com/exdb/mnist/"
)

# The canonical files' sha256 (see shared/data/mnist/README.md).
files=(
  train-images-idx3-ubyte.gz
  train-labels-idx1-ubyte.gz
  t10k-images-idx3-ubyte.gz
  t10k-labels-idx1-ubyte.gz
)
sums=(
  440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609
  3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c
  8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
  f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6
)

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  echo "fetch-mnist: need sha256sum or shasum to check the downloads" >&2
  exit 1
fi

# download URL DEST: quiet, fails on HTTP errors, gives up on dead hosts quickly.
if command -v curl >/dev/null 2>&1; then
  download() { curl -fsSL --connect-timeout 15 --max-time 600 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  download() { wget -q --timeout=15 --tries=2 -O "$2" "$1"; }
else
  echo "fetch-mnist: need curl or wget to download MNIST" >&2
  exit 1
fi

tmp=""
dead=" " # mirrors that already failed: offline, each is tried once, not once per file
trap '[ -n "$tmp" ] && rm -f "$tmp"' EXIT

missing=()
for i in "${!files[@]}"; do
  name=${files[$i]} want=${sums[$i]} dest="$here/${files[$i]}"
  if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$want" ]; then
    echo "fetch-mnist: $name already present and valid"
    continue
  fi
  [ -f "$dest" ] && echo "fetch-mnist: $name is present but its checksum is wrong; downloading again"
  ok=0
  for mirror in "${mirrors[@]}"; do
    case "$dead" in *" $mirror "*) continue ;; esac
    # Download beside the destination, then rename: no half file under the real name.
    tmp=$(mktemp "$here/.$name.XXXXXX") || exit 1
    echo "fetch-mnist: $name from $mirror"
    if ! download "$mirror$name" "$tmp"; then
      echo "fetch-mnist:   failed to download from $mirror; not trying it again" >&2
      dead="$dead$mirror "
    elif [ "$(sha256 "$tmp")" != "$want" ]; then
      echo "fetch-mnist:   wrong sha256 from $mirror (got $(sha256 "$tmp"))" >&2
    else
      chmod 644 "$tmp" && mv -f "$tmp" "$dest" && ok=1 # mktemp made it 0600
    fi
    rm -f "$tmp"
    tmp=""
    [ $ok -eq 1 ] && break
  done
  [ $ok -eq 1 ] || missing+=("$name")
done

if [ ${#missing[@]} -gt 0 ]; then
  cat >&2 <<EOF

fetch-mnist: could not download ${missing[*]} from any mirror
(is this machine offline?). If you have the four MNIST files elsewhere
(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
t10k-labels-idx1-ubyte, each raw or .gz), point dyad at their folder:
    ./dyad train --data /path/to/mnist        (or: export MNIST_DIR=/path/to/mnist)
or copy them into $here/ and run \`make data\` again to check them.
EOF
  exit 1
fi
echo "fetch-mnist: all four MNIST files are in $here"
