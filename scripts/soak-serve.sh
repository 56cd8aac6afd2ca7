#!/usr/bin/env bash
# Soak test of `jixiao serve` (not a timed test): the release build on loopback gets 1,000 mixed
# requests, a few at a time — checks and fixes (zip and summary) of the samples, checks and
# fixes of 40 forms, clients that leave mid-upload or mid-job (600 forms), clients that leave
# mid-download, and slow uploads — then the script prints whether the server's temporary folder is empty, its RSS after
# the first 100 requests and at the end, and their ratio (the target is at most 1.2×).
#
#   scripts/soak-serve.sh                    # 1,000 requests, 4 at a time
#   REQUESTS=200 PARALLEL=2 scripts/soak-serve.sh
#
# Bounded: every request has a time limit, the run stops issuing requests after SOAK_SECONDS
# (default 1800), and the server is stopped when the script ends, however it ends. Needs curl.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-1000}
PARALLEL=${PARALLEL:-4}
SOAK_SECONDS=${SOAK_SECONDS:-1800}
BIN=${BIN:-target/release/jixiao}
[ -x "$BIN" ] || cargo build --release --quiet

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The server's temporary folders go under $work/tmp, so whatever it leaves is seen there.
mkdir -p "$work/tmp" "$work/forty"
TMPDIR="$work/tmp" "$BIN" serve --listen 127.0.0.1:0 --jobs 2 --idle-timeout 5 >"$work/out" 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q '^jixiao serve: ' "$work/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's|^jixiao serve: \(http://[^/]*\)/.*|\1|p' "$work/out")
[ -n "$base" ] || { echo "the server did not start:"; cat "$work/log"; exit 2; }

# Uploads: the samples (with their folder), and 40 copies of the seed in four folders.
samples=()
while IFS= read -r f; do samples+=(-F "file=@$f;filename=${f#samples/}"); done \
  < <(find samples -type f \( -name '*.xlsx' -o -name '*.xls' -o -name '*.ods' \) | sort)
forty=()
for i in $(seq 40); do forty+=(-F "file=@samples/seed_2024.xlsx;filename=单位$((i % 4))/seed-$i.xlsx"); done
many=()
for i in $(seq 600); do many+=(-F "file=@samples/seed_2024.xlsx;filename=单位$((i % 10))/seed-$i.xlsx"); done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
anon() { awk '/^RssAnon/ {print $2}' "/proc/$server/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$server/status"; }

# One request by its number; its outcome appended to $work/results.
request() {
  local i=$1 kind code
  local curl=(curl -s -o /dev/null -w '%{http_code}' --max-time 120)
  case $((i % 10)) in
    0|1|2) kind=check; code=$("${curl[@]}" "${samples[@]}" "$base/api/check?job=soak-$i") || true ;;
    3) kind=check-40; code=$("${curl[@]}" "${forty[@]}" "$base/api/check") || true ;;
    4) kind=fix-zip; code=$("${curl[@]}" "${samples[@]}" "$base/api/fix") || true ;;
    5) kind=fix-summary; code=$("${curl[@]}" "${samples[@]}" "$base/api/fix?part=summary") || true ;;
    # 600 forms to fix, but leaves after 0.1 to 0.4 s: mid-upload, mid-job or mid-answer.
    6) kind=abandoned-job
       code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "0.$((i / 10 % 4 + 1))" "${many[@]}" \
         "$base/api/fix") || true ;;
    # Reads the first kilobyte of the zip, then leaves.
    7) kind=abandoned-download
       { curl -s --max-time 120 "${forty[@]}" "$base/api/fix" || true; } | head -c 1024 >/dev/null
       code=left ;;
    # An upload at 20 kB/s (a few seconds).
    8) kind=slow; code=$("${curl[@]}" --limit-rate 20k "${samples[@]}" "$base/api/check") || true ;;
    9) kind=fix-40; code=$("${curl[@]}" "${forty[@]}" "$base/api/fix") || true ;;
  esac
  echo "$i $kind $code" >>"$work/results"
}

started=$SECONDS
# The requests in flight (the server is a background job too: never a bare `wait`).
pids=()
prune() {
  local p live=()
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live+=("$p"); done
  pids=("${live[@]}")
}
run() {
  local from=$1 to=$2
  for i in $(seq "$from" "$to"); do
    if (( SECONDS - started > SOAK_SECONDS )); then echo "stopped issuing at request $i (time limit)"; break; fi
    request "$i" &
    pids+=($!)
    prune
    while (( ${#pids[@]} >= PARALLEL )); do wait -n "${pids[@]}" 2>/dev/null || true; prune; done
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

# In blocks of 100, with the RSS after each.
series=() anon_series=()
for ((from = 1; from <= REQUESTS; from += 100)); do
  run "$from" $(( from + 99 < REQUESTS ? from + 99 : REQUESTS ))
  [ "$from" -eq 1 ] && { rss_first=$(rss); anon_first=$(anon); }
  series+=("$(( $(rss) / 1024 ))") anon_series+=("$(( $(anon) / 1024 ))")
done
# Abandoned work ends at its next file: give it a moment before looking.
for _ in $(seq 100); do [ -z "$(ls -A "$work/tmp")" ] && break; sleep 0.1; done
rss_end=$(rss) anon_end=$(anon) threads=$(awk '/^Threads/ {print $2}' "/proc/$server/status")
peak=$(hwm)
left=$(ls -A "$work/tmp" | wc -l)

echo "requests: $(wc -l <"$work/results") in $((SECONDS - started)) s, $PARALLEL at a time, --jobs 2"
awk '{n[$2" "$3]++} END {for (k in n) print "  " k ": " n[k]}' "$work/results" | sort
failed=$(awk '$2 !~ /^abandoned/ && $3 != "200"' "$work/results" | wc -l)
echo "unexpected answers (not 200, clients that left aside): $failed"
if [ "$left" -eq 0 ]; then echo "temporary folder: empty"; else echo "temporary folder: NOT empty ($left entries)"; ls -A "$work/tmp"; fi
echo "RSS after each 100 requests (MB): ${series[*]}"
echo "  of which anonymous (heap, stacks; the rest is the program's own pages): ${anon_series[*]}"
echo "server threads at the end: $threads"
echo "log lines: $(wc -l <"$work/log"), of clients that left: $(grep -c '客户端已断开' "$work/log" || true)"
awk -v a="$rss_first" -v b="$rss_end" -v p="$peak" -v c="$anon_first" -v d="$anon_end" 'BEGIN {
  printf "RSS after the first 100: %.1f MB\nRSS at the end: %.1f MB\npeak RSS: %.1f MB\nratio end / first 100: %.2f\n", a/1024, b/1024, p/1024, b/a
  printf "anonymous RSS after the first 100: %.1f MB, at the end: %.1f MB, ratio %.2f\n", c/1024, d/1024, d/c }'
# The verdict: nothing left behind, every answer as expected, memory flat (at most 1.2× its
# value after the first 100 requests).
flat=$(awk -v a="$rss_first" -v b="$rss_end" 'BEGIN { print (b <= 1.2 * a) ? 1 : 0 }')
[ "$flat" -eq 1 ] || echo "RSS grew beyond 1.2× of its value after the first 100 requests"
[ "$left" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$flat" -eq 1 ]
