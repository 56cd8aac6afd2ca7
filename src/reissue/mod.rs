//! Reissue the unit's own workbook: a copy of the input .xlsx/.xlsm in which only the cells
//! `fix` corrected change — new value, the highlight fill added to the cell's own style, a note
//! with the original value and the rule. Every other zip entry is copied byte for byte
//! (docs/reissue.md gives the choice of mechanism and its measurements).
//!
//! The steps, each in its module:
//! 1. `package`: find the workbook part, its sheets, styles and calculation chain.
//! 2. `sheet`: scan each edited sheet for the corrected cells, their styles and formulas
//!    (a shared formula's text moved to its cell by `formula`).
//! 3. `styles`: add a highlighted copy of each style those cells use.
//! 4. Plan each cell's new content in the cell's own convention (a percent-formatted rate
//!    stays a fraction, text stays text); a formula is kept when, evaluated over the corrected
//!    figures ([`crate::formula`]), it gives ours — otherwise our figure replaces it and the note keeps
//!    the formula.
//!    A corrected rich text keeps its runs (`rich`: in the cell or in the shared strings).
//! 5. `notes`: the notes, in the sheet's comments part and VML drawing.
//! 6. Drop replaced formulas from the calculation chain, ask for a full recalculation on load
//!    (the unit's other formulas may read the corrected cells), write the package.
//!
//! What could not be edited is a [`ReissueError`] (`error`), said in Chinese with the part and
//! cell at fault: the caller shows it in the note of a file given the standard template.

mod error;
mod formula;
mod notes;
mod package;
mod rich;
mod sheet;
mod styles;
mod xml;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use quick_xml::events::Event;
use rust_decimal::Decimal;

use crate::codes::Code;
use crate::form::{Change, Form};
use crate::grid::{Pos, Value};
use crate::num;
pub use error::ReissueError;
use package::{Package, Rel};
use sheet::{Content, Write};

/// One corrected cell: where, what the form's reading gave and what `fix` gives.
#[derive(Debug, Clone)]
pub struct Correction {
    pub sheet: String,
    pub pos: Pos,
    /// What the cell held, as read.
    pub original: Value,
    /// The corrected value: a number (in percent points for a rate) or text.
    pub value: Value,
    /// The field is a rate: a percent-formatted cell stores the fraction.
    pub rate: bool,
    /// The rule that corrected it.
    pub code: Code,
    /// The note's text (for a rate, made again once the cell's number format is known).
    pub note: String,
}

/// The corrections `fix` made on a corrected form, with their notes.
pub fn corrections(form: &Form) -> Vec<Correction> {
    form.fixable()
        .into_iter()
        .filter_map(|(field, rate)| {
            let change = field.change.as_ref()?;
            Some(Correction {
                sheet: form.sheet.clone(),
                pos: field.pos?,
                original: change.original.clone(),
                value: field.value.clone(),
                rate,
                code: change.code,
                note: if rate {
                    change.rate_note(&field.value, change.percent)
                } else {
                    change.note(&field.value)
                },
            })
        })
        .collect()
}

/// The input workbook with `corrections` made. An error says, in Chinese, what in the package
/// could not be edited; the caller then writes the standard template instead.
pub fn reissue(bytes: &[u8], corrections: &[Correction]) -> Result<Vec<u8>, ReissueError> {
    let mut pkg = Package::open(bytes)?;
    if corrections.is_empty() {
        return Ok(bytes.to_vec());
    }
    let root = pkg
        .rels("")?
        .into_iter()
        .find(|r| r.kind.ends_with(package::REL_OFFICE_DOCUMENT))
        .ok_or(ReissueError::NoPart { what: "工作簿" })?;
    if root.kind.starts_with("http://purl.oclc.org/") {
        pkg.ns = &package::STRICT;
    }
    let workbook = root.part;
    let book_rels = pkg.rels(&workbook)?;
    let sheets = sheets(&mut pkg, &workbook, &book_rels)?;
    let mut by_sheet: BTreeMap<&str, Vec<&Correction>> = BTreeMap::new();
    for c in corrections {
        by_sheet.entry(c.sheet.as_str()).or_default().push(c);
    }
    // Scan every edited sheet first: the styles part is edited once for all of them.
    let mut scans = Vec::new();
    for (name, cs) in &by_sheet {
        let (sheet_id, part) = sheets
            .get(*name)
            .ok_or_else(|| ReissueError::NoSheet {
                sheet: name.to_string(),
            })?
            .clone();
        let bytes = pkg.read(&part)?.ok_or_else(|| ReissueError::missing(&part))?;
        let wanted: HashSet<Pos> = cs.iter().map(|c| c.pos).collect();
        let mut scan = sheet::scan(&bytes, &part, &wanted)?;
        shared_runs(&mut pkg, &book_rels, &mut scan);
        scans.push((sheet_id, part, bytes, scan, cs));
    }
    let used: BTreeSet<u32> = scans
        .iter()
        .flat_map(|(_, _, _, scan, cs)| cs.iter().map(|c| scan.found.get(&c.pos).map_or(0, |f| f.style)))
        .collect();
    let styles_part = book_rels
        .iter()
        .find(|r| r.kind.ends_with(package::REL_STYLES))
        .map(|r| r.part.clone())
        .ok_or(ReissueError::NoPart { what: "样式表" })?;
    let styles_bytes = pkg
        .read(&styles_part)?
        .ok_or_else(|| ReissueError::missing(&styles_part))?;
    let highlighted = styles::highlight(&styles_bytes, &styles_part, &used)?;
    pkg.put(&styles_part, highlighted.bytes);
    let mut dropped_formulas: Vec<(String, Pos)> = Vec::new();
    for (sheet_id, part, bytes, scan, cs) in &scans {
        let (writes, texts): (Vec<Write>, Vec<String>) =
            plan(scan, cs, &highlighted.styles, &highlighted.percent)
                .into_iter()
                .unzip();
        for w in &writes {
            let had_formula = scan.found.get(&w.pos).is_some_and(|f| f.formula.is_some());
            if had_formula && !matches!(w.content, Content::Recalculated(_)) {
                dropped_formulas.push((sheet_id.clone(), w.pos));
            }
        }
        let notes: Vec<notes::Note> = writes
            .iter()
            .zip(texts)
            .map(|(w, text)| notes::Note { pos: w.pos, text })
            .collect();
        let legacy = add_notes(&mut pkg, part, scan.legacy_drawing.as_deref(), &notes)?;
        let out = sheet::rewrite(bytes, part, scan, &writes, legacy.as_deref(), pkg.ns)?;
        pkg.put(part, out);
    }
    if let Some(chain) = book_rels
        .iter()
        .find(|r| r.kind.ends_with(package::REL_CALC_CHAIN))
    {
        drop_from_chain(&mut pkg, &workbook, chain, &dropped_formulas)?;
    }
    recalculate_on_load(&mut pkg, &workbook)?;
    pkg.write()
}

/// The runs of the shared strings the scanned cells hold, put on those cells (`Found::rich`),
/// written with the sheet's prefix. A shared strings part that cannot be read leaves the cells
/// without runs: they are written as plain text, as before.
fn shared_runs(pkg: &mut Package, book_rels: &[Rel], scan: &mut sheet::Scan) {
    let wanted: BTreeSet<usize> = scan.found.values().filter_map(|f| f.shared).collect();
    let Some(&last) = wanted.last() else {
        return;
    };
    let Some(part) = book_rels
        .iter()
        .find(|r| r.kind.ends_with(package::REL_SHARED_STRINGS))
        .map(|r| r.part.clone())
    else {
        return;
    };
    let Ok(Some(bytes)) = pkg.read(&part) else {
        return;
    };
    let mut runs: HashMap<usize, Vec<rich::Run>> = HashMap::new();
    let mut depth = 0usize;
    let mut index = 0usize;
    let mut reading: Option<(usize, rich::Reader)> = None;
    for s in xml::stream(&bytes, &part) {
        let Ok(s) = s else {
            return;
        };
        match &s.event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(s.event, Event::Empty(_));
                if depth == 1 && xml::local(e) == "si" {
                    if !empty && wanted.contains(&index) {
                        reading = Some((index, rich::Reader::new(&xml::prefix(e), &scan.prefix)));
                    }
                    index += 1;
                } else if depth >= 2
                    && let Some((_, r)) = reading.as_mut()
                {
                    r.feed(depth - 1, &s.event);
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    if let Some((i, r)) = reading.take()
                        && let Some(found) = r.finish()
                    {
                        runs.insert(i, found);
                    }
                    if index > last {
                        break;
                    }
                } else if depth >= 2
                    && let Some((_, r)) = reading.as_mut()
                {
                    r.feed(depth - 1, &s.event);
                }
            }
            other => {
                if let Some((_, r)) = reading.as_mut() {
                    r.feed(0, other);
                }
            }
        }
    }
    for found in scan.found.values_mut() {
        if let Some(r) = found.shared.and_then(|i| runs.remove(&i)) {
            found.rich = Some(r);
        }
    }
}

/// Sheet name → (sheetId, part name).
fn sheets(
    pkg: &mut Package,
    workbook: &str,
    rels: &[Rel],
) -> Result<HashMap<String, (String, String)>, ReissueError> {
    let bytes = pkg
        .read(workbook)?
        .ok_or_else(|| ReissueError::missing(workbook))?;
    let mut out = HashMap::new();
    for s in xml::events(&bytes, workbook)? {
        if let Event::Empty(e) | Event::Start(e) = &s.event
            && xml::local(e) == "sheet"
        {
            let (Some(name), Some(id)) = (xml::attr(e, "name"), xml::prefixed_attr(e, "id")) else {
                continue;
            };
            if let Some(rel) = rels
                .iter()
                .find(|r| r.id == id && r.kind.ends_with(package::REL_WORKSHEET))
            {
                out.insert(
                    name,
                    (xml::attr(e, "sheetId").unwrap_or_default(), rel.part.clone()),
                );
            }
        }
    }
    Ok(out)
}

/// Each correction's new content, in the cell's own convention.
fn plan(
    scan: &sheet::Scan,
    corrections: &[&Correction],
    styles: &HashMap<u32, u32>,
    percent: &HashMap<u32, bool>,
) -> Vec<(Write, String)> {
    let style_of = |pos: &Pos| scan.found.get(pos).map_or(0, |f| f.style);
    let stored: Vec<Content> = corrections
        .iter()
        .map(|c| stored(c, percent.get(&style_of(&c.pos)).copied().unwrap_or(false)))
        .collect();
    // The figures formulas see once every correction is made.
    let numbers: HashMap<Pos, Decimal> = corrections
        .iter()
        .zip(&stored)
        .filter_map(|(c, s)| match s {
            Content::Number(d) => Some((c.pos, *d)),
            _ => None,
        })
        .collect();
    corrections
        .iter()
        .zip(stored)
        .map(|(c, content)| {
            let style = style_of(&c.pos);
            // A rate's note in percent, the stored fraction beside it in a percent-formatted cell.
            let percent_cell = percent.get(&style).copied().unwrap_or(false);
            let base_note = if c.rate {
                Change {
                    original: c.original.clone(),
                    code: c.code,
                    percent: percent_cell,
                }
                .rate_note(&c.value, percent_cell)
            } else {
                c.note.clone()
            };
            let formula = scan
                .found
                .get(&c.pos)
                .and_then(|f| f.formula.as_ref())
                .map(|f| f.text.as_deref().unwrap_or(""));
            let (content, note) = match (content, formula) {
                (content, None) => (content, base_note),
                (Content::Number(ours), Some(text)) => {
                    // A rate stored as a fraction: the formula's result is said in percent, as
                    // the note's values are.
                    let as_percent = c.rate && percent_cell;
                    let said = |r: Decimal| match r.checked_mul(Decimal::ONE_HUNDRED) {
                        Some(points) if as_percent => format!("{}%", num::fmt_plain(points.round_dp(2))),
                        _ => num::fmt_plain(r.round_dp(4)),
                    };
                    let result =
                        crate::formula::evaluate(text, &|row, col| scan.input(Pos::new(row, col), &numbers));
                    match result {
                        Some(r) if same_figure(r, ours) => (
                            Content::Recalculated(r),
                            format!("{}\n本表公式 ={text} 按更正后的数值重新计算，公式保留", base_note),
                        ),
                        Some(r) => (
                            Content::Number(ours),
                            format!(
                                "{}\n原公式：={text}，算得 {}，与核定值不符，已改为核定值",
                                base_note,
                                said(r)
                            ),
                        ),
                        None => (
                            Content::Number(ours),
                            format!("{}\n原公式：={text}（无法核验其结果，已改为核定值）", base_note),
                        ),
                    }
                }
                (content, Some(text)) => (content, format!("{}\n原公式：={text}，已改为核定内容", base_note)),
            };
            // A rich text keeps its runs where it can, else takes its first run's formatting.
            let runs = scan.found.get(&c.pos).and_then(|f| f.rich.as_ref());
            let (content, note) = match (content, runs) {
                (Content::Text(text), Some(runs)) => {
                    let (runs, kept) = rich::respan(runs, &text);
                    let note = if kept {
                        note
                    } else {
                        format!(
                            "{note}\n原单元格的文字分几段设置了不同格式，更正后的文字统一采用第一段的格式"
                        )
                    };
                    (Content::Rich(runs), note)
                }
                (content, _) => (content, note),
            };
            let write = Write {
                pos: c.pos,
                style: styles.get(&style).copied().unwrap_or(style),
                content,
            };
            (write, note)
        })
        .collect()
}

/// A formula's result agrees with our figure as the rulebook compares them (to the cent; a
/// fraction against its percent-point figure to the hundredth of a percent).
fn same_figure(result: Decimal, ours: Decimal) -> bool {
    let digits = ours.scale().max(2);
    let round =
        |d: Decimal| d.round_dp_with_strategy(digits, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    round(result) == round(ours)
}

/// What the cell stores: a rate in a percent-formatted cell as its fraction, text as text in
/// the way it was written, numbers as numbers.
fn stored(c: &Correction, percent_format: bool) -> Content {
    let figure = match &c.value {
        Value::Number(d) => *d,
        other => return Content::Text(other.text()),
    };
    let was_text = match &c.original {
        Value::Text(t) => Some(t.trim()),
        _ => None,
    };
    if c.rate && percent_format {
        return Content::Number(figure / Decimal::ONE_HUNDRED);
    }
    match was_text {
        Some(t) if c.rate && t.ends_with(['%', '％']) => {
            Content::Text(format!("{}%", num::fmt_plain(figure)))
        }
        Some(t) if !t.is_empty() && num::parse_number(t).is_some() => Content::Text(if t.contains(',') {
            num::fmt_amount(figure)
        } else {
            num::fmt_plain(figure)
        }),
        _ => Content::Number(figure),
    }
}

/// Put `notes` on the sheet `part`: into its comments part (made if it has none) and its VML
/// drawing (made, and returned for `<legacyDrawing>`, if it has none).
fn add_notes(
    pkg: &mut Package,
    part: &str,
    legacy_drawing: Option<&str>,
    notes: &[notes::Note],
) -> Result<Option<String>, ReissueError> {
    let rels = pkg.rels(part)?;
    let existing = rels
        .iter()
        .find(|r| r.kind.ends_with(package::REL_COMMENTS))
        .map(|r| r.part.clone());
    let comments_part = match &existing {
        Some(p) => p.clone(),
        None => pkg.fresh_name("xl/comments", "xml"),
    };
    let old = match &existing {
        Some(p) => pkg.read(p)?,
        None => None,
    };
    let (bytes, boxes) = notes::comments(old.as_deref(), &comments_part, pkg.ns.main, notes)?;
    pkg.put(&comments_part, bytes);
    if existing.is_none() {
        pkg.add_rel(part, package::REL_COMMENTS, &comments_part)?;
        pkg.add_content_type(
            &comments_part,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml",
            false,
        )?;
    }
    if boxes.is_empty() {
        return Ok(None);
    }
    // Shape numbers continue after every drawing's in the package.
    let mut highest = 0;
    for name in pkg
        .names()
        .into_iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".vml"))
    {
        if let Some(bytes) = pkg.read(&name)? {
            highest = highest.max(notes::max_shape_id(&String::from_utf8_lossy(&bytes)));
        }
    }
    let vml = legacy_drawing
        .and_then(|id| rels.iter().find(|r| r.id == id))
        .map(|r| r.part.clone());
    match vml {
        Some(vml) => {
            let text = pkg.read(&vml)?.ok_or_else(|| ReissueError::missing(&vml))?;
            let text = String::from_utf8_lossy(&text);
            let out = notes::add_to_drawing(&text, &vml, &boxes, highest.saturating_add(1))?;
            pkg.put(&vml, out.into_bytes());
            Ok(None)
        }
        None => {
            let first = (highest / 1024)
                .saturating_add(1)
                .saturating_mul(1024)
                .saturating_add(1);
            let vml = pkg.fresh_name("xl/drawings/vmlDrawing", "vml");
            pkg.put(&vml, notes::new_drawing(&boxes, first).into_bytes());
            pkg.add_content_type(
                &vml,
                "application/vnd.openxmlformats-officedocument.vmlDrawing",
                true,
            )?;
            Ok(Some(pkg.add_rel(part, package::REL_VML, &vml)?))
        }
    }
}

/// Remove cells that no longer hold a formula from the calculation chain (Excel repairs a
/// workbook whose chain names a value cell); an emptied chain is removed.
fn drop_from_chain(
    pkg: &mut Package,
    workbook: &str,
    chain: &Rel,
    cells: &[(String, Pos)],
) -> Result<(), ReissueError> {
    if cells.is_empty() {
        return Ok(());
    }
    let Some(bytes) = pkg.read(&chain.part)? else {
        return Ok(());
    };
    let mut splices = xml::Splices::default();
    let mut sheet = String::new();
    let mut kept = 0usize;
    // Whether the previous kept entry's sheet is the one the next entry inherits.
    let mut carried = String::new();
    for s in xml::events(&bytes, &chain.part)? {
        let (Event::Empty(e) | Event::Start(e)) = &s.event else {
            continue;
        };
        if xml::local(e) != "c" {
            continue;
        }
        if let Some(i) = xml::attr(e, "i") {
            sheet = i;
        }
        let pos = xml::attr(e, "r").and_then(|r| Pos::parse_a1(&r));
        let gone = pos.is_some_and(|p| cells.iter().any(|(id, c)| *id == sheet && *c == p));
        if gone {
            splices.replace(s.start, s.end, String::new());
        } else {
            kept += 1;
            // An entry without `i` belongs to the sheet of the entry before it, which may
            // have been removed: name it.
            if xml::attr(e, "i").is_none() && carried != sheet {
                splices.replace(
                    s.start,
                    s.end,
                    xml::start_tag(e, &[("i", &sheet)], matches!(s.event, Event::Empty(_))),
                );
            }
            carried = sheet.clone();
        }
    }
    if kept == 0 {
        pkg.remove(&chain.part);
        pkg.remove_rel(workbook, &chain.id)?;
        return pkg.remove_content_type(&chain.part);
    }
    let out = splices.apply(&bytes, &chain.part)?;
    pkg.put(&chain.part, out);
    Ok(())
}

/// Ask the spreadsheet program to recalculate every formula when it opens the file, so the
/// unit's formulas that read a corrected cell show the corrected result.
fn recalculate_on_load(pkg: &mut Package, workbook: &str) -> Result<(), ReissueError> {
    let bytes = pkg
        .read(workbook)?
        .ok_or_else(|| ReissueError::missing(workbook))?;
    let mut splices = xml::Splices::default();
    let mut prefix = String::new();
    let mut depth = 0usize;
    let mut done = false;
    // calcPr's successors in the schema's order: a new calcPr goes before the first of them.
    const AFTER: [&str; 9] = [
        "oleSize",
        "customWorkbookViews",
        "pivotCaches",
        "smartTagPr",
        "smartTagTypes",
        "webPublishing",
        "fileRecoveryPr",
        "webPublishObjects",
        "extLst",
    ];
    for s in xml::events(&bytes, workbook)? {
        match &s.event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(s.event, Event::Empty(_));
                let name = xml::local(e);
                if depth == 0 {
                    prefix = xml::prefix(e);
                } else if depth == 1 && !done {
                    if name == "calcPr" {
                        splices.replace(
                            s.start,
                            s.end,
                            xml::start_tag(e, &[("fullCalcOnLoad", "1")], empty),
                        );
                        done = true;
                    } else if AFTER.contains(&name.as_str()) {
                        splices.insert(s.start, format!("<{prefix}calcPr fullCalcOnLoad=\"1\"/>"));
                        done = true;
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 && !done {
                    splices.insert(s.start, format!("<{prefix}calcPr fullCalcOnLoad=\"1\"/>"));
                    done = true;
                }
            }
            _ => {}
        }
    }
    let out = splices.apply(&bytes, workbook)?;
    pkg.put(workbook, out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write as _};

    use super::*;

    const SHEET: &str = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="7"><c r="H7"><v>95</v></c></row></sheetData></worksheet>"#;
    const STYLES: &str = r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fills count="1"><fill/></fills><cellXfs count="1"><xf/></cellXfs></styleSheet>"#;

    /// A one-sheet workbook with the given sheet and styles parts.
    fn package(sheet: &str, styles: &str) -> Vec<u8> {
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let entries = [
            (
                "[Content_Types].xml",
                r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>"#
                    .to_string(),
            ),
            (
                "_rels/.rels",
                format!(
                    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/workbook.xml",
                format!(
                    r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets><sheet name="自评表" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>"#
                ),
            ),
            ("xl/worksheets/sheet1.xml", sheet.to_string()),
            ("xl/styles.xml", styles.to_string()),
        ];
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in entries {
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn correction(sheet: &str) -> Correction {
        Correction {
            sheet: sheet.to_string(),
            pos: Pos::parse_a1("H7").unwrap(),
            original: Value::Number(Decimal::from(95)),
            value: Value::Number(Decimal::from(90)),
            rate: false,
            code: Code::ALL[0],
            note: "原值 95".to_string(),
        }
    }

    fn error(bytes: &[u8], sheet: &str) -> String {
        reissue(bytes, &[correction(sheet)]).unwrap_err().to_string()
    }

    #[test]
    fn the_package_reissues() {
        let out = reissue(&package(SHEET, STYLES), &[correction("自评表")]).unwrap();
        assert!(Package::open(&out).is_ok());
    }

    #[test]
    fn errors_are_chinese_and_name_the_part() {
        assert_eq!(error(b"PK\x03\x04broken", "自评表"), "压缩包读取失败：文件已损坏");
        assert_eq!(
            error(&package(SHEET, STYLES), "Sheet9"),
            "工作簿中没有名为“Sheet9”的工作表"
        );
        let no_fills = STYLES.replace(r#"<fills count="1"><fill/></fills>"#, "");
        assert_eq!(
            error(&package(SHEET, &no_fills), "自评表"),
            "部件 xl/styles.xml 缺少 <fills>"
        );
        // The position is where the offending tag starts.
        let broken = SHEET.replace("</row>", "");
        let at = broken.find("</sheetData>").unwrap();
        assert_eq!(
            error(&package(&broken, STYLES), "自评表"),
            format!(
                "部件 xl/worksheets/sheet1.xml 第 {at} 字节处的 XML 有误：结束标签不匹配，应为 </row>，实为 </sheetData>"
            )
        );
    }
}
