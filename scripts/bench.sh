#!/usr/bin/env bash
# The batch benchmark docs/performance.md reports: builds release, then runs
# benches/batch.rs at N = 1,000 and 10,000 in one process (so it can print the 10k / 1k peak-RSS
# ratio), median of 5 runs, on the one-form-per-workbook corpus: check against the read floor,
# fix (reissue) against read + byte copy, fix --standard against read + write. About 10 minutes
# on 2 cores. scripts/bench-builds.sh runs it with the shipped builds beside this one.
#
#   scripts/bench.sh                      # N = 1000,10000
#   JIXIAO_BENCH_NS=2000 scripts/bench.sh # other sizes (comma-separated)
#   JIXIAO_BENCH_RUNS=3 scripts/bench.sh  # fewer runs (the median of each run's own ratio is reported)
#   JIXIAO_BENCH_ARGS="--corpus seed --jobs 1" scripts/bench.sh   # extra bench flags
#   JIXIAO_BENCH_HUGE=100000 scripts/bench.sh   # also the completion run (≈ 5 more minutes)
#   scripts/bench.sh --profile            # also callgrind profiles of check and fix (200 files)
#
# Output goes to the terminal and to target/bench/batch-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

ns=${JIXIAO_BENCH_NS:-1000,10000}
runs=${JIXIAO_BENCH_RUNS:-5}
extra=${JIXIAO_BENCH_ARGS:-}
profile=false
[[ "${1:-}" == "--profile" ]] && profile=true

mkdir -p target/bench
log="target/bench/batch-$(date +%Y%m%d-%H%M%S).txt"

cargo build --release --quiet
cargo bench --bench batch --no-run --quiet
{
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$log"

# shellcheck disable=SC2086
cargo bench --quiet --bench batch -- --n "$ns" --runs "$runs" $extra 2>&1 | tee -a "$log"

if [[ -n "${JIXIAO_BENCH_HUGE:-}" ]]; then
  # shellcheck disable=SC2086
  cargo bench --quiet --bench batch -- --huge "$JIXIAO_BENCH_HUGE" $extra 2>&1 | tee -a "$log"
fi

if $profile; then
  command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 2; }
  bench=$(cargo bench --bench batch --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*batch[^"]*\)".*/\1/p' | tail -1)
  prof=target/bench/profile
  rm -rf "$prof" && mkdir -p "$prof"
  "$bench" --huge 200 --keep --dir "$prof" > "$prof/corpus.txt"
  corpus=$(sed -n 's/^kept //p' "$prof/corpus.txt")/in
  run_cg() { # name, command...
    local name=$1; shift
    valgrind --tool=callgrind --callgrind-out-file="$prof/callgrind.$name" "$@" >/dev/null 2>"$prof/$name.valgrind" || true
    printf '%-12s %s instructions\n' "$name" "$(sed -n 's/.*Collected : //p' "$prof/$name.valgrind")" | tee -a "$log"
  }
  run_cg floor-read "$bench" --child-read "$corpus" 1
  run_cg floor-write "$bench" --child-write "$corpus" "$prof/floor-write" 1
  run_cg check target/release/jixiao check "$corpus" -j 1 -q
  run_cg fix target/release/jixiao fix "$corpus" -o "$prof/out" -j 1 -q
  for name in floor-read floor-write check fix; do
    callgrind_annotate --inclusive=yes --threshold=100 "$prof/callgrind.$name" \
      > "$prof/inclusive.$name.txt" 2>/dev/null
  done
  echo "profiles: $prof/callgrind.* (summaries: $prof/inclusive.*.txt)" | tee -a "$log"
  # Where the instructions go, grouped as in docs/performance.md (inclusive costs of boundary
  # functions; "XML parsing" is quick-xml's event loop minus the zip reads it drives).
  command -v python3 >/dev/null && python3 - "$prof" 200 <<'PY' | tee -a "$log"
import re, sys
d, n = sys.argv[1], int(sys.argv[2])
def load(name):
    text = open(f"{d}/inclusive.{name}.txt").read()
    inc = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([0-9,]+) \(\s*[0-9.]+%\)\s+(.*?):(.*) \[(/[^]]*)\]$", line)
        if m and "/target/release/" in m.group(4):
            inc[m.group(3)] = max(inc.get(m.group(3), 0), int(m.group(1).replace(",", "")))
    total = int(re.search(r"([0-9,]+) \(100.0%\)\s+PROGRAM TOTALS", text).group(1).replace(",", ""))
    return inc, total
def g(inc, *names):
    return sum(inc.get(x, 0) for x in names)
ZR = "<zip::read::readers::ZipFileReader<R> as std::io::Read>::read"
XML = "quick_xml::reader::Reader<R>::read_event_impl"
def read_rows(inc, read_total):
    z = g(inc, ZR, "zlib_rs::inflate::init", "zip::read::zip_archive::ZipArchive<R>::new",
          "zip::read::zip_archive::ZipArchive<R>::by_name_with_optional_password")
    x = g(inc, XML) - g(inc, ZR)
    f = g(inc, "jixiao::num::from_f64")
    return [("zip container + inflate", z), ("XML parsing (quick-xml)", x),
            ("calamine cell/style building + our grid", read_total - z - x - f),
            ("num::from_f64 (f64 -> Decimal)", f)]
for name in ["floor-read", "check", "floor-write", "fix"]:
    inc, total = load(name)
    rows = []
    if name == "floor-read":
        rows = read_rows(inc, g(inc, "<calamine::xlsx::Xlsx<RS> as calamine::Reader<RS>>::new",
                                "<calamine::xlsx::Xlsx<RS> as calamine::Reader<RS>>::worksheet_range",
                                "calamine::xlsx::Xlsx<RS>::merge_cells_by_sheet_name"))
    if name in ("check", "fix"):
        rows = read_rows(inc, g(inc, "jixiao::grid::read_format"))
        rows += [("locate::locate", g(inc, "jixiao::locate::locate")),
                 ("rules::check", g(inc, "jixiao::rules::check"))]
    if name in ("floor-write", "fix"):
        save = g(inc, "rust_xlsxwriter::workbook::Workbook::save_to_buffer")
        deflate = g(inc, "zlib_rs::deflate::deflate", "zlib_rs::stable::Deflate::reset", "zlib_rs::deflate::init")
        sheets = g(inc, "rust_xlsxwriter::worksheet::Worksheet::assemble_xml_file")
        if name == "fix":
            rows.append(("render: our drawing + the rust_xlsxwriter calls it makes",
                         g(inc, "jixiao::render::workbook::corrected") - save))
        else:
            rows.append(("building the workbook (write/merge calls)", total - save - sheets))
        rows += [("rust_xlsxwriter: worksheet XML (its per-sheet threads)", sheets),
                 ("rust_xlsxwriter: other parts, strings, styles, zip framing", save - deflate),
                 ("deflate (zlib-rs, incl. per-entry state reset)", deflate)]
        if name == "fix":
            rows.append(("summary.xlsx (SummaryBuilder: rows, then the finished workbook)",
                         g(inc, "jixiao::render::summary::SummaryBuilder::new",
                           "jixiao::render::summary::SummaryBuilder::add",
                           "jixiao::render::summary::SummaryBuilder::finish_into")))
    rows.append(("everything else", total - sum(v for _, v in rows)))
    print(f"{name}: {total / n / 1e6:.2f} M instructions per workbook")
    for label, v in rows:
        print(f"  {label:<62} {v / n / 1e6:6.2f} M  {100 * v / total:3.0f} %")
PY
fi
echo "log: $log"
