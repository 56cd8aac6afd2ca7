#!/usr/bin/env bash
# Regenerate the pictures in docs/ that README.md shows: run `fix` on samples/, let
# LibreOffice print the summary and one corrected form to PDF, and cut PNG pages with pdftoppm.
# Needs: libreoffice-calc-nogui, poppler-utils, fonts-noto-cjk (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run -q --release -- fix samples -o "$tmp/out" -q || true   # exit 1: the samples hold errors
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to pdf --outdir "$tmp" \
  "$tmp/out/summary.xlsx" "$tmp/out/mistakes/total_and_grade.xlsx" >/dev/null
pdftoppm -r 130 -png -f 1 -l 1 -x 40 -y 60 -W 1480 -H 180 "$tmp/summary.pdf" "$tmp/summary"
pdftoppm -r 80 -png -f 1 -l 1 "$tmp/total_and_grade.pdf" "$tmp/form"
cp "$tmp"/summary-1.png docs/summary.png
cp "$tmp"/form-1.png docs/corrected-form.png
echo "wrote docs/summary.png docs/corrected-form.png"
