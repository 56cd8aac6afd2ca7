//! A shared formula's text as it applies to another cell of its range: Excel keeps the text once,
//! on the range's first cell, and the others only name the group. Only reissue needs this (it
//! reads sheet XML itself; calamine expands shared formulas for the grid), so it stays here;
//! the lexer it moves references with, and the evaluator, are [`crate::formula`]'s.

use crate::formula::{CellRef, Piece, pieces};

/// The reference written back: `$` flags kept, column letters in upper case.
fn write(r: &CellRef) -> String {
    format!(
        "{}{}{}{}",
        if r.abs_col { "$" } else { "" },
        crate::grid::col_name(r.col),
        if r.abs_row { "$" } else { "" },
        r.row + 1
    )
}

/// The formula as it reads `rows` rows and `cols` columns away from where it is written:
/// relative references move, `$` ones stay. `None` when the formula holds something this does
/// not move safely (whole-column or whole-row ranges, structured references) or a reference
/// would leave the sheet.
pub fn shift(formula: &str, rows: i64, cols: i64) -> Option<String> {
    let pieces = pieces(formula)?;
    let mut out = String::with_capacity(formula.len());
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Verbatim(s) => {
                if s.starts_with(['[', '{']) {
                    return None;
                }
                out.push_str(s);
            }
            Piece::Word(w) => {
                let next = match pieces.get(i + 1) {
                    Some(Piece::Verbatim(s)) => s.chars().next(),
                    _ => None,
                };
                match CellRef::parse(w) {
                    Some(r) if next != Some('(') => {
                        let row = if r.abs_row {
                            i64::from(r.row)
                        } else {
                            i64::from(r.row).checked_add(rows)?
                        };
                        let col = if r.abs_col {
                            i64::from(r.col)
                        } else {
                            i64::from(r.col).checked_add(cols)?
                        };
                        let moved = CellRef {
                            row: u32::try_from(row).ok().filter(|&r| r < 1_048_576)?,
                            col: u32::try_from(col).ok().filter(|&c| c < 16_384)?,
                            ..r
                        };
                        out.push_str(&write(&moved));
                    }
                    _ => {
                        // A word next to `:` that is not a cell: `A:A` or `1:1`.
                        let prev = match i.checked_sub(1).and_then(|p| pieces.get(p)) {
                            Some(Piece::Verbatim(s)) => s.chars().next(),
                            _ => None,
                        };
                        if next == Some(':') || prev == Some(':') {
                            return None;
                        }
                        out.push_str(w);
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_moves_relative_references_only() {
        assert_eq!(shift("F7/E7", 1, 0).as_deref(), Some("F8/E8"));
        assert_eq!(shift("$F$7/E7", 2, 1).as_deref(), Some("$F$7/F9"));
        assert_eq!(shift("SUM(H16:H28)", 0, 1).as_deref(), Some("SUM(I16:I28)"));
        assert_eq!(shift("F$7*$E7", 3, 3).as_deref(), Some("I$7*$E10"));
        // Strings and quoted sheet names are not references.
        assert_eq!(
            shift("IF(A1>0,\"B2\",'My B3'!C4)", 1, 0).as_deref(),
            Some("IF(A2>0,\"B2\",'My B3'!C5)")
        );
        // A function whose name looks like a cell is a function.
        assert_eq!(shift("LOG10(A1)", 1, 0).as_deref(), Some("LOG10(A2)"));
        assert_eq!(shift("SUM(A:A)", 1, 0), None);
        assert_eq!(shift("A1", -1, 0), None);
        assert_eq!(shift("Table1[金额]", 1, 0), None);
    }
}
