#!/usr/bin/env bash
# Build the ready-to-run archives, from this Linux machine (Debian 12, x86_64):
#
#   dist/jixiao-<version>-windows-x86_64.zip    jixiao.exe: x86_64-pc-windows-gnu, linked by
#                                                Debian's gcc-mingw-w64-x86-64 (Windows 10/11)
#   dist/jixiao-<version>-linux-x86_64.tar.gz   jixiao: x86_64-unknown-linux-gnu, static
#   dist/jixiao-<version>-linux-arm64.tar.gz    jixiao: aarch64-unknown-linux-gnu, static,
#                                                linked by Debian's cross gcc (鲲鹏 / 飞腾)
#
# each holding one folder jixiao-<version>-<platform>/ with the program, 使用说明.txt (for
# Windows: UTF-8 with a BOM and CRLF, so Notepad shows it right), templates/ (the blank forms)
# and 示例/ (the sample workbooks); and dist/SHA256SUMS. docs/release.md explains the choices.
#
# Usage: scripts/release.sh [windows-x86_64 | linux-x86_64 | linux-arm64]...   (default: all)
# Environment: JIXIAO_DIST (default dist/), JIXIAO_DIST_TARGET_DIR (default target/dist).
# What it needs — Rust targets (rustup target add), Debian packages (gcc-mingw-w64-x86-64,
# gcc, libc6-dev, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, file, python3) — is added when
# missing. Exit 3 when a target or a package cannot be had here (the message says which), any other non-zero status when a build or a check failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all=(windows-x86_64 linux-x86_64 linux-arm64)
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=("${all[@]}")
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
dist=${JIXIAO_DIST:-$root/dist}
target_dir=${JIXIAO_DIST_TARGET_DIR:-$root/target/dist}
# Archive entries carry the date of the last commit, so a rebuild gives the same archives.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

say() { echo "release.sh: $*" >&2; }
# A toolchain that cannot be had here: say what and how, stop with 3.
unavailable() {
  say "无法构建 / cannot build $1: $2"
  exit 3
}

apt_updated=
need_packages() { # platform package...
  local platform=$1 missing=() p
  shift
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    unavailable "$platform" "the Debian packages ${missing[*]} are missing: apt-get install ${missing[*]}"
  fi
  say "installing ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || unavailable "$platform" "apt-get install ${missing[*]} failed"
}

need_target() { # platform triple
  rustup target list --installed 2>/dev/null | grep -qx "$2" && return 0
  command -v rustup >/dev/null || unavailable "$1" "rustup is not installed, so the Rust target $2 cannot be added"
  say "adding the Rust target $2"
  rustup target add "$2" >&2 || unavailable "$1" "rustup target add $2 failed (no network to static.rust-lang.org?)"
}

# The binary must need nothing beyond the operating system.
check_linux_binary() { # file machine
  local what
  what=$(file -b "$1")
  case "$what" in
    *"$2"*) ;;
    *) say "$1 is not a $2 executable: $what"; return 1 ;;
  esac
  case "$what" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) say "$1 is not static: $what"; return 1 ;;
  esac
}

# System DLLs of Windows 10/11 that jixiao.exe may import; anything else (libgcc_s_seh-1.dll,
# libwinpthread-1.dll…) would be missing on an office's machine.
windows_system_dlls='^(kernel32|ntdll|advapi32|bcryptprimitives|ws2_32|userenv|msvcrt|shell32|ole32|oleaut32|user32|secur32|crypt32|bcrypt|api-ms-win-[a-z0-9-]+)\.dll$'
check_windows_binary() { # file
  local dlls bad
  file -b "$1" | grep -q 'PE32+ executable (console) x86-64' || {
    say "$1 is not a 64-bit Windows console program: $(file -b "$1")"
    return 1
  }
  dlls=$(x86_64-w64-mingw32-objdump -p "$1" | sed -n 's/^\s*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
  bad=$(grep -Ev "$windows_system_dlls" <<<"$dlls" || true)
  if [ -n "$bad" ]; then
    say "$1 needs DLLs that Windows does not have: $bad"
    return 1
  fi
  say "jixiao.exe imports only system DLLs: $(tr '\n' ' ' <<<"$dlls")"
}

# The user guide 使用说明.txt of an archive, from docs/guide/: @VERSION@, @MACHINE@ (the
# processors it runs on) and @RESULTS@ (what a checked folder's results hold, the same in every
# guide) filled in.
guide() { # windows|linux machine
  local text results
  text=$(<"docs/guide/$1.txt")
  results=$(<docs/guide/results.txt)
  text=${text//@VERSION@/"$version"}
  text=${text//@MACHINE@/"$2"}
  text=${text//@RESULTS@/"$results"}
  printf '%s\n' "$text"
}

# The folder that goes into an archive: program, guide, templates, samples.
stage() { # platform binary program-name
  local dir=$dist/.stage/jixiao-$version-$1
  rm -rf "$dir"
  mkdir -p "$dir/templates" "$dir/示例"
  install -m 755 "$2" "$dir/$3"
  cp templates/*.xlsx "$dir/templates/"
  (cd samples && find . -type f \( -name '*.xlsx' -o -name '*.xlsm' -o -name '*.xls' -o -name '*.ods' -o -name '*.docx' \) -print0 |
    while IFS= read -r -d '' f; do install -D -m 644 "$f" "$dir/示例/$f"; done)
  case $1 in
    windows-*) { printf '\xef\xbb\xbf'; guide windows "" | sed 's/$/\r/'; } >"$dir/使用说明.txt" ;;
    linux-x86_64) guide linux "x86_64（Intel、AMD、兆芯、海光）" >"$dir/使用说明.txt" ;;
    linux-arm64) guide linux "arm64（鲲鹏、飞腾）" >"$dir/使用说明.txt" ;;
  esac
  echo "$dir"
}

# A zip whose Chinese names Windows' own “全部解压缩” shows right (the UTF-8 flag, bit 11, which
# Python's zipfile sets for every non-ASCII name), entries sorted and dated by $epoch.
make_zip() { # dir out
  python3 - "$1" "$2" "$epoch" <<'EOF'
import os, sys, time, zipfile
src, out, epoch = sys.argv[1], sys.argv[2], max(int(sys.argv[3]), 315532800)
base = os.path.basename(src)
stamp = time.gmtime(epoch)[:6]
with zipfile.ZipFile(out + ".part", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for dirpath, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            info = zipfile.ZipInfo(base + "/" + os.path.relpath(path, src).replace(os.sep, "/"), stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (os.stat(path).st_mode & 0o777) << 16
            with open(path, "rb") as f:
                z.writestr(info, f.read())
os.replace(out + ".part", out)
EOF
}

make_tar() { # dir out
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$(dirname "$1")" -cf - "$(basename "$1")" | gzip -9n >"$2.part"
  mv "$2.part" "$2"
}

cargo_build() { # triple
  local start=$SECONDS
  say "building $1 (cargo build --release --target $1)"
  # No debug line tables and no symbols in what is shipped; the profile in Cargo.toml is kept
  # for benchmarks and profiling.
  CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols \
    cargo build --release --locked --quiet --target "$1" --bin jixiao --target-dir "$target_dir"
  say "built $1 in $((SECONDS - start)) s"
}

build_platform() {
  local platform=$1 triple exe dir out
  case $platform in
    windows-x86_64)
      triple=x86_64-pc-windows-gnu
      need_packages "$platform" gcc-mingw-w64-x86-64 file python3
      need_target "$platform" "$triple"
      command -v x86_64-w64-mingw32-gcc >/dev/null ||
        unavailable "$platform" "x86_64-w64-mingw32-gcc is not on PATH (package gcc-mingw-w64-x86-64)"
      export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
      cargo_build "$triple"
      exe=$target_dir/$triple/release/jixiao.exe
      check_windows_binary "$exe"
      dir=$(stage "$platform" "$exe" jixiao.exe)
      out=$dist/jixiao-$version-$platform.zip
      make_zip "$dir" "$out"
      ;;
    linux-x86_64 | linux-arm64)
      # Static programs on glibc (docs/release.md): gcc links them (the host's for x86_64,
      # Debian's cross gcc for arm64) against glibc's libc.a, and compiles mimalloc, the
      # allocator of a batch (src/alloc.rs).
      local cc
      if [ "$platform" = linux-x86_64 ]; then
        triple=x86_64-unknown-linux-gnu machine=x86-64 cc=gcc
        need_packages "$platform" file gcc libc6-dev
      else
        triple=aarch64-unknown-linux-gnu machine=aarch64 cc=aarch64-linux-gnu-gcc
        need_packages "$platform" file gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      fi
      need_target "$platform" "$triple"
      command -v "$cc" >/dev/null || unavailable "$platform" "the C compiler $cc is not on PATH"
      local upper
      upper=$(tr 'a-z-' 'A-Z_' <<<"$triple")
      export "CC_${triple//-/_}=$cc"
      export "CARGO_TARGET_${upper}_LINKER=$cc"
      # With --target, these flags reach the program only, not build scripts or proc macros.
      export "CARGO_TARGET_${upper}_RUSTFLAGS=-C target-feature=+crt-static"
      cargo_build "$triple"
      exe=$target_dir/$triple/release/jixiao
      check_linux_binary "$exe" "$machine"
      dir=$(stage "$platform" "$exe" jixiao)
      out=$dist/jixiao-$version-$platform.tar.gz
      make_tar "$dir" "$out"
      ;;
    *)
      say "unknown platform $platform (one of: ${all[*]})"
      exit 2
      ;;
  esac
  say "wrote $out ($(du -h "$out" | cut -f1))"
}

mkdir -p "$dist"
for platform in "${platforms[@]}"; do
  build_platform "$platform"
done
rm -rf "$dist/.stage"
(cd "$dist" && sha256sum jixiao-"$version"-*.zip jixiao-"$version"-*.tar.gz 2>/dev/null >SHA256SUMS || true)
say "done: $(cd "$dist" && ls jixiao-"$version"-* | tr '\n' ' ')"
