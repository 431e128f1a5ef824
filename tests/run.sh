#!/usr/bin/env bash
# Runs every test binary given, then prints one summary line:
# "tests: N passed, M failed" counting the individual test cases.
set -u
passed=0 failed=0 bad_bins=()
for bin in "$@"; do
  name=$(basename "$bin")
  out=$("$bin" 2>&1); rc=$?
  printf '%s\n' "$out" | sed "s/^/[$name] /"
  p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
  if [ $rc -ne 0 ]; then
    bad_bins+=("$name")
    [ "$f" -eq 0 ] && failed=$((failed + 1))  # crashed before reporting
  fi
done
[ ${#bad_bins[@]} -gt 0 ] && echo "failing binaries: ${bad_bins[*]}"
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ ${#bad_bins[@]} -eq 0 ]
