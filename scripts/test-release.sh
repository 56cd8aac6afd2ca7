#!/usr/bin/env bash
# Tests of the release archives, run by .ci/run after `cargo test`:
#
#  (a) the Windows build (from the zip) under Wine: `check --json`, `check` (text), `fix` and the
#      drop-a-folder action on samples/ copied to a folder with spaces and Chinese in its name
#      give exactly the Linux build's report and outputs; plus a path longer than 260
#      characters and a workbook held open with no sharing (as Excel holds it: `unreadable`,
#      Windows error 32, not a crash);
#  (b) the arm64 build (from its tar.gz) under qemu-user-static: the same comparison;
#  (c) the drop-a-folder action of the Linux x86_64 build (from its tar.gz): the results
#      beside the folder, `-核查结果-2` on a second run, exit code as `fix`;
#  and the archives themselves: the layout, a static Linux binary, a guide Notepad reads
#  (UTF-8 with a BOM, CRLF), no test shim in the zip.
#
# The archives are built by scripts/release.sh into a temporary folder. A part whose toolchain
# or runner cannot be installed here prints `SKIPPED: <reason>` and the others still run; any
# failure makes the exit status 1. Debian 12's Wine 8 lacks bcryptprimitives.dll, which Rust's
# standard library imports: a test-only shim (scripts/wine-shim/bcryptprimitives.c) is built
# with mingw and put beside the TEST COPY of jixiao.exe, never into the zip.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start_all=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-release-test.XXXXXX")
lock_pid=
cleanup() {
  [ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
  [ -n "${WINEPREFIX:-}" ] && command -v wineserver >/dev/null && wineserver -k 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
skip() { echo "SKIPPED: $*"; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
export JIXIAO_DIST=$work/dist

# Debian packages a runner needs, installed when missing; 1 when they cannot be had.
install_packages() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || return 1
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1
}

# Build one platform's archive; 0 built, 3 cannot be built here (SKIPPED), else FAIL.
declare -A built
build() {
  local t=$SECONDS rc
  scripts/release.sh "$1" 2>&1 | sed 's/^/    /'
  rc=${PIPESTATUS[0]}
  case $rc in
    0)
      built[$1]=1
      ok "release.sh $1 ($((SECONDS - t)) s, $(du -h "$JIXIAO_DIST"/jixiao-"$version"-"$1".* | cut -f1))"
      ;;
    3) skip "the $1 build: its toolchain cannot be had here (see the message above)" ;;
    *) fail "release.sh $1 exited with $rc" ;;
  esac
}

# Unpack an archive into $work/unpacked; echo the folder.
unpack() {
  local dir=$work/unpacked
  mkdir -p "$dir"
  case $1 in
    *.zip) python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$dir" ;;
    *.tar.gz) tar -xzf "$1" -C "$dir" ;;
  esac
  echo "$dir/$(basename "$1" | sed 's/\.zip$//; s/\.tar\.gz$//')"
}

check_layout() { # folder program platform
  local d=$1 f
  for f in "$2" 使用说明.txt templates/guizhou.xlsx templates/national.xlsx 示例/seed_2024.xlsx \
    示例/mistakes/wrong_rate.xls; do
    [ -f "$d/$f" ] || fail "$3 archive: $f is missing"
  done
  if find "$d" -iname 'bcryptprimitives*' -o -iname 'lockfile*' | grep -q .; then
    fail "$3 archive holds a test-only file"
  fi
}

# The inputs: samples/ in a folder with spaces and Chinese in its name.
inputs="$work/样例 文件夹（2024年）"
mkdir -p "$inputs"
cp -r samples "$inputs/收件箱"
in=$inputs/收件箱

# The Windows form of a path on this machine, as Wine sees it.
winpath() { printf 'Z:%s' "$(printf '%s' "$1" | tr / '\\')"; }

# Two `fix` output folders hold the same: report.json and summary aside, byte for byte; each
# workbook, member by member (the zip "made by" byte says FAT on Windows, Unix here).
same_outputs() {
  python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
a, b = sys.argv[1], sys.argv[2]
def files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
fa, fb = files(a), files(b)
if fa != fb:
    sys.exit(f"different files: {sorted(set(fa) ^ set(fb))}")
for rel in fa:
    pa, pb = os.path.join(a, rel), os.path.join(b, rel)
    if rel.endswith(".xlsx"):
        za, zb = zipfile.ZipFile(pa), zipfile.ZipFile(pb)
        if za.namelist() != zb.namelist() or any(za.read(n) != zb.read(n) for n in za.namelist()):
            sys.exit(f"{rel}: different contents")
    elif open(pa, "rb").read() != open(pb, "rb").read():
        sys.exit(f"{rel}: different bytes")
print(f"{len(fa)} files, same contents")
EOF
}

# The reports of one runner compared with the Linux build's: `check --json`, `check` text,
# `fix` outputs, exit codes. $1 names the runner; the rest run a command (its arguments follow).
compare_runner() { # name path-mapper command...
  local name=$1 map=$2
  shift 2
  local out=$work/$name code
  mkdir -p "$out"
  "$@" check --json "$($map "$in")" >"$out/check.json" 2>"$out/check.err"
  code=$?
  if [ $code -eq "$ref_code" ] && cmp -s "$out/check.json" "$work/ref/check.json"; then
    ok "$name: check --json gives the Linux report byte for byte (exit $code)"
  else
    fail "$name: check --json differs from the Linux build (exit $code, Linux $ref_code)"
    diff <(python3 -m json.tool "$work/ref/check.json") <(python3 -m json.tool "$out/check.json" 2>&1) | head -20
    head -5 "$out/check.err"
  fi
  "$@" check "$($map "$in")" >"$out/check.txt" 2>/dev/null
  if cmp -s "$out/check.txt" "$work/ref/check.txt"; then
    ok "$name: check (text, redirected) is the Linux build's UTF-8 Chinese text"
  else
    fail "$name: check text differs from the Linux build"
    diff "$work/ref/check.txt" "$out/check.txt" | head -10
  fi
  "$@" fix "$($map "$in")" -o "$($map "$out/fix")" -q >/dev/null 2>"$out/fix.err"
  code=$?
  if [ $code -eq "$ref_code" ] && same_outputs "$work/ref/fix" "$out/fix" >"$out/fix.cmp" 2>&1; then
    ok "$name: fix writes the Linux build's outputs ($(cat "$out/fix.cmp"))"
  else
    fail "$name: fix differs from the Linux build (exit $code): $(cat "$out/fix.cmp")"
    head -5 "$out/fix.err"
  fi
}

# The drop-a-folder action: `PROGRAM <folder>` writes <folder>-核查结果 (the Linux build's
# outputs), then -2; exit as `fix`.
drop_test() { # name path-mapper command...
  local name=$1 map=$2
  shift 2
  local parent="$work/$name-drop/拖放 测试" folder
  mkdir -p "$parent"
  cp -r samples "$parent/收件箱"
  folder=$parent/收件箱
  "$@" "$($map "$folder")" </dev/null >"$work/$name-drop.out" 2>&1
  local code=$?
  "$@" "$($map "$folder")" </dev/null >>"$work/$name-drop.out" 2>&1
  local code2=$?
  if [ $code -eq "$ref_code" ] && [ $code2 -eq "$ref_code" ] &&
    same_outputs "$work/ref/fix" "$parent/收件箱-核查结果" >/dev/null &&
    same_outputs "$work/ref/fix" "$parent/收件箱-核查结果-2" >/dev/null &&
    grep -q '结果在：' "$work/$name-drop.out"; then
    ok "$name: a dropped folder gives 收件箱-核查结果, then 收件箱-核查结果-2 (exit $code)"
    sed -n '1,3p' "$work/$name-drop.out" | sed 's/^/    /'
  else
    fail "$name: the drop-a-folder action (exit $code, then $code2)"
    ls "$parent" | sed 's/^/    /'
    head -12 "$work/$name-drop.out"
  fi
}

same_path() { printf '%s' "$1"; }

echo "== building the archives (scripts/release.sh) =="
for platform in linux-x86_64 windows-x86_64 linux-arm64; do
  build "$platform"
done
ls -l "$JIXIAO_DIST" | sed 's/^/    /'

echo "== the Linux x86_64 archive: the reference =="
if [ -n "${built[linux-x86_64]:-}" ]; then
  dir=$(unpack "$JIXIAO_DIST/jixiao-$version-linux-x86_64.tar.gz")
  check_layout "$dir" jixiao linux-x86_64
  linux=$dir/jixiao
  if ldd "$linux" 2>&1 | grep -Eq 'not a dynamic executable|statically linked'; then
    ok "linux-x86_64: static ($(file -b "$linux" | cut -d, -f1-6))"
  else
    fail "linux-x86_64 binary is not static: $(ldd "$linux" 2>&1 | head -3)"
  fi
else
  # The x86_64 archive could not be built: the host build is the reference.
  cargo build --release --quiet --bin jixiao || fail "cargo build --release"
  linux=$root/target/release/jixiao
  skip "the linux-x86_64 archive checks (not built); the reference is target/release/jixiao"
fi
mkdir -p "$work/ref"
"$linux" check --json "$in" >"$work/ref/check.json" 2>/dev/null
ref_code=$?
"$linux" check "$in" >"$work/ref/check.txt"
"$linux" fix "$in" -o "$work/ref/fix" -q
[ $ref_code -eq 1 ] || fail "the Linux build exits $ref_code on samples/ (1 expected: they hold errors)"
echo "    reference: $(tail -n 1 "$work/ref/check.txt")"

echo "== (c) the drop-a-folder action, Linux x86_64 =="
drop_test linux same_path "$linux"

echo "== (a) the Windows build under Wine =="
if [ -z "${built[windows-x86_64]:-}" ]; then
  skip "Wine: there is no Windows build"
elif ! install_packages wine wine64 || ! command -v wine >/dev/null; then
  skip "Wine: the Debian packages wine and wine64 cannot be installed here"
else
  t=$SECONDS
  dir=$(unpack "$JIXIAO_DIST/jixiao-$version-windows-x86_64.zip")
  check_layout "$dir" jixiao.exe windows-x86_64
  guide=$dir/使用说明.txt
  if python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
d.decode("utf-8")
sys.exit(not (d.startswith(b"\xef\xbb\xbf") and d.count(b"\n") == d.count(b"\r\n") > 10))' "$guide"; then
    ok "windows: 使用说明.txt is UTF-8 with a BOM and CRLF line ends"
  else
    fail "windows: 使用说明.txt is not UTF-8 with BOM and CRLF"
  fi
  if python3 -c 'import sys, zipfile; sys.exit(any(not (i.flag_bits & 0x800) for i in zipfile.ZipFile(sys.argv[1]).infolist() if not i.filename.isascii()))' \
    "$JIXIAO_DIST/jixiao-$version-windows-x86_64.zip"; then
    ok "windows: every Chinese name in the zip carries the UTF-8 flag"
  else
    fail "windows: a Chinese name in the zip lacks the UTF-8 flag (Explorer would garble it)"
  fi
  # The test copy, with the shim beside it.
  wintest=$work/windows-test
  mkdir -p "$wintest"
  cp "$dir/jixiao.exe" "$wintest/"
  if x86_64-w64-mingw32-gcc -shared -O2 -s -o "$wintest/bcryptprimitives.dll" \
    scripts/wine-shim/bcryptprimitives.c -ladvapi32 &&
    x86_64-w64-mingw32-gcc -municode -O2 -s -o "$wintest/lockfile.exe" scripts/wine-shim/lockfile.c; then
    export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
    unset DISPLAY
    wineboot --init >/dev/null 2>&1
    wineserver -p # one server for every run below (stopped at the end)
    echo "    Wine ready in $((SECONDS - t)) s: $(wine --version 2>/dev/null)"
    exe=$wintest/jixiao.exe
    compare_runner wine winpath wine "$exe"
    drop_test wine winpath wine "$exe"

    # A path longer than 260 characters (MAX_PATH).
    long=$work/长路径
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do long=$long/第${i}层文件夹名称较长的部门预算绩效自评材料汇总目录; done
    mkdir -p "$long"
    cp samples/seed_2024.xlsx "$long/"
    wlong=$(winpath "$long")
    if [ ${#wlong} -gt 300 ] && wine "$exe" check --json "$wlong" >"$work/long.json" 2>/dev/null &&
      grep -q '"forms":2' <(tr -d ' \n' <"$work/long.json"); then
      ok "wine: a path of ${#wlong} characters is read (Wine does not enforce MAX_PATH: see docs/release.md)"
    else
      fail "wine: the path of ${#wlong} characters"
    fi

    # A workbook held open with no sharing, as Excel holds it.
    locked=$work/已打开
    mkdir -p "$locked"
    cp samples/seed_2024.xlsx "$locked/正在编辑.xlsx"
    cp samples/seed_2024.xlsx "$locked/其他.xlsx"
    : >"$work/lock.out"
    wine "$wintest/lockfile.exe" "$(winpath "$locked/正在编辑.xlsx")" 120 >"$work/lock.out" 2>&1 &
    lock_pid=$!
    for _ in $(seq 100); do grep -q locked "$work/lock.out" && break; sleep 0.2; done
    wine "$exe" check --json "$(winpath "$locked")" >"$work/locked.json" 2>/dev/null
    code=$?
    kill "$lock_pid" 2>/dev/null
    wait "$lock_pid" 2>/dev/null
    lock_pid=
    entry=$(python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["files"]:
    print(f["path"], f["status"], f.get("error") or "")' "$work/locked.json" 2>&1)
    if [ $code -eq 1 ] && grep -q '^正在编辑.xlsx unreadable .*os error 32' <<<"$entry" &&
      grep -q '^其他.xlsx findings' <<<"$entry"; then
      ok "wine: a workbook open elsewhere is unreadable, not a crash: $(grep 正在编辑 <<<"$entry")"
    else
      fail "wine: the locked workbook (exit $code): $entry"
    fi
    wineserver -k 2>/dev/null
    echo "    Wine part: $((SECONDS - t)) s"
  else
    skip "Wine: the test shim cannot be built with x86_64-w64-mingw32-gcc"
  fi
fi

echo "== (b) the arm64 build under qemu-user-static =="
if [ -z "${built[linux-arm64]:-}" ]; then
  skip "qemu: there is no arm64 build"
elif ! install_packages qemu-user-static || ! command -v qemu-aarch64-static >/dev/null; then
  skip "qemu: the Debian package qemu-user-static cannot be installed here"
else
  t=$SECONDS
  dir=$(unpack "$JIXIAO_DIST/jixiao-$version-linux-arm64.tar.gz")
  check_layout "$dir" jixiao linux-arm64
  file -b "$dir/jixiao" | grep -q 'ARM aarch64.*statically linked' &&
    ok "linux-arm64: $(file -b "$dir/jixiao" | cut -d, -f1-6)" ||
    fail "linux-arm64 is not a static aarch64 binary: $(file -b "$dir/jixiao")"
  echo "    $(qemu-aarch64-static "$dir/jixiao" --version) under $(qemu-aarch64-static --version | head -n 1)"
  compare_runner qemu same_path qemu-aarch64-static "$dir/jixiao"
  drop_test qemu same_path qemu-aarch64-static "$dir/jixiao"
  echo "    qemu part: $((SECONDS - t)) s"
fi

echo "== test-release.sh: $((SECONDS - start_all)) s, $failures failure(s) =="
[ $failures -eq 0 ]
