//! What calamine does not tell of an xlsx package, read from its small parts and from one byte
//! scan of each sheet's XML:
//!
//! - merged regions, found as `<mergeCell ref="A1:B2"/>`: calamine's
//!   `merge_cells_by_sheet_name` parses the whole sheet a second time to reach them (a fifth of
//!   `check`'s instructions, docs/performance.md), a byte search over the inflated XML costs a
//!   fraction of that;
//! - whether the workbook asks to be recalculated on opening (`<calcPr fullCalcOnLoad="1"/>`, as
//!   workbooks written by programs do), and for each sheet whether some formula cell stores no
//!   result or a result of 0: only then does the reader pass over the sheet again for its
//!   formulas, so a workbook saved by Excel, WPS or LibreOffice is read in one pass;
//! - relationship targets written `./worksheets/sheet1.xml`, which calamine does not resolve:
//!   when calamine fails on a package, [`normalise_targets`] rewrites them and it reads again.
//!
//! Any surprise in the sheets' layout gives no sheet facts and the caller asks calamine instead.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;

use super::{ReadError, Region};
use crate::grid::Pos;

/// What the scan found of one package.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// The workbook asks to be recalculated on opening: its stored formula results may be
    /// placeholders.
    pub recalc_on_load: bool,
    /// Sheet name → what its XML holds; `None` when the package is not laid out as expected.
    pub sheets: Option<HashMap<String, SheetScan>>,
}

/// What one sheet's XML holds.
#[derive(Debug, Default)]
pub(super) struct SheetScan {
    pub merges: Vec<Region>,
    pub formulas: FormulaHint,
}

/// Whether a sheet's formula cells store results that may be placeholders. Only a hint for
/// whether to read the formulas: it errs towards `true`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct FormulaHint {
    /// Some formula cell stores no result (or an empty one).
    pub uncached: bool,
    /// Some formula cell stores the result 0.
    pub zero: bool,
}

impl FormulaHint {
    /// What to assume of a sheet the scan could not read.
    pub const UNKNOWN: FormulaHint = FormulaHint {
        uncached: true,
        zero: true,
    };
}

/// Scan the package (see the module documentation); reads no entry larger than
/// `max_entry_bytes`.
pub(super) fn scan(bytes: &[u8], max_entry_bytes: u64) -> Scan {
    let mut out = Scan::default();
    let Some(mut parts) = Parts::new(bytes) else {
        return out;
    };
    let mut text = |name: &str| {
        parts
            .read(name, max_entry_bytes)
            .and_then(|b| String::from_utf8(b).ok())
    };
    let Some(workbook) = text("xl/workbook.xml") else {
        return out;
    };
    // Most workbooks do not ask: a byte search says so before any parsing.
    out.recalc_on_load = memchr::memmem::find(workbook.as_bytes(), b"fullCalcOnLoad").is_some()
        && elements(&workbook, "calcPr", &["fullCalcOnLoad"])
            .iter()
            .any(|a| matches!(a[0].trim(), "1" | "true"));
    let Some(rels) = text("xl/_rels/workbook.xml.rels") else {
        return out;
    };
    let targets: HashMap<String, String> = elements(&rels, "Relationship", &["Id", "Target"])
        .into_iter()
        .map(|mut a| (std::mem::take(&mut a[0]), std::mem::take(&mut a[1])))
        .collect();
    let mut sheets = HashMap::new();
    for [name, id] in elements(&workbook, "sheet", &["name", "id"])
        .into_iter()
        .map(|a| [a[0].clone(), a[1].clone()])
    {
        let Some(target) = targets.get(&id) else {
            return out;
        };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{}", strip_dots(target)),
        };
        let Some(xml) = parts.read(&path, max_entry_bytes) else {
            return out;
        };
        sheets.insert(
            name,
            SheetScan {
                merges: merge_refs(&xml),
                formulas: formula_hint(&xml),
            },
        );
    }
    out.sheets = Some(sheets);
    out
}

/// The parts of a package held in memory, inflated straight from its bytes with one inflate state
/// for them all: a new state costs about as much as inflating a small part (its window is
/// allocated and cleared), and the zip reader makes one per entry, with a buffer of its own.
/// Checksums are not verified: calamine reads every part the scan reads and checks them.
struct Parts<'a> {
    bytes: &'a [u8],
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    inflate: flate2::Decompress,
}

impl<'a> Parts<'a> {
    fn new(bytes: &'a [u8]) -> Option<Parts<'a>> {
        Some(Parts {
            bytes,
            zip: zip::ZipArchive::new(Cursor::new(bytes)).ok()?,
            inflate: flate2::Decompress::new(false),
        })
    }

    /// The entry `name` inflated, when it exists, is no larger than `max_entry_bytes` and
    /// inflates to the size its header gives.
    fn read(&mut self, name: &str, max_entry_bytes: u64) -> Option<Vec<u8>> {
        use zip::CompressionMethod;
        let index = self.zip.index_for_name(name)?;
        let (method, start, compressed, size) = {
            let entry = self.zip.by_index_raw(index).ok()?;
            if entry.size() > max_entry_bytes || entry.encrypted() {
                return None;
            }
            (
                entry.compression(),
                entry.data_start()?,
                entry.compressed_size(),
                entry.size(),
            )
        };
        let start = usize::try_from(start).ok()?;
        let end = start.checked_add(usize::try_from(compressed).ok()?)?;
        let data = self.bytes.get(start..end)?;
        let size = usize::try_from(size).ok()?;
        match method {
            CompressionMethod::Stored => (data.len() == size).then(|| data.to_vec()),
            CompressionMethod::Deflated => {
                self.inflate.reset(false);
                let mut out = Vec::with_capacity(size);
                let status = self
                    .inflate
                    .decompress_vec(data, &mut out, flate2::FlushDecompress::Finish);
                (matches!(status, Ok(flate2::Status::StreamEnd)) && out.len() == size).then_some(out)
            }
            _ => read(&mut self.zip, name, max_entry_bytes),
        }
    }
}

/// The entry `name` inflated by the zip reader, when it exists and is no larger than
/// `max_entry_bytes`.
fn read(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, max_entry_bytes: u64) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    if entry.size() > max_entry_bytes {
        return None;
    }
    let mut out = Vec::with_capacity(usize::try_from(entry.size()).ok()?);
    entry.take(max_entry_bytes).read_to_end(&mut out).ok()?;
    Some(out)
}

/// A relative target without its leading `./` (any number of them).
fn strip_dots(mut target: &str) -> &str {
    while let Some(rest) = target.strip_prefix("./") {
        target = rest;
    }
    target
}

/// The package with every relationship target that starts with `./` written without it, as
/// calamine expects (`./worksheets/sheet1.xml` → `worksheets/sheet1.xml`, relative to the same
/// folder), or `None` when no target does. Every other entry is copied raw, compressed as it
/// was; a `.rels` part is read only up to `max_entry_bytes` (the caller has checked the
/// package's sizes).
pub(super) fn normalise_targets(bytes: &[u8], max_entry_bytes: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let corrupt = |e: zip::result::ZipError| ReadError::Corrupt(format!("zip: {e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    // The relationship parts to rewrite, by entry index: none, and nothing is copied.
    let mut rewrites = HashMap::new();
    for i in 0..zip.len() {
        let name = zip
            .by_index_raw(i)
            .map_err(corrupt)?
            .name()
            .map_err(corrupt)?
            .to_string();
        if name.ends_with(".rels")
            && let Some(xml) = read(&mut zip, &name, max_entry_bytes)
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|xml| without_dot_targets(&xml))
        {
            rewrites.insert(i, xml);
        }
    }
    if rewrites.is_empty() {
        return Ok(None);
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let raw = zip.by_index_raw(i).map_err(corrupt)?;
        match rewrites.remove(&i) {
            Some(xml) => {
                let name = raw.name().map_err(corrupt)?.to_string();
                let options = match raw.last_modified() {
                    Some(t) => deflated.last_modified_time(t),
                    None => deflated,
                };
                drop(raw);
                out.start_file(name.as_str(), options).map_err(corrupt)?;
                out.write_all(xml.as_bytes())?;
            }
            None => out.raw_copy_file(raw).map_err(corrupt)?,
        }
    }
    Ok(Some(out.finish().map_err(corrupt)?.into_inner()))
}

/// A relationships part with the leading `./` of each `Target` value removed, or `None` when
/// none has one.
fn without_dot_targets(xml: &str) -> Option<String> {
    const NAME: &str = "Target";
    let blank = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    let mut changed = false;
    while let Some(at) = rest.find(NAME) {
        let (before, after) = rest.split_at(at.saturating_add(NAME.len()));
        out.push_str(before);
        rest = after;
        // `Target`, blanks, `=`, blanks, a quote: then the value (`TargetMode` does not match).
        let Some(value) = after
            .trim_start_matches(blank)
            .strip_prefix('=')
            .map(|v| v.trim_start_matches(blank))
            .and_then(|v| v.strip_prefix(['"', '\'']))
        else {
            continue;
        };
        let stripped = strip_dots(value);
        if stripped.len() == value.len() {
            continue;
        }
        changed = true;
        out.push_str(after.get(..after.len().saturating_sub(value.len()))?);
        rest = stripped;
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Whether a sheet's formula cells store no result, or 0 (see [`FormulaHint`]), from the XML's
/// bytes. A cell's children come in the order `<f>`, `<v>`, `<is>`: each formula is followed to
/// what comes after it. Sheets whose elements carry a namespace prefix take [`hint_by_tags`].
fn formula_hint(xml: &[u8]) -> FormulaHint {
    use memchr::{memchr, memmem};
    if memmem::find(xml, b"<worksheet").is_none() {
        return hint_by_tags(xml);
    }
    let mut hint = FormulaHint::default();
    for at in memmem::find_iter(xml, b"<f") {
        let rest = xml.get(at.saturating_add(2)..).unwrap_or_default();
        // `<f>` or `<f …>`, not `<filterColumn>`.
        if !matches!(rest.first(), Some(b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n')) {
            continue;
        }
        let Some(end) = memchr(b'>', rest) else {
            return FormulaHint::UNKNOWN;
        };
        let after = if end > 0 && rest.get(end.saturating_sub(1)) == Some(&b'/') {
            rest.get(end.saturating_add(1)..)
        } else {
            memmem::find(rest, b"</f>").and_then(|close| rest.get(close.saturating_add(4)..))
        };
        let Some(after) = after.map(<[u8]>::trim_ascii_start) else {
            return FormulaHint::UNKNOWN;
        };
        if after.starts_with(b"</c>") || after.starts_with(b"<v/>") {
            hint.uncached = true;
        } else if after.starts_with(b"<v>") || after.starts_with(b"<v ") {
            let text = memchr(b'>', after).and_then(|gt| after.get(gt.saturating_add(1)..));
            let Some(text) = text else {
                return FormulaHint::UNKNOWN;
            };
            let value = text
                .get(..memchr(b'<', text).unwrap_or(text.len()))
                .unwrap_or_default();
            match value.trim_ascii() {
                [] => hint.uncached = true,
                value if is_zero(value) => hint.zero = true,
                _ => {}
            }
        } else {
            // An inline string, an extension: not worth reading closer.
            return FormulaHint::UNKNOWN;
        }
        if hint == FormulaHint::UNKNOWN {
            break;
        }
    }
    hint
}

/// [`formula_hint`] for any XML, prefixed or not, from its tags: each `<c>` is followed to its
/// `</c>`, noting an `<f>` and the text of its `<v>`.
fn hint_by_tags(xml: &[u8]) -> FormulaHint {
    let mut hint = FormulaHint::default();
    if memchr::memmem::find(xml, b"f>").is_none() && memchr::memmem::find(xml, b"f ").is_none() {
        return hint;
    }
    let (mut in_cell, mut formula, mut value): (bool, bool, Option<&[u8]>) = (false, false, None);
    for at in memchr::memchr_iter(b'<', xml) {
        let Some(tag) = xml.get(at.saturating_add(1)..) else {
            break;
        };
        let Some(end) = memchr::memchr(b'>', tag) else {
            return FormulaHint::UNKNOWN;
        };
        let (closing, name_start) = if tag.first() == Some(&b'/') {
            (true, 1)
        } else {
            (false, 0)
        };
        let name = tag.get(name_start..end).unwrap_or_default();
        let name_len = name
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/'))
            .unwrap_or(name.len());
        let name = name.get(..name_len).unwrap_or_default();
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        let self_closing = end > 0 && tag.get(end.saturating_sub(1)) == Some(&b'/');
        match (closing, local) {
            (false, b"c") => {
                (in_cell, formula, value) = (!self_closing, false, None);
            }
            (true, b"c") => {
                if in_cell && formula {
                    match value.map(<[u8]>::trim_ascii) {
                        None | Some([]) => hint.uncached = true,
                        Some(text) if is_zero(text) => hint.zero = true,
                        Some(_) => {}
                    }
                }
                in_cell = false;
            }
            (false, b"f") if in_cell => formula = true,
            (false, b"v") if in_cell && !self_closing => {
                let text = tag.get(end.saturating_add(1)..).unwrap_or_default();
                let len = memchr::memchr(b'<', text).unwrap_or(text.len());
                value = text.get(..len);
            }
            _ => {}
        }
        if hint == FormulaHint::UNKNOWN {
            break;
        }
    }
    hint
}

/// A number written as zero: `0`, `-0`, `0.0`, `0E+0`.
fn is_zero(text: &[u8]) -> bool {
    let text = text
        .strip_prefix(b"-")
        .or_else(|| text.strip_prefix(b"+"))
        .unwrap_or(text);
    let mantissa = text.split(|&b| b == b'e' || b == b'E').next().unwrap_or_default();
    mantissa.contains(&b'0') && mantissa.iter().all(|&b| b == b'0' || b == b'.')
}

/// The given attributes (by local name, `""` when absent) of every element whose local name is
/// `name`, in document order.
fn elements(xml: &str, name: &str, attrs: &[&str]) -> Vec<Vec<String>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == name => {
                out.push(
                    attrs
                        .iter()
                        .map(|a| crate::xml::local_attr(&e, a).unwrap_or_default())
                        .collect(),
                );
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// Every `<mergeCell ref="…"/>` of a sheet's XML (with or without a namespace prefix).
fn merge_refs(xml: &[u8]) -> Vec<Region> {
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(xml, b"mergeCell ") {
        if at == 0 || !matches!(xml[at - 1], b'<' | b':') {
            continue;
        }
        let tag_end = memchr::memchr(b'>', &xml[at..]).map_or(xml.len(), |e| at + e);
        let tag = &xml[at..tag_end];
        let Some(start) = memchr::memmem::find(tag, b"ref=\"").map(|i| i + 5) else {
            continue;
        };
        let Some(len) = memchr::memchr(b'"', &tag[start..]) else {
            continue;
        };
        let Ok(reference) = std::str::from_utf8(&tag[start..start + len]) else {
            continue;
        };
        let (a, b) = reference.split_once(':').unwrap_or((reference, reference));
        if let (Some(a), Some(b)) = (Pos::parse_a1(a), Pos::parse_a1(b)) {
            out.push(Region {
                top: a.row.min(b.row),
                left: a.col.min(b.col),
                bottom: a.row.max(b.row),
                right: a.col.max(b.col),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_refs_are_found_by_scanning() {
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>
            <mergeCells count="3"><mergeCell ref="A1:J1"/><x:mergeCell ref="B16:B26"/><mergeCell ref="C3"/></mergeCells></worksheet>"#;
        assert_eq!(
            merge_refs(xml),
            [
                Region {
                    top: 0,
                    left: 0,
                    bottom: 0,
                    right: 9
                },
                Region {
                    top: 15,
                    left: 1,
                    bottom: 25,
                    right: 1
                },
                Region {
                    top: 2,
                    left: 2,
                    bottom: 2,
                    right: 2
                },
            ]
        );
    }

    #[test]
    fn the_seed_workbook_scans_to_calamines_regions() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/seed_2024.xlsx");
        let bytes = std::fs::read(&path).expect("seed");
        let scan = scan(&bytes, 100 << 20);
        // openpyxl asks for a recalculation on opening; the seed holds no formula.
        assert!(scan.recalc_on_load);
        let scanned = scan.sheets.expect("scans");
        let mut xlsx: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opens");
        for sheet in ["定额公用经费", "项目工作经费"] {
            assert_eq!(scanned[sheet].formulas, FormulaHint::default(), "{sheet}");
            let mut ours = scanned[sheet].merges.clone();
            let mut theirs =
                super::super::dense::regions(&xlsx.merge_cells_by_sheet_name(sheet).expect("merges"));
            ours.sort_by_key(|r| (r.top, r.left));
            theirs.sort_by_key(|r| (r.top, r.left));
            assert_eq!(ours, theirs, "{sheet}");
            assert_eq!(ours.len(), 38);
        }
    }

    #[test]
    fn formula_hints_see_missing_and_zero_results() {
        let hint = |cells: &str| {
            formula_hint(
                format!("<worksheet><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>")
                    .as_bytes(),
            )
        };
        let none = FormulaHint::default();
        let uncached = FormulaHint {
            uncached: true,
            zero: false,
        };
        let zero = FormulaHint {
            uncached: false,
            zero: true,
        };
        assert_eq!(hint(r#"<c r="A1"><v>0</v></c><c r="B1" s="2"/>"#), none);
        assert_eq!(hint(r#"<c r="A1"><f>SUM(B1:B2)</f><v>12.5</v></c>"#), none);
        assert_eq!(hint(r#"<c r="A1"><f>SUM(B1:B2)</f></c>"#), uncached);
        assert_eq!(
            hint(r#"<c r="A1" t="str"><f>B1&amp;"x"</f><v></v></c>"#),
            uncached
        );
        assert_eq!(hint(r#"<c r="A1"><f>SUM(B1:B2)</f><v>0</v></c>"#), zero);
        assert_eq!(
            hint(r#"<c r="A1"><f t="shared" si="0"/><v>-0.0E+0</v></c>"#),
            zero
        );
        assert_eq!(
            hint(r#"<c r="A1"><f>A2</f><v>0</v></c><c r="A2"><f>1</f></c>"#),
            FormulaHint::UNKNOWN
        );
        // A value of 0 without a formula, and a formula whose result is 10 or an error.
        assert_eq!(
            hint(
                r#"<c r="A1"><v>0</v></c><c r="A2"><f>B1</f><v>10</v></c><c r="A3" t="e"><f>1/0</f><v>#DIV/0!</v></c>"#
            ),
            none
        );
        // Truncated XML, an inline string after a formula: assume the worst.
        assert_eq!(formula_hint(b"<c r=\"A1\"><f>B1</f><v"), FormulaHint::UNKNOWN);
        assert_eq!(
            formula_hint(b"<worksheet><c r=\"A1\"><f>B1</f><v"),
            FormulaHint::UNKNOWN
        );
        assert_eq!(
            hint(r#"<c r="A1" t="inlineStr"><f>B1</f><is><t>x</t></is></c>"#),
            FormulaHint::UNKNOWN
        );
    }

    #[test]
    fn prefixed_sheets_are_hinted_by_their_tags() {
        let sheet = |cells: &str| {
            format!(
                "<x:worksheet xmlns:x=\"main\"><x:sheetData><x:row r=\"1\">{cells}</x:row></x:sheetData></x:worksheet>"
            )
        };
        let cases = [
            (r#"<x:c r="A1"><x:v>0</x:v></x:c>"#, FormulaHint::default()),
            (
                r#"<x:c r="A1"><x:f>B1</x:f><x:v>3</x:v></x:c>"#,
                FormulaHint::default(),
            ),
            (
                r#"<x:c r="A1"><x:f t="shared" si="0"/><x:v>-0.0E+0</x:v></x:c>"#,
                FormulaHint {
                    uncached: false,
                    zero: true,
                },
            ),
            (
                r#"<x:c r="A1"><x:f>B1</x:f></x:c><x:c r="B1" s="1"/>"#,
                FormulaHint {
                    uncached: true,
                    zero: false,
                },
            ),
        ];
        for (cells, expected) in cases {
            assert_eq!(formula_hint(sheet(cells).as_bytes()), expected, "{cells}");
            // The same cells unprefixed read the same by either path.
            let plain = cells.replace("x:", "");
            let plain = format!("<worksheet><sheetData><row r=\"1\">{plain}</row></sheetData></worksheet>");
            assert_eq!(formula_hint(plain.as_bytes()), expected, "{plain}");
            assert_eq!(hint_by_tags(plain.as_bytes()), expected, "{plain}");
        }
    }

    #[test]
    fn dot_targets_lose_their_leading_dot_slash() {
        let rels = r#"<Relationships><Relationship Id="rId1" Type="t/worksheet" Target="./worksheets/sheet1.xml"/><Relationship Id="rId2" TargetMode="Internal" Target = '././styles.xml'/><Relationship Id="rId3" Target="/xl/theme/theme1.xml"/></Relationships>"#;
        assert_eq!(
            without_dot_targets(rels).as_deref(),
            Some(
                r#"<Relationships><Relationship Id="rId1" Type="t/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" TargetMode="Internal" Target = 'styles.xml'/><Relationship Id="rId3" Target="/xl/theme/theme1.xml"/></Relationships>"#
            )
        );
        assert_eq!(
            without_dot_targets(r#"<Relationship Target="worksheets/sheet1.xml"/>"#),
            None
        );
        assert_eq!(without_dot_targets("Target"), None);
        assert_eq!(without_dot_targets("Target=\"./"), Some("Target=\"".to_string()));
    }

    /// One inflate state reads every part, deflated or stored, in any order, as the zip reader
    /// reads them; a part over the limit or absent is not read.
    #[test]
    fn parts_inflate_with_one_state_as_the_zip_reader_does() {
        let deflated =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let stored = deflated.compression_method(zip::CompressionMethod::Stored);
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let entries: [(&str, Vec<u8>, zip::write::SimpleFileOptions); 4] = [
            ("xl/workbook.xml", b"<workbook/>".repeat(40), deflated),
            ("xl/stored.xml", b"<stored/>".to_vec(), stored),
            ("xl/worksheets/sheet1.xml", big, deflated),
            ("xl/empty.xml", Vec::new(), deflated),
        ];
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body, options) in &entries {
            out.start_file(*name, *options).expect("start");
            out.write_all(body).expect("write");
        }
        let bytes = out.finish().expect("finish").into_inner();
        let mut parts = Parts::new(&bytes).expect("a package");
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).expect("zip");
        for (name, body, _) in entries.iter().rev().chain(entries.iter()) {
            assert_eq!(parts.read(name, u64::MAX).as_ref(), Some(body), "{name}");
            assert_eq!(read(&mut zip, name, u64::MAX).as_ref(), Some(body), "{name}");
        }
        assert_eq!(parts.read("xl/worksheets/sheet1.xml", 1_000), None);
        assert_eq!(parts.read("xl/missing.xml", u64::MAX), None);
    }
}
