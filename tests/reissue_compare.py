#!/usr/bin/env python3
"""An independent reader's view of a reissued workbook (tests/reissue.rs runs this).

Usage: reissue_compare.py INPUT OUTPUT CELLS_JSON
CELLS_JSON: {"sheet name": ["H7", ...]} -- the cells jixiao corrected.

openpyxl reads the unit's input and jixiao's output. Every sheet, merge, column width, row
height, data validation, defined name, print setting, image and filer's comment must be the
same; every cell's value and style must be the same, except the corrected cells, whose value
changes and whose style gains the highlight fill with font, border, alignment and number
format kept. Prints one line per difference; exit status 1 when there is any.
"""

import json
import sys

import openpyxl

HIGHLIGHT = "FFFFE699"


def style(cell, with_fill=True):
    f = cell.font
    b = cell.border
    a = cell.alignment
    out = (
        (f.name, f.sz, f.b, f.i, f.u, f.color.rgb if f.color is not None else None),
        tuple(getattr(getattr(b, side), "style", None) for side in ("left", "right", "top", "bottom")),
        cell.number_format,
        (a.horizontal, a.vertical, a.wrap_text, a.indent, a.text_rotation),
        (cell.protection.locked, cell.protection.hidden),
    )
    if with_fill:
        out += ((cell.fill.fill_type, cell.fill.fgColor.rgb),)
    return out


def sheet_facts(ws):
    return {
        "merges": sorted(str(r) for r in ws.merged_cells.ranges),
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "validations": sorted((dv.type, dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation),
        "print": (
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
            str(ws.print_area),
            ws.print_title_rows,
        ),
        "images": len(ws._images),
        "state": ws.sheet_state,
        "freeze": ws.freeze_panes,
    }


def main():
    src, out, cells = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    keep_vba = src.lower().endswith(".xlsm")
    a = openpyxl.load_workbook(src, keep_vba=keep_vba)
    b = openpyxl.load_workbook(out, keep_vba=keep_vba)
    problems = []
    compared = 0
    if a.sheetnames != b.sheetnames:
        problems.append(f"sheets {a.sheetnames} became {b.sheetnames}")
    names_a = {k: v.attr_text for k, v in a.defined_names.items()}
    names_b = {k: v.attr_text for k, v in b.defined_names.items()}
    if names_a != names_b:
        problems.append(f"defined names {names_a} became {names_b}")
    for name in a.sheetnames:
        if name not in b.sheetnames:
            continue
        wa, wb = a[name], b[name]
        fa, fb = sheet_facts(wa), sheet_facts(wb)
        for key in fa:
            if fa[key] != fb[key]:
                problems.append(f"[{name}] {key}: {fa[key]} became {fb[key]}")
        corrected = set(cells.get(name, []))
        rows = max(wa.max_row, wb.max_row)
        cols = max(wa.max_column, wb.max_column)
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                ca, cb = wa.cell(r, c), wb.cell(r, c)
                ref = ca.coordinate
                compared += 1
                if ref in corrected:
                    if style(ca, False) != style(cb, False):
                        problems.append(f"[{name}] {ref}: style {style(ca, False)} became {style(cb, False)}")
                    if cb.fill.fill_type != "solid" or cb.fill.fgColor.rgb != HIGHLIGHT:
                        problems.append(f"[{name}] {ref}: corrected cell not highlighted ({cb.fill.fgColor.rgb})")
                    if cb.comment is None or "依据：" not in cb.comment.text:
                        problems.append(f"[{name}] {ref}: corrected cell has no note of the rule")
                    if ca.comment is not None and (cb.comment is None or ca.comment.text not in cb.comment.text):
                        problems.append(f"[{name}] {ref}: the filer's note was lost")
                    continue
                if ca.value != cb.value:
                    problems.append(f"[{name}] {ref}: value {ca.value!r} became {cb.value!r}")
                if style(ca) != style(cb):
                    problems.append(f"[{name}] {ref}: style {style(ca)} became {style(cb)}")
                ta = (ca.comment.author, ca.comment.text) if ca.comment else None
                tb = (cb.comment.author, cb.comment.text) if cb.comment else None
                if ta != tb:
                    problems.append(f"[{name}] {ref}: note {ta} became {tb}")
    for p in problems:
        print(p)
    print(f"compared {compared} cells", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
