//! Merged regions of every sheet of an xlsx file, found by scanning each sheet's XML for
//! `<mergeCell ref="A1:B2"/>`. calamine's `merge_cells_by_sheet_name` parses the whole sheet a
//! second time to reach them (a fifth of `check`'s instructions, docs/performance.md); a byte
//! search over the inflated XML costs a fraction of that. Any surprise returns `None` and the
//! caller asks calamine instead.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;

use super::Region;
use crate::grid::Pos;

/// Sheet name → merged regions, or `None` when the package is not laid out as expected.
pub(super) fn scan(bytes: &[u8], max_entry_bytes: u64) -> Option<HashMap<String, Vec<Region>>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let read = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Option<Vec<u8>> {
        let entry = zip.by_name(name).ok()?;
        if entry.size() > max_entry_bytes {
            return None;
        }
        let mut out = Vec::with_capacity(entry.size() as usize);
        entry.take(max_entry_bytes).read_to_end(&mut out).ok()?;
        Some(out)
    };
    let workbook = String::from_utf8(read(&mut zip, "xl/workbook.xml")?).ok()?;
    let rels = String::from_utf8(read(&mut zip, "xl/_rels/workbook.xml.rels")?).ok()?;
    let targets: HashMap<String, String> = elements(&rels, "Relationship", &["Id", "Target"])
        .into_iter()
        .map(|mut a| (std::mem::take(&mut a[0]), std::mem::take(&mut a[1])))
        .collect();
    let mut out = HashMap::new();
    for [name, id] in elements(&workbook, "sheet", &["name", "id"])
        .into_iter()
        .map(|a| [a[0].clone(), a[1].clone()])
    {
        let target = targets.get(&id)?;
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{target}"),
        };
        let xml = read(&mut zip, &path)?;
        out.insert(name, merge_refs(&xml));
    }
    Some(out)
}

/// The given attributes (by local name) of every element named `local`, in document order.
fn elements(xml: &str, local: &str, attrs: &[&str]) -> Vec<Vec<String>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => {
                let mut values = vec![String::new(); attrs.len()];
                for a in e.attributes().flatten() {
                    let key = a.key.as_ref();
                    let key = key.rsplit(':').next().unwrap_or(key);
                    if let Some(i) = attrs.iter().position(|n| *n == key) {
                        values[i] = quick_xml::escape::unescape(&a.value)
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                    }
                }
                out.push(values);
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
        let scanned = scan(&bytes, 100 << 20).expect("scans");
        let mut xlsx: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opens");
        for sheet in ["定额公用经费", "项目工作经费"] {
            let mut ours = scanned[sheet].clone();
            let mut theirs = super::super::regions(&xlsx.merge_cells_by_sheet_name(sheet).expect("merges"));
            ours.sort_by_key(|r| (r.top, r.left));
            theirs.sort_by_key(|r| (r.top, r.left));
            assert_eq!(ours, theirs, "{sheet}");
            assert_eq!(ours.len(), 38);
        }
    }
}
