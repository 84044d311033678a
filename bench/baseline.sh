#!/usr/bin/env bash
# Builds an earlier commit of Clickstream beside this checkout, for the benchmarks to compare
# with in the same run: `bash bench/baseline.sh 2a7a666` prints the dist folder to pass as
# BENCH_BASELINE_DIST (npm run bench -- --suite end-to-end). The build is cached by commit.
set -euo pipefail
commit="${1:?usage: bench/baseline.sh <commit>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${TMPDIR:-/tmp}/clickstream-baseline-$commit"
if [ ! -f "$dir/dist/src/main.js" ]; then
  rm -rf "$dir"
  git -C "$root" worktree add --detach "$dir" "$commit" >&2
  (cd "$dir" && npm ci --no-audit --no-fund >&2 && npm run build >&2)
fi
echo "$dir/dist"
