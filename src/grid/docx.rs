//! Word documents (.docx): the tables of `word/document.xml` as one grid, so a form filled in
//! Word is located and checked exactly as one filled in a spreadsheet.
//!
//! Tables are stacked top to bottom in document order (a table broken at a page break simply
//! continues); short paragraphs between them (the title, `（2024年度）`, `填报单位：…`) become
//! one-cell rows, long prose is left out. A cell's paragraphs are joined by line breaks; every
//! value is text (the grammar reads numbers such as `196,876.30` and `98.44%`). Tables nested in
//! a cell add their text to that cell.
//!
//! Columns. Word keeps one grid per table (`w:tblGrid`), the union of every row's borders: when
//! a border is dragged a few millimetres in one row (the 总分 row, rows after a page break), the
//! grid gets narrow extra columns and the rows' cells span different numbers of them
//! (`w:gridSpan`), so a value would stand in another grid column than its header. Each cell is
//! therefore placed by where it lies: its borders in twips from the `w:gridCol` widths, its
//! `w:gridSpan` and the row's `w:gridBefore` (the cells' own `w:tcW` and the row's `w:wBefore`
//! when the table has no grid). The borders of all rows are then gathered into the table's
//! columns (`Columns`): borders of different rows within `TOLERANCE` (≈ 6 mm) of a common
//! border are that border moved, two borders of one row are always two columns. A cell covers
//! the columns between its two borders' columns, so it belongs to the header column it overlaps
//! most, in every row alike. A table whose rows share their borders keeps its grid as it is.
//! `w:gridSpan` over several columns and `w:vMerge` become merged regions.
//!
//! A table that follows another (after a page break, a `续表` caption) is read against the
//! columns of the one before when each of its borders lies within the tolerance of them; else it
//! has columns of its own.
//!
//! Why ~1,130 lines (510 of them tests): one parser of Word tables and the layout of their cells on
//! a grid (spans, vertical merges, borders that do not line up).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Cell, Grid, MAX_COLS, MAX_ROWS, ReadError, Region, Value};
use crate::xml::{local, local_attr};

/// The name a Word document's grid goes by (the report's `sheet`).
pub const SHEET: &str = "Word表格";

/// Paragraphs longer than this (characters) are prose, not a label of the form.
const MAX_LABEL_CHARS: usize = 60;

/// Borders of different rows within this distance (twips, ≈ 6 mm) of a common border are that
/// border moved: the cells on either side share their columns.
const TOLERANCE: u64 = 360;

/// Grid columns of a table that are read (Word itself allows 63).
const MAX_GRID: u32 = 256;

/// Distinct borders of a table measured by its cells' own widths (no `w:tblGrid`) beyond which
/// the table is read by grid positions alone.
const MAX_BORDERS: usize = 4_096;

/// Borders that one column's border may gather from the rows.
const MAX_GATHERED: usize = 32;

/// The width given to a grid column whose width is unknown: more than two tolerances, so that
/// borders so placed are never taken for one another.
const UNIT: u64 = 1_000;

/// One cell of a Word table row.
struct WordCell {
    span: u32,
    merge: VMerge,
    /// `w:tcW` in twips, when given so.
    width: Option<u32>,
    text: String,
}

#[derive(Clone, Copy, PartialEq)]
enum VMerge {
    None,
    Restart,
    Continue,
}

/// One row of a Word table.
#[derive(Default)]
struct Row {
    /// `w:gridBefore`: grid columns left empty before the first cell.
    before: u32,
    /// `w:wBefore` in twips, when given so.
    w_before: Option<u32>,
    cells: Vec<WordCell>,
}

/// One top-level table.
#[derive(Default)]
struct Table {
    /// The `w:gridCol` widths in twips (`None`: not given as a number).
    grid: Vec<Option<u32>>,
    rows: Vec<Row>,
}

/// What the body holds, in order.
enum Block {
    Paragraph(String),
    Table(Table),
}

/// Read the tables of a .docx held in memory into one grid.
pub(super) fn read_docx(bytes: &[u8], max_entry_bytes: u64) -> Result<Vec<Grid>, ReadError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
    let entry = zip
        .by_name("word/document.xml")
        .map_err(|e| ReadError::Corrupt(format!("word/document.xml: {e}")))?;
    let mut xml = Vec::new();
    entry
        .take(max_entry_bytes.saturating_add(1))
        .read_to_end(&mut xml)
        .map_err(ReadError::Io)?;
    if xml.len() as u64 > max_entry_bytes {
        return Err(ReadError::ZipBomb(format!(
            "word/document.xml 超过 {max_entry_bytes} 字节"
        )));
    }
    let blocks = parse(&xml)?;
    Ok(vec![lay_out(&blocks)])
}

/// A property's `w:val` (found by local name: writers choose the prefix).
fn val(e: &BytesStart<'_>) -> Option<String> {
    local_attr(e, "val")
}

/// A width element (`w:tcW`, `w:wBefore`) in twips: `w:type` `dxa` or absent.
fn twips(e: &BytesStart<'_>) -> Option<u32> {
    match local_attr(e, "type").as_deref() {
        None | Some("dxa") => local_attr(e, "w").and_then(|w| w.trim().parse().ok()),
        Some(_) => None,
    }
}

/// Elements holding the properties an element had before a tracked change: what they say is
/// not what the document shows.
fn is_former(name: &str) -> bool {
    matches!(
        name,
        "tblGridChange" | "tblPrChange" | "tblPrExChange" | "trPrChange" | "tcPrChange"
    )
}

fn parse(xml: &[u8]) -> Result<Vec<Block>, ReadError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut blocks = Vec::new();
    // Table nesting: 1 inside a top-level table.
    let mut tables = 0u32;
    // Depth inside elements of former properties (see `is_former`).
    let mut former = 0u32;
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut cell: Option<WordCell> = None;
    let mut paragraph = String::new();
    let mut in_text = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            ReadError::Corrupt(format!(
                "word/document.xml 第 {} 字节处：{}",
                reader.error_position(),
                crate::xml::describe_error(&e)
            ))
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let start = matches!(event, Event::Start(_));
                let name = local(e);
                let own = tables == 1 && former == 0;
                match name.as_str() {
                    "tbl" => {
                        tables = tables.saturating_add(1);
                        if tables == 1 {
                            table = Some(Table::default());
                        }
                    }
                    _ if start && is_former(&name) => former = former.saturating_add(1),
                    "gridCol" if own => {
                        if let Some(t) = table.as_mut()
                            && t.grid.len() < MAX_GRID as usize
                        {
                            t.grid.push(twips(e));
                        }
                    }
                    "tr" if tables == 1 => row = Some(Row::default()),
                    "gridBefore" if own => {
                        if let Some(r) = row.as_mut() {
                            r.before = val(e).and_then(|v| v.parse().ok()).unwrap_or(0);
                        }
                    }
                    "wBefore" if own => {
                        if let Some(r) = row.as_mut() {
                            r.w_before = twips(e);
                        }
                    }
                    "tc" if tables == 1 => {
                        cell = Some(WordCell {
                            span: 1,
                            merge: VMerge::None,
                            width: None,
                            text: String::new(),
                        })
                    }
                    "tcW" if own => {
                        if let Some(c) = cell.as_mut() {
                            c.width = twips(e);
                        }
                    }
                    "gridSpan" if own => {
                        if let Some(c) = cell.as_mut() {
                            c.span = val(e)
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1)
                                .clamp(1, MAX_GRID);
                        }
                    }
                    "vMerge" if own => {
                        if let Some(c) = cell.as_mut() {
                            c.merge = match val(e).as_deref() {
                                Some("restart") => VMerge::Restart,
                                _ => VMerge::Continue,
                            };
                        }
                    }
                    "t" => in_text = start,
                    "tab" => paragraph.push('\t'),
                    "br" | "cr" => paragraph.push('\n'),
                    _ => {}
                }
            }
            Event::Text(t) if in_text => paragraph.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => crate::xml::push_reference(&mut paragraph, &r),
            Event::End(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "t" => in_text = false,
                    "p" => {
                        let text = std::mem::take(&mut paragraph);
                        match cell.as_mut() {
                            Some(c) if tables >= 1 => {
                                if !c.text.is_empty() && !text.trim().is_empty() {
                                    c.text.push('\n');
                                }
                                c.text.push_str(text.trim());
                            }
                            _ if tables == 0 => {
                                let t = text.trim();
                                if !t.is_empty() && t.chars().count() <= MAX_LABEL_CHARS {
                                    blocks.push(Block::Paragraph(t.to_string()));
                                }
                            }
                            _ => {}
                        }
                    }
                    "tc" if tables == 1 => {
                        if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                            r.cells.push(c);
                        }
                    }
                    "tr" if tables == 1 => {
                        if let (Some(r), Some(t)) = (row.take(), table.as_mut()) {
                            t.rows.push(r);
                        }
                    }
                    "tbl" => {
                        tables = tables.saturating_sub(1);
                        if tables == 0
                            && let Some(t) = table.take()
                        {
                            blocks.push(Block::Table(t));
                        }
                    }
                    n if is_former(n) => former = former.saturating_sub(1),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(blocks)
}

/// A table's cells placed side by side: for each row, the left and right border of each cell
/// that is read, in twips from the table's left edge (or in [`UNIT`]s of grid columns when the
/// widths are unknown).
struct Placed {
    rows: Vec<Vec<(u64, u64)>>,
    /// Every border of the table's grid, whether a cell stands on it or not (none when the
    /// cells' own widths placed them): a table whose rows share their borders keeps its grid.
    lines: Vec<u64>,
    /// False when the borders stand at grid positions, the widths unknown.
    measured: bool,
}

/// Place the first `limit` rows of a table: by its grid's widths, else by the cells' own widths,
/// else by grid positions ([`UNIT`] apart).
fn place(table: &Table, limit: usize) -> Placed {
    let rows = &table.rows[..table.rows.len().min(limit)];
    let widths: Option<Vec<u64>> = table.grid.iter().map(|w| w.map(u64::from)).collect();
    match widths {
        Some(w) if w.iter().any(|&w| w > 0) => on_grid(rows, &w, true),
        _ if table.grid.is_empty() => by_cell_widths(rows).unwrap_or_else(|| on_grid(rows, &[], false)),
        _ => on_grid(rows, &[], false),
    }
}

/// Cells placed on the grid of the given column widths (a zero width counts as one twip); grid
/// columns beyond them, and all of them when there are none, are [`UNIT`] wide.
fn on_grid(rows: &[Row], widths: &[u64], measured: bool) -> Placed {
    let mut lines = Vec::with_capacity(widths.len().saturating_add(1));
    let mut x = 0u64;
    lines.push(x);
    for &w in widths.iter().take(MAX_GRID as usize) {
        x = x.saturating_add(w.max(1));
        lines.push(x);
    }
    let known = lines.len() - 1;
    let line = |k: usize| match lines.get(k) {
        Some(&x) => x,
        None => x.saturating_add(UNIT.saturating_mul(k.saturating_sub(known) as u64)),
    };
    let mut last = known;
    let placed: Vec<Vec<(u64, u64)>> = rows
        .iter()
        .map(|row| {
            let mut g = row.before.min(MAX_GRID) as usize;
            let mut edges = Vec::new();
            for cell in &row.cells {
                if g >= MAX_GRID as usize {
                    break;
                }
                let right = g.saturating_add(cell.span as usize).min(MAX_GRID as usize);
                edges.push((line(g), line(right)));
                last = last.max(right);
                g = right;
            }
            edges
        })
        .collect();
    Placed {
        lines: (0..=last).map(line).collect(),
        rows: placed,
        measured,
    }
}

/// Cells placed by their own widths (`w:tcW`) after the row's `w:wBefore`, when every cell has
/// one in twips; `None` otherwise.
fn by_cell_widths(rows: &[Row]) -> Option<Placed> {
    let mut placed = Vec::with_capacity(rows.len());
    let mut borders = std::collections::BTreeSet::new();
    for row in rows {
        let mut x = if row.before > 0 {
            u64::from(row.w_before?)
        } else {
            0
        };
        let mut edges = Vec::new();
        for cell in row.cells.iter().take(MAX_GRID as usize) {
            let right = x.saturating_add(u64::from(cell.width?.max(1)));
            edges.push((x, right));
            borders.insert(x);
            borders.insert(right);
            x = right;
        }
        if borders.len() > MAX_BORDERS {
            return None;
        }
        placed.push(edges);
    }
    Some(Placed {
        rows: placed,
        lines: Vec::new(),
        measured: true,
    })
}

/// The columns of one or more stacked tables: every border known, sorted, with the column it
/// opens (columns are numbered left to right from 0), and each column's anchor, its border
/// that the most rows share.
struct Columns {
    borders: Vec<u64>,
    column: Vec<u32>,
    anchors: Vec<u64>,
    measured: bool,
}

impl Columns {
    /// The columns of a table: its borders gathered as [`gather`] does.
    fn of(placed: &Placed) -> Columns {
        let mut rows_at: BTreeMap<u64, Vec<usize>> = placed.lines.iter().map(|&x| (x, Vec::new())).collect();
        for (r, edges) in placed.rows.iter().enumerate() {
            for x in row_borders(edges) {
                rows_at.entry(x).or_default().push(r);
            }
        }
        let (borders, rows): (Vec<u64>, Vec<Vec<usize>>) = rows_at.into_iter().unzip();
        let (column, anchors) = gather(&borders, &rows, placed.rows.len());
        Columns {
            borders,
            column,
            anchors,
            measured: placed.measured,
        }
    }

    /// The column that a border at `x` opens: that of the same border, else that of the
    /// nearest anchor within the tolerance.
    fn at(&self, x: u64) -> Option<u32> {
        if let Ok(k) = self.borders.binary_search(&x) {
            return self.column.get(k).copied();
        }
        let k = self.anchors.partition_point(|&a| a < x);
        [k.checked_sub(1), Some(k)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.anchors.get(i).map(|&a| (a.abs_diff(x), i)))
            .filter(|&(d, _)| d <= TOLERANCE)
            .min()
            .and_then(|(_, i)| u32::try_from(i).ok())
    }

    /// Whether a following table reads against these columns: both measured, and each of its
    /// rows' borders falls on a column of its own, left to right.
    fn fit(&self, placed: &Placed) -> bool {
        self.measured
            && placed.measured
            && placed.rows.iter().all(|edges| {
                let mut last: Option<u32> = None;
                row_borders(edges).all(|x| match self.at(x) {
                    Some(c) if last.is_none_or(|l| c > l) => {
                        last = Some(c);
                        true
                    }
                    _ => false,
                })
            })
    }
}

/// The borders of a row, left to right: each cell's left border and the last cell's right one
/// (and any border where a cell does not start at its neighbour's right border).
fn row_borders(edges: &[(u64, u64)]) -> impl Iterator<Item = u64> + '_ {
    let mut last: Option<u64> = None;
    edges.iter().flat_map(|&(l, r)| [l, r]).filter(move |&x| {
        let new = last != Some(x);
        last = Some(x);
        new
    })
}

/// Gather sorted borders into columns. `rows[k]` are the rows that have border `k`. A column
/// takes a run of neighbouring borders of which no two belong to one row and all lie within
/// [`TOLERANCE`] of its anchor, the one of most rows; the fewest columns are taken, and among
/// as many the borders move least (each border's rows times its distance to the anchor).
/// Returns the column of each border and the anchor of each column.
fn gather(xs: &[u64], rows: &[Vec<usize>], n_rows: usize) -> (Vec<u32>, Vec<u64>) {
    let n = xs.len();
    let weight = |k: usize| rows.get(k).map_or(0, |r| r.len() as u64);
    // best[j]: (columns, movement) of the best split of the first j borders; from[j]: where its
    // last column starts; anchor[j]: that column's anchor.
    let mut best = vec![(u64::MAX, u64::MAX); n + 1];
    let mut from = vec![0usize; n + 1];
    let mut anchor = vec![0usize; n + 1];
    best[0] = (0, 0);
    let mut seen = vec![usize::MAX; n_rows];
    for j in 0..n {
        for i in (0..=j).rev() {
            if j - i >= MAX_GATHERED || xs[j].saturating_sub(xs[i]) > 2 * TOLERANCE {
                break;
            }
            // A border of a row already in the run: no wider run can be one column either.
            let ri = rows.get(i).map_or(&[][..], Vec::as_slice);
            if ri.iter().any(|&r| seen.get(r) == Some(&j)) {
                break;
            }
            for &r in ri {
                if let Some(s) = seen.get_mut(r) {
                    *s = j;
                }
            }
            // The anchor: most rows, then nearest the run's middle, then leftmost.
            let middle = xs[i].saturating_add(xs[j]);
            let a = (i..=j)
                .min_by_key(|&k| {
                    (
                        std::cmp::Reverse(weight(k)),
                        xs[k].saturating_mul(2).abs_diff(middle),
                        k,
                    )
                })
                .unwrap_or(j);
            if xs[j] - xs[a] > TOLERANCE || xs[a] - xs[i] > TOLERANCE {
                continue;
            }
            let moved = (i..=j).fold(0u64, |m, k| {
                m.saturating_add(weight(k).saturating_mul(xs[k].abs_diff(xs[a])))
            });
            let (columns, movement) = best[i];
            let candidate = (columns.saturating_add(1), movement.saturating_add(moved));
            if candidate < best[j + 1] {
                best[j + 1] = candidate;
                from[j + 1] = i;
                anchor[j + 1] = a;
            }
        }
    }
    let mut runs = Vec::new();
    let mut j = n;
    while j > 0 {
        runs.push((from[j], j, anchor[j]));
        j = from[j];
    }
    runs.reverse();
    let mut column = vec![0u32; n];
    let mut anchors = Vec::with_capacity(runs.len());
    for (c, &(i, j, a)) in runs.iter().enumerate() {
        let c = u32::try_from(c).unwrap_or(u32::MAX);
        for k in column.iter_mut().take(j).skip(i) {
            *k = c;
        }
        anchors.push(xs[a]);
    }
    (column, anchors)
}

/// Place the blocks on a grid: paragraphs in column 0, table cells in their columns.
fn lay_out(blocks: &[Block]) -> Grid {
    let mut cells = Vec::new();
    let mut merges: Vec<Region> = Vec::new();
    // The vertical merge open in each column: index into `merges`.
    let mut open: HashMap<u32, usize> = HashMap::new();
    // The columns of the tables read so far, which a following table may share.
    let mut columns: Option<Columns> = None;
    let mut r = 0u32;
    for block in blocks {
        if r >= MAX_ROWS {
            break;
        }
        match block {
            Block::Paragraph(text) => {
                open.clear();
                cells.push((r, 0, text_cell(text)));
                r += 1;
            }
            Block::Table(table) => {
                open.clear();
                let placed = place(table, (MAX_ROWS - r) as usize);
                let cols = match columns.take() {
                    Some(c) if c.fit(&placed) => c,
                    _ => Columns::of(&placed),
                };
                for (row, edges) in table.rows.iter().zip(&placed.rows) {
                    if r >= MAX_ROWS {
                        break;
                    }
                    for (cell, &(x0, x1)) in row.cells.iter().zip(edges) {
                        let (Some(c), Some(end)) = (cols.at(x0), cols.at(x1)) else {
                            break;
                        };
                        if c >= MAX_COLS || end <= c {
                            break;
                        }
                        let right = (end - 1).min(MAX_COLS - 1);
                        match cell.merge {
                            VMerge::Continue if open.contains_key(&c) => {
                                if let Some(m) = open.get(&c).and_then(|&i| merges.get_mut(i)) {
                                    m.bottom = r;
                                }
                            }
                            merge => {
                                for col in c..=right {
                                    open.remove(&col);
                                }
                                cells.push((r, c, text_cell(&cell.text)));
                                if merge == VMerge::Restart || right > c {
                                    merges.push(Region {
                                        top: r,
                                        left: c,
                                        bottom: r,
                                        right,
                                    });
                                    if merge == VMerge::Restart {
                                        open.insert(c, merges.len() - 1);
                                    }
                                }
                            }
                        }
                    }
                    r += 1;
                }
                // Vertical merges do not run into the next table.
                open.clear();
                columns = Some(cols);
            }
        }
    }
    merges.retain(|m| m.bottom > m.top || m.right > m.left);
    Grid::from_cells(SHEET, cells, merges)
}

fn text_cell(text: &str) -> Cell {
    let t = text.trim();
    Cell {
        value: if t.is_empty() {
            Value::Empty
        } else {
            Value::Text(t.to_string())
        },
        percent: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>项目支出绩效自评表</w:t></w:r></w:p>
<w:p><w:r><w:t>一段很长的说明文字</w:t></w:r><w:r><w:t xml:space="preserve">，超过六十个字符的段落不是表中的标签而是正文，所以不放进表格网格里面，以免干扰定位表头和读取数值的过程。</w:t></w:r></w:p>
<w:tbl>
<w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>产出指标</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>数量</w:t></w:r></w:p><w:p><w:r><w:t>指标</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>196,876.30</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>A&amp;B</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
</w:body></w:document>"#;

    #[test]
    fn tables_spans_and_vertical_merges() {
        let grid = lay_out(&parse(DOC.as_bytes()).expect("parses"));
        assert_eq!(grid.value(0, 0).text(), "项目支出绩效自评表");
        assert_eq!(grid.value(1, 0).text(), "产出指标");
        assert_eq!(grid.value(1, 1).text(), "数量\n指标");
        assert_eq!(grid.value(2, 1).text(), "196,876.30");
        assert_eq!(grid.value(2, 2).text(), "A&B");
        let merge = |r, c| grid.merge_at(r, c).map(|m| (m.top, m.left, m.bottom, m.right));
        assert_eq!(merge(2, 0), Some((1, 0, 2, 0)), "vMerge runs down");
        assert_eq!(merge(1, 2), Some((1, 1, 1, 2)), "gridSpan runs across");
    }

    /// A body of the given blocks.
    fn doc(body: &str) -> Grid {
        let ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
        let xml = format!(r#"<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>"#);
        lay_out(&parse(xml.as_bytes()).expect("parses"))
    }

    /// A table of the given grid column widths and rows.
    fn tbl(widths: &[u32], rows: &[String]) -> String {
        let grid: String = widths
            .iter()
            .map(|w| format!(r#"<w:gridCol w:w="{w}"/>"#))
            .collect();
        format!(
            "<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{}</w:tbl>",
            rows.concat()
        )
    }

    /// A row of cells; `before` grid columns left empty first.
    fn tr(before: u32, cells: &[String]) -> String {
        let pr = if before > 0 {
            format!(r#"<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>"#)
        } else {
            String::new()
        };
        format!("<w:tr>{pr}{}</w:tr>", cells.concat())
    }

    /// A cell over `span` grid columns, with more cell properties.
    fn tc(text: &str, span: u32, props: &str) -> String {
        let span = if span > 1 {
            format!(r#"<w:gridSpan w:val="{span}"/>"#)
        } else {
            String::new()
        };
        format!("<w:tc><w:tcPr>{span}{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
    }

    fn c(text: &str, span: u32) -> String {
        tc(text, span, "")
    }

    /// The text of every row, by column, up to the grid's width.
    fn texts(grid: &Grid) -> Vec<Vec<String>> {
        (0..grid.height())
            .map(|r| (0..grid.width()).map(|c| grid.value(r, c).text()).collect())
            .collect()
    }

    fn merges(grid: &Grid) -> Vec<(u32, u32, u32, u32)> {
        let mut m: Vec<_> = grid
            .merges
            .iter()
            .map(|m| (m.top, m.left, m.bottom, m.right))
            .collect();
        m.sort_unstable();
        m
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_border_moved_in_one_row_keeps_the_header_columns() {
        // Header borders at 0, 1000, 2000, 3000; the second row's first border is at 1100, the
        // third row's second at 1900 and its last at 3080: Word's grid holds them all.
        // Grid lines: 0, 1000, 1100, 1900, 2000, 3000, 3080.
        let grid = doc(&tbl(
            &[1000, 100, 800, 100, 1000, 80],
            &[
                tr(0, &[c("项目", 1), c("分值", 3), c("得分", 1)]),
                tr(0, &[c("甲", 2), c("5", 2), c("4", 1)]),
                tr(0, &[c("乙", 1), c("10", 2), c("9", 3)]),
            ],
        ));
        assert_eq!(
            texts(&grid),
            [
                row(&["项目", "分值", "得分"]),
                row(&["甲", "5", "4"]),
                row(&["乙", "10", "9"])
            ]
        );
        assert!(grid.merges.is_empty(), "{:?}", grid.merges);
    }

    #[test]
    fn a_total_row_spans_the_header_columns_it_covers() {
        // 总分 over the first two header columns, its border moved 150 twips right; 100 and the
        // score under 分值 and 得分.
        let grid = doc(&tbl(
            &[1000, 1000, 150, 850, 1000],
            &[
                tr(0, &[c("一级", 1), c("三级", 1), c("分值", 2), c("得分", 1)]),
                tr(0, &[c("产出", 1), c("数量", 1), c("5", 2), c("5", 1)]),
                tr(0, &[c("总分", 3), c("100", 1), c("99.84", 1)]),
            ],
        ));
        assert_eq!(grid.value(2, 0).text(), "总分");
        assert_eq!(grid.value(2, 2).text(), "100");
        assert_eq!(grid.value(2, 3).text(), "99.84");
        assert_eq!(grid.width(), 4);
        assert_eq!(merges(&grid), [(2, 0, 2, 1)], "总分 spans 一级 and 三级");
    }

    #[test]
    fn a_row_that_starts_later_keeps_its_columns() {
        // The second row starts 60 twips right of the table's edge (a grid column of 60 before
        // it), the third at the second header column, its border moved 40 twips.
        let grid = doc(&tbl(
            &[60, 940, 40, 960, 1000],
            &[
                tr(0, &[c("名称", 2), c("分值", 2), c("得分", 1)]),
                tr(1, &[c("甲", 1), c("5", 2), c("4", 1)]),
                tr(3, &[c("10", 1), c("9", 1)]),
            ],
        ));
        assert_eq!(
            texts(&grid),
            [
                row(&["名称", "分值", "得分"]),
                row(&["甲", "5", "4"]),
                row(&["", "10", "9"])
            ]
        );
        assert!(grid.merges.is_empty(), "{:?}", grid.merges);
    }

    #[test]
    fn vertical_merges_run_down_moved_rows() {
        let restart = r#"<w:vMerge w:val="restart"/>"#;
        let cont = "<w:vMerge/>";
        // Grid lines: 0, 900, 1000, 1200, 2000, 3000. The column 一级 is merged down three rows,
        // whose borders are at 900, 1000 and 1200.
        let grid = doc(&tbl(
            &[900, 100, 200, 800, 1000],
            &[
                tr(0, &[c("一级", 2), c("二级", 2), c("三级", 1)]),
                tr(0, &[tc("产出", 1, restart), c("数量", 3), c("甲", 1)]),
                tr(0, &[tc("", 2, cont), c("质量", 2), c("乙", 1)]),
                tr(0, &[tc("", 3, cont), c("时效", 1), c("丙", 1)]),
            ],
        ));
        assert_eq!(grid.width(), 3);
        assert_eq!(grid.value(1, 0).text(), "产出");
        assert_eq!(
            (1..4).map(|r| grid.value(r, 1).text()).collect::<Vec<_>>(),
            ["数量", "质量", "时效"]
        );
        assert_eq!(merges(&grid), [(1, 0, 3, 0)]);
    }

    #[test]
    fn a_cell_over_several_header_columns_stays_one_region() {
        // 实际完成情况 over two header columns, both of its borders moved.
        let grid = doc(&tbl(
            &[1000, 100, 900, 1000, 120],
            &[
                tr(0, &[c("目标", 1), c("分值", 2), c("得分", 1)]),
                tr(0, &[c("预期", 2), c("实际完成情况", 3)]),
            ],
        ));
        assert_eq!(grid.value(1, 0).text(), "预期");
        assert_eq!(grid.value(1, 1).text(), "实际完成情况");
        assert_eq!(merges(&grid), [(1, 1, 1, 2)]);
    }

    #[test]
    fn near_borders_of_one_row_are_two_columns() {
        // A narrow column (200 twips) that one row has: its two borders are never one.
        let grid = doc(&tbl(
            &[1000, 200, 1000],
            &[
                tr(0, &[c("甲", 1), c("序", 1), c("乙", 1)]),
                tr(0, &[c("1", 1), c("2", 1), c("3", 1)]),
            ],
        ));
        assert_eq!(texts(&grid), [row(&["甲", "序", "乙"]), row(&["1", "2", "3"])]);
    }

    #[test]
    fn far_borders_are_columns_of_their_own() {
        // A border 500 twips from the header's is no moved border: it makes a column.
        let grid = doc(&tbl(
            &[1000, 500, 500, 1000],
            &[
                tr(0, &[c("甲", 1), c("乙", 2), c("丙", 1)]),
                tr(0, &[c("1", 2), c("2", 1), c("3", 1)]),
            ],
        ));
        assert_eq!(
            texts(&grid),
            [row(&["甲", "乙", "", "丙"]), row(&["1", "", "2", "3"])]
        );
        assert_eq!(merges(&grid), [(0, 1, 0, 2), (1, 0, 1, 1)]);
    }

    #[test]
    fn cell_widths_place_the_cells_of_a_table_without_a_grid() {
        let w = |w: u32| format!(r#"<w:tcW w:w="{w}" w:type="dxa"/>"#);
        let table = format!(
            "<w:tbl>{}{}{}</w:tbl>",
            tr(
                0,
                &[
                    tc("名称", 1, &w(1000)),
                    tc("分值", 1, &w(1000)),
                    tc("得分", 1, &w(1000))
                ]
            ),
            tr(
                0,
                &[tc("甲", 1, &w(1150)), tc("5", 1, &w(800)), tc("4", 1, &w(1050))]
            ),
            r#"<w:tr><w:trPr><w:gridBefore w:val="1"/><w:wBefore w:w="1080" w:type="dxa"/></w:trPr>"#
                .to_string()
                + &tc("10", 1, &w(900))
                + &tc("9", 1, &w(1000))
                + "</w:tr>",
        );
        let grid = doc(&table);
        assert_eq!(
            texts(&grid),
            [
                row(&["名称", "分值", "得分"]),
                row(&["甲", "5", "4"]),
                row(&["", "10", "9"])
            ]
        );
    }

    #[test]
    fn without_any_width_cells_stand_at_their_grid_positions() {
        // No grid and a cell without a width: spans alone place the cells, as they are.
        let table = format!(
            "<w:tbl>{}{}</w:tbl>",
            tr(0, &[c("甲", 2), c("乙", 1)]),
            tr(1, &[tc("1", 1, r#"<w:tcW w:w="500" w:type="dxa"/>"#), c("2", 1)]),
        );
        let grid = doc(&table);
        assert_eq!(texts(&grid), [row(&["甲", "", "乙"]), row(&["", "1", "2"])]);
        assert_eq!(merges(&grid), [(0, 0, 0, 1)]);
    }

    #[test]
    fn a_table_after_a_page_break_reads_against_the_columns_before() {
        // The first part's grid is the header's. After a page break and a caption, a second
        // table whose borders are moved 120, 200 and 80 twips, then a third of its own grid, the
        // 合计 row: alone two columns, its score under 分值.
        let first = tbl(
            &[1000, 1000, 1000],
            &[
                tr(0, &[c("名称", 1), c("分值", 1), c("得分", 1)]),
                tr(0, &[c("甲", 1), c("5", 1), c("4", 1)]),
            ],
        );
        let second = tbl(&[1120, 1080, 880], &[tr(0, &[c("乙", 1), c("10", 1), c("9", 1)])]);
        let third = tbl(&[2150, 900], &[tr(0, &[c("合计", 1), c("13", 1)])]);
        assert_eq!(texts(&doc(&third)), [row(&["合计", "13"])]);
        let pagebreak = r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#;
        let caption = "<w:p><w:r><w:t>续表</w:t></w:r></w:p>";
        let grid = doc(&format!("{first}{pagebreak}{caption}{second}<w:p/>{third}"));
        assert_eq!(
            texts(&grid),
            [
                row(&["名称", "分值", "得分"]),
                row(&["甲", "5", "4"]),
                row(&["续表", "", ""]),
                row(&["乙", "10", "9"]),
                row(&["合计", "", "13"])
            ]
        );
        assert_eq!(merges(&grid), [(4, 0, 4, 1)]);
    }

    #[test]
    fn a_table_that_does_not_fit_the_one_before_has_its_own_columns() {
        let first = tbl(
            &[3600, 3000, 3000],
            &[tr(0, &[c("支出内容", 1), c("金额", 1), c("占比", 1)])],
        );
        let second = tbl(
            &[2400, 2400, 2400, 2400],
            &[tr(0, &[c("联系人", 1), c("何", 1), c("电话", 1), c("0854", 1)])],
        );
        let grid = doc(&format!("{first}<w:p/>{second}"));
        assert_eq!(
            texts(&grid),
            [
                row(&["支出内容", "金额", "占比", ""]),
                row(&["联系人", "何", "电话", "0854"])
            ]
        );
        assert!(grid.merges.is_empty());
    }

    #[test]
    fn former_properties_of_a_tracked_change_are_not_read() {
        let grid = doc(&format!(
            "<w:tbl><w:tblGrid><w:gridCol w:w=\"1000\"/><w:gridCol w:w=\"1000\"/>\
             <w:tblGridChange w:id=\"1\"><w:tblGrid><w:gridCol w:w=\"300\"/></w:tblGrid></w:tblGridChange>\
             </w:tblGrid>{}{}</w:tbl>",
            tr(0, &[c("甲", 1), c("乙", 1)]),
            tr(
                0,
                &[tc(
                    "合",
                    2,
                    r#"<w:tcPrChange w:id="2"><w:tcPr><w:gridSpan w:val="1"/></w:tcPr></w:tcPrChange>"#
                )]
            ),
        ));
        assert_eq!(texts(&grid), [row(&["甲", "乙"]), row(&["合", ""])]);
        assert_eq!(merges(&grid), [(1, 0, 1, 1)]);
    }

    #[test]
    fn gathering_borders() {
        let rows = |r: &[&[usize]]| r.iter().map(|r| r.to_vec()).collect::<Vec<_>>();
        // A header border at 1000 shared by rows 0–3; rows 4 and 5 have it at 800 and 1200.
        let (column, anchors) = gather(
            &[0, 800, 1000, 1200, 2000],
            &rows(&[
                &[0, 1, 2, 3, 4, 5],
                &[4],
                &[0, 1, 2, 3],
                &[5],
                &[0, 1, 2, 3, 4, 5],
            ]),
            6,
        );
        assert_eq!((column, anchors), (vec![0, 1, 1, 1, 2], vec![0, 1000, 2000]));
        // Two borders of one row stay apart, however near.
        let (column, _) = gather(&[0, 100, 1000], &rows(&[&[0, 1], &[0], &[0, 1]]), 2);
        assert_eq!(column, [0, 1, 2]);
        // Grid lines that no cell stands on gather with their neighbours like any other.
        let (column, _) = gather(&[0, 50, 1000], &rows(&[&[0], &[], &[0]]), 1);
        assert_eq!(column, [0, 0, 1]);
        assert_eq!(gather(&[], &[], 0), (vec![], vec![]));
    }

    #[test]
    fn hostile_tables_read_without_panicking() {
        let huge = u32::MAX.to_string();
        let late = format!(
            r#"<w:tr><w:trPr><w:gridBefore w:val="2"/><w:wBefore w:w="{huge}"/></w:trPr>{}</w:tr>"#,
            tc("庚", 1, &format!(r#"<w:tcW w:w="{huge}"/>"#))
        );
        // A grid column without a width, one of 0, one of u32::MAX; spans and starts beyond
        // everything; a table whose widths add up past u32::MAX; a row far right of a table
        // without a grid.
        let unknown = format!(
            r#"<w:tbl><w:tblGrid><w:gridCol w:w="{huge}"/><w:gridCol w:w="0"/><w:gridCol/></w:tblGrid>{}{}{}</w:tbl>"#,
            tr(u32::MAX, &[c("甲", u32::MAX)]),
            tr(0, &[c("乙", 0), c("丙", 99_999)]),
            "<w:tr><w:tc/></w:tr>",
        );
        let wide = tbl(
            &[u32::MAX, u32::MAX],
            &[tr(0, &[c("丁", 1), c("戊", 1), c("己", 3)])],
        );
        let grid = doc(&format!("{unknown}{wide}<w:tbl>{late}</w:tbl>"));
        assert!(grid.width() <= MAX_COLS);
        assert!(texts(&grid).concat().iter().any(|t| t == "庚"));
    }

    /// A grid as texts and sorted merges, to compare two readings.
    type Reading = (Vec<Vec<String>>, Vec<(u32, u32, u32, u32)>);

    fn reading(grid: &Grid) -> Reading {
        (texts(grid), merges(grid))
    }

    #[test]
    fn tables_whose_rows_share_their_borders_read_as_their_grid_positions() {
        // Grid columns wider than two tolerances cannot be one column: a table whose rows share
        // their borders reads exactly as its spans place the cells, whatever the spans, starts
        // and vertical merges.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n.max(1)
        };
        for _ in 0..200 {
            let columns = 1 + next(12) as usize;
            let widths: Vec<Option<u32>> = (0..columns)
                .map(|_| Some(2 * TOLERANCE as u32 + 1 + next(2_000) as u32))
                .collect();
            let rows: Vec<(u32, Vec<(u32, VMerge)>)> = (0..1 + next(10))
                .map(|_| {
                    let merge = |k: u64| [VMerge::None, VMerge::Restart, VMerge::Continue][k as usize];
                    let cells = (0..next(6))
                        .map(|_| (1 + next(3) as u32, merge(next(3))))
                        .collect();
                    (next(3) as u32, cells)
                })
                .collect();
            let table = |grid: Vec<Option<u32>>| Table {
                grid,
                rows: rows
                    .iter()
                    .map(|(before, cells)| Row {
                        before: *before,
                        w_before: None,
                        cells: cells
                            .iter()
                            .enumerate()
                            .map(|(k, &(span, merge))| WordCell {
                                span,
                                merge,
                                width: None,
                                text: format!("{k}"),
                            })
                            .collect(),
                    })
                    .collect(),
            };
            let measured = lay_out(&[Block::Table(table(widths.clone()))]);
            let by_position = lay_out(&[Block::Table(table(vec![None; columns]))]);
            assert_eq!(reading(&measured), reading(&by_position), "{widths:?}");
        }
    }

    #[test]
    fn random_tables_read_without_panicking() {
        // A small deterministic generator: spans, widths and starts of every kind.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n.max(1)
        };
        for _ in 0..300 {
            let grid: Vec<Option<u32>> = (0..next(12))
                .map(|_| match next(6) {
                    0 => None,
                    1 => Some(0),
                    2 => Some(u32::MAX),
                    _ => Some(next(2_000) as u32),
                })
                .collect();
            let rows = (0..next(8))
                .map(|_| Row {
                    before: next(4) as u32,
                    w_before: (next(2) == 0).then(|| next(3_000) as u32),
                    cells: (0..next(8))
                        .map(|k| WordCell {
                            span: 1 + next(4) as u32,
                            merge: [VMerge::None, VMerge::Restart, VMerge::Continue][next(3) as usize],
                            width: (next(4) > 0).then(|| next(3_000) as u32),
                            text: k.to_string(),
                        })
                        .collect(),
                })
                .collect();
            let blocks = [
                Block::Table(Table { grid, rows }),
                Block::Table(Table {
                    grid: vec![Some(next(3_000) as u32); next(5) as usize],
                    rows: vec![Row {
                        before: 0,
                        w_before: None,
                        cells: (0..3)
                            .map(|_| WordCell {
                                span: 1,
                                merge: VMerge::Continue,
                                width: None,
                                text: "x".into(),
                            })
                            .collect(),
                    }],
                }),
            ];
            let grid = lay_out(&blocks);
            for m in &grid.merges {
                assert!(m.left <= m.right && m.top <= m.bottom && m.right < MAX_COLS);
            }
        }
    }
}
