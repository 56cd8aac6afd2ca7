//! Stage 2: read a workbook's sheets into bounded grids of cells plus merged regions.
//!
//! This is the only module that talks to calamine and the one numeric boundary of the crate:
//! spreadsheet floats become `Decimal` here (via [`num::from_f64`](crate::num::from_f64), 15
//! significant digits) and nothing downstream sees an `f64`. The format is sniffed from the
//! file's first bytes, not its extension, and a sheet is kept only inside a bounded area, so a
//! hostile file cannot make us allocate a grid sized by its claimed dimensions.
//!
//! A workbook written by a program that does not calculate asks to be recalculated on opening
//! and stores placeholder formula results (0, or nothing): those formulas are evaluated over the
//! grid (`recalc.rs`, with [`crate::formula`]); the ones that cannot be are kept as stored and
//! named by [`Grid::unevaluated`]. A workbook saved by Excel, WPS or LibreOffice is read as
//! stored.
//!
//! One job per file: `mod.rs` is the door (limits, errors, the format dispatch); `model.rs` the
//! grid itself; `sniff.rs` tells a format by its content; `xlsx.rs`, `dense.rs` (.xls and what
//! calamine's readers share) and `ods.rs` read through calamine, `values.rs` converts its
//! values; `markup.rs` reads HTML and SpreadsheetML, `docx.rs` Word tables; `xlsx_scan.rs`
//! finds an xlsx package's merges and formula hints by a byte scan, `recalc.rs` evaluates
//! placeholder formulas; `pos.rs` names a cell's position.

use std::path::Path;

mod dense;
pub mod docx;
mod markup;
mod model;
mod ods;
mod pos;
mod recalc;
mod sniff;
mod values;
mod xlsx;
mod xlsx_scan;

// `recalc.rs` rebuilds the merge index of a grid it enlarges.
use model::index_merges;
pub use model::{Cell, Grid, Region, Value};
pub use pos::{Pos, col_index, col_name};
use sniff::Format;
pub use xlsx::is_percent_format;

/// Rows and columns kept of one sheet; cells beyond are ignored (a form is ~60 × 12).
pub const MAX_ROWS: u32 = 5_000;
pub const MAX_COLS: u32 = 64;
/// Cells a reader that builds a dense range (calamine for .xls and .ods) may be asked to hold.
pub const MAX_DENSE_CELLS: u64 = 4_000_000;

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("无法读取文件：{}", io_message(.0))]
    Io(#[from] std::io::Error),
    #[error("文件过大：{size} 字节，超过上限 {limit} 字节")]
    TooLarge { size: u64, limit: u64 },
    #[error("压缩包解压后过大（疑似压缩炸弹）：{0}")]
    ZipBomb(String),
    #[error("工作表“{sheet}”的范围过大（{rows} 行 × {cols} 列），疑似异常文件，未读取")]
    SheetTooLarge { sheet: String, rows: u64, cols: u64 },
    #[error("加密文件：工作簿设有密码保护，无法读取")]
    Encrypted,
    #[error("空文件（0 字节）")]
    Empty,
    #[error("不是电子表格文件（无法识别的文件格式）")]
    NotSpreadsheet,
    #[error("文件已损坏或格式不受支持：{0}")]
    Corrupt(String),
    #[error("{0}无法读取：请在 Word、WPS 或 Excel 中另存为 .docx 或 .xlsx 后再核查")]
    OldFormat(&'static str),
}

/// An I/O error as the user should read it: a file locked by the program that has it open
/// (Windows' sharing and lock violations, os errors 32 and 33) says so.
fn io_message(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(32 | 33) if cfg!(windows) => {
            format!("文件正被其他程序（如 Excel、WPS）打开，请关闭后重新核查（{e}）")
        }
        _ => e.to_string(),
    }
}

/// Limits applied before a file is handed to calamine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    /// Total uncompressed size of a zip container.
    pub max_unzipped_bytes: u64,
    /// Uncompressed size of any one entry (a sheet of a form is a few KB).
    pub max_entry_bytes: u64,
    /// Uncompressed / compressed ratio of any entry above which the file is refused.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 << 20,
            max_unzipped_bytes: 500 << 20,
            max_entry_bytes: 100 << 20,
            max_ratio: 1000,
        }
    }
}

/// Read every worksheet of the workbook at `path` into grids.
pub fn read_workbook(path: &Path, limits: &Limits) -> Result<Vec<Grid>, ReadError> {
    read_bytes(&load(path, limits)?, limits)
}

/// The bytes of the file at `path`, refused unread when it is larger than the limit.
pub fn load(path: &Path, limits: &Limits) -> Result<Vec<u8>, ReadError> {
    let size = std::fs::metadata(path)?.len();
    if size > limits.max_file_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    Ok(std::fs::read(path)?)
}

/// Read an input named `name`: its format, told by its content, and its grids. A failure to
/// read a format no reader here knows (`.doc`, `.wps`, `.et` whose content is their own; one
/// saved as a workbook reads as one) names the format and says to save it again.
pub fn read_input(bytes: &[u8], name: &str, limits: &Limits) -> Result<(Format, Vec<Grid>), ReadError> {
    let result = read_format(bytes, limits);
    let Some(ext) = crate::formats::of_name(name).filter(|e| e.resave) else {
        return result;
    };
    match result {
        Err(ReadError::NotSpreadsheet | ReadError::Corrupt(_) | ReadError::OldFormat(_)) => {
            Err(ReadError::OldFormat(ext.label))
        }
        other => other,
    }
}

/// Read a workbook held in memory (see [`read_workbook`]).
pub fn read_bytes(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, ReadError> {
    read_format(bytes, limits).map(|(_, grids)| grids)
}

/// The format of a file held in memory, by its content, and its grids.
fn read_format(bytes: &[u8], limits: &Limits) -> Result<(Format, Vec<Grid>), ReadError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_file_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    let format = sniff::sniff(bytes, limits)?;
    let grids = match format {
        Format::Html => markup::read_html(bytes),
        Format::SpreadsheetMl => markup::read_spreadsheetml(bytes),
        Format::Xlsx => xlsx::read(bytes, limits),
        Format::Ods => ods::read(bytes),
        Format::Docx => docx::read_docx(bytes, limits.max_entry_bytes),
        Format::Cfb => dense::read_cfb(bytes),
    }?;
    Ok((format, grids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_spreadsheet() {
        let err = read_bytes(b"hello", &Limits::default()).unwrap_err();
        assert!(matches!(err, ReadError::NotSpreadsheet));
    }
}
