//! The .xlsx / .xlsm reader: calamine streams each sheet's cells (a dense range would be sized
//! by the sheet's claimed extent), styles' number formats become percent flags, the merged
//! regions come from the byte scan (`xlsx_scan.rs`), and formula cells whose stored results may
//! be placeholders go to the recalculation (`recalc.rs`).

use std::io::{Cursor, Read, Seek};

use calamine::{DataRef, Reader, Xlsx};

use super::dense::{regions, visible_sheets};
use super::values::value_of_ref;
use super::{Cell, Grid, Limits, MAX_COLS, MAX_ROWS, ReadError, xlsx_scan};

/// Read an xlsx or xlsm package.
pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, ReadError> {
    let scan = xlsx_scan::scan(bytes, limits.max_entry_bytes);
    match read_xlsx(Cursor::new(bytes), scan) {
        // calamine looks for `xl/./worksheets/sheet1.xml` when a relationship targets
        // `./worksheets/sheet1.xml`: read again the package with such targets written
        // plainly, if it has any (its sizes were checked by `sniff`).
        Err(ReadError::Corrupt(why)) => match xlsx_scan::normalise_targets(bytes, limits.max_entry_bytes) {
            Ok(Some(normalised)) => {
                let scan = xlsx_scan::scan(&normalised, limits.max_entry_bytes);
                read_xlsx(Cursor::new(normalised.as_slice()), scan)
            }
            _ => Err(ReadError::Corrupt(why)),
        },
        read => read,
    }
}

/// `scan`: what `xlsx_scan::scan` found of the package. A sheet it could not read has its merged
/// regions from calamine, which parses the sheet again for them.
fn read_xlsx<RS: Read + Seek>(rs: RS, scan: xlsx_scan::Scan) -> Result<Vec<Grid>, ReadError> {
    let mut xlsx = match Xlsx::new(rs) {
        Ok(x) => x,
        Err(calamine::XlsxError::Password) => return Err(ReadError::Encrypted),
        Err(e) => return Err(ReadError::Corrupt(e.to_string())),
    };
    let recalc = scan.recalc_on_load;
    let mut scanned = scan.sheets;
    let sheets = visible_sheets(xlsx.sheets_metadata());
    let mut grids = Vec::new();
    for (name, hidden) in sheets {
        // Stream the cells: a dense range would be sized by the sheet's claimed extent.
        let mut cells = Vec::new();
        {
            let mut reader = xlsx
                .worksheet_cells_reader(&name)
                .map_err(|e| ReadError::Corrupt(e.to_string()))?;
            let percent_styles: Vec<bool> = reader
                .styles()
                .iter()
                .map(|s| {
                    s.number_format
                        .as_ref()
                        .is_some_and(|f| is_percent_format(&f.format_code))
                })
                .collect();
            while let Some((cell, style)) = reader
                .next_cell_with_style_id()
                .map_err(|e| ReadError::Corrupt(e.to_string()))?
            {
                let (row, col) = cell.get_position();
                if row >= MAX_ROWS || col >= MAX_COLS {
                    continue;
                }
                let value = value_of_ref(cell.get_value());
                let percent = percent_styles.get(style).copied().unwrap_or(false);
                cells.push((row, col, Cell { value, percent }));
            }
        }
        let (regions, hint) = match scanned.as_mut().and_then(|m| m.remove(&name)) {
            Some(found) => (found.merges, found.formulas),
            None => (
                regions(&xlsx.merge_cells_by_sheet_name(&name).unwrap_or_default()),
                xlsx_scan::FormulaHint::UNKNOWN,
            ),
        };
        let mut grid = Grid::from_cells(&name, cells, regions);
        grid.hidden = hidden;
        grid.formats_known = true;
        // A second pass, for the formulas, only where a stored result may be a placeholder.
        if recalc && (hint.zero || hint.uncached) {
            grid.recalculate(placeholder_formulas(&mut xlsx, &name, true));
        } else if hint.uncached {
            // Asked for no recalculation, a formula saved without its result is not evaluated
            // either: the cell reads blank, and is known to be a formula.
            for (row, col, formula) in placeholder_formulas(&mut xlsx, &name, false) {
                grid.set_unevaluated(row, col, formula);
            }
        }
        grids.push(grid);
    }
    Ok(grids)
}

/// The formula cells of an xlsx sheet (inside the bounded area) that store no result — or,
/// with `zero`, a result of 0 — with their formula text (shared formulas expanded by calamine).
fn placeholder_formulas<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    sheet: &str,
    zero: bool,
) -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    let Ok(mut reader) = xlsx.worksheet_cells_reader(sheet) else {
        return found;
    };
    while let Ok(Some(cell)) = reader.next_cell_with_formula() {
        let (row, col) = cell.pos;
        // calamine's boundary: a stored 0 is exactly zero as a float.
        let placeholder = match cell.value {
            DataRef::Empty => true,
            DataRef::Int(i) => zero && i == 0,
            DataRef::Float(f) => zero && f == 0.0,
            DataRef::DateTime(dt) => zero && dt.as_f64() == 0.0,
            _ => false,
        };
        if placeholder
            && row < MAX_ROWS
            && col < MAX_COLS
            && let Some(formula) = cell.formula.filter(|f| !f.trim().is_empty())
        {
            found.push((row, col, formula));
        }
    }
    found
}

/// True when an Excel number format code shows a percent (a `%` outside quotes and escapes).
pub fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for ch in code.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_formats() {
        assert!(is_percent_format("0.00%"));
        assert!(!is_percent_format("0.00\"%\""));
        assert!(!is_percent_format("#,##0.00"));
    }
}
