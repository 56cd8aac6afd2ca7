#!/usr/bin/env bash
# Regenerate the pictures in docs/ that README.md shows: run `fix` on samples/ (reissuing the
# unit's own files) and `fix --standard`, let LibreOffice print the summary, a reissued form and
# a form in the standard template to PDF, and cut PNG pages with pdftoppm. The reissued form is
# printed with its notes shown (a copy whose note boxes are made visible, for the picture only:
# in the file they appear when the pointer rests on the cell, as every note does).
# Needs: libreoffice-calc-nogui, poppler-utils, fonts-noto-cjk (Debian packages), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run -q --release -- fix samples -o "$tmp/out" -q || true   # exit 1: the samples hold errors
cargo run -q --release -- fix --standard samples -o "$tmp/std" -q || true
python3 - "$tmp/out/mistakes/total_and_grade.xlsx" "$tmp/reissued.xlsx" <<'EOF'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
    for name in a.namelist():
        data = a.read(name)
        if name.endswith(".vml"):
            data = data.replace(b"visibility:hidden", b"visibility:visible")
        b.writestr(name, data)
EOF
cp "$tmp/std/mistakes/total_and_grade.xlsx" "$tmp/standard.xlsx"
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to pdf --outdir "$tmp" \
  "$tmp/out/summary.xlsx" "$tmp/reissued.xlsx" "$tmp/standard.xlsx" >/dev/null
pdftoppm -r 130 -png -f 1 -l 1 -x 40 -y 60 -W 1480 -H 180 "$tmp/summary.pdf" "$tmp/summary"
pdftoppm -r 80 -png -f 1 -l 1 "$tmp/standard.pdf" "$tmp/form"
pdftoppm -r 110 -png -f 1 -l 1 -x 40 -y 560 -W 860 -H 330 "$tmp/reissued.pdf" "$tmp/reissued"
cp "$tmp"/summary-1.png docs/summary.png
cp "$tmp"/form-1.png docs/corrected-form.png
cp "$tmp"/reissued-1.png docs/reissued-form.png
echo "wrote docs/summary.png docs/corrected-form.png docs/reissued-form.png"
