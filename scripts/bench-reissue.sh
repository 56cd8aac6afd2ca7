#!/usr/bin/env bash
# Per-workbook time of `fix` reissuing the unit's own files against `fix --standard` (the
# standard template, which was `fix`'s only output before reissue): the budget in
# docs/reissue.md is 1.5x. Prints the figures; asserts nothing.
#
#   scripts/bench-reissue.sh [COPIES] [RUNS] [JOBS]   (defaults: 100 copies, 5 runs, 1 thread)
#
# Inputs: COPIES copies of each .xlsx/.xlsm in tests/fixtures/reissue and of the seed-based
# samples with fixable mistakes; each mode runs RUNS times and the median is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-100}
runs=${2:-5}
jobs=${3:-1}

cargo build --release --quiet
bin=target/release/jixiao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/in"
sources=(tests/fixtures/reissue/*.xlsx tests/fixtures/reissue/*.xlsm
  samples/mistakes/total_and_grade.xlsx samples/mistakes/wrong_execution_score.xlsx)
for i in $(seq 1 "$copies"); do
  for f in "${sources[@]}"; do
    base=$(basename "$f")
    cp "$f" "$work/in/${i}_$base"
  done
done
files=$(find "$work/in" -type f | wc -l)

median_ms() {
  # $@: the fix arguments after the input; prints the median wall time of RUNS runs in ms.
  local times=()
  for _ in $(seq 1 "$runs"); do
    rm -rf "$work/out"
    local t0 t1
    t0=$(date +%s%N)
    "$bin" fix "$work/in" -o "$work/out" -q --jobs "$jobs" "$@" >/dev/null || true
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

standard=$(median_ms --standard)
reissue=$(median_ms)
reissued=$(grep -o '"output_form": *"reissued"' "$work/out/report.json" | wc -l)

awk -v n="$files" -v s="$standard" -v r="$reissue" -v k="$reissued" -v j="$jobs" 'BEGIN {
  printf "inputs: %d workbooks (%d reissued), %d thread(s), median of runs\n", n, k, j
  printf "fix --standard : %7d ms  %.3f ms/workbook\n", s, s / n
  printf "fix (reissue)  : %7d ms  %.3f ms/workbook\n", r, r / n
  printf "ratio reissue/standard: %.2f (budget 1.50)\n", r / s
}'
