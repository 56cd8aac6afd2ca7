#!/usr/bin/env bash
# Regenerate the pictures in docs/ that README.md shows: run `fix` on samples/ (reissuing the
# unit's own files) and `fix --standard`, let LibreOffice print the summary, a reissued form and
# a form in the standard template to PDF, and cut PNG pages with pdftoppm. The reissued form is
# printed with its notes shown (a copy whose note boxes are made visible, for the picture only:
# in the file they appear when the pointer rests on the cell, as every note does).
# Needs: libreoffice-calc-nogui, poppler-utils, fonts-noto-cjk (Debian packages), python3 with
# openpyxl.
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
# 项目全周期: three projects of tests/fixtures/cycle (a changed target, a dropped indicator, a
# monitoring form's promise), the sheet alone (openpyxl keeps it), printed to fit the width.
mkdir -p "$tmp/cycle"
for f in p3_target_changed_declaration p3_target_changed_self p4_dropped_declaration p4_dropped_self \
         p6_contradicted_monitoring p6_contradicted_self; do
  cp "tests/fixtures/cycle/projects/$f.xlsx" "$tmp/cycle/"
done
cargo run -q --release -- fix "$tmp/cycle" -o "$tmp/cycle-out" -q || true
python3 - "$tmp/cycle-out/summary.xlsx" "$tmp/cycle.xlsx" <<'PY'
import sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for name in list(wb.sheetnames):
    if name != "项目全周期":
        del wb[name]
ws = wb["项目全周期"]
ws.page_setup.orientation = "landscape"
ws.sheet_properties.pageSetUpPr.fitToPage = True
ws.page_setup.fitToWidth = 1
ws.page_setup.fitToHeight = 0
wb.save(sys.argv[2])
PY
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to pdf --outdir "$tmp" "$tmp/cycle.xlsx" >/dev/null
pdftoppm -r 200 -png -f 1 -l 1 -x 70 -y 110 -W 2170 -H 470 "$tmp/cycle.pdf" "$tmp/cycle"
cp "$tmp"/cycle-1.png docs/cycle.png
echo "wrote docs/summary.png docs/corrected-form.png docs/reissued-form.png docs/cycle.png"
