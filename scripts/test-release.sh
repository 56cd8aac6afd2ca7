#!/usr/bin/env bash
# Tests of the release archives, run by .ci/run after `cargo test`:
#
#  (a) the Windows build (from the zip) under Wine: `check --json`, `check` (text), `fix` and the
#      drop-a-folder action on samples/ copied to a folder with spaces and Chinese in its name
#      give exactly the Linux build's report and outputs; plus a path longer than 260
#      characters, a workbook held open with no sharing (as Excel holds it: `unreadable`,
#      Windows error 32, not a crash), and names the file system cannot hold as they are:
#      `fix` on forms named like summary.xlsx and report.json and on a 255-byte `.xls` name,
#      and an upload to `serve` of Windows' device names (CON, NUL.xlsx, aux.xlsx, COM1…),
#      forbidden characters (`" : | ? * < >`), a file and a folder of one name and a name of
#      90 Chinese characters, each giving the Linux build's outputs;
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

# Names the file system cannot hold as they are (src/names.rs). The `fix` inputs are names
# Linux and Windows both hold whose outputs would not be: forms named like the batch's own
# summary.xlsx and report.json, a 255-byte `.xls` name (its `.xlsx` is 256 bytes), a file
# `x.xls` beside a folder `x.xlsx/`.
names_in=$work/names/收件箱
mkdir -p "$names_in/report.json" "$names_in/x.xlsx"
cp samples/mistakes/total_and_grade.xlsx "$names_in/summary.xlsx"
cp samples/mistakes/wrong_rate.xls "$names_in/Summary.xls"
cp samples/mistakes/total_and_grade.xlsx "$names_in/report.json/x.xlsx"
cp samples/mistakes/wrong_rate.xls "$names_in/$(python3 -c 'print("绩" * 83 + "ab.xls")')"
cp samples/mistakes/wrong_rate.xls "$names_in/x.xls"
cp samples/mistakes/total_and_grade.xlsx "$names_in/x.xlsx/y.xlsx"

# A fix output folder holds an output for every form, no two named alike once case is
# folded, none in the place of summary.xlsx or report.json, each a name every file system
# holds; summary.xlsx is the batch's.
check_names_outputs() { # folder
  python3 - "$1" <<'PY'
import json, os, sys, zipfile
out = sys.argv[1]
report = json.load(open(os.path.join(out, "report.json"), encoding="utf-8"))
seen, problems = set(), []
for f in report["files"]:
    o = f.get("output")
    if not o or not os.path.isfile(os.path.join(out, o)):
        problems.append(f"{f['path']}: no output ({f.get('output_note')})")
        continue
    if o.lower() in seen or o.split("/")[0].lower() in ("summary.xlsx", "report.json"):
        problems.append(f"{f['path']}: {o} is taken")
    seen.add(o.lower())
    for c in o.split("/"):
        if len(c.encode()) > 255 or any(ch in '<>:"\\|?*' or ord(ch) < 32 for ch in c) or c.endswith((".", " ")):
            problems.append(f"{o}: {c} is not a portable name")
if "项目汇总" not in zipfile.ZipFile(os.path.join(out, "summary.xlsx")).read("xl/workbook.xml").decode():
    problems.append("summary.xlsx is not the batch summary")
if problems:
    sys.exit("; ".join(problems))
print(f"{len(report['files'])} forms, each with an output of its own")
PY
}

# POST one form under names Windows cannot hold as they are to `serve` at $1 (/api/fix); write
# what came back to $3 (JSON: status, zip entries, report paths and outputs, problems).
cat >"$work/upload_names.py" <<'PY'
import io, json, sys, urllib.error, urllib.request, zipfile
base, form, out = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(form, "rb").read()
names = ["报" * 90 + ".xlsx", "报" * 90 + "2.xlsx", "x.xlsx", "x.xlsx/y.xlsx", "CON.xlsx", "NUL.xlsx",
         "aux.xlsx", "COM1.xlsx", "CON/x.xlsx", 'a"b.xlsx', "a:b.xlsx", "项目:2024.xlsx",
         "a|b?c*<d>.xlsx", "summary.xlsx", "report.json/x.xlsx", "第二批. /t.xlsx"]
boundary = "----jixiao-release-test"
body = b""
for name in names:
    escaped = name.replace('"', '\\"')
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{escaped}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
body += f"--{boundary}--\r\n".encode()
request = urllib.request.Request(base + "api/fix", data=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
try:
    response = urllib.request.urlopen(request, timeout=600)
    status, payload = response.status, response.read()
except urllib.error.HTTPError as e:
    status, payload = e.code, e.read()
result = {"status": status, "problems": []}
if status == 200:
    z = zipfile.ZipFile(io.BytesIO(payload))
    entries = sorted(z.namelist())
    report = json.loads(z.read("report.json"))
    outputs = [f.get("output") or "" for f in report["files"]]
    result.update(entries=entries, paths=sorted(f["path"] for f in report["files"]), outputs=sorted(outputs))
    if len(report["files"]) != len(names):
        result["problems"].append(f"{len(report['files'])} files in the report for {len(names)} uploads")
    for o in outputs:
        if o not in entries:
            result["problems"].append(f"output {o!r} is not in the zip")
    if len(entries) != len(names) + 2:
        result["problems"].append(f"{len(entries)} zip entries for {len(names)} uploads")
else:
    result["problems"].append(payload.decode("utf-8", "replace")[:300])
json.dump(result, open(out, "w", encoding="utf-8"), ensure_ascii=False, indent=1, sort_keys=True)
PY

# Whether an upload's result ($1) is a 200 with nothing amiss.
upload_ok() {
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1], encoding="utf-8")); sys.exit(r["status"] != 200 or bool(r["problems"]))' "$1"
}

# Start `serve` (the command follows the name), upload the names, stop it: the result in
# $work/<name>-upload.json. 1 when the server did not start within a minute.
upload_names() { # name command...
  local name=$1 pid url=
  shift
  "$@" serve --listen 127.0.0.1:0 </dev/null >"$work/$name-serve.out" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    url=$(sed -n 's/^jixiao serve: //p' "$work/$name-serve.out" | tr -d '\r' | head -n 1)
    [ -n "$url" ] && break
    sleep 0.2
  done
  [ -n "$url" ] && python3 "$work/upload_names.py" "$url" samples/mistakes/total_and_grade.xlsx "$work/$name-upload.json"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -n "$url" ]
}

# Names on one runner compared with the Linux build's: `fix` on $names_in, then the upload.
names_runner() { # name path-mapper command...
  local name=$1 map=$2 code
  shift 2
  local out=$work/$name-names
  "$@" fix "$($map "$names_in")" -o "$($map "$out")" -q >/dev/null 2>"$work/$name-names.err"
  code=$?
  if [ $code -eq 1 ] && check_names_outputs "$out" >"$work/$name-names.cmp" 2>&1 &&
    same_outputs "$work/ref/names" "$out" >>"$work/$name-names.cmp" 2>&1; then
    ok "$name: fix gives names the file system holds, as the Linux build ($(tr '\n' ' ' <"$work/$name-names.cmp"))"
  else
    fail "$name: fix on names the file system cannot hold (exit $code): $(cat "$work/$name-names.cmp")"
    head -5 "$work/$name-names.err"
  fi
  if ! upload_names "$name" "$@"; then
    fail "$name: serve did not start: $(head -c 300 "$work/$name-serve.out")"
  elif upload_ok "$work/$name-upload.json" && cmp -s "$work/ref-upload.json" "$work/$name-upload.json"; then
    ok "$name: serve stores, checks and corrects every uploaded name, as the Linux build"
  else
    fail "$name: serve on uploaded names the file system cannot hold"
    diff "$work/ref-upload.json" "$work/$name-upload.json" | head -20
  fi
}

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

# A static program needs no C library of the system: run it in a root that holds nothing but the
# program and the inputs (as root only: chroot needs it).
if [ -n "${built[linux-x86_64]:-}" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v chroot >/dev/null; then
    bare=$work/bare
    mkdir -p "$bare/in"
    cp "$linux" "$bare/jixiao"
    cp -r "$in"/. "$bare/in/"
    if chroot "$bare" /jixiao check /in >"$work/bare.txt" 2>&1 || [ $? -eq 1 ]; then
      [ "$(tail -n 1 "$work/bare.txt")" = "$(tail -n 1 "$work/ref/check.txt")" ] &&
        ok "linux-x86_64: runs in an empty root, without any C library of the system" ||
        fail "linux-x86_64 in an empty root: $(tail -n 3 "$work/bare.txt")"
    else
      fail "linux-x86_64 does not run in an empty root: $(tail -n 3 "$work/bare.txt")"
    fi
  else
    skip "the empty-root run of linux-x86_64 (needs root for chroot)"
  fi
fi

echo "== (c) the drop-a-folder action, Linux x86_64 =="
drop_test linux same_path "$linux"

echo "== names the file system cannot hold as they are, Linux x86_64: the reference =="
"$linux" fix "$names_in" -o "$work/ref/names" -q >/dev/null 2>"$work/ref-names.err"
code=$?
if [ $code -eq 1 ] && check_names_outputs "$work/ref/names" >"$work/ref-names.cmp" 2>&1; then
  ok "linux: fix gives names the file system holds ($(cat "$work/ref-names.cmp"))"
else
  fail "linux: fix on names the file system cannot hold (exit $code): $(cat "$work/ref-names.cmp")"
  head -5 "$work/ref-names.err"
fi
if upload_names linux "$linux" && cp "$work/linux-upload.json" "$work/ref-upload.json" &&
  upload_ok "$work/ref-upload.json"; then
  ok "linux: serve stores, checks and corrects every uploaded name"
else
  fail "linux: serve on uploaded names the file system cannot hold: $(head -c 400 "$work/linux-upload.json" 2>/dev/null)"
fi

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
    names_runner wine winpath wine "$exe"

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
