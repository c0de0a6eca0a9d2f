#!/usr/bin/env bash
# The user's-loop benchmark (bench/UserLoop): packs NormLab into a local feed, then runs bench/UserLoop, which
# references that package as an application does, against bench/user_loop_torch.py in the same run: once with
# .NET's default GC and once with the package's opt-in GC settings (-p:NormLabGcSettings=true).
# Results: bench/results/user-loop-default-gc-<date>.md and user-loop-NormLabGcSettings-<date>.md.
# Options are passed to the program: --rounds N (default 5), --no-torch. --only-default-gc skips the second run.
set -euo pipefail
cd "$(dirname "$0")/.."
feed=$(mktemp -d)
trap 'rm -rf "$feed"' EXIT
dotnet pack src/NormLab -c Release -o "$feed" --nologo -v quiet
version=$(dotnet msbuild src/NormLab -getProperty:Version)
# A package of this version restored earlier (an older build) would shadow the one just packed.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/normlab/$version"
settings=("false" "true")
args=()
for a in "$@"; do
    if [ "$a" = --only-default-gc ]; then settings=("false"); else args+=("$a"); fi
done
for gc in "${settings[@]}"; do
    dotnet run --project bench/UserLoop -c Release -p:NormLabVersion="$version" -p:RestoreAdditionalProjectSources="$feed" \
        -p:NormLabGcSettings="$gc" -- "${args[@]}"
done
