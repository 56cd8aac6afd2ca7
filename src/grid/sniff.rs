//! Telling a workbook's format by its content, never its name: a zip package by the parts it
//! holds (their sizes checked on the way, so a zip bomb is refused unread), an OLE container by
//! its signature, HTML and SpreadsheetML by their markup.

use std::io::Cursor;

use super::{Limits, ReadError, markup};
pub(super) use crate::formats::Format;

/// The format of a workbook held in memory, from its content; a zip package whose parts are too
/// large, together or one by one, is refused here before anything inflates them.
pub(super) fn sniff(bytes: &[u8], limits: &Limits) -> Result<Format, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
        let mut total: u64 = 0;
        let mut is_ods = false;
        let mut is_xlsx = false;
        let mut is_docx = false;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_raw(i)
                .map_err(|e| ReadError::Corrupt(format!("zip: {e}")))?;
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            let (unzipped, zipped) = (entry.size(), entry.compressed_size().max(1));
            total = total.saturating_add(unzipped);
            if unzipped > limits.max_entry_bytes
                || (unzipped > 1 << 20 && unzipped / zipped > limits.max_ratio)
            {
                return Err(ReadError::ZipBomb(format!(
                    "{name} 解压后 {unzipped} 字节，压缩比 {}:1",
                    unzipped / zipped
                )));
            }
            match name.as_str() {
                "xl/workbook.xml" => is_xlsx = true,
                "word/document.xml" => is_docx = true,
                "content.xml" | "mimetype" => is_ods = true,
                _ => {}
            }
        }
        if total > limits.max_unzipped_bytes {
            return Err(ReadError::ZipBomb(format!("解压后共 {total} 字节")));
        }
        return match (is_xlsx, is_ods, is_docx) {
            (true, ..) => Ok(Format::Xlsx),
            (false, true, _) => Ok(Format::Ods),
            (false, false, true) => Ok(Format::Docx),
            _ => Err(ReadError::NotSpreadsheet),
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(Format::Cfb);
    }
    match markup::sniff(bytes) {
        Some(markup::Markup::Html) => Ok(Format::Html),
        Some(markup::Markup::SpreadsheetMl) => Ok(Format::SpreadsheetMl),
        None => Err(ReadError::NotSpreadsheet),
    }
}
