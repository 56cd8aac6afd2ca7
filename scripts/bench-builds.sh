#!/usr/bin/env bash
# The shipped builds timed beside the development build, in the same runs of the batch
# benchmark (docs/performance.md, "The shipped builds"): builds the static Linux x86_64 archive
# and the Windows one with scripts/release.sh, unpacks them, and runs scripts/bench.sh with
# `--also` for each — the static Linux binary as a user runs it, and jixiao.exe under Wine (Debian 12's
# Wine 8 lacks bcryptprimitives.dll, so the test-only shim of scripts/wine-shim goes beside this
# copy, as in scripts/test-release.sh). Wine is not Windows: its figure is a sanity check, not a
# measurement of Windows. The arm64 build is not timed: under qemu-user it measures the
# emulator. Prints figures; asserts nothing.
#
#   scripts/bench-builds.sh                        # N = 1000,10000, 5 runs (as bench.sh)
#   JIXIAO_BENCH_NS=1000 JIXIAO_BENCH_RUNS=3 scripts/bench-builds.sh
#
# Needs what release.sh needs, plus wine (Debian packages wine, wine64). About 15 minutes on
# 2 cores at the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-bench-builds.XXXXXX")
cleanup() {
  [ -n "${WINEPREFIX:-}" ] && command -v wineserver >/dev/null && wineserver -k 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

JIXIAO_DIST=$work/dist scripts/release.sh linux-x86_64 windows-x86_64
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
tar -xzf "$work/dist/jixiao-$version-linux-x86_64.tar.gz" -C "$work"
(cd "$work" && python3 -m zipfile -e "dist/jixiao-$version-windows-x86_64.zip" .)
linux=$work/jixiao-$version-linux-x86_64/jixiao
win=$work/jixiao-$version-windows-x86_64
chmod +x "$linux"

args=(--also "linux-x86_64=$linux")
if command -v wine >/dev/null && command -v x86_64-w64-mingw32-gcc >/dev/null; then
  x86_64-w64-mingw32-gcc -shared -O2 -s -o "$win/bcryptprimitives.dll" \
    scripts/wine-shim/bcryptprimitives.c -ladvapi32
  export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
  unset DISPLAY
  wineboot --init >/dev/null 2>&1
  wineserver -w # the new prefix is set up only when its processes have ended
  wineserver -p 2>/dev/null || true # one server for every run (stopped at the end)
  # The benchmark runs a program: this one starts jixiao.exe under Wine with the same
  # arguments (Unix paths, which Wine's Z: drive maps).
  printf '#!/bin/sh\nexec wine %q "$@"\n' "$win/jixiao.exe" >"$work/jixiao-wine"
  chmod +x "$work/jixiao-wine"
  # Once by hand, with the benchmark's open-file limit for its child runs.
  if (ulimit -n 64 && "$work/jixiao-wine" check samples/seed_2024.xlsx >/dev/null 2>"$work/wine.err"); then
    args+=(--also "windows-under-wine=$work/jixiao-wine")
  else
    echo "bench-builds.sh: jixiao.exe does not run under Wine here; not timed: $(tail -n 2 "$work/wine.err")" >&2
  fi
else
  echo "bench-builds.sh: wine or mingw is not installed; the Windows build is not timed" >&2
fi

JIXIAO_BENCH_ARGS="${JIXIAO_BENCH_ARGS:-} ${args[*]}" scripts/bench.sh
