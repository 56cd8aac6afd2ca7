//! Metamorphic test of reading and checking: every form of every fixture (the readable files
//! under `tests/fixtures/` except `bad/`, and `samples/`) is checked as it is and after edits
//! that must not change what jixiao reports, or must change it only in a stated way. The edits
//! are made on the grid in memory; no variant file is written.
//!
//! # What is compared
//!
//! A finding is compared by its code, subject, reported and expected values and whether it is
//! fixed, together with its cell moved the way the edit moved the sheet's cells (a finding on F17
//! is expected on G17 after a column is inserted at or left of F). The cells a
//! `formula-not-evaluated` note lists as its reported value move the same way. Findings are
//! compared as multisets, form by form in sheet order; the Chinese message is not compared.
//!
//! Three info codes are *reading notes*, each with a fixed form:
//!
//! - `column-unrecognised`: one per column whose header names no field (or only qualifies one),
//!   on that column's header cell, subject `column:<header>` and reported value `<header>`, the
//!   header text without white space and with full-width brackets folded to ASCII;
//! - `column-absent`: one per field the template has no column for, without a cell, subject
//!   `column:<field>` and reported value `<field>`, the field one of 年初预算数, 全年预算数,
//!   全年执行数, 预算执行率分值, 执行率, 预算执行率得分, 一级指标, 二级指标, 年度指标值, 实际完成值,
//!   分值, 得分, 原因分析 (备注 is none of them: a template without it lacks nothing);
//! - `formula-not-evaluated`: at most one per form, subject `formulas`.
//!
//! Every form of the original sheet and of every variant keeps to these forms. Where a guarantee
//! below compares notes without their cells, it compares them as multisets of (code, subject).
//!
//! # The guarantees
//!
//! - **Unknown column.** A column inserted into the funds table or the indicator table under a
//!   header that no template uses and that names no field (`审核意见`) changes no finding other
//!   than the notes, and the notes are the original ones plus exactly one `column-unrecognised`
//!   with subject `column:<the inserted header>`, on the inserted header's cell; the other forms
//!   of the sheet keep their notes. The same holds for a header that mentions a field only to
//!   qualify it (`执行数说明` in the funds table, `得分计算方法` in the indicator table): it is an
//!   explanation, not the field, and must not take the real column's place.
//! - **Deleted column.** Deleting an optional column of either table adds no warning or error:
//!   every finding after the deletion was there before. A missing column never gives a
//!   `missing-field` per row. Two findings may be new, each because the deletion removed what a
//!   check read, not because the form was read wrongly:
//!   1. a `total-score-mismatch` or `grade-mismatch` (new, or with another value), when the
//!      deletion removed a fixed score finding (`indicator-score-mismatch`,
//!      `execution-score-mismatch`, `qualitative-score-out-of-band`, or `score-out-of-range` with a
//!      fix): 总分 is checked against the scores as corrected, and a score that can no longer be
//!      recomputed (its 分值 or 执行率 is gone) stands as filed, so the corrected 总分 and the grade
//!      it gives move with it;
//!   2. a `deviation-without-reason`, when the deleted column is 备注: the reason text that check
//!      read is gone with it;
//!   3. a `missing-field`, when the deleted column is 一级指标: it is what tells a scored
//!      criterion of an older framework (项目决策, 项目管理: no target) or a numbered subtotal from
//!      an indicator, and without it such a row is an indicator whose target is missing.
//!
//!   Deleting the funds 得分 also takes the `column-absent` note on 预算执行率分值 away: there is
//!   no score left for those points to check.
//!
//!   The notes are the original ones plus at most the `column-absent` for the deleted field. A
//!   note that names the deleted field (a `column-absent` by its field name, a
//!   `column-unrecognised` by a header of that field) may also come or go, as deleting a column
//!   can change which column holds its field; a `formula-not-evaluated` note goes when every cell
//!   it lists was deleted, there being no formula left to note. The other forms of the sheet keep
//!   their notes. When the column is one the checks need (年度指标值, 实际完成值, 分值 or 得分 of
//!   the indicators; 年初预算数, 执行率 or 得分 of the funds, unless its header also names another
//!   field), the form has the `column-absent` note `column:<field>`, unless another column of the
//!   table holds the same field. Without the 二级指标 column an indicator's subject reads
//!   `indicator:/<三级指标>`; that is the only subject allowed to change.
//!
//!   Optional means: not 全年预算数 (A) or 全年执行数 (B), which every check of the funds reads
//!   (where a table has one budget column, the product reads it as A by design, so a lone
//!   年初预算数 is kept too); not 指标性质, 度量单位 or 计量单位, which are parts of the target (a
//!   target without its comparator reads as ≥ by design); not 三级指标 or the funds row labels,
//!   which name the rows.
//! - **Repeated header.** The indicator table's header repeated between two indicator rows, as on
//!   each printed page of a long table, changes no finding, notes included. The same applies with
//!   a page-break line before the repeated header (a row holding only `第 1 页 共 2 页`, then one
//!   holding only `续表`).
//! - **Moved form.** The whole sheet moved down and right (3 rows and 2 columns; 5 columns)
//!   changes no finding, notes included. Only the cells the findings name move with it.
//! - **Renamed header.** A header renamed to the synonym a province template uses (分值 → 权重,
//!   实际完成值（B） → 完成值, 全年预算数（A） → 调整后预算数（A）) changes no finding, notes included.
//!
//! # How the variants are made
//!
//! A table is found by its header row: for the funds table, the row that holds a short label
//! starting with 全年预算数, 调整后预算数 or 调整预算数, or containing 预算数(A); for the indicator
//! table, the row that holds a short label starting with 三级指标 (labels compared after removing
//! white space and folding full-width brackets). Its *header band* is that row plus up to two
//! rows below it that hold only header labels (`（A）` under `全年预算数`, `年度指标值（A）` under
//! `指标值`). The table's column extent runs from the leftmost to the rightmost column showing a
//! label, or an empty merged header cell, in the band. An empty column or two between labels is
//! allowed, but a long note is not a label. Each column's field is named by the deepest label
//! over it, a parent label merged above it otherwise, with the synonyms the province templates
//! use. A label that qualifies a field word (`得分计算方法`, `评分标准`) names no field. A header
//! row found again inside the table's body is the table's header repeated on the next page (a
//! fixture has one), not another table: the edits below treat it as part of the header.
//!
//! - Unknown column: a whole sheet column is inserted at every position from the extent's
//!   second column to just past its last. Every cell at or right of the position moves right,
//!   and a merged region the position falls inside widens. The header goes in the band's deepest
//!   row, and in the same row of each repeat of the header. A position whose new header cell
//!   would lie inside a widened merged region is skipped, since nobody could see that header.
//!   The two tables share the sheet's columns, so the other table gets an empty column without a
//!   header there, which must change nothing either.
//! - Deleted column: each optional recognised column is deleted from its table. The cells of
//!   the sheet columns its header spans are deleted over the table's rows (from its header down
//!   to its last funds row, or down to the 总分 / 合计 row), and the cells right of them in those
//!   rows move left, as a spreadsheet's "delete cells, shift left" does. Merged regions inside those
//!   rows shrink, and a region lying only on the column disappears. A region whose first column
//!   is deleted keeps its value, as a spreadsheet program keeps it. Whole sheet columns are not
//!   deleted: the tables share them in every template (column D holds 年初预算数 and 三级指标), so
//!   that would delete a field of the other table too, often 三级指标 or the funds row labels.
//! - Repeated header: the header rows are copied in full, with their merged regions: the band,
//!   plus any row above it whose field label is merged down into the band. A copy is inserted
//!   after each row of the table body, the last one included (just above the 总分 / 合计 row),
//!   but never inside an indicator merged over several sheet rows. A merged region of the table
//!   that the insertion cuts through is split: the part below the copy repeats its value, as a
//!   table broken over two pages shows it, so a merged 一级指标 or reason still covers the rows
//!   below. The page-break variant is made at one position, the middle one.
//! - Renamed header: each rename is its own variant, applied to every matching header cell of
//!   both tables and their repeats (a label starting with 分值, 实际完成值 or 全年预算数).
//!
//! Every fixture and every variant kind is covered, at every position; nothing is sampled.
//! About 15 000 variants of some 230 forms take 10 to 20 s in a debug build on two cores.
//!
//! All failures are collected and reported together at the end. They are grouped by variant kind,
//! by the way the guarantee breaks, and by the codes of the findings that differ. Each group
//! names its fixtures and shows its first failure: file, sheet, variant and position, and the
//! findings that differ. To rerun a single fixture, set `METAMORPHIC_ONLY` to part of its path:
//! `METAMORPHIC_ONLY=layouts/offset_c4 cargo test --test metamorphic`.
//!
//! Why ~2,200 lines: the edits, the comparison of findings and the stated exceptions belong
//! together; each edit is one function, and the synonym tables it needs are its own copy on purpose
//! (a test must not read them from the code it tests).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::ops::RangeInclusive;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use jixiao::form::FormType;
use jixiao::grid::{Cell, Grid, Limits, Pos, Region, Value, col_name, read_bytes};
use jixiao::locate::locate;
use jixiao::rules::{Code, Finding, Settings, check};
use jixiao::text::norm;
use rayon::prelude::*;

// ---------------------------------------------------------------------------------------------
// An editable sheet: cells and merged regions, with the edits the variants are made of.
// ---------------------------------------------------------------------------------------------

/// A sheet's cells and merged regions, editable; [`Sheet::grid`] turns it back into a [`Grid`].
#[derive(Debug, Clone)]
struct Sheet {
    name: String,
    hidden: bool,
    formats_known: bool,
    cells: BTreeMap<(u32, u32), Cell>,
    /// The formula cells whose result is unknown ([`Grid::unevaluated`]); they move with the cells.
    unevaluated: BTreeMap<(u32, u32), String>,
    merges: Vec<Region>,
}

impl Sheet {
    fn of(grid: &Grid) -> Sheet {
        let mut cells = BTreeMap::new();
        for row in 0..grid.height() {
            for col in 0..grid.width() {
                let cell = grid.cell(row, col);
                if cell.value != Value::Empty {
                    cells.insert((row, col), cell.clone());
                }
            }
        }
        let unevaluated = grid
            .unevaluated_cells()
            .map(|(r, c, formula)| ((r, c), formula.to_string()))
            .collect();
        Sheet {
            name: grid.name.clone(),
            hidden: grid.hidden,
            formats_known: grid.formats_known,
            cells,
            unevaluated,
            merges: grid.merges.clone(),
        }
    }

    fn grid(&self) -> Grid {
        let cells = self.cells.iter().map(|(&(r, c), cell)| (r, c, cell.clone()));
        let mut grid = Grid::from_cells(self.name.clone(), cells, self.merges.clone());
        grid.hidden = self.hidden;
        grid.formats_known = self.formats_known;
        for (&(r, c), formula) in &self.unevaluated {
            grid.set_unevaluated(r, c, formula.clone());
        }
        grid
    }

    fn set_text(&mut self, row: u32, col: u32, text: &str) {
        let cell = Cell {
            value: Value::Text(text.to_string()),
            percent: false,
        };
        self.cells.insert((row, col), cell);
    }

    /// The merged region covering (row, col), the first listed as for a grid.
    fn merge_at(&self, row: u32, col: u32) -> Option<&Region> {
        self.merges.iter().find(|m| m.contains(row, col))
    }

    /// Move every cell by `to`; a cell mapped to `None` is dropped.
    fn move_cells(&mut self, to: impl Fn(u32, u32) -> Option<(u32, u32)>) {
        let cells = std::mem::take(&mut self.cells);
        self.cells = cells
            .into_iter()
            .filter_map(|((r, c), cell)| to(r, c).map(|p| (p, cell)))
            .collect();
        let unevaluated = std::mem::take(&mut self.unevaluated);
        self.unevaluated = unevaluated
            .into_iter()
            .filter_map(|((r, c), formula)| to(r, c).map(|p| (p, formula)))
            .collect();
    }

    /// Insert an empty sheet column at `at`: cells at or right of it move right, a merged region
    /// with `left < at <= right` widens, one at or right of it moves.
    fn insert_col(&mut self, at: u32) {
        self.move_cells(|r, c| Some((r, if c >= at { c + 1 } else { c })));
        for m in &mut self.merges {
            if m.left >= at {
                m.left += 1;
                m.right += 1;
            } else if m.right >= at {
                m.right += 1;
            }
        }
    }

    /// Delete the cells of column `at` in the rows `rows`, the cells right of them in those rows
    /// moving left (a spreadsheet's "delete cells, shift left"; every row: delete the column).
    /// A merged region inside those rows shrinks (keeping its value when `at` was its first
    /// column); one only on the column disappears.
    fn delete_col(&mut self, at: u32, rows: RangeInclusive<u32>) {
        let inside = |m: &Region| rows.contains(&m.top) && rows.contains(&m.bottom);
        for m in self.merges.iter().filter(|m| inside(m)) {
            if m.left == at
                && m.right > at
                && let Some(anchor) = self.cells.get(&(m.top, at)).cloned()
            {
                self.cells.insert((m.top, at + 1), anchor);
            }
        }
        self.move_cells(|r, c| match c.cmp(&at) {
            _ if !rows.contains(&r) => Some((r, c)),
            Ordering::Less => Some((r, c)),
            Ordering::Equal => None,
            Ordering::Greater => Some((r, c - 1)),
        });
        self.merges
            .retain(|m| !(inside(m) && m.left == at && m.right == at));
        for m in self.merges.iter_mut().filter(|m| inside(m)) {
            if m.left > at {
                m.left -= 1;
                m.right -= 1;
            } else if m.right >= at {
                m.right -= 1;
            }
        }
        self.merges.retain(|m| !is_single(m));
    }

    /// Delete the cells of the columns `left..=right` in the rows `rows`.
    fn delete_cols(&mut self, left: u32, right: u32, rows: RangeInclusive<u32>) {
        for _ in left..=right {
            self.delete_col(left, rows.clone());
        }
    }

    /// Insert `n` empty sheet rows at `at`. A merged region that the insertion falls inside
    /// (`top < at <= bottom`) widens, unless it touches the columns `split` (inclusive): then it
    /// is cut in two around the new rows, the lower part repeating the region's value (a table
    /// continued on the next page).
    fn insert_rows(&mut self, at: u32, n: u32, split: Option<(u32, u32)>) {
        let splits = |m: &Region| {
            m.top < at && m.bottom >= at && split.is_some_and(|(l, r)| m.left <= r && m.right >= l)
        };
        let repeated: Vec<(u32, Cell)> = self
            .merges
            .iter()
            .filter(|m| splits(m))
            .filter_map(|m| {
                self.cells
                    .get(&(m.top, m.left))
                    .map(|cell| (m.left, cell.clone()))
            })
            .collect();
        self.move_cells(|r, c| Some((if r >= at { r + n } else { r }, c)));
        let mut merges = Vec::new();
        for m in &self.merges {
            let mut m = *m;
            if m.top >= at {
                m.top += n;
                m.bottom += n;
                merges.push(m);
            } else if m.bottom < at {
                merges.push(m);
            } else if splits(&m) {
                let upper = Region { bottom: at - 1, ..m };
                let lower = Region {
                    top: at + n,
                    bottom: m.bottom + n,
                    ..m
                };
                merges.extend([upper, lower].into_iter().filter(|p| !is_single(p)));
            } else {
                m.bottom += n;
                merges.push(m);
            }
        }
        self.merges = merges;
        for (col, cell) in repeated {
            self.cells.insert((at + n, col), cell);
        }
    }

    /// Move the whole sheet down by `rows` and right by `cols`.
    fn shift(&mut self, rows: u32, cols: u32) {
        self.move_cells(|r, c| Some((r + rows, c + cols)));
        for m in &mut self.merges {
            *m = Region {
                top: m.top + rows,
                bottom: m.bottom + rows,
                left: m.left + cols,
                right: m.right + cols,
            };
        }
    }

    /// Copy the rows `top..=bottom` (cells and the merged regions starting in them, cut at
    /// `bottom`) into the empty rows starting at `to`.
    fn copy_rows(&mut self, source: &Sheet, top: u32, bottom: u32, to: u32) {
        for (&(r, c), cell) in source.cells.range((top, 0)..(bottom + 1, 0)) {
            self.cells.insert((r - top + to, c), cell.clone());
        }
        for (&(r, c), formula) in source.unevaluated.range((top, 0)..(bottom + 1, 0)) {
            self.unevaluated.insert((r - top + to, c), formula.clone());
        }
        for m in &source.merges {
            if (top..=bottom).contains(&m.top) {
                let copy = Region {
                    top: m.top - top + to,
                    bottom: m.bottom.min(bottom) - top + to,
                    ..*m
                };
                if !is_single(&copy) {
                    self.merges.push(copy);
                }
            }
        }
    }
}

fn is_single(m: &Region) -> bool {
    m.top == m.bottom && m.left == m.right
}

// ---------------------------------------------------------------------------------------------
// The two tables of a form, found by their header labels.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Table {
    Funds,
    Indicators,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Funds => "funds",
            Table::Indicators => "indicators",
        }
    }
}

/// The field a header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Initial,
    Budget,
    Executed,
    Rate,
    Points,
    Score,
    Level1,
    Level2,
    Level3,
    Kind,
    Target,
    Unit,
    Actual,
    Reason,
    Remark,
}

/// The header words of each field, as the templates in use write them: the national and Guizhou
/// ones, Sichuan's (调整后预算数, 预算执行数, 权重, 指标性质 / 指标值 / 度量单位, 完成值), Yunnan's and
/// the central one (全年实际值). A label takes the first entry it fits.
const FIELD_WORDS: &[(Table, Role, Words)] = &[
    (Table::Funds, Role::Score, Words::Starts("得分")),
    (Table::Funds, Role::Score, Words::Ends("得分")),
    (Table::Funds, Role::Initial, Words::Contains("年初预算")),
    (Table::Funds, Role::Rate, Words::Contains("执行率")),
    (Table::Funds, Role::Executed, Words::Contains("执行数")),
    (Table::Funds, Role::Executed, Words::Contains("实际支出")),
    (Table::Funds, Role::Budget, Words::Starts("全年预算")),
    (Table::Funds, Role::Budget, Words::Contains("调整后预算")),
    (Table::Funds, Role::Budget, Words::Contains("预算数")),
    (Table::Funds, Role::Points, Words::Starts("分值")),
    (Table::Funds, Role::Points, Words::Starts("权重")),
    (Table::Indicators, Role::Level1, Words::Starts("一级指标")),
    (Table::Indicators, Role::Level2, Words::Starts("二级指标")),
    (Table::Indicators, Role::Level3, Words::Starts("三级指标")),
    (Table::Indicators, Role::Kind, Words::Starts("指标性质")),
    (Table::Indicators, Role::Unit, Words::Starts("度量单位")),
    (Table::Indicators, Role::Unit, Words::Starts("计量单位")),
    (Table::Indicators, Role::Actual, Words::Contains("完成值")),
    (Table::Indicators, Role::Actual, Words::Contains("实际完成")),
    (Table::Indicators, Role::Actual, Words::Contains("实际值")),
    (Table::Indicators, Role::Target, Words::Contains("指标值")),
    (Table::Indicators, Role::Target, Words::Contains("目标值")),
    (Table::Indicators, Role::Points, Words::Starts("分值")),
    (Table::Indicators, Role::Points, Words::Starts("权重")),
    (Table::Indicators, Role::Score, Words::Starts("得分")),
    (Table::Indicators, Role::Reason, Words::Contains("原因")),
    (Table::Indicators, Role::Remark, Words::Starts("备注")),
];

#[derive(Debug, Clone, Copy)]
enum Words {
    Starts(&'static str),
    Ends(&'static str),
    Contains(&'static str),
}

/// Words that make a label describe a field rather than hold it (`得分计算方法`, `执行数说明`);
/// a reason column (`原因说明`) is still one.
const QUALIFIERS: &[&str] = &["方法", "说明", "解释", "标准", "依据"];

/// Header labels are short; a sentence names no field.
fn is_short(label: &str) -> bool {
    label.chars().count() <= 16
}

/// The field a normalised header label names in `table`.
fn role_of(label: &str, table: Table) -> Option<Role> {
    let describes = !label.contains("原因") && QUALIFIERS.iter().any(|q| label.contains(q));
    if label.is_empty() || !is_short(label) || describes {
        return None;
    }
    FIELD_WORDS.iter().find_map(|&(t, role, words)| {
        let fits = match words {
            Words::Starts(w) => label.starts_with(w),
            Words::Ends(w) => label.ends_with(w),
            Words::Contains(w) => label.contains(w),
        };
        (t == table && fits).then_some(role)
    })
}

/// The checks need this column: without it the form has a `column-absent` note for its field.
fn is_needed(table: Table, role: Role) -> bool {
    match table {
        Table::Funds => matches!(role, Role::Initial | Role::Rate | Role::Score),
        Table::Indicators => matches!(role, Role::Target | Role::Actual | Role::Points | Role::Score),
    }
}

/// The checks of a form of `kind` need this column: the evaluations' as [`is_needed`]; a
/// monitoring form's only its 执行率 (its checks are the 1–X月 rate and the schedule); a
/// declaration's none yet.
fn needed_by(kind: FormType, table: Table, role: Role) -> bool {
    match kind {
        FormType::SelfEvaluation | FormType::DepartmentEvaluation => is_needed(table, role),
        FormType::Monitoring => table == Table::Funds && role == Role::Rate,
        FormType::TargetDeclaration => false,
    }
}

/// The field a `column-absent` note names for a column (`column:<field>`); `None` for a column
/// that has no such note (备注, the parts of the target).
fn field_name(table: Table, role: Role) -> Option<&'static str> {
    Some(match (table, role) {
        (Table::Funds, Role::Initial) => "年初预算数",
        (Table::Funds, Role::Budget) => "全年预算数",
        (Table::Funds, Role::Executed) => "全年执行数",
        (Table::Funds, Role::Points) => "预算执行率分值",
        (Table::Funds, Role::Rate) => "执行率",
        (Table::Funds, Role::Score) => "预算执行率得分",
        (Table::Indicators, Role::Level1) => "一级指标",
        (Table::Indicators, Role::Level2) => "二级指标",
        (Table::Indicators, Role::Target) => "年度指标值",
        (Table::Indicators, Role::Actual) => "实际完成值",
        (Table::Indicators, Role::Points) => "分值",
        (Table::Indicators, Role::Score) => "得分",
        (Table::Indicators, Role::Reason) => "原因分析",
        _ => return None,
    })
}

/// Whether a funds header also holds another field: its label, without the marks in brackets
/// (`得分（20分*执行率）` is 得分) and without the words that name its own field, names another
/// one (`执行率得分`), or its label spans a column another field's label names.
fn merged_with_another(block: &Block, field: &HeaderField) -> bool {
    let Some(role) = field.role else {
        return false;
    };
    let mut bare = String::new();
    let mut depth = 0usize;
    for c in field.label.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    let own = FIELD_WORDS.iter().find_map(|&(t, r, words)| {
        let w = match words {
            Words::Starts(w) if bare.starts_with(w) => w,
            Words::Ends(w) if bare.ends_with(w) => w,
            Words::Contains(w) if bare.contains(w) => w,
            _ => return None,
        };
        (t == block.table && r == role).then_some(w)
    });
    let rest = own.map_or(bare.clone(), |w| bare.replacen(w, "", 1));
    let names_another = role_of(&rest, block.table).is_some_and(|r| r != role);
    let overlaps = block
        .fields
        .iter()
        .any(|f| f.role.is_some_and(|r| r != role) && f.left <= field.right && field.left <= f.right);
    names_another || overlaps
}

/// A mark under a label split over two rows: `(A)`, `(B)`.
fn is_column_mark(label: &str) -> bool {
    let t = label.trim_start_matches('(').trim_end_matches(')');
    !t.is_empty() && t.chars().count() <= 3 && t.chars().all(|c| c.is_ascii_uppercase())
}

/// A label that heads a column or a group of columns (a parent such as 指标值 over 年度指标值 and
/// 实际完成值, 预算数 over 年初预算数 and 全年预算数).
fn is_header_word(label: &str, table: Table) -> bool {
    role_of(label, table).is_some()
        || is_column_mark(label)
        || matches!(label, "指标" | "指标值" | "预算数" | "预算执行情况")
}

/// A label beside a table's rows, or over its row labels.
fn is_side_label(label: &str) -> bool {
    ["绩效指标", "项目资金", "资金来源", "预算执行情况", "年度预算数"]
        .iter()
        .any(|w| label.starts_with(w))
}

/// The normalised text shown at (row, col) with the cell that holds it: a merged region shows
/// its top-left value. Empty for a cell without text.
fn shown_text(grid: &Grid, row: u32, col: u32) -> (u32, u32, String) {
    let (r, c, value) = grid.shown(row, col);
    match value {
        Value::Text(s) => (r, c, norm(s)),
        _ => (r, c, String::new()),
    }
}

/// One column (or several merged sheet columns) of a table's header.
#[derive(Debug, Clone)]
struct HeaderField {
    /// The cell of the label that names it.
    row: u32,
    col: u32,
    /// The sheet columns the label spans.
    left: u32,
    right: u32,
    role: Option<Role>,
    label: String,
}

/// A table located by its header.
#[derive(Debug, Clone)]
struct Block {
    table: Table,
    /// The row holding the label the table is found by.
    header_row: u32,
    /// The first header row: `header_row`, or a row above whose field label is merged down.
    top: u32,
    /// The deepest row of the header band.
    bottom: u32,
    /// The column extent of the header.
    left: u32,
    right: u32,
    fields: Vec<HeaderField>,
    /// The funds table's row-label column (年度资金总额, 财政拨款, …).
    row_labels: Option<u32>,
    /// The indicator table's first row after its body (the 总分 / 合计 row).
    end: u32,
    /// The table's last row: the last funds row, or the indicator table's 总分 / 合计 row.
    last_row: u32,
    /// The rows where the header row is repeated inside the table (on each printed page).
    repeats: Vec<u32>,
}

impl Block {
    fn describe(&self) -> String {
        format!("{} table (header row {})", self.table.name(), self.header_row + 1)
    }

    fn field(&self, role: Role) -> Option<&HeaderField> {
        self.fields.iter().find(|f| f.role == Some(role))
    }

    /// The rows of the header and of each of its repeats inside the table.
    fn header_rows(&self) -> Vec<RangeInclusive<u32>> {
        let above = self.header_row - self.top;
        let below = self.bottom - self.header_row;
        std::iter::once(self.top..=self.bottom)
            .chain(self.repeats.iter().map(|&r| r - above..=r + below))
            .collect()
    }
}

/// Every table on a sheet, top to bottom.
fn blocks(grid: &Grid) -> Vec<Block> {
    let mut found: Vec<Block> = Vec::new();
    for row in 0..grid.height() {
        for col in 0..grid.width() {
            let Value::Text(raw) = grid.value(row, col) else {
                continue;
            };
            let t = norm(raw);
            let table = if !is_short(&t) {
                continue;
            } else if ["全年预算数", "调整后预算数", "调整预算数"]
                .iter()
                .any(|w| t.starts_with(w))
                || t.contains("预算数(A)")
            {
                Table::Funds
            } else if t.starts_with("三级指标") {
                Table::Indicators
            } else {
                continue;
            };
            let mut within = found
                .iter_mut()
                .filter(|b| b.table == table && (b.top..=b.last_row.max(b.bottom)).contains(&row));
            match within.next() {
                // The header repeated inside the table (a table continued on the next page).
                Some(b) if row > b.bottom && !b.repeats.contains(&row) => b.repeats.push(row),
                Some(_) => {}
                None => found.push(block(grid, table, row, col)),
            }
        }
    }
    found
}

/// The columns (left to right) where rows `rows` show a short label, or an empty merged header
/// cell (the blank header over the funds row labels).
fn label_columns(grid: &Grid, rows: RangeInclusive<u32>) -> BTreeSet<u32> {
    let mut cols = BTreeSet::new();
    for row in rows.clone() {
        for col in 0..grid.width() {
            let (_, _, t) = shown_text(grid, row, col);
            let blank_merge = || {
                grid.merge_at(row, col)
                    .is_some_and(|m| rows.contains(&m.top) && grid.value(m.top, m.left).is_blank())
            };
            if (!t.is_empty() && is_short(&t)) || (t.is_empty() && blank_merge()) {
                cols.insert(col);
            }
        }
    }
    cols
}

/// The run of label columns around `seed`, allowing gaps of up to two empty columns.
fn extent(cols: &BTreeSet<u32>, seed: u32) -> (u32, u32) {
    let (mut left, mut right) = (seed, seed);
    while let Some(&c) = cols.range(left.saturating_sub(3)..left).next_back() {
        left = c;
    }
    while let Some(&c) = cols.range(right + 1..=right + 3).next() {
        right = c;
    }
    (left, right)
}

/// Whether `row` holds only header labels inside `left..=right` (and at least one).
fn is_label_row(grid: &Grid, table: Table, row: u32, left: u32, right: u32) -> bool {
    let mut any = false;
    for col in left..=right {
        let (r, _, value) = grid.shown(row, col);
        if r != row || value.is_blank() {
            continue;
        }
        let Value::Text(s) = value else {
            return false;
        };
        let t = norm(s);
        if !is_short(&t) || !(is_header_word(&t, table) || is_side_label(&t)) {
            return false;
        }
        any = true;
    }
    any
}

fn block(grid: &Grid, table: Table, header_row: u32, seed: u32) -> Block {
    let (left, right) = extent(&label_columns(grid, header_row..=header_row), seed);
    // The band reaches as deep as the field labels merged down from the header row, and over
    // the rows below that hold only labels.
    let mut bottom = header_row;
    for col in left..=right {
        if let Some(m) = grid.merge_at(header_row, col)
            && m.top == header_row
            && is_header_word(&shown_text(grid, header_row, col).2, table)
        {
            bottom = bottom.max(m.bottom.min(header_row + 2));
        }
    }
    while bottom < header_row + 2 && is_label_row(grid, table, bottom + 1, left, right) {
        bottom += 1;
    }
    let (left, right) = extent(&label_columns(grid, header_row..=bottom), seed);
    // A field label merged down into the header row from above starts the header there.
    let mut top = header_row;
    for col in left..=right {
        if let Some(m) = grid.merge_at(header_row, col)
            && m.top < header_row
            && m.top + 2 >= header_row
            && is_header_word(&shown_text(grid, m.top, m.left).2, table)
        {
            top = top.min(m.top);
        }
    }
    // Each column is named by its deepest label that names a field.
    let mut fields: Vec<HeaderField> = Vec::new();
    for col in left..=right {
        let mut stack: Vec<(u32, u32, String)> = Vec::new();
        for row in top..=bottom {
            let (r, c, t) = shown_text(grid, row, col);
            if !t.is_empty() && is_short(&t) && stack.last().is_none_or(|s| (s.0, s.1) != (r, c)) {
                stack.push((r, c, t));
            }
        }
        let named = stack
            .iter()
            .rev()
            .find(|(_, _, t)| role_of(t, table).is_some())
            .or(stack.last());
        let Some((r, c, t)) = named else { continue };
        if fields.iter().any(|f| (f.row, f.col) == (*r, *c)) {
            continue;
        }
        let (l, rt) = grid.merge_at(*r, *c).map_or((*c, *c), |m| (m.left, m.right));
        fields.push(HeaderField {
            row: *r,
            col: *c,
            left: l,
            right: rt,
            role: role_of(t, table),
            label: t.clone(),
        });
    }
    let end = (bottom + 1..grid.height())
        .find(|&row| {
            (0..grid.width()).any(|col| {
                let (r, _, t) = shown_text(grid, row, col);
                r == row
                    && ["总分", "合计", "自评结论", "评价结论", "联系人"]
                        .iter()
                        .any(|w| t.starts_with(w))
            })
        })
        .unwrap_or(grid.height());
    let last_row = match table {
        Table::Funds => (bottom + 1..grid.height())
            .take_while(|&row| is_fund_row(grid, row, right))
            .last()
            .unwrap_or(bottom),
        Table::Indicators => end.min(grid.height().saturating_sub(1)),
    };
    let row_labels = (bottom + 1..=last_row)
        .filter(|_| table == Table::Funds)
        .find_map(|row| fund_label_col(grid, row, right));
    Block {
        table,
        header_row,
        top,
        bottom,
        left,
        right,
        fields,
        row_labels,
        end,
        last_row,
        repeats: Vec::new(),
    }
}

/// A row of the funds table: a label shown in it, left of `right`, names a source of funds
/// (年度资金总额, 财政拨款, 其中：上级补助, 其他资金…), perhaps merged down from the row above.
fn is_fund_row(grid: &Grid, row: u32, right: u32) -> bool {
    fund_label_col(grid, row, right).is_some()
}

/// The column of the label of a funds row (see [`is_fund_row`]).
fn fund_label_col(grid: &Grid, row: u32, right: u32) -> Option<u32> {
    const SOURCES: &[&str] = &[
        "资金总额",
        "总额",
        "合计",
        "财政专户",
        "单位资金",
        "单位自有资金",
        "财政拨款",
        "财政资金",
        "本级安排",
        "上级补助",
        "上年结转",
        "结转资金",
        "其他",
        "其中",
    ];
    (0..=right).find(|&col| {
        let (_, _, t) = shown_text(grid, row, col);
        is_short(&t) && SOURCES.iter().any(|w| t.contains(w))
    })
}

// ---------------------------------------------------------------------------------------------
// Findings: the comparison key, reading notes, and how a variant moved the cells.
// ---------------------------------------------------------------------------------------------

/// The reading notes.
const NOTES: [Code; 3] = [
    Code::ColumnUnrecognised,
    Code::ColumnAbsent,
    Code::FormulaNotEvaluated,
];

/// The fields a `column-absent` note may name.
const ABSENT_FIELDS: [&str; 13] = [
    "年初预算数",
    "全年预算数",
    "全年执行数",
    "预算执行率分值",
    "执行率",
    "预算执行率得分",
    "一级指标",
    "二级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "原因分析",
];

fn is_note(f: &Finding) -> bool {
    NOTES.contains(&f.code)
}

/// How a variant moved the cells of the original sheet.
#[derive(Debug, Clone, Copy)]
enum Moved {
    /// Rows at or below `at` moved down by `n`.
    Rows { at: u32, n: u32 },
    /// Columns at or right of `at` moved right by one.
    Col { at: u32 },
    /// The cells of columns `left..=right` in rows `top..=bottom` were deleted; those right of
    /// them in these rows moved left.
    ColsDeleted {
        left: u32,
        right: u32,
        top: u32,
        bottom: u32,
    },
    /// Every cell moved down by `rows` and right by `cols`.
    Shift { rows: u32, cols: u32 },
    /// Nothing moved.
    Stay,
}

impl Moved {
    /// Where the cell `pos` of the original is now, `None` when it was deleted.
    fn map(self, pos: Pos) -> Option<Pos> {
        let Pos { row, col } = pos;
        Some(match self {
            Moved::Rows { at, n } if row >= at => Pos::new(row + n, col),
            Moved::Col { at } if col >= at => Pos::new(row, col + 1),
            Moved::ColsDeleted { top, bottom, .. } if row < top || row > bottom => pos,
            Moved::ColsDeleted { left, right, .. } if col > right => Pos::new(row, col - (right - left + 1)),
            Moved::ColsDeleted { left, .. } if col >= left => return None,
            Moved::Shift { rows, cols } => Pos::new(row + rows, col + cols),
            _ => pos,
        })
    }

    /// A finding's cell reference as it reads after the move.
    fn cell(self, cell: &str) -> String {
        match Pos::parse_a1(cell) {
            Some(pos) => match self.map(pos) {
                Some(moved) => moved.to_string(),
                None => format!("{cell} (deleted)"),
            },
            None => cell.to_string(),
        }
    }
}

/// What a finding is compared by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    code: &'static str,
    cell: String,
    subject: String,
    reported: String,
    expected: String,
    fixed: bool,
}

/// How a variant changed the subjects of findings.
#[derive(Debug, Clone, Copy)]
enum Subjects {
    Kept,
    /// The 二级指标 column is gone: `indicator:<二级指标>/<三级指标>` reads `indicator:/<三级指标>`.
    NoLevel2,
}

impl Subjects {
    fn map(self, subject: &str) -> String {
        match (self, subject.strip_prefix("indicator:")) {
            (Subjects::NoLevel2, Some(rest)) => {
                let name = rest.split_once('/').map_or(rest, |(_, name)| name);
                format!("indicator:/{name}")
            }
            _ => subject.to_string(),
        }
    }
}

impl Key {
    fn of(f: &Finding, moved: Moved, subjects: Subjects) -> Key {
        // The formula note reports the cells it is about (`E7、H29`): they move too.
        let reported = match f.code {
            Code::FormulaNotEvaluated => f
                .reported
                .split('、')
                .map(|c| moved.cell(c))
                .collect::<Vec<_>>()
                .join("、"),
            _ => f.reported.clone(),
        };
        Key {
            code: f.code.as_str(),
            cell: moved.cell(&f.cell),
            subject: subjects.map(&f.subject),
            reported,
            expected: f.expected.clone(),
            fixed: f.fixed,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cell = if self.cell.is_empty() { "-" } else { &self.cell };
        write!(f, "{} {} [{}] {:?}", self.code, cell, self.subject, self.reported)?;
        if !self.expected.is_empty() {
            write!(f, " → {:?}", self.expected)?;
        }
        if self.fixed {
            f.write_str(" (fixed)")?;
        }
        Ok(())
    }
}

/// `before` and `after` as multisets: what only `before` has and what only `after` has.
fn difference(before: &[Key], after: &[Key]) -> (Vec<Key>, Vec<Key>) {
    let mut count: BTreeMap<&Key, i64> = BTreeMap::new();
    for k in before {
        *count.entry(k).or_default() += 1;
    }
    for k in after {
        *count.entry(k).or_default() -= 1;
    }
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    for (k, n) in count {
        for _ in 0..n.max(0) {
            missing.push(k.clone());
        }
        for _ in 0..(-n).max(0) {
            extra.push(k.clone());
        }
    }
    (missing, extra)
}

/// The notes that break their form (one `column-unrecognised` per column, on its header cell,
/// subject `column:<header>`; one `column-absent` per field, without a cell, subject
/// `column:<field>`; at most one `formula-not-evaluated`, subject `formulas`): the codes that
/// break it, and how.
fn note_trouble(findings: &[Finding]) -> Option<(String, String)> {
    let mut codes: BTreeSet<&str> = BTreeSet::new();
    let mut trouble = Vec::new();
    let mut wrong = |code: Code, what: String| {
        codes.insert(code.as_str());
        trouble.push(what);
    };
    let mut headers = BTreeSet::new();
    let mut fields = BTreeSet::new();
    let mut formulas = 0;
    for f in findings.iter().filter(|f| is_note(f)) {
        let named = f.subject.strip_prefix("column:").unwrap_or_default();
        let shown = Key::of(f, Moved::Stay, Subjects::Kept);
        match f.code {
            Code::ColumnUnrecognised => {
                let raw = |c: char| c.is_whitespace() || c == '（' || c == '）';
                if named.is_empty() || named.chars().any(raw) || f.reported != named {
                    let want = "subject `column:<header>`, the header without white space and \
                                with ASCII brackets, and the header reported";
                    wrong(f.code, format!("`{shown}`: want {want}"));
                } else if f.cell.is_empty() {
                    wrong(f.code, format!("`{shown}`: want the column's header cell"));
                } else if !headers.insert(f.cell.as_str()) {
                    wrong(f.code, format!("`{shown}`: a second note on this header cell"));
                }
            }
            Code::ColumnAbsent => {
                if !ABSENT_FIELDS.contains(&named) || f.reported != named || !f.cell.is_empty() {
                    let want = "subject `column:<field>` for a field of the list, the field \
                                reported, no cell";
                    wrong(f.code, format!("`{shown}`: want {want}"));
                } else if !fields.insert(named) {
                    wrong(f.code, format!("`{shown}`: a second note for this field"));
                }
            }
            _ => {
                formulas += 1;
                if f.subject != "formulas" {
                    wrong(f.code, format!("`{shown}`: want subject `formulas`"));
                }
            }
        }
    }
    if formulas > 1 {
        let what = format!("{formulas} `formula-not-evaluated` notes (at most one)");
        wrong(Code::FormulaNotEvaluated, what);
    }
    (!trouble.is_empty()).then(|| {
        (
            codes.into_iter().collect::<Vec<_>>().join(", "),
            trouble.join("; "),
        )
    })
}

/// A form's notes as compared without their cells: by code and subject.
fn note_keys(findings: &[Finding]) -> Vec<Key> {
    findings
        .iter()
        .filter(|f| is_note(f))
        .map(|f| note_key(f.code, &f.subject))
        .collect()
}

fn note_key(code: Code, subject: &str) -> Key {
    Key {
        code: code.as_str(),
        cell: String::new(),
        subject: subject.to_string(),
        reported: String::new(),
        expected: String::new(),
        fixed: false,
    }
}

const SHOWN: usize = 4;

/// Up to [`SHOWN`] keys, one a line.
fn listed(title: &str, keys: &[Key]) -> String {
    let mut out = String::new();
    if keys.is_empty() {
        return out;
    }
    let _ = write!(out, "\n      {title} ({}):", keys.len());
    for k in keys.iter().take(SHOWN) {
        let _ = write!(out, "\n        {k}");
    }
    if keys.len() > SHOWN {
        let _ = write!(out, "\n        … and {} more", keys.len() - SHOWN);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Variants and their expectations.
// ---------------------------------------------------------------------------------------------

/// What a variant must report, compared with the original.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The same findings, notes included.
    Same,
    /// The same findings apart from the notes; the notes of `owner` are the original ones plus
    /// one `column-unrecognised` for `header`, on `cell`.
    UnknownColumn {
        owner: usize,
        header: &'static str,
        cell: Pos,
    },
    /// No finding that was not there before, but for the two allowed ones; the notes of `owner`
    /// are the original ones plus at most the `column-absent` for the deleted field, which is
    /// there when the column was `needed`.
    Deleted {
        owner: usize,
        table: Table,
        role: Role,
        needed: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    UnknownColumn,
    MisleadingColumn,
    DeletedColumn,
    RepeatedHeader,
    PageBreak,
    Moved,
    Renamed,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::UnknownColumn,
        Kind::MisleadingColumn,
        Kind::DeletedColumn,
        Kind::RepeatedHeader,
        Kind::PageBreak,
        Kind::Moved,
        Kind::Renamed,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::UnknownColumn => "(a) unknown column",
            Kind::MisleadingColumn => "(a2) misleading column",
            Kind::DeletedColumn => "(b) deleted column",
            Kind::RepeatedHeader => "(c) repeated header",
            Kind::PageBreak => "(c) repeated header after a page-break line",
            Kind::Moved => "(d) moved form",
            Kind::Renamed => "(e) renamed header",
        }
    }
}

struct Variant {
    kind: Kind,
    /// Where the edit was made, for the failure message.
    at: String,
    sheet: Sheet,
    moved: Moved,
    subjects: Subjects,
    expect: Expect,
}

/// The form of `starts` (each form's first row) that a table whose header is at `row` belongs
/// to: the last one starting at or above it.
fn owner(starts: &[u32], row: u32) -> usize {
    starts.iter().rposition(|&s| s <= row).unwrap_or(0)
}

/// Every variant of one sheet.
fn variants(grid: &Grid, starts: &[u32]) -> (Vec<Variant>, usize) {
    let original = Sheet::of(grid);
    let blocks = blocks(grid);
    let mut out = Vec::new();
    let mut skipped = 0;
    for block in &blocks {
        let owner = owner(starts, block.header_row);
        skipped += unknown_columns(&original, block, owner, &mut out);
        deleted_columns(&original, block, owner, &mut out);
        if block.table == Table::Indicators {
            repeated_headers(&original, block, &mut out);
        }
    }
    for (rows, cols) in [(3, 2), (0, 5)] {
        let mut sheet = original.clone();
        sheet.shift(rows, cols);
        out.push(Variant {
            kind: Kind::Moved,
            at: format!("by {rows} rows and {cols} columns"),
            sheet,
            moved: Moved::Shift { rows, cols },
            subjects: Subjects::Kept,
            expect: Expect::Same,
        });
    }
    renamed_headers(&original, &blocks, &mut out);
    (out, skipped)
}

/// (a) and (a2): a column with an unknown or misleading header at every position of the
/// table's extent. Returns the number of positions skipped (the header would be hidden).
fn unknown_columns(original: &Sheet, block: &Block, owner: usize, out: &mut Vec<Variant>) -> usize {
    let misleading = match block.table {
        Table::Funds => "执行数说明",
        Table::Indicators => "得分计算方法",
    };
    let mut skipped = 0;
    for at in block.left + 1..=block.right + 1 {
        let mut sheet = original.clone();
        sheet.insert_col(at);
        if sheet.merge_at(block.bottom, at).is_some() {
            skipped += 1;
            continue;
        }
        for (kind, header) in [
            (Kind::UnknownColumn, "审核意见"),
            (Kind::MisleadingColumn, misleading),
        ] {
            let mut sheet = sheet.clone();
            // In the band's deepest row, and likewise in each repeat of the header.
            for rows in block.header_rows() {
                if sheet.merge_at(*rows.end(), at).is_none() {
                    sheet.set_text(*rows.end(), at, header);
                }
            }
            out.push(Variant {
                kind,
                at: format!(
                    "`{header}` inserted as column {} of the {}",
                    col_name(at),
                    block.describe()
                ),
                sheet,
                moved: Moved::Col { at },
                subjects: Subjects::Kept,
                expect: Expect::UnknownColumn {
                    owner,
                    header,
                    cell: Pos::new(block.bottom, at),
                },
            });
        }
    }
    skipped
}

/// (b): each optional column deleted: not 全年预算数 (A) or 全年执行数 (B), nor a lone 年初预算数
/// (read as A), nor a part of the target, nor the indicator names or the funds row labels.
fn deleted_columns(original: &Sheet, block: &Block, owner: usize, out: &mut Vec<Variant>) {
    for field in &block.fields {
        let Some(role) = field.role else { continue };
        let required = match role {
            Role::Budget | Role::Executed | Role::Kind | Role::Unit | Role::Level3 => true,
            Role::Initial => block.field(Role::Budget).is_none(),
            _ => false,
        };
        let row_labels = block
            .row_labels
            .is_some_and(|c| (field.left..=field.right).contains(&c));
        if required || row_labels {
            continue;
        }
        let mut sheet = original.clone();
        sheet.delete_cols(field.left, field.right, block.top..=block.last_row);
        out.push(Variant {
            kind: Kind::DeletedColumn,
            at: format!(
                "`{}` ({role:?}) deleted from the {}: cells {}{}:{}{} deleted, shifting left",
                field.label,
                block.describe(),
                col_name(field.left),
                block.top + 1,
                col_name(field.right),
                block.last_row + 1
            ),
            sheet,
            moved: Moved::ColsDeleted {
                left: field.left,
                right: field.right,
                top: block.top,
                bottom: block.last_row,
            },
            subjects: match role {
                Role::Level2 => Subjects::NoLevel2,
                _ => Subjects::Kept,
            },
            expect: Expect::Deleted {
                owner,
                table: block.table,
                role,
                // Absent, unless another column of the table holds the same field.
                needed: is_needed(block.table, role)
                    && !(block.table == Table::Funds && merged_with_another(block, field))
                    && block.fields.iter().filter(|f| f.role == Some(role)).count() == 1,
            },
        });
    }
}

/// (c): the indicator header copied after each indicator row, and once after a page-break line.
fn repeated_headers(original: &Sheet, block: &Block, out: &mut Vec<Variant>) {
    let Some(name) = block.field(Role::Level3) else {
        return;
    };
    // Between two rows of the body (or after the last), not inside a row that is merged over
    // several sheet rows.
    let positions: Vec<u32> = (block.bottom + 2..=block.end)
        .filter(|&at| original.merge_at(at, name.col).is_none_or(|m| m.top == at))
        .collect();
    let header_rows = block.bottom - block.top + 1;
    let split = Some((block.left, block.right));
    for &at in &positions {
        let mut sheet = original.clone();
        sheet.insert_rows(at, header_rows, split);
        sheet.copy_rows(original, block.top, block.bottom, at);
        out.push(Variant {
            kind: Kind::RepeatedHeader,
            at: format!(
                "{} of the {} copied before row {}",
                rows_named(block.top, block.bottom),
                block.describe(),
                at + 1
            ),
            sheet,
            moved: Moved::Rows { at, n: header_rows },
            subjects: Subjects::Kept,
            expect: Expect::Same,
        });
    }
    if let Some(&at) = positions.get(positions.len() / 2) {
        let mut sheet = original.clone();
        sheet.insert_rows(at, header_rows + 2, split);
        sheet.set_text(at, block.left, "第 1 页 共 2 页");
        sheet.set_text(at + 1, block.left, "续表");
        sheet.copy_rows(original, block.top, block.bottom, at + 2);
        out.push(Variant {
            kind: Kind::PageBreak,
            at: format!(
                "`第 1 页 共 2 页`, `续表` and {} of the {} inserted before row {}",
                rows_named(block.top, block.bottom),
                block.describe(),
                at + 1
            ),
            sheet,
            moved: Moved::Rows {
                at,
                n: header_rows + 2,
            },
            subjects: Subjects::Kept,
            expect: Expect::Same,
        });
    }
}

/// `row 15` or `rows 15–16` (zero-based rows, named one-based).
fn rows_named(top: u32, bottom: u32) -> String {
    if top == bottom {
        format!("row {}", top + 1)
    } else {
        format!("rows {}–{}", top + 1, bottom + 1)
    }
}

/// (e): headers renamed to a province template's synonym, one rename a variant.
fn renamed_headers(original: &Sheet, blocks: &[Block], out: &mut Vec<Variant>) {
    // (label start, its synonym, whether what follows the start is kept: `分值(10分)` → `权重(10分)`)
    let renames = [
        ("分值", "权重", true),
        ("实际完成值", "完成值", false),
        ("全年预算数", "调整后预算数", true),
    ];
    for (from, to, keep_rest) in renames {
        let mut sheet = original.clone();
        let mut renamed = Vec::new();
        for block in blocks {
            let header_rows = block.header_rows();
            for (&(r, c), cell) in &original.cells {
                let inside = header_rows.iter().any(|rows| rows.contains(&r))
                    && (block.left..=block.right).contains(&c);
                let Value::Text(s) = &cell.value else { continue };
                let t = norm(s);
                if inside && let Some(rest) = t.strip_prefix(from) {
                    let new = if keep_rest {
                        format!("{to}{rest}")
                    } else {
                        to.to_string()
                    };
                    renamed.push(format!("{}{} `{t}` → `{new}`", col_name(c), r + 1));
                    sheet.set_text(r, c, &new);
                }
            }
        }
        if !renamed.is_empty() {
            out.push(Variant {
                kind: Kind::Renamed,
                at: renamed.join(", "),
                sheet,
                moved: Moved::Stay,
                subjects: Subjects::Kept,
                expect: Expect::Same,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checking a variant against the original.
// ---------------------------------------------------------------------------------------------

/// The findings of every form located on a grid, in sheet order; a panic's message if the
/// locator or the rulebook panicked.
fn findings(grid: &Grid) -> Result<Vec<Vec<Finding>>, String> {
    let settings = Settings::default();
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        locate(grid)
            .forms
            .iter()
            .map(|form| check(form, &settings).findings)
            .collect()
    }))
    .map_err(|e| {
        let message = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
        format!("panicked: {}", message.unwrap_or_default())
    })
}

/// A way a variant breaks a guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Trouble {
    Panicked,
    FormCount,
    FindingsDiffer,
    NewFindings,
    NoUnrecognisedNote,
    NoAbsentNote,
    NotesDiffer,
    NoteRule,
}

impl Trouble {
    const ALL: [Trouble; 8] = [
        Trouble::Panicked,
        Trouble::FormCount,
        Trouble::FindingsDiffer,
        Trouble::NewFindings,
        Trouble::NoUnrecognisedNote,
        Trouble::NoAbsentNote,
        Trouble::NotesDiffer,
        Trouble::NoteRule,
    ];

    fn name(self) -> &'static str {
        match self {
            Trouble::Panicked => "the locator or the rulebook panicked",
            Trouble::FormCount => "another number of forms located",
            Trouble::FindingsDiffer => "findings differ",
            Trouble::NewFindings => "findings that were not there before",
            Trouble::NoUnrecognisedNote => {
                "no `column-unrecognised` note for the inserted column, on its header cell"
            }
            Trouble::NoAbsentNote => "no `column-absent` note for a deleted column the checks need",
            Trouble::NotesDiffer => "notes other than the original ones and the one the edit adds",
            Trouble::NoteRule => "a note out of its form (one per column or field, subject, cell, value)",
        }
    }
}

/// One broken guarantee on one form (`None`: the sheet as a whole).
#[derive(Debug, Clone)]
struct Problem {
    form: Option<usize>,
    trouble: Trouble,
    /// The codes of the findings lost and gained (`lost x; new y`), to group alike problems.
    codes: String,
    detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form {
            Some(i) => write!(f, "\n    form #{}: {}", i + 1, self.detail),
            None => write!(f, "\n    {}", self.detail),
        }
    }
}

/// The distinct codes of the findings lost and gained: `lost a, b; new c`.
fn codes_of(lost: &[Key], new: &[Key]) -> String {
    let names = |keys: &[Key]| {
        let codes: BTreeSet<&str> = keys.iter().map(|k| k.code).collect();
        codes.into_iter().collect::<Vec<_>>().join(", ")
    };
    match (lost.is_empty(), new.is_empty()) {
        (false, false) => format!("lost {}; new {}", names(lost), names(new)),
        (false, true) => format!("lost {}", names(lost)),
        _ => format!("new {}", names(new)),
    }
}

/// The fixed score findings that, once a deletion removed them, let 总分 and the grade change.
const SCORE_CODES: [Code; 4] = [
    Code::IndicatorScoreMismatch,
    Code::ExecutionScoreMismatch,
    Code::QualitativeScoreOutOfBand,
    Code::ScoreOutOfRange,
];

/// Whether a note names the field `role` of `table`: a `column-absent` by its field name
/// (`column:预算执行率得分`), a `column-unrecognised` by a header of that field (`column:得分`).
fn names_field(note: &Key, table: Table, role: Role) -> bool {
    let Some(named) = note.subject.strip_prefix("column:") else {
        return false;
    };
    if note.code == Code::ColumnAbsent.as_str() {
        field_name(table, role) == Some(named)
    } else {
        role_of(named, table) == Some(role)
    }
}

/// What is wrong with a variant's findings, if anything.
fn compare(before: &[Vec<Finding>], after: &[Vec<Finding>], kinds: &[FormType], v: &Variant) -> Vec<Problem> {
    let expect = v.expect;
    if before.len() != after.len() {
        return vec![Problem {
            form: None,
            trouble: Trouble::FormCount,
            codes: String::new(),
            detail: format!(
                "{} form(s) located, {} before the edit",
                after.len(),
                before.len()
            ),
        }];
    }
    let mut problems = Vec::new();
    for (i, (b, a)) in before.iter().zip(after).enumerate() {
        let mut problem = |trouble, codes, detail| {
            problems.push(Problem {
                form: Some(i),
                trouble,
                codes,
                detail,
            })
        };
        if let Some((codes, detail)) = note_trouble(a) {
            problem(Trouble::NoteRule, codes, detail);
        }
        let with_notes = matches!(expect, Expect::Same);
        let keys = |fs: &[Finding], moved: Moved, subjects: Subjects| -> Vec<Key> {
            fs.iter()
                .filter(|f| with_notes || !is_note(f))
                .map(|f| Key::of(f, moved, subjects))
                .collect()
        };
        let (missing, mut extra) = difference(
            &keys(b, v.moved, v.subjects),
            &keys(a, Moved::Stay, Subjects::Kept),
        );
        match expect {
            Expect::Deleted { role, .. } => {
                // 总分 is checked against the scores as corrected: a fixed score the deletion
                // removed stands as filed, and the total and grade move with it.
                let rescored = missing
                    .iter()
                    .any(|k| k.fixed && SCORE_CODES.iter().any(|c| c.as_str() == k.code));
                let total_codes = [Code::TotalScoreMismatch.as_str(), Code::GradeMismatch.as_str()];
                extra.retain(|k| {
                    let retotalled = rescored && total_codes.contains(&k.code);
                    // The reason text in 备注 went with the column.
                    let unexplained = role == Role::Remark && k.code == Code::DeviationWithoutReason.as_str();
                    // 一级指标 tells a scored criterion (项目决策, 项目管理: no target) and a
                    // numbered subtotal from an indicator: without it such a row is an indicator
                    // with its target missing.
                    let unclassed = role == Role::Level1 && k.code == Code::MissingField.as_str();
                    !retotalled && !unexplained && !unclassed
                });
                if !extra.is_empty() {
                    let detail = format!("findings that were not there before{}", listed("new", &extra));
                    problem(Trouble::NewFindings, codes_of(&[], &extra), detail);
                }
            }
            _ => {
                if !missing.is_empty() || !extra.is_empty() {
                    let detail = format!(
                        "findings differ{}{}",
                        listed("lost", &missing),
                        listed("new", &extra)
                    );
                    problem(Trouble::FindingsDiffer, codes_of(&missing, &extra), detail);
                }
            }
        }
        // The notes, by code and subject.
        if matches!(expect, Expect::Same) {
            continue;
        }
        // A `formula-not-evaluated` note whose cells were all deleted goes with them, and so
        // does a `column-unrecognised` note on a header the edit deleted (a column under the
        // deleted field's parent label: 经费保障 … under 偏差原因分析).
        let kept = |f: &&Finding| {
            let survives = |c: &str| Pos::parse_a1(c).is_none_or(|p| v.moved.map(p).is_some());
            match f.code {
                Code::FormulaNotEvaluated => f.reported.split('、').any(survives),
                Code::ColumnUnrecognised => survives(&f.cell),
                _ => true,
            }
        };
        let kept: Vec<Finding> = b.iter().filter(kept).cloned().collect();
        let mut want = note_keys(&kept);
        match expect {
            Expect::UnknownColumn { owner, header, cell } if owner == i => {
                let subject = format!("column:{header}");
                let cells: Vec<&str> = a
                    .iter()
                    .filter(|f| f.code == Code::ColumnUnrecognised && f.subject == subject)
                    .map(|f| f.cell.as_str())
                    .collect();
                if cells.is_empty() {
                    let detail = format!("no `column-unrecognised` note with subject `{subject}`");
                    problem(Trouble::NoUnrecognisedNote, String::new(), detail);
                } else if !cells.contains(&cell.to_string().as_str()) {
                    let detail = format!(
                        "the `column-unrecognised` note `{subject}` is on {}, not on the header cell {cell}",
                        cells.join(", ")
                    );
                    problem(Trouble::NoUnrecognisedNote, String::new(), detail);
                }
                want.push(note_key(Code::ColumnUnrecognised, &subject));
            }
            _ => {}
        }
        let (mut lost, mut gained) = difference(&want, &note_keys(a));
        match expect {
            Expect::UnknownColumn { owner, header, .. } if owner == i => {
                // Told above.
                let inserted = note_key(Code::ColumnUnrecognised, &format!("column:{header}"));
                if let Some(at) = lost.iter().position(|k| *k == inserted) {
                    lost.remove(at);
                }
            }
            Expect::Deleted {
                owner,
                table,
                role,
                needed,
            } if owner == i => {
                // The deleted field's `column-absent`, and notes that change with which column
                // holds the field.
                lost.retain(|k| !names_field(k, table, role));
                gained.retain(|k| !names_field(k, table, role));
                // Without the funds 得分 there is no score for its points to check: the note
                // on 预算执行率分值 goes with it.
                if table == Table::Funds && role == Role::Score {
                    let points = note_key(Code::ColumnAbsent, "column:预算执行率分值");
                    lost.retain(|k| *k != points);
                }
                let field = field_name(table, role).unwrap_or_default();
                let subject = format!("column:{field}");
                let noted = a
                    .iter()
                    .any(|f| f.code == Code::ColumnAbsent && f.subject == subject);
                let needed = needed && kinds.get(i).is_some_and(|&k| needed_by(k, table, role));
                if needed && !noted {
                    let detail = format!("no `column-absent` note `{subject}` for a column the checks need");
                    problem(Trouble::NoAbsentNote, String::new(), detail);
                }
            }
            _ => {}
        }
        if !lost.is_empty() || !gained.is_empty() {
            let detail = format!(
                "notes differ (by code and subject){}{}",
                listed("lost", &lost),
                listed("new", &gained)
            );
            problem(Trouble::NotesDiffer, codes_of(&lost, &gained), detail);
        }
    }
    problems
}

/// A variant (or an original sheet, `kind: None`) that breaks a guarantee.
struct Failure {
    file: String,
    sheet: String,
    kind: Option<Kind>,
    at: String,
    problems: Vec<Problem>,
}

impl Failure {
    /// The failure told with only its problems of one kind.
    fn told(&self, trouble: Trouble) -> String {
        let kind = self.kind.map_or("original sheet", Kind::name);
        let mut out = format!("{} — sheet {:?} — {kind}: {}", self.file, self.sheet, self.at);
        for p in self.problems.iter().filter(|p| p.trouble == trouble) {
            let _ = write!(out, "{p}");
        }
        out
    }
}

/// What checking one fixture came to.
#[derive(Default)]
struct Outcome {
    forms: usize,
    sheets: usize,
    variants: BTreeMap<Kind, usize>,
    skipped: usize,
    failures: Vec<Failure>,
}

fn check_file(root: &Path, path: &Path) -> Outcome {
    let mut outcome = Outcome::default();
    let Ok(bytes) = std::fs::read(path) else {
        return outcome;
    };
    let Ok(grids) = read_bytes(&bytes, &Limits::default()) else {
        return outcome;
    };
    let file = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    for grid in &grids {
        let forms = locate(grid).forms;
        if forms.is_empty() {
            continue;
        }
        outcome.sheets += 1;
        outcome.forms += forms.len();
        let starts: Vec<u32> = forms
            .iter()
            .map(|f| {
                [f.title.pos, f.project.pos]
                    .into_iter()
                    .flatten()
                    .map(|p| p.row)
                    .min()
                    .unwrap_or(0)
            })
            .collect();
        let kinds: Vec<FormType> = forms.iter().map(|f| f.kind).collect();
        let before = match findings(grid) {
            Ok(before) => before,
            Err(detail) => {
                outcome.failures.push(Failure {
                    file: file.clone(),
                    sheet: grid.name.clone(),
                    kind: None,
                    at: "as read".to_string(),
                    problems: vec![Problem {
                        form: None,
                        trouble: Trouble::Panicked,
                        codes: String::new(),
                        detail,
                    }],
                });
                continue;
            }
        };
        for (i, fs) in before.iter().enumerate() {
            if let Some((codes, detail)) = note_trouble(fs) {
                outcome.failures.push(Failure {
                    file: file.clone(),
                    sheet: grid.name.clone(),
                    kind: None,
                    at: "as read".to_string(),
                    problems: vec![Problem {
                        form: Some(i),
                        trouble: Trouble::NoteRule,
                        codes,
                        detail,
                    }],
                });
            }
        }
        let (variants, skipped) = variants(grid, &starts);
        outcome.skipped += skipped;
        for v in variants {
            *outcome.variants.entry(v.kind).or_default() += 1;
            let problems = match findings(&v.sheet.grid()) {
                Ok(after) => compare(&before, &after, &kinds, &v),
                Err(detail) => vec![Problem {
                    form: None,
                    trouble: Trouble::Panicked,
                    codes: String::new(),
                    detail,
                }],
            };
            if !problems.is_empty() {
                outcome.failures.push(Failure {
                    file: file.clone(),
                    sheet: grid.name.clone(),
                    kind: Some(v.kind),
                    at: v.at,
                    problems,
                });
            }
        }
    }
    outcome
}

/// Every fixture file: the readable ones are tried, the others give no form and are passed over.
fn fixture_files(root: &Path) -> Vec<PathBuf> {
    let only = std::env::var("METAMORPHIC_ONLY").unwrap_or_default();
    let mut files: Vec<PathBuf> = ["tests/fixtures", "samples"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| !p.starts_with(root.join("tests/fixtures/bad")))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            !matches!(ext, "md" | "py" | "json" | "txt" | "bin")
        })
        .filter(|p| p.to_string_lossy().contains(&only))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_form_survives_every_variant() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = fixture_files(root);
    assert!(!files.is_empty(), "no fixture file found");
    let outcomes: Vec<Outcome> = files.par_iter().map(|p| check_file(root, p)).collect();

    let forms: usize = outcomes.iter().map(|o| o.forms).sum();
    let sheets: usize = outcomes.iter().map(|o| o.sheets).sum();
    let skipped: usize = outcomes.iter().map(|o| o.skipped).sum();
    let mut per_kind: BTreeMap<Kind, usize> = BTreeMap::new();
    for o in &outcomes {
        for (k, n) in &o.variants {
            *per_kind.entry(*k).or_default() += n;
        }
    }
    let mut summary = format!(
        "{} files, {sheets} sheets with {forms} forms; variants checked:",
        outcomes.iter().filter(|o| o.sheets > 0).count()
    );
    for kind in Kind::ALL {
        let _ = write!(summary, " {} {},", kind.name(), per_kind.get(&kind).unwrap_or(&0));
    }
    let _ = write!(
        summary,
        " ({skipped} unknown-column positions skipped: the header cell would be inside a merged region)"
    );
    println!("{summary}");
    if std::env::var("METAMORPHIC_ONLY").is_err() {
        assert!(
            forms >= 100,
            "only {forms} forms found in the fixtures: {summary}"
        );
        for kind in Kind::ALL {
            assert!(
                per_kind.get(&kind).is_some_and(|&n| n > 0),
                "no {} variant made",
                kind.name()
            );
        }
    }

    let failures: Vec<&Failure> = outcomes.iter().flat_map(|o| &o.failures).collect();
    if !failures.is_empty() {
        panic!("{}", report(&failures, &summary));
    }
}

/// Print budget of the failure report.
const REPORT_LIMIT: usize = 60_000;
/// Groups shown for one kind of trouble of one variant kind, and files named for one group.
const GROUPS_SHOWN: usize = 8;
const FILES_NAMED: usize = 6;

/// The failures grouped by variant kind, then by the way they break the guarantee, then by the
/// codes of the findings that differ: for each group, how many variants in which files, and its
/// first failure.
fn report(failures: &[&Failure], summary: &str) -> String {
    let mut out = format!("{} variants break a guarantee. {summary}\n", failures.len());
    for kind in std::iter::once(None).chain(Kind::ALL.map(Some)) {
        let of_kind: Vec<&Failure> = failures.iter().copied().filter(|f| f.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let files: BTreeSet<&str> = of_kind.iter().map(|f| f.file.as_str()).collect();
        let name = kind.map_or("original sheet", Kind::name);
        let _ = write!(
            out,
            "\n## {name}: {} variants in {} files\n",
            of_kind.len(),
            files.len()
        );
        for trouble in Trouble::ALL {
            // codes → (variants, files, first failure)
            let mut groups: BTreeMap<&str, (usize, BTreeSet<&str>, &Failure)> = BTreeMap::new();
            for f in &of_kind {
                for p in f.problems.iter().filter(|p| p.trouble == trouble) {
                    let group = groups.entry(p.codes.as_str()).or_insert((0, BTreeSet::new(), f));
                    group.0 += 1;
                    group.1.insert(f.file.as_str());
                }
            }
            if groups.is_empty() {
                continue;
            }
            let n: usize = groups.values().map(|g| g.0).sum();
            let _ = write!(out, "\n### {}: {n} times\n", trouble.name());
            let mut groups: Vec<_> = groups.into_iter().collect();
            groups.sort_by_key(|(_, (n, ..))| std::cmp::Reverse(*n));
            for (codes, (n, files, first)) in groups.iter().take(GROUPS_SHOWN) {
                let named: Vec<&str> = files.iter().take(FILES_NAMED).copied().collect();
                let more = files.len().saturating_sub(FILES_NAMED);
                let codes = if codes.is_empty() {
                    String::new()
                } else {
                    format!(" [{codes}]")
                };
                let _ = write!(
                    out,
                    "\n-{codes} {n} times in {} files: {}",
                    files.len(),
                    named.join(", ")
                );
                if more > 0 {
                    let _ = write!(out, " and {more} more");
                }
                let _ = write!(out, "\n  first: {}\n", first.told(trouble));
            }
            if groups.len() > GROUPS_SHOWN {
                let _ = write!(out, "\n- and {} more groups\n", groups.len() - GROUPS_SHOWN);
            }
        }
    }
    if out.len() > REPORT_LIMIT {
        let mut cut = REPORT_LIMIT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        let _ = write!(out, "\n… report cut at {REPORT_LIMIT} bytes");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The edits themselves, on small sheets.
// ---------------------------------------------------------------------------------------------

fn text_sheet(rows: &[&[&str]], merges: &[(u32, u32, u32, u32)]) -> Sheet {
    let cells = rows.iter().enumerate().flat_map(|(r, row)| {
        row.iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(move |(c, t)| {
                let cell = Cell {
                    value: Value::Text(t.to_string()),
                    percent: false,
                };
                (r as u32, c as u32, cell)
            })
    });
    let merges = merges
        .iter()
        .map(|&(top, left, bottom, right)| Region {
            top,
            left,
            bottom,
            right,
        })
        .collect();
    Sheet::of(&Grid::from_cells("s", cells, merges))
}

fn region(top: u32, left: u32, bottom: u32, right: u32) -> Region {
    Region {
        top,
        left,
        bottom,
        right,
    }
}

fn text_at(sheet: &Sheet, row: u32, col: u32) -> String {
    sheet
        .cells
        .get(&(row, col))
        .map(|c| c.value.text())
        .unwrap_or_default()
}

#[test]
fn inserting_a_column_widens_the_regions_it_falls_inside() {
    let mut sheet = text_sheet(
        &[&["指标值", "", "x"], &["A", "B", "y"]],
        &[(0, 0, 0, 1), (0, 2, 1, 2)],
    );
    sheet.insert_col(1);
    assert_eq!(sheet.merges, [region(0, 0, 0, 2), region(0, 3, 1, 3)]);
    assert_eq!(text_at(&sheet, 1, 0), "A");
    assert_eq!(text_at(&sheet, 1, 1), "");
    assert_eq!(text_at(&sheet, 1, 2), "B");
}

#[test]
fn deleting_a_column_shrinks_regions_and_keeps_their_value() {
    let mut sheet = text_sheet(
        &[&["指标值", "", "得分", ""], &["A", "B", "5", ""]],
        &[(0, 0, 0, 1), (0, 2, 0, 3)],
    );
    sheet.delete_col(0, 0..=u32::MAX);
    assert_eq!(text_at(&sheet, 0, 0), "指标值");
    assert_eq!(text_at(&sheet, 1, 0), "B");
    assert_eq!(sheet.merges, [region(0, 1, 0, 2)]);
    sheet.delete_cols(1, 2, 0..=u32::MAX);
    assert!(sheet.merges.is_empty());
    assert_eq!(sheet.cells.len(), 2);
}

#[test]
fn deleting_a_table_column_leaves_the_other_rows_alone() {
    let mut sheet = text_sheet(
        &[&["总", "", "计"], &["A", "B", "C"], &["a", "b", "c"]],
        &[(0, 0, 0, 1), (1, 1, 2, 1)],
    );
    sheet.delete_col(1, 1..=2);
    assert_eq!(sheet.merges, [region(0, 0, 0, 1)]);
    assert_eq!(
        (
            text_at(&sheet, 0, 2),
            text_at(&sheet, 1, 1),
            text_at(&sheet, 2, 1)
        ),
        ("计".into(), "C".into(), "c".into())
    );
}

#[test]
fn inserting_rows_splits_the_table_regions_and_repeats_their_value() {
    let mut sheet = text_sheet(
        &[&["产出", "a"], &["", "b"], &["", "c"], &["", "", "note"]],
        &[(0, 0, 2, 0), (0, 2, 3, 2)],
    );
    sheet.insert_rows(1, 2, Some((0, 1)));
    assert_eq!(sheet.merges, [region(3, 0, 4, 0), region(0, 2, 5, 2)]);
    assert_eq!(text_at(&sheet, 3, 0), "产出");
    assert_eq!(text_at(&sheet, 3, 1), "b");
    let source = sheet.clone();
    sheet.insert_rows(6, 1, None);
    sheet.copy_rows(&source, 0, 0, 6);
    assert_eq!(text_at(&sheet, 6, 1), "a");
}

#[test]
fn moved_cells_map_like_the_edit() {
    let pos = Pos::new(4, 5);
    assert_eq!(Moved::Col { at: 5 }.map(pos), Some(Pos::new(4, 6)));
    assert_eq!(Moved::Col { at: 6 }.map(pos), Some(pos));
    let deleted = |left, right| Moved::ColsDeleted {
        left,
        right,
        top: 2,
        bottom: 4,
    };
    assert_eq!(deleted(5, 6).map(pos), None);
    assert_eq!(deleted(2, 3).map(pos), Some(Pos::new(4, 3)));
    assert_eq!(deleted(2, 3).map(Pos::new(5, 5)), Some(Pos::new(5, 5)));
    assert_eq!(Moved::Rows { at: 4, n: 2 }.map(pos), Some(Pos::new(6, 5)));
    assert_eq!(Moved::Shift { rows: 3, cols: 2 }.map(pos), Some(Pos::new(7, 7)));
    assert_eq!(Moved::Col { at: 0 }.cell(""), "");
    assert_eq!(
        Subjects::NoLevel2.map("indicator:数量指标/会议"),
        "indicator:/会议"
    );
    assert_eq!(Subjects::NoLevel2.map("weights:产出指标"), "weights:产出指标");
}

#[test]
fn tables_are_found_by_their_header_band() {
    let sheet = text_sheet(
        &[
            &["绩效指标", "一级指标", "三级指标", "指标值", "", "分值", "得分"],
            &["", "", "", "年度指标值(A)", "实际完成值(B)", "", ""],
            &["", "产出指标", "会议", "≥9次", "9次", "5", "5"],
            &["总分", "", "", "", "", "5", "5"],
        ],
        &[(0, 0, 2, 0), (0, 3, 0, 4), (0, 5, 1, 5), (0, 6, 1, 6)],
    );
    let found = blocks(&sheet.grid());
    assert_eq!(found.len(), 1);
    let b = &found[0];
    assert_eq!(
        (b.table, b.top, b.bottom, b.left, b.right, b.end),
        (Table::Indicators, 0, 1, 0, 6, 3)
    );
    let roles: Vec<Option<Role>> = b.fields.iter().map(|f| f.role).collect();
    assert_eq!(
        roles,
        [
            None,
            Some(Role::Level1),
            Some(Role::Level3),
            Some(Role::Target),
            Some(Role::Actual),
            Some(Role::Points),
            Some(Role::Score)
        ]
    );
}

fn note(code: Code, cell: &str, subject: &str, reported: &str) -> Finding {
    Finding {
        code,
        severity: code.severity(),
        cell: cell.to_string(),
        subject: subject.to_string(),
        reported: reported.to_string(),
        expected: String::new(),
        fixed: false,
        message: String::new(),
    }
}

#[test]
fn notes_are_one_per_column_or_field() {
    let fine = [
        note(Code::ColumnUnrecognised, "J6", "column:说明", "说明"),
        note(Code::ColumnUnrecognised, "J15", "column:说明", "说明"),
        note(Code::ColumnAbsent, "", "column:年初预算数", "年初预算数"),
        note(Code::ColumnAbsent, "", "column:分值", "分值"),
        note(Code::FormulaNotEvaluated, "H29", "formulas", "H29"),
    ];
    assert_eq!(note_trouble(&fine), None);
    for wrong in [
        note(Code::ColumnUnrecognised, "J6", "column:审核意见", "审核意见"),
        note(Code::ColumnUnrecognised, "K6", "columns", "审核意见"),
        note(Code::ColumnUnrecognised, "K6", "column:说明（元）", "说明（元）"),
        note(Code::ColumnUnrecognised, "", "column:审核意见", "审核意见"),
        note(Code::ColumnAbsent, "", "column:分值", "分值"),
        note(Code::ColumnAbsent, "", "column:备注", "备注"),
        note(Code::ColumnAbsent, "D6", "column:执行率", "执行率"),
        note(Code::FormulaNotEvaluated, "E7", "formulas", "E7"),
    ] {
        let mut notes = fine.to_vec();
        notes.push(wrong.clone());
        assert!(note_trouble(&notes).is_some(), "{wrong:?} passes");
    }
    let absent = |subject| note_key(Code::ColumnAbsent, subject);
    let unrecognised = |subject| note_key(Code::ColumnUnrecognised, subject);
    assert!(names_field(
        &absent("column:预算执行率得分"),
        Table::Funds,
        Role::Score
    ));
    assert!(!names_field(
        &absent("column:预算执行率分值"),
        Table::Funds,
        Role::Score
    ));
    assert!(!names_field(&absent("column:得分"), Table::Funds, Role::Score));
    assert!(names_field(
        &absent("column:得分"),
        Table::Indicators,
        Role::Score
    ));
    assert!(names_field(
        &unrecognised("column:得分"),
        Table::Funds,
        Role::Score
    ));
    assert!(names_field(
        &unrecognised("column:得分(20分*执行率)"),
        Table::Funds,
        Role::Score
    ));
    assert!(!names_field(
        &unrecognised("column:说明"),
        Table::Funds,
        Role::Score
    ));
}
