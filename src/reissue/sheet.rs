//! One worksheet part: find the cells to correct (and what formulas they hold), then write
//! them back changed, leaving every other byte of the part as it was.
//!
//! Why one file of ~770 lines (150 of them tests): finding the cells to correct and writing them
//! back share the part's scan (cell positions, shared formulas, styles), which splitting would have
//! to pass between files.

use std::collections::{BTreeMap, HashMap, HashSet};

use quick_xml::events::Event;
use rust_decimal::Decimal;

use super::ReissueError;
use super::formula;
use super::package::{Namespaces, STRICT, TRANSITIONAL};
use super::rich::{self, Run};
use super::xml::{self, Spanned, Splices, TextBuf};
use crate::formula::Input;
use crate::grid::Pos;

/// A formula on a cell, as found.
#[derive(Debug, Clone)]
pub struct Formula {
    /// The `<f>` element's bytes.
    pub span: (usize, usize),
    /// `shared`, `array`, `dataTable`, or `None` for a normal formula.
    pub kind: Option<String>,
    pub si: Option<String>,
    /// The first cell of a shared group: the one holding the group's text.
    pub master: bool,
    /// The formula text; for a member of a shared group, the group's text moved to this cell
    /// (`None` when it could not be moved).
    pub text: Option<String>,
}

impl Formula {
    pub fn is_shared_master(&self) -> bool {
        self.master
    }
}

/// A cell to correct as the part holds it.
#[derive(Debug, Clone)]
pub struct Found {
    pub span: (usize, usize),
    pub style: u32,
    pub formula: Option<Formula>,
    /// `ph`: show phonetic text; kept, as `r` and `s` are.
    pub phonetic: Option<String>,
    /// `cm`: cell metadata (a dynamic-array formula); kept while the formula is.
    pub metadata: Option<String>,
    /// For a shared string (`t="s"`): its index in the shared strings part.
    pub shared: Option<usize>,
    /// The runs of a rich text, in the cell or (filled in from the shared strings) shared.
    pub rich: Option<Vec<Run>>,
}

struct RowSpan {
    row: u32,
    /// The start tag, and the position of `</row>` (`None` for `<row/>`).
    start: (usize, usize),
    close: Option<usize>,
    /// Each cell's column and start.
    cells: Vec<(u32, usize)>,
}

/// What a pass over the part found.
pub struct Scan {
    /// The SpreadsheetML prefix the part uses, with colon (`x:`), or `""`.
    pub prefix: String,
    pub found: HashMap<Pos, Found>,
    /// Every cell's value as formulas see it (blank cells are absent).
    pub inputs: HashMap<Pos, Input>,
    /// Shared formula groups: the first cell and its text, by `si`.
    masters: HashMap<String, (Pos, String)>,
    /// Members of shared groups that only name their group: (si, cell, `<f>` span).
    members: Vec<(String, Pos, (usize, usize))>,
    rows: Vec<RowSpan>,
    /// `<sheetData>`: the close tag's start, or the span of `<sheetData/>`.
    sheet_data: Option<SheetData>,
    /// Top-level children of `<worksheet>`: local name and start.
    children: Vec<(String, usize)>,
    worksheet_close: Option<usize>,
    /// The relationship id of `<legacyDrawing>`, where notes are drawn.
    pub legacy_drawing: Option<String>,
    /// The prefix the root declares for relationship ids (`r:`).
    relationship_prefix: Option<String>,
}

#[derive(Clone, Copy)]
enum SheetData {
    Open { close: usize },
    Empty { span: (usize, usize) },
}

/// Read the part once, keeping what the edits of `wanted` cells need.
pub fn scan(bytes: &[u8], part: &str, wanted: &HashSet<Pos>) -> Result<Scan, ReissueError> {
    let mut scan = Scan {
        prefix: String::new(),
        found: HashMap::new(),
        inputs: HashMap::new(),
        masters: HashMap::new(),
        members: Vec::new(),
        rows: Vec::new(),
        sheet_data: None,
        children: Vec::new(),
        worksheet_close: None,
        legacy_drawing: None,
        relationship_prefix: None,
    };
    let mut depth = 0usize;
    let mut in_sheet_data = false;
    // Inside `<f>` or `<v>` of the current cell: where its text goes.
    let mut text_of: Option<&'static str> = None;
    // Implicit positions, for parts that leave `r` out.
    let mut next_row = 0u32;
    let mut next_col = 0u32;
    let mut cell: Option<CellBuild> = None;
    for spanned in xml::stream(bytes, part) {
        let Spanned { start, end, event } = spanned?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = xml::local(e);
                match (depth, name.as_str()) {
                    (0, _) => {
                        scan.relationship_prefix = xml::declared_prefix(e, TRANSITIONAL.relationships)
                            .or_else(|| xml::declared_prefix(e, STRICT.relationships));
                    }
                    (1, _) => {
                        scan.children.push((name.clone(), start));
                        if name == "sheetData" {
                            scan.prefix = xml::prefix(e);
                            if empty {
                                scan.sheet_data = Some(SheetData::Empty { span: (start, end) });
                            } else {
                                in_sheet_data = true;
                            }
                        } else if name == "legacyDrawing" {
                            scan.legacy_drawing = xml::prefixed_attr(e, "id");
                        }
                    }
                    (2, "row") if in_sheet_data => {
                        let row = xml::attr(e, "r")
                            .and_then(|r| r.parse::<u32>().ok())
                            .and_then(|r| r.checked_sub(1))
                            .unwrap_or(next_row);
                        next_row = row.saturating_add(1);
                        next_col = 0;
                        scan.rows.push(RowSpan {
                            row,
                            start: (start, end),
                            close: None,
                            cells: Vec::new(),
                        });
                    }
                    (3, "c") if in_sheet_data => {
                        let row = scan.rows.last().map_or(next_row, |r| r.row);
                        let pos = xml::attr(e, "r")
                            .and_then(|r| Pos::parse_a1(&r))
                            .unwrap_or(Pos::new(row, next_col));
                        next_col = pos.col.saturating_add(1);
                        if let Some(r) = scan.rows.last_mut() {
                            r.cells.push((pos.col, start));
                        }
                        let build = CellBuild {
                            wanted: wanted.contains(&pos),
                            pos,
                            start,
                            style: xml::attr(e, "s").and_then(|s| s.parse().ok()).unwrap_or(0),
                            kind: xml::attr(e, "t"),
                            phonetic: xml::attr(e, "ph"),
                            metadata: xml::attr(e, "cm"),
                            formula: None,
                            value: TextBuf::default(),
                            inline: false,
                            has_value: false,
                            rich: None,
                            runs: None,
                        };
                        if empty {
                            build.finish(&mut scan, (start, end), wanted);
                        } else {
                            cell = Some(build);
                        }
                    }
                    (4, "f") => {
                        if !empty {
                            text_of = Some("f");
                        }
                        if let Some(c) = cell.as_mut() {
                            c.formula = Some((
                                Formula {
                                    span: (start, end),
                                    kind: xml::attr(e, "t"),
                                    si: xml::attr(e, "si"),
                                    master: false,
                                    text: None,
                                },
                                TextBuf::default(),
                            ));
                        }
                    }
                    (4, "v") => {
                        if !empty {
                            text_of = Some("v");
                        }
                        if let Some(c) = cell.as_mut() {
                            c.has_value = true;
                        }
                    }
                    (4, "is") => {
                        if let Some(c) = cell.as_mut() {
                            c.inline = true;
                            // The runs of a cell to correct, to keep them.
                            if c.wanted && !empty {
                                c.rich = Some(rich::Reader::new(&xml::prefix(e), &scan.prefix));
                            }
                        }
                    }
                    (5.., _) => {
                        if let Some(r) = cell.as_mut().and_then(|c| c.rich.as_mut()) {
                            r.feed(depth - 4, &event);
                        }
                    }
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name().as_ref().to_string();
                match (depth, name.as_str()) {
                    (0, _) => scan.worksheet_close = Some(start),
                    (1, "sheetData") => {
                        in_sheet_data = false;
                        scan.sheet_data = Some(SheetData::Open { close: start });
                    }
                    (2, "row") => {
                        if let Some(r) = scan.rows.last_mut() {
                            r.close = Some(start);
                        }
                    }
                    (3, "c") => {
                        if let Some(c) = cell.take() {
                            let span = (c.start, end);
                            c.finish(&mut scan, span, wanted);
                        }
                    }
                    (4, "f") => {
                        text_of = None;
                        if let Some((f, _)) = cell.as_mut().and_then(|c| c.formula.as_mut()) {
                            f.span.1 = end;
                        }
                    }
                    (4, "v") => text_of = None,
                    (4, "is") => {
                        if let Some(c) = cell.as_mut()
                            && let Some(r) = c.rich.take()
                        {
                            c.runs = r.finish();
                        }
                    }
                    (5.., _) => {
                        if let Some(r) = cell.as_mut().and_then(|c| c.rich.as_mut()) {
                            r.feed(depth - 4, &event);
                        }
                    }
                    _ => {}
                }
            }
            other if cell.as_ref().is_some_and(|c| c.rich.is_some()) => {
                if let Some(r) = cell.as_mut().and_then(|c| c.rich.as_mut()) {
                    r.feed(0, other);
                }
            }
            other => match (text_of, cell.as_mut()) {
                (Some("f"), Some(c)) => {
                    if let Some((_, text)) = c.formula.as_mut() {
                        text.take(other);
                    }
                }
                (Some(_), Some(c)) => {
                    c.value.take(other);
                }
                _ => {}
            },
        }
    }
    scan.resolve_shared(wanted);
    Ok(scan)
}

struct CellBuild {
    /// One of the cells to correct.
    wanted: bool,
    pos: Pos,
    start: usize,
    style: u32,
    kind: Option<String>,
    phonetic: Option<String>,
    metadata: Option<String>,
    formula: Option<(Formula, TextBuf)>,
    value: TextBuf,
    inline: bool,
    has_value: bool,
    /// Reading the runs of `<is>` (a wanted cell only), then what it read.
    rich: Option<rich::Reader>,
    runs: Option<Vec<Run>>,
}

impl CellBuild {
    fn finish(self, scan: &mut Scan, span: (usize, usize), wanted: &HashSet<Pos>) {
        let has_value = self.has_value && !self.value.0.trim().is_empty();
        let input = match self.kind.as_deref() {
            _ if self.inline => Input::Other,
            Some("s" | "str" | "inlineStr" | "b" | "e" | "d") if has_value => Input::Other,
            _ if has_value => (self.value.0.trim().parse::<f64>().ok())
                .and_then(crate::num::from_f64)
                .map_or(Input::Other, Input::Number),
            _ => Input::Empty,
        };
        if input != Input::Empty {
            scan.inputs.insert(self.pos, input);
        }
        let formula = self.formula.map(|(mut f, text)| {
            let text = text.0;
            if !text.is_empty() {
                f.text = Some(text.clone());
            }
            match (&f.kind, &f.si) {
                (Some(k), Some(si)) if k == "shared" && !text.is_empty() => {
                    f.master = true;
                    scan.masters.insert(si.clone(), (self.pos, text));
                }
                (Some(k), Some(si)) if k == "shared" => {
                    scan.members.push((si.clone(), self.pos, f.span));
                }
                _ => {}
            }
            f
        });
        if wanted.contains(&self.pos) {
            let shared = match self.kind.as_deref() {
                Some("s") => self.value.0.trim().parse().ok(),
                _ => None,
            };
            scan.found.insert(
                self.pos,
                Found {
                    span,
                    style: self.style,
                    formula,
                    phonetic: self.phonetic,
                    metadata: self.metadata,
                    shared,
                    rich: self.runs,
                },
            );
        }
    }
}

impl Scan {
    /// Give the wanted members of shared groups their group's text, moved to their cell.
    fn resolve_shared(&mut self, wanted: &HashSet<Pos>) {
        for (si, pos, _) in &self.members {
            if !wanted.contains(pos) {
                continue;
            }
            let Some((master, text)) = self.masters.get(si) else {
                continue;
            };
            let moved = formula::shift(
                text,
                i64::from(pos.row) - i64::from(master.row),
                i64::from(pos.col) - i64::from(master.col),
            );
            if let Some(f) = self.found.get_mut(pos).and_then(|c| c.formula.as_mut()) {
                f.text = moved;
            }
        }
    }

    /// The value a formula sees in a cell once `corrected` cells hold their new figures.
    pub fn input(&self, pos: Pos, corrected: &HashMap<Pos, Decimal>) -> Input {
        match corrected.get(&pos) {
            Some(d) => Input::Number(*d),
            None => self.inputs.get(&pos).cloned().unwrap_or(Input::Empty),
        }
    }
}

/// What one corrected cell becomes.
#[derive(Debug, Clone)]
pub struct Write {
    pub pos: Pos,
    pub style: u32,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// A number; the formula is dropped.
    Number(Decimal),
    /// Text, as an inline string; the formula is dropped.
    Text(String),
    /// Text in runs of their own formatting (a rich text corrected), as an inline string.
    Rich(Vec<Run>),
    /// The cell's formula stays; its cached result becomes this.
    Recalculated(Decimal),
}

/// The part with `writes` made. `legacy_drawing`: a relationship id to add as the sheet's
/// `<legacyDrawing>` (for new notes), in the package's namespaces `ns`.
pub fn rewrite(
    bytes: &[u8],
    part: &str,
    scan: &Scan,
    writes: &[Write],
    legacy_drawing: Option<&str>,
    ns: &Namespaces,
) -> Result<Vec<u8>, ReissueError> {
    let p = &scan.prefix;
    let mut splices = Splices::default();
    // Shared groups whose first cell loses its formula: every other member gets the group's
    // text written out, moved to its own cell.
    let dropped: HashSet<&str> = writes
        .iter()
        .filter(|w| !matches!(w.content, Content::Recalculated(_)))
        .filter_map(|w| scan.found.get(&w.pos)?.formula.as_ref())
        .filter(|f| f.is_shared_master())
        .filter_map(|f| f.si.as_deref())
        .collect();
    let written: HashSet<Pos> = writes.iter().map(|w| w.pos).collect();
    for (si, pos, span) in &scan.members {
        if !dropped.contains(si.as_str()) || written.contains(pos) {
            continue;
        }
        let (master, text) = scan.masters.get(si).ok_or_else(|| {
            ReissueError::cell(part, *pos, format!("所属的第 {si} 号共享公式找不到首个单元格"))
        })?;
        let moved = formula::shift(
            text,
            i64::from(pos.row) - i64::from(master.row),
            i64::from(pos.col) - i64::from(master.col),
        )
        .ok_or_else(|| ReissueError::cell(part, *pos, format!("第 {si} 号共享公式无法移到此单元格")))?;
        splices.replace(span.0, span.1, format!("<{p}f>{}</{p}f>", xml::escape(&moved)));
    }
    let mut new_cells: BTreeMap<Pos, String> = BTreeMap::new();
    for w in writes {
        let found = scan.found.get(&w.pos);
        let formula = match (&w.content, found.and_then(|c| c.formula.as_ref())) {
            (Content::Recalculated(_), Some(f)) => {
                let master_gone = f.kind.as_deref() == Some("shared")
                    && !f.is_shared_master()
                    && f.si.as_deref().is_some_and(|si| dropped.contains(si));
                if master_gone {
                    let text = f
                        .text
                        .as_deref()
                        .ok_or_else(|| ReissueError::cell(part, w.pos, "共享公式无法移到此单元格"))?;
                    format!("<{p}f>{}</{p}f>", xml::escape(text))
                } else {
                    String::from_utf8_lossy(&bytes[f.span.0..f.span.1]).into_owned()
                }
            }
            (Content::Recalculated(_), None) => {
                return Err(ReissueError::cell(part, w.pos, "没有可保留的公式"));
            }
            _ => String::new(),
        };
        let phonetic = found
            .and_then(|c| c.phonetic.as_deref())
            .map(|ph| format!(" ph=\"{}\"", xml::escape(ph)))
            .unwrap_or_default();
        let metadata = match (&w.content, found.and_then(|c| c.metadata.as_deref())) {
            (Content::Recalculated(_), Some(cm)) => format!(" cm=\"{}\"", xml::escape(cm)),
            _ => String::new(),
        };
        let head = format!("<{p}c r=\"{}\" s=\"{}\"{phonetic}{metadata}", w.pos, w.style);
        let cell = match &w.content {
            Content::Number(d) | Content::Recalculated(d) => {
                format!(
                    "{head}>{formula}<{p}v>{}</{p}v></{p}c>",
                    crate::num::fmt_plain(*d)
                )
            }
            Content::Text(s) => format!(
                "{head} t=\"inlineStr\"><{p}is><{p}t xml:space=\"preserve\">{}</{p}t></{p}is></{p}c>",
                xml::escape(s)
            ),
            Content::Rich(runs) => {
                let runs: String = runs
                    .iter()
                    .map(|r| {
                        format!(
                            "<{p}r>{}<{p}t xml:space=\"preserve\">{}</{p}t></{p}r>",
                            r.props.as_deref().unwrap_or(""),
                            xml::escape(&r.text)
                        )
                    })
                    .collect();
                format!("{head} t=\"inlineStr\"><{p}is>{runs}</{p}is></{p}c>")
            }
        };
        match found {
            Some(c) => splices.replace(c.span.0, c.span.1, cell),
            None => {
                new_cells.insert(w.pos, cell);
            }
        }
    }
    insert_cells(bytes, scan, part, &new_cells, &mut splices)?;
    if let Some(id) = legacy_drawing {
        let (r, declare) = match &scan.relationship_prefix {
            Some(r) => (r.clone(), String::new()),
            None => ("r:".to_string(), format!(" xmlns:r=\"{}\"", ns.relationships)),
        };
        // The schema's order: `legacyDrawing` comes before these (and before a compatibility
        // block, which Excel writes around `controls` and `oleObjects`).
        const AFTER: [&str; 9] = [
            "AlternateContent",
            "legacyDrawingHF",
            "drawingHF",
            "picture",
            "oleObjects",
            "controls",
            "webPublishItems",
            "tableParts",
            "extLst",
        ];
        let at = scan
            .children
            .iter()
            .find(|(name, _)| AFTER.contains(&name.as_str()))
            .map(|(_, at)| *at)
            .or(scan.worksheet_close)
            .ok_or_else(|| ReissueError::layout(part, "缺少 </worksheet>"))?;
        splices.insert(at, format!("<{p}legacyDrawing{declare} {r}id=\"{id}\"/>"));
    }
    splices.apply(bytes, part)
}

/// Cells the part does not have yet, put in place: in their row in column order, or in a new
/// row in row order.
fn insert_cells(
    bytes: &[u8],
    scan: &Scan,
    part: &str,
    cells: &BTreeMap<Pos, String>,
    splices: &mut Splices,
) -> Result<(), ReissueError> {
    if cells.is_empty() {
        return Ok(());
    }
    let p = &scan.prefix;
    let mut by_row: BTreeMap<u32, Vec<(u32, &String)>> = BTreeMap::new();
    for (pos, xml) in cells {
        by_row.entry(pos.row).or_default().push((pos.col, xml));
    }
    let mut new_rows: BTreeMap<usize, String> = BTreeMap::new();
    for (row, cells) in by_row {
        match scan.rows.iter().find(|r| r.row == row) {
            Some(existing) => match existing.close {
                Some(close) => {
                    for (col, xml) in cells {
                        let at = existing
                            .cells
                            .iter()
                            .find(|(c, _)| *c > col)
                            .map_or(close, |(_, at)| *at);
                        splices.insert(at, xml.clone());
                    }
                }
                None => {
                    // `<row r="5" …/>`: open it, keeping its attributes.
                    let (start, end) = existing.start;
                    let tag = String::from_utf8_lossy(&bytes[start..end]);
                    let open = tag.trim_end_matches('>').trim_end().trim_end_matches('/');
                    let all: String = cells.iter().map(|(_, x)| x.as_str()).collect();
                    splices.replace(start, end, format!("{open}>{all}</{p}row>"));
                }
            },
            None => {
                let at = match scan.rows.iter().find(|r| r.row > row) {
                    Some(next) => next.start.0,
                    None => match scan.sheet_data {
                        Some(SheetData::Open { close, .. }) => close,
                        Some(SheetData::Empty { .. }) => 0,
                        None => return Err(ReissueError::layout(part, "缺少 <sheetData>")),
                    },
                };
                let all: String = cells.iter().map(|(_, x)| x.as_str()).collect();
                new_rows
                    .entry(at)
                    .or_default()
                    .push_str(&format!("<{p}row r=\"{}\">{all}</{p}row>", row + 1));
            }
        }
    }
    if let Some(SheetData::Empty { span }) = scan.sheet_data {
        let rows: String = new_rows.into_values().collect();
        splices.replace(span.0, span.1, format!("<{p}sheetData>{rows}</{p}sheetData>"));
    } else {
        for (at, rows) in new_rows {
            splices.insert(at, rows);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn pos(a1: &str) -> Pos {
        Pos::parse_a1(a1).unwrap()
    }

    fn edit(xml: &str, writes: &[(&str, Content)], legacy: Option<&str>) -> String {
        let wanted: HashSet<Pos> = writes.iter().map(|(a, _)| pos(a)).collect();
        let scan = scan(xml.as_bytes(), "sheet", &wanted).unwrap();
        let writes: Vec<Write> = writes
            .iter()
            .map(|(a, c)| Write {
                pos: pos(a),
                style: 9,
                content: c.clone(),
            })
            .collect();
        String::from_utf8(rewrite(xml.as_bytes(), "sheet", &scan, &writes, legacy, &TRANSITIONAL).unwrap())
            .unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const HEAD: &str = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#;

    #[test]
    fn replaces_values_and_keeps_every_other_byte() {
        let xml = format!(
            r#"{HEAD}<sheetData><row r="7" spans="1:9"><c r="G7" s="3"><v>10</v></c><c r="H7" s="4" t="s"><v>12</v></c><c r="I7" s="5"><f>H7*G7</f><v>9</v></c></row></sheetData><pageMargins left="0.7"/></worksheet>"#
        );
        let out = edit(
            &xml,
            &[
                ("H7", Content::Number(d("0.9844"))),
                ("I7", Content::Recalculated(d("9.844"))),
            ],
            Some("rId9"),
        );
        assert_eq!(
            out,
            format!(
                r#"{HEAD}<sheetData><row r="7" spans="1:9"><c r="G7" s="3"><v>10</v></c><c r="H7" s="9"><v>0.9844</v></c><c r="I7" s="9"><f>H7*G7</f><v>9.844</v></c></row></sheetData><pageMargins left="0.7"/><legacyDrawing r:id="rId9"/></worksheet>"#
            )
        );
    }

    #[test]
    fn reads_implicit_positions_and_formula_inputs() {
        // No `r` on rows or cells: positions follow from order.
        let xml = format!(
            r#"{HEAD}<sheetData><row><c><v>1</v></c><c><v>2.5</v></c></row><row><c t="s"><v>0</v></c><c><f>A1+B1</f><v>3</v></c></row></sheetData></worksheet>"#
        );
        let scan = scan(xml.as_bytes(), "sheet", &[pos("B2")].into()).unwrap();
        assert_eq!(scan.inputs[&pos("B1")], Input::Number(d("2.5")));
        assert_eq!(scan.inputs[&pos("A2")], Input::Other);
        let f = scan.found[&pos("B2")].formula.as_ref().unwrap();
        assert_eq!(f.text.as_deref(), Some("A1+B1"));
        let out = edit(&xml, &[("B2", Content::Text("优".into()))], None);
        assert!(
            out.contains(
                r#"<c r="B2" s="9" t="inlineStr"><is><t xml:space="preserve">优</t></is></c></row>"#
            ),
            "{out}"
        );
    }

    #[test]
    fn dropping_a_shared_formulas_first_cell_writes_out_the_others() {
        let xml = format!(
            r#"{HEAD}<sheetData><row r="16"><c r="H16"><f t="shared" ref="H16:H18" si="0">G16*2</f><v>8</v></c></row><row r="17"><c r="H17"><f t="shared" si="0"/><v>6</v></c></row><row r="18"><c r="H18"><f t="shared" si="0"/><v>4</v></c></row></sheetData></worksheet>"#
        );
        let out = edit(
            &xml,
            &[
                ("H16", Content::Number(d("5"))),
                ("H18", Content::Recalculated(d("4"))),
            ],
            None,
        );
        assert!(out.contains(r#"<c r="H16" s="9"><v>5</v></c>"#), "{out}");
        assert!(out.contains(r#"<c r="H17"><f>G17*2</f><v>6</v></c>"#), "{out}");
        assert!(
            out.contains(r#"<c r="H18" s="9"><f>G18*2</f><v>4</v></c>"#),
            "{out}"
        );
        // Kept when the first cell keeps its formula.
        let out = edit(&xml, &[("H17", Content::Number(d("5")))], None);
        assert!(out.contains(r#"<f t="shared" ref="H16:H18" si="0">G16*2</f>"#));
        assert!(out.contains(r#"<c r="H18"><f t="shared" si="0"/><v>4</v></c>"#));
    }

    #[test]
    fn missing_cells_and_rows_are_put_in_order() {
        let xml = format!(
            r#"{HEAD}<sheetData><row r="2"><c r="A2"><v>1</v></c><c r="D2"><v>4</v></c></row><row r="4" ht="20" customHeight="1"/><row r="9"><c r="A9"><v>1</v></c></row></sheetData></worksheet>"#
        );
        let out = edit(
            &xml,
            &[
                ("B2", Content::Number(d("2"))),
                ("E2", Content::Number(d("5"))),
                ("C4", Content::Number(d("3"))),
                ("A6", Content::Number(d("6"))),
                ("A12", Content::Number(d("12"))),
            ],
            None,
        );
        assert!(out.contains(r#"<c r="A2"><v>1</v></c><c r="B2" s="9"><v>2</v></c><c r="D2"><v>4</v></c><c r="E2" s="9"><v>5</v></c></row>"#), "{out}");
        assert!(out.contains(r#"<row r="4" ht="20" customHeight="1"><c r="C4" s="9"><v>3</v></c></row><row r="6"><c r="A6" s="9"><v>6</v></c></row><row r="9">"#), "{out}");
        assert!(
            out.contains(r#"<row r="12"><c r="A12" s="9"><v>12</v></c></row></sheetData>"#),
            "{out}"
        );
        let empty = format!(r#"{HEAD}<sheetData/></worksheet>"#);
        let out = edit(&empty, &[("A1", Content::Number(d("1")))], None);
        assert!(
            out.contains(r#"<sheetData><row r="1"><c r="A1" s="9"><v>1</v></c></row></sheetData>"#),
            "{out}"
        );
    }

    #[test]
    fn notes_go_before_a_compatibility_block() {
        let xml = format!(
            r#"{HEAD}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><pageMargins left="0.7"/><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="x14"><controls/></mc:Choice></mc:AlternateContent></worksheet>"#
        );
        let out = edit(&xml, &[("A1", Content::Number(d("2")))], Some("rId2"));
        assert!(
            out.contains(r#"<pageMargins left="0.7"/><legacyDrawing r:id="rId2"/><mc:AlternateContent"#),
            "{out}"
        );
    }

    #[test]
    fn prefixed_parts_get_prefixed_elements() {
        let xml = r#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData><x:tableParts count="0"/></x:worksheet>"#;
        let out = edit(
            xml,
            &[("A1", Content::Number(d("2"))), ("B1", Content::Number(d("3")))],
            Some("rId3"),
        );
        assert!(
            out.contains(
                r#"<x:c r="A1" s="9"><x:v>2</x:v></x:c><x:c r="B1" s="9"><x:v>3</x:v></x:c></x:row>"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"<x:legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId3"/><x:tableParts"#), "{out}");
    }
}
