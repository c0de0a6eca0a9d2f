#!/usr/bin/env bash
# Data-parallel throughput of the CNN: 1 rank on 1 core vs 2 ranks on 2 cores (one kernel thread
# per rank), with no BN, local BN and synchronized BN after each convolution. Needs Open MPI.
# Ranks yield the core while they wait in a collective (mpi_yield_when_idle): on a machine shared
# with other jobs, busy-polling ranks steal the cycles the slower rank needs.
# usage: bash bench/distributed.sh [repetitions] [extra DistributedBench options, e.g. --steps 60]
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=${1:-1}; shift || true
dotnet build -c Release bench/NormLab.Bench >/dev/null
BENCH="dotnet bench/NormLab.Bench/bin/Release/net10.0/NormLab.Bench.dll distributed --threads 1"
MPI="mpirun --allow-run-as-root --oversubscribe --bind-to core --mca mpi_yield_when_idle 1"
uptime
for ((i = 0; i < repetitions; i++)); do
    for bn in none local sync; do
        $MPI -np 1 $BENCH --bn "$bn" "$@"
        $MPI -np 2 $BENCH --bn "$bn" "$@"
    done
done 2>&1 | sed 's/\x1b\[?1h\x1b=//g'
uptime
