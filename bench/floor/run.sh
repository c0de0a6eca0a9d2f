#!/usr/bin/env bash
# Builds and runs norm_floor.c (see its header): the forward of BN, LN, GN4 and IN in plain C with
# AVX2, as multiples of memcpy, on one and two threads, with x and y aligned and at .NET-like
# offsets. Needs gcc with OpenMP (Debian: gcc). Usage: bash bench/floor/run.sh [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp -d)/norm_floor
trap 'rm -rf "$(dirname "$bin")"' EXIT
gcc -O3 -mavx2 -mfma -fopenmp -o "$bin" "$here/norm_floor.c" -lm
for round in $(seq "${1:-2}"); do
  for threads in 1 2; do
    for offsets in "0 0" "16 8"; do
      OMP_PROC_BIND=true "$bin" "$threads" $offsets
    done
  done
done
