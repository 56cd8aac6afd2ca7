//! The .ods reader: calamine reads the values; one pass over `content.xml` adds what calamine does
//! not tell of an ODS file (its merged regions and percent cells) and refuses a sheet whose
//! content reaches too far before calamine builds a dense range over it.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read, Seek};

use calamine::{Ods, Reader};

use super::dense::dense_sheets;
use super::{Grid, MAX_COLS, MAX_DENSE_CELLS, MAX_ROWS, ReadError, Region};
use crate::xml::attr;

/// Read an ODS package (its sizes were checked by `sniff`).
pub(super) fn read(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let extras = ods_scan(bytes)?;
    read_ods(Cursor::new(bytes), extras)
}

fn read_ods<RS: Read + Seek>(rs: RS, mut extras: OdsExtras) -> Result<Vec<Grid>, ReadError> {
    let mut ods = match Ods::new(rs) {
        Ok(o) => o,
        Err(calamine::OdsError::Password) => return Err(ReadError::Encrypted),
        Err(e) => return Err(ReadError::Corrupt(e.to_string())),
    };
    dense_sheets(&mut ods, true, |_, name| {
        let merges = extras.merges.remove(name).unwrap_or_default();
        (merges, extras.percents.remove(name).unwrap_or_default())
    })
}

/// What kind of XML event a cell element came as: `Start` has children (content).
#[derive(Clone, Copy)]
enum Kind {
    Start,
    Other,
}

/// What calamine does not tell of an ODS file, per sheet name.
#[derive(Default)]
struct OdsExtras {
    merges: HashMap<String, Vec<Region>>,
    /// Cells whose value type is `percentage` (`0.9844` shown as `98.44%`).
    percents: HashMap<String, HashSet<(u32, u32)>>,
}

/// Merged regions and percent cells of every sheet of an ODS file, from `content.xml`: calamine reports none for
/// ODS, but the file states them as `table:number-rows-spanned` / `number-columns-spanned`.
/// Unreadable XML gives no regions (the values are still read by calamine).
///
/// The same pass measures each sheet's used extent: calamine builds a dense range over it, so a
/// sheet whose content reaches far (a value in a million repeated rows, or at the last column)
/// is refused before calamine sees it.
fn ods_scan(bytes: &[u8]) -> Result<OdsExtras, ReadError> {
    use quick_xml::events::Event;
    let mut out = OdsExtras::default();
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(out);
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(out);
    };
    let (mut max_row, mut max_col) = (0u64, 0u64);
    let too_large = |sheet: &str, rows: u64, cols: u64| -> Result<(), ReadError> {
        if rows.saturating_mul(cols) > MAX_DENSE_CELLS {
            return Err(ReadError::SheetTooLarge {
                sheet: sheet.to_string(),
                rows,
                cols,
            });
        }
        Ok(())
    };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buf = Vec::new();
    let number = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> u32 {
        attr(e, name).and_then(|v| v.parse().ok()).unwrap_or(1).max(1)
    };
    let (mut sheet, mut row, mut col, mut row_repeat) = (String::new(), 0u32, 0u32, 1u32);
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        let event_kind = match &event {
            Event::Start(_) => Kind::Start,
            _ => Kind::Other,
        };
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table" => {
                too_large(&sheet, max_row, max_col)?;
                sheet = attr(&e, "table:name").unwrap_or_default();
                (row, max_row, max_col) = (0, 0, 0);
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                col = 0;
                row_repeat = number(&e, "table:number-rows-repeated");
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(number(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(row_repeat);
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") =>
            {
                let rows = number(&e, "table:number-rows-spanned");
                let cols = number(&e, "table:number-columns-spanned");
                let repeat = number(&e, "table:number-columns-repeated");
                let has_content =
                    matches!(event_kind, Kind::Start) || attr(&e, "office:value-type").is_some();
                if attr(&e, "office:value-type").as_deref() == Some("percentage") && row < MAX_ROWS {
                    let cells = out.percents.entry(sheet.clone()).or_default();
                    for c in col..col.saturating_add(repeat).min(MAX_COLS) {
                        cells.insert((row, c));
                    }
                }
                if has_content && e.name().as_ref() == "table:table-cell" {
                    max_row = max_row.max(u64::from(row) + u64::from(row_repeat));
                    max_col = max_col.max(u64::from(col) + u64::from(repeat));
                    too_large(&sheet, max_row, max_col)?;
                }
                if (rows > 1 || cols > 1) && row < MAX_ROWS && col < MAX_COLS {
                    out.merges.entry(sheet.clone()).or_default().push(Region {
                        top: row,
                        left: col,
                        bottom: row.saturating_add(rows - 1),
                        right: col.saturating_add(cols - 1),
                    });
                }
                col = col.saturating_add(repeat);
            }
            _ => {}
        }
        buf.clear();
    }
    too_large(&sheet, max_row, max_col)?;
    Ok(out)
}

#[cfg(test)]
mod hostile {
    use std::io::Write;

    use super::*;
    use crate::grid::{Limits, Value, read_bytes};

    /// A minimal ODS package whose only sheet holds `rows_xml`.
    fn ods(rows_xml: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).expect("zip");
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .expect("zip");
        zip.start_file("META-INF/manifest.xml", stored).expect("zip");
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).expect("zip");
        zip.start_file("content.xml", stored).expect("zip");
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        zip.write_all(content.as_bytes()).expect("zip");
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn ods_with_a_value_a_million_rows_down_is_refused_before_calamine() {
        let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>项目名称</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#;
        let err = read_bytes(&ods(rows), &Limits::default()).expect_err("refused");
        assert!(matches!(err, ReadError::SheetTooLarge { .. }), "{err}");
        assert!(err.to_string().contains("范围过大"));
    }

    #[test]
    fn ods_with_trailing_empty_repeated_rows_reads() {
        let rows = r#"<table:table-row><table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string"><text:p>项目名称</text:p></table:table-cell><table:covered-table-cell/></table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let grids = read_bytes(&ods(rows), &Limits::default()).expect("reads");
        assert_eq!(grids[0].value(0, 0), &Value::Text("项目名称".into()));
        assert_eq!(
            grids[0].merges,
            [Region {
                top: 0,
                left: 0,
                bottom: 1,
                right: 1
            }]
        );
    }
}
