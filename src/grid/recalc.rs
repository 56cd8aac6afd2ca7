//! Placeholder formula results, and the formula cells a grid could not read.
//!
//! A workbook written by a program (XlsxWriter, rust_xlsxwriter, openpyxl …) asks to be
//! recalculated on opening and stores 0, or nothing, as each formula's result. The reader hands
//! such formula cells to [`Grid::recalculate`], which evaluates them over the grid
//! ([`crate::formula`]) in sheet order, pass after pass until a pass settles nothing more (a
//! formula may read another one written below it). A formula that reads one not yet evaluated
//! waits for it; one that cannot be evaluated at all — another function, another sheet, a cycle,
//! an error such as a division by zero, a cell beyond the grid's bounds — keeps the value the
//! file stores and is listed by [`Grid::unevaluated`], so later stages know the cell's figure
//! is unknown. The work is bounded ([`MAX_WORK`]): what is left when it runs out is unevaluated.

use std::cell::Cell as Counter;
use std::collections::{BTreeMap, HashMap};

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Grid, MAX_COLS, MAX_ROWS, Value, index_merges};
use crate::formula::{self, Input};

/// Work one grid's recalculation may do, in cells read plus a unit per evaluation and per 16
/// characters of formula text tokenised (a form's dozen formulas take a few hundred).
pub const MAX_WORK: u64 = 2_000_000;

/// Significant digits an evaluated result keeps: those a result Excel stored would read with
/// (`num::from_f64`), so `1/3` reads the same computed here or cached by Excel.
const SIGNIFICANT_DIGITS: u32 = 15;

impl Grid {
    /// The formula text (without `=`) of the cell at (row, col) when it holds a formula whose
    /// result the file does not usably store and jixiao did not evaluate: its value is the one
    /// stored (blank, or a placeholder 0) and must not be read as the cell's figure.
    pub fn unevaluated(&self, row: u32, col: u32) -> Option<&str> {
        self.unevaluated
            .binary_search_by_key(&(row, col), |(r, c, _)| (*r, *c))
            .ok()
            .and_then(|i| self.unevaluated.get(i))
            .map(|(_, _, formula)| formula.as_str())
    }

    /// Every [`unevaluated`](Grid::unevaluated) cell as (row, col, formula), in sheet order
    /// (row by row, left to right).
    pub fn unevaluated_cells(&self) -> impl Iterator<Item = (u32, u32, &str)> {
        self.unevaluated.iter().map(|(r, c, f)| (*r, *c, f.as_str()))
    }

    /// Record the cell at (row, col) as holding `formula`, not evaluated (its value stays as it
    /// is). The reader does this for a formula saved without its result in a workbook that does
    /// not ask to be recalculated; tests use it to build such grids. Positions outside the
    /// bounded area are ignored.
    pub fn set_unevaluated(&mut self, row: u32, col: u32, formula: impl Into<String>) {
        if row >= MAX_ROWS || col >= MAX_COLS {
            return;
        }
        let formula = formula.into();
        match self
            .unevaluated
            .binary_search_by_key(&(row, col), |(r, c, _)| (*r, *c))
        {
            Ok(i) => {
                if let Some(entry) = self.unevaluated.get_mut(i) {
                    entry.2 = formula;
                }
            }
            Err(i) => self.unevaluated.insert(i, (row, col, formula)),
        }
    }

    /// Evaluate the given formula cells, whose stored results are placeholders (see the module
    /// documentation): each one evaluated gets its result as a number (its percent flag kept);
    /// each one not evaluated keeps its value and is recorded as
    /// [`unevaluated`](Grid::unevaluated). Positions outside the bounded area are ignored.
    pub fn recalculate(&mut self, formulas: impl IntoIterator<Item = (u32, u32, String)>) {
        self.recalculate_within(formulas, MAX_WORK);
    }

    /// [`Grid::recalculate`] with at most `max_work` work (see [`MAX_WORK`]).
    fn recalculate_within(&mut self, formulas: impl IntoIterator<Item = (u32, u32, String)>, max_work: u64) {
        let mut pending: BTreeMap<(u32, u32), String> = formulas
            .into_iter()
            .filter(|(r, c, _)| *r < MAX_ROWS && *c < MAX_COLS)
            .map(|(r, c, f)| ((r, c), f))
            .collect();
        // Recalculated cells are decided anew.
        self.unevaluated
            .retain(|(r, c, _)| !pending.contains_key(&(*r, *c)));
        let mut results: HashMap<(u32, u32), Decimal> = HashMap::new();
        // Formulas that failed without waiting for another: they never will evaluate.
        let mut failed: BTreeMap<(u32, u32), String> = BTreeMap::new();
        let work = Counter::new(0u64);
        while !pending.is_empty() && work.get() < max_work {
            let mut settled = Vec::new();
            for (&pos, text) in &pending {
                let cost = u64::try_from(text.len() / 16)
                    .unwrap_or(u64::MAX)
                    .saturating_add(1);
                work.set(work.get().saturating_add(cost));
                if work.get() >= max_work {
                    break;
                }
                let waited = Counter::new(false);
                let value = formula::evaluate(text, &|row, col| {
                    work.set(work.get().saturating_add(1));
                    if work.get() >= max_work {
                        return Input::Unknown;
                    }
                    if let Some(d) = results.get(&(row, col)) {
                        return Input::Number(*d);
                    }
                    if pending.contains_key(&(row, col)) {
                        waited.set(true);
                        return Input::Unknown;
                    }
                    if failed.contains_key(&(row, col)) {
                        return Input::Unknown;
                    }
                    self.input(row, col)
                });
                match value {
                    Some(d) => {
                        results.insert(pos, excel_precision(d));
                        settled.push(pos);
                    }
                    None if !waited.get() && work.get() < max_work => settled.push(pos),
                    None => {}
                }
            }
            if settled.is_empty() {
                break;
            }
            for pos in settled {
                if let Some(text) = pending.remove(&pos)
                    && !results.contains_key(&pos)
                {
                    failed.insert(pos, text);
                }
            }
        }
        self.put_numbers(&results);
        for ((row, col), text) in failed.into_iter().chain(pending) {
            self.set_unevaluated(row, col, text);
        }
    }

    /// The value of a cell as a formula reads it.
    fn input(&self, row: u32, col: u32) -> Input {
        if row >= MAX_ROWS || col >= MAX_COLS || self.unevaluated(row, col).is_some() {
            // Beyond what was kept, or a figure not known.
            return Input::Unknown;
        }
        match self.value(row, col) {
            Value::Empty => Input::Empty,
            Value::Number(d) => Input::Number(*d),
            // Skipped in a range, not arithmetic: as Excel treats text and booleans.
            Value::Text(_) | Value::Bool(_) => Input::Other,
            // A date is a serial number to Excel, an error spreads: not ours to guess.
            Value::Date(_) | Value::Error(_) | Value::Unrepresentable(_) => Input::Unknown,
        }
    }

    /// Put numbers into cells, growing the grid when a cell lies beyond it (a formula saved
    /// without a result was not a cell of the grid).
    fn put_numbers(&mut self, numbers: &HashMap<(u32, u32), Decimal>) {
        let height = numbers
            .keys()
            .map(|(r, _)| r.saturating_add(1))
            .fold(self.height, u32::max);
        let width = numbers
            .keys()
            .map(|(_, c)| c.saturating_add(1))
            .fold(self.width, u32::max);
        if (width, height) != (self.width, self.height) {
            let mut cells = vec![super::Cell::default(); dense_len(width, height)];
            for row in 0..self.height {
                for col in 0..self.width {
                    if let (Some(to), Some(from)) = (
                        cells.get_mut(dense_index(row, col, width)),
                        self.cells.get_mut(dense_index(row, col, self.width)),
                    ) {
                        *to = std::mem::take(from);
                    }
                }
            }
            self.cells = cells;
            self.width = width;
            self.height = height;
            self.merge_index = index_merges(&self.merges, width, height);
        }
        for (&(row, col), &d) in numbers {
            if let Some(cell) = self.cells.get_mut(dense_index(row, col, self.width)) {
                cell.value = Value::Number(d);
            }
        }
    }
}

/// Index of (row, col) in a dense grid `width` wide (inside the bounded area: no overflow).
fn dense_index(row: u32, col: u32, width: u32) -> usize {
    usize::try_from(u64::from(row) * u64::from(width) + u64::from(col)).unwrap_or(usize::MAX)
}

fn dense_len(width: u32, height: u32) -> usize {
    usize::try_from(u64::from(width) * u64::from(height)).unwrap_or(0)
}

/// A result as it would read had Excel stored it: 15 significant digits, normalised.
fn excel_precision(d: Decimal) -> Decimal {
    d.round_sf_with_strategy(SIGNIFICANT_DIGITS, RoundingStrategy::MidpointNearestEven)
        .unwrap_or(d)
        .normalize()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::super::{Cell, Region};
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cell(a1: &str, value: Value) -> (u32, u32, Cell) {
        let p = crate::grid::Pos::parse_a1(a1).unwrap();
        (
            p.row,
            p.col,
            Cell {
                value,
                percent: a1 == "H7",
            },
        )
    }

    fn at(grid: &Grid, a1: &str) -> Value {
        let p = crate::grid::Pos::parse_a1(a1).unwrap();
        grid.value(p.row, p.col).clone()
    }

    fn formulas(list: &[(&str, &str)]) -> Vec<(u32, u32, String)> {
        list.iter()
            .map(|(a1, f)| {
                let p = crate::grid::Pos::parse_a1(a1).unwrap();
                (p.row, p.col, f.to_string())
            })
            .collect()
    }

    /// The funds row and the scores of a form, as a program writes it: formulas store 0.
    fn form() -> Grid {
        let n = |s: &str| Value::Number(d(s));
        Grid::from_cells(
            "s",
            vec![
                cell("E7", n("200000")),
                cell("F7", n("196876.3")),
                cell("G7", n("10")),
                cell("H7", n("0")),
                cell("I7", n("0")),
                cell("H16", n("5")),
                cell("H17", n("4.5")),
                cell("H18", Value::Text("/".into())),
                cell("H29", n("0")),
            ],
            vec![Region {
                top: 28,
                left: 0,
                bottom: 28,
                right: 5,
            }],
        )
    }

    #[test]
    fn placeholder_results_are_computed_whatever_order_the_formulas_read_each_other() {
        let mut grid = form();
        // 总分 (row 29) reads 得分 (I7), which reads the rate (H7): above, so one pass; and a
        // cell above reading one below (J1 reads H29) needs a second.
        grid.recalculate(formulas(&[
            ("J1", "H29*2"),
            ("H7", "ROUND(F7/E7,4)"),
            ("I7", "ROUND(G7*MIN(F7/E7,1),2)"),
            ("H29", "SUM(H16:H28)+I7"),
        ]));
        assert_eq!(at(&grid, "H7"), Value::Number(d("0.9844")));
        assert!(grid.cell(6, 7).percent, "the percent flag is kept");
        assert_eq!(at(&grid, "I7"), Value::Number(d("9.84")));
        assert_eq!(at(&grid, "H29"), Value::Number(d("19.34")));
        assert_eq!(at(&grid, "J1"), Value::Number(d("38.68")));
        assert_eq!(grid.unevaluated_cells().count(), 0);
        // J1 grew the grid by a column; merges still resolve.
        assert_eq!(grid.width(), 10);
        assert_eq!(grid.shown(28, 3).0, 28);
    }

    #[test]
    fn results_keep_fifteen_significant_digits() {
        let mut grid = form();
        grid.recalculate(formulas(&[("H7", "1/3"), ("I7", "F7/E7*100")]));
        assert_eq!(at(&grid, "H7"), Value::Number(d("0.333333333333333")));
        assert_eq!(at(&grid, "I7"), Value::Number(d("98.43815")));
    }

    #[test]
    fn what_cannot_be_evaluated_keeps_its_value_and_is_named() {
        let mut grid = form();
        grid.recalculate(formulas(&[
            // Another sheet, an unknown function, a cycle, a division by zero, text in
            // arithmetic, a reference beyond the kept area, and one reading an unevaluated cell.
            ("H7", "'其他'!A1"),
            ("I7", "VLOOKUP(G7,A1:B2,2,FALSE)"),
            ("H29", "SUM(H16:H28)+J29"),
            ("J29", "H29+1"),
            ("A40", "F7/A1"),
            ("B40", "H18+1"),
            ("C40", "BZ1+1"),
            ("D40", "I7*2"),
            // Evaluated: a range skipping text.
            ("E40", "SUM(H16:H18)"),
        ]));
        assert_eq!(at(&grid, "H7"), Value::Number(d("0")));
        assert_eq!(at(&grid, "H29"), Value::Number(d("0")));
        assert_eq!(at(&grid, "A40"), Value::Empty);
        assert_eq!(at(&grid, "E40"), Value::Number(d("9.5")));
        assert_eq!(grid.unevaluated(6, 7), Some("'其他'!A1"));
        assert_eq!(grid.unevaluated(6, 8), Some("VLOOKUP(G7,A1:B2,2,FALSE)"));
        assert_eq!(grid.unevaluated(39, 4), None);
        let listed: Vec<(u32, u32, &str)> = grid.unevaluated_cells().collect();
        assert_eq!(
            listed,
            [
                (6, 7, "'其他'!A1"),
                (6, 8, "VLOOKUP(G7,A1:B2,2,FALSE)"),
                (28, 7, "SUM(H16:H28)+J29"),
                (28, 9, "H29+1"),
                (39, 0, "F7/A1"),
                (39, 1, "H18+1"),
                (39, 2, "BZ1+1"),
                (39, 3, "I7*2"),
            ]
        );
    }

    #[test]
    fn a_grid_built_from_cells_has_no_unevaluated_cell_until_told() {
        let mut grid = form();
        assert_eq!(grid.unevaluated_cells().count(), 0);
        grid.set_unevaluated(28, 7, "SUM(H16:H28)");
        grid.set_unevaluated(6, 7, "F7/E7");
        grid.set_unevaluated(6, 7, "ROUND(F7/E7*100,2)");
        grid.set_unevaluated(MAX_ROWS, 0, "A1");
        assert_eq!(grid.unevaluated(6, 7), Some("ROUND(F7/E7*100,2)"));
        let listed: Vec<(u32, u32, &str)> = grid.unevaluated_cells().collect();
        assert_eq!(listed, [(6, 7, "ROUND(F7/E7*100,2)"), (28, 7, "SUM(H16:H28)")]);
        // A formula reading an unevaluated cell is not evaluated either.
        grid.recalculate(formulas(&[("I7", "H7/10")]));
        assert_eq!(grid.unevaluated(6, 8), Some("H7/10"));
    }

    #[test]
    fn a_long_chain_written_backwards_stops_within_the_work_bound() {
        // Each cell reads the one below: one settles per pass.
        let n = 300u32;
        let list: Vec<(u32, u32, String)> = (0..n)
            .map(|r| {
                (
                    r,
                    0,
                    if r + 1 == n {
                        "1".to_string()
                    } else {
                        format!("A{}+1", r + 2)
                    },
                )
            })
            .collect();
        let mut grid = Grid::from_cells("s", Vec::new(), Vec::new());
        grid.recalculate_within(list, 20_000);
        // The last rows settled; the work ran out before the top, which stays unevaluated.
        assert_eq!(grid.value(n - 1, 0), &Value::Number(Decimal::ONE));
        assert_eq!(grid.value(n - 2, 0), &Value::Number(Decimal::TWO));
        assert!(grid.unevaluated(0, 0).is_some());
        assert_eq!(grid.value(0, 0), &Value::Empty);
    }
}
