#!/usr/bin/env bash
# Data-parallel throughput of the CNN: 1 rank on 1 core vs 2 ranks on 2 cores (one kernel thread
# per rank), then the cost of synchronized over local batch norm. Needs Open MPI.
# usage: bash bench/distributed.sh [extra DistributedBench options, e.g. --steps 60]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/NormLab.Bench >/dev/null
BENCH="dotnet bench/NormLab.Bench/bin/Release/net10.0/NormLab.Bench.dll distributed --threads 1"
MPI="mpirun --allow-run-as-root --oversubscribe --bind-to core"
for bn in none local sync; do
    $MPI -np 1 $BENCH --bn $bn "$@"
    $MPI -np 2 $BENCH --bn $bn "$@"
done
