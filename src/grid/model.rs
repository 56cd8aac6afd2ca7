//! The grid every reader builds and the locator reads: a cell's [`Value`] after the numeric
//! boundary, a [`Cell`] with its percent display, merged [`Region`]s, and the dense, bounded
//! [`Grid`] with the accessors that say what a cell shows (the top-left value of the merge
//! covering it).

use std::fmt;

use rust_decimal::Decimal;

use super::{MAX_COLS, MAX_ROWS};
use crate::grammar::Date;
use crate::num;

/// A cell's value after the numeric boundary.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Empty,
    Number(Decimal),
    Text(String),
    Bool(bool),
    Date(Date),
    /// A spreadsheet error such as `#DIV/0!`.
    Error(String),
    /// A number the cell holds that a decimal cannot (beyond ±7.9 × 10²⁸, or NaN), as Excel
    /// shows it: `1E+300`.
    Unrepresentable(String),
}

impl Value {
    /// The value as display text: trimmed text, numbers in plain notation, `""` when empty.
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Number(d) => num::fmt_plain(*d),
            Value::Text(s) => s.trim().to_string(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Value::Date(d) => format!("{}-{:02}-{:02}", d.year, d.month, d.day),
            Value::Error(e) | Value::Unrepresentable(e) => e.clone(),
        }
    }

    /// [`Value::text`] without a copy where the value already holds its text (trimmed).
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Text(s) => std::borrow::Cow::Borrowed(s.trim()),
            Value::Error(e) | Value::Unrepresentable(e) => std::borrow::Cow::Borrowed(e),
            other => std::borrow::Cow::Owned(other.text()),
        }
    }

    /// Blank, or only a placeholder (`/`, `-`, `无`, a template's prompt: see
    /// [`crate::text::is_placeholder`]). A number, date or truth value never is, so they are not
    /// turned into text to ask.
    pub fn is_placeholder(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) | Value::Error(s) | Value::Unrepresentable(s) => crate::text::is_placeholder(s),
            Value::Number(_) | Value::Bool(_) | Value::Date(_) => false,
        }
    }

    /// True for an empty cell or one holding only blanks.
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

/// One cell of a grid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub value: Value,
    /// The cell's number format shows a percent (`0.9844` displayed as `98.44%`).
    pub percent: bool,
}

/// A merged region, zero-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub top: u32,
    pub left: u32,
    pub bottom: u32,
    pub right: u32,
}

impl Region {
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.top..=self.bottom).contains(&row) && (self.left..=self.right).contains(&col)
    }
}

/// A sheet's cells inside the bounded area, dense, plus its merged regions.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub name: String,
    pub hidden: bool,
    /// The reader knows number formats (xlsx styles, ODS value types): a cell's `percent` flag
    /// can be trusted. For .xls, HTML and SpreadsheetML it cannot (see `rules::funds`).
    pub formats_known: bool,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) cells: Vec<Cell>,
    pub merges: Vec<Region>,
    /// For each cell of the grid, 1 + the index of the merged region covering it (0: none), so
    /// `merge_at` is a lookup; empty when the regions overlap too much to be worth indexing.
    pub(super) merge_index: Vec<u32>,
    /// Formula cells whose stored result is not a usable figure and which were not evaluated,
    /// sorted in sheet order, with their formula text ([`Grid::unevaluated`]).
    pub(super) unevaluated: Vec<(u32, u32, String)>,
}

static EMPTY: Cell = Cell {
    value: Value::Empty,
    percent: false,
};

impl Grid {
    /// Build a grid from sparse cells (positions outside the bounds are dropped).
    pub fn from_cells(
        name: impl Into<String>,
        cells: impl IntoIterator<Item = (u32, u32, Cell)>,
        merges: Vec<Region>,
    ) -> Grid {
        let kept: Vec<(u32, u32, Cell)> = cells
            .into_iter()
            .filter(|(r, c, cell)| *r < MAX_ROWS && *c < MAX_COLS && cell.value != Value::Empty)
            .collect();
        let height = kept.iter().map(|(r, _, _)| r + 1).max().unwrap_or(0);
        let width = kept.iter().map(|(_, c, _)| c + 1).max().unwrap_or(0);
        let mut dense = vec![Cell::default(); (width * height) as usize];
        for (r, c, cell) in kept {
            dense[(r * width + c) as usize] = cell;
        }
        let merges: Vec<Region> = merges
            .into_iter()
            .filter(|m| m.top < MAX_ROWS && m.left < MAX_COLS && m.top <= m.bottom && m.left <= m.right)
            .map(|m| Region {
                bottom: m.bottom.min(MAX_ROWS - 1),
                right: m.right.min(MAX_COLS - 1),
                ..m
            })
            .collect();
        let merge_index = index_merges(&merges, width, height);
        Grid {
            name: name.into(),
            hidden: false,
            formats_known: false,
            width,
            height,
            cells: dense,
            merges,
            merge_index,
            unevaluated: Vec::new(),
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The cell at (row, col); an empty cell outside the grid.
    pub fn cell(&self, row: u32, col: u32) -> &Cell {
        if row < self.height && col < self.width {
            &self.cells[(row * self.width + col) as usize]
        } else {
            &EMPTY
        }
    }

    pub fn value(&self, row: u32, col: u32) -> &Value {
        &self.cell(row, col).value
    }

    /// The merged region whose area contains (row, col), if any.
    pub fn merge_at(&self, row: u32, col: u32) -> Option<&Region> {
        if row < self.height && col < self.width && !self.merge_index.is_empty() {
            let i = self.merge_index[(row * self.width + col) as usize];
            return i.checked_sub(1).map(|i| &self.merges[i as usize]);
        }
        self.merges.iter().find(|m| m.contains(row, col))
    }

    /// The value shown at (row, col): the top-left value of a merged region covering it.
    pub fn shown(&self, row: u32, col: u32) -> (u32, u32, &Value) {
        match self.merge_at(row, col) {
            Some(m) => (m.top, m.left, self.value(m.top, m.left)),
            None => (row, col, self.value(row, col)),
        }
    }

    /// The last column covered by the cell at (row, col) (itself, or its merge's right edge).
    pub fn right_edge(&self, row: u32, col: u32) -> u32 {
        self.merge_at(row, col).map_or(col, |m| m.right)
    }
}

/// The per-cell merge index of a grid (see `Grid::merge_index`): the first region covering a
/// cell wins, as in a linear search. Regions whose clipped areas add up to more than a few times
/// the grid are not indexed (a hostile file), and `merge_at` falls back to searching.
pub(super) fn index_merges(merges: &[Region], width: u32, height: u32) -> Vec<u32> {
    let clipped = |m: &Region| {
        let rows = u64::from(m.bottom.min(height.saturating_sub(1)).saturating_sub(m.top) + 1);
        let cols = u64::from(m.right.min(width.saturating_sub(1)).saturating_sub(m.left) + 1);
        if m.top >= height || m.left >= width {
            0
        } else {
            rows * cols
        }
    };
    let area: u64 = merges.iter().map(clipped).sum();
    if width == 0 || height == 0 || area > 4 * u64::from(width) * u64::from(height) + 1024 {
        return Vec::new();
    }
    let mut index = vec![0u32; (width * height) as usize];
    for (i, m) in merges.iter().enumerate().rev() {
        for r in m.top..=m.bottom.min(height.saturating_sub(1)) {
            for c in m.left..=m.right.min(width.saturating_sub(1)) {
                index[(r * width + c) as usize] = i as u32 + 1;
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The borrowed text is the display text, for every kind of value.
    #[test]
    fn as_text_is_text_without_the_copy() {
        let values = [
            Value::Empty,
            Value::Number(Decimal::new(-12345, 2)),
            Value::Text("  年度指标值：≥95% \n".into()),
            Value::Bool(true),
            Value::Date(crate::grammar::Date {
                year: 2024,
                month: 3,
                day: 9,
            }),
            Value::Error("#DIV/0!".into()),
            Value::Unrepresentable("1E+300".into()),
        ];
        for v in &values {
            assert_eq!(v.as_text(), v.text(), "{v:?}");
        }
        assert!(matches!(
            values[2].as_text(),
            std::borrow::Cow::Borrowed("年度指标值：≥95%")
        ));
    }

    #[test]
    fn merged_cells_show_their_top_left_value() {
        let cells = vec![(
            0,
            0,
            Cell {
                value: Value::Text("原因".into()),
                percent: false,
            },
        )];
        let grid = Grid::from_cells(
            "s",
            cells,
            vec![Region {
                top: 0,
                left: 0,
                bottom: 2,
                right: 0,
            }],
        );
        assert_eq!(grid.shown(2, 0).2, &Value::Text("原因".into()));
        assert_eq!(grid.shown(3, 0).2, &Value::Empty);
    }
}
