//! Stage 2: read a workbook's sheets into bounded grids of cells plus merged regions.
//!
//! This is the only module that talks to calamine and the one numeric boundary of the crate:
//! spreadsheet floats become `Decimal` here (via [`num::from_f64`], 15 significant digits) and
//! nothing downstream sees an `f64`. The format is sniffed from the file's first bytes, not its
//! extension, and a sheet is kept only inside a bounded area, so a hostile file cannot make us
//! allocate a grid sized by its claimed dimensions.
//!
//! A workbook written by a program that does not calculate asks to be recalculated on opening
//! and stores placeholder formula results (0, or nothing): those formulas are evaluated over the
//! grid (`recalc.rs`, with [`crate::formula`]); the ones that cannot be are kept as stored and
//! named by [`Grid::unevaluated`]. A workbook saved by Excel, WPS or LibreOffice is read as
//! stored.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

use calamine::{Data, DataRef, Dimensions, Ods, Range, Reader, SheetVisible, Xls, Xlsx};
use rust_decimal::Decimal;

use crate::grammar::Date;
use crate::num;

pub mod docx;
mod markup;
mod pos;
mod recalc;
mod xlsx_scan;

pub use pos::{Pos, col_name};

/// Rows and columns kept of one sheet; cells beyond are ignored (a form is ~60 × 12).
pub const MAX_ROWS: u32 = 5_000;
pub const MAX_COLS: u32 = 64;
/// Cells a reader that builds a dense range (calamine for .xls and .ods) may be asked to hold.
pub const MAX_DENSE_CELLS: u64 = 4_000_000;

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
        f.write_str(&self.text())
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
    width: u32,
    height: u32,
    cells: Vec<Cell>,
    pub merges: Vec<Region>,
    /// For each cell of the grid, 1 + the index of the merged region covering it (0: none), so
    /// `merge_at` is a lookup; empty when the regions overlap too much to be worth indexing.
    merge_index: Vec<u32>,
    /// Formula cells whose stored result is not a usable figure and which were not evaluated,
    /// sorted in sheet order, with their formula text ([`Grid::unevaluated`]).
    unevaluated: Vec<(u32, u32, String)>,
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
fn index_merges(merges: &[Region], width: u32, height: u32) -> Vec<u32> {
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

/// The container format, from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// An HTML table saved as `.xls` (a budget system's export).
    Html,
    /// Excel 2003 XML Spreadsheet saved as `.xls`.
    SpreadsheetMl,
    Xlsx,
    Ods,
    /// A Word document: its tables are read ([`docx`]).
    Docx,
    Cfb,
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

/// [`read_bytes`] for a file named `name`: a failure to read a `.doc`, `.wps` or `.et` names the
/// format and says how to re-save it (their content is read when a reader knows it: an `.et`
/// saved as a workbook is one).
pub fn read_named(bytes: &[u8], name: &str, limits: &Limits) -> Result<Vec<Grid>, ReadError> {
    let result = read_bytes(bytes, limits);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let format = match ext.as_str() {
        "doc" => "Word 97–2003 文档（.doc）",
        "wps" => "WPS 文字文档（.wps）",
        "et" => "WPS 表格文件（.et）",
        _ => return result,
    };
    match result {
        Err(ReadError::NotSpreadsheet | ReadError::Corrupt(_) | ReadError::OldFormat(_)) => {
            Err(ReadError::OldFormat(format))
        }
        other => other,
    }
}

/// Read a workbook held in memory (see [`read_workbook`]).
pub fn read_bytes(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, ReadError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_file_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    match sniff(bytes, limits)? {
        Format::Html => markup::read_html(bytes),
        Format::SpreadsheetMl => markup::read_spreadsheetml(bytes),
        Format::Xlsx => {
            let scan = xlsx_scan::scan(bytes, limits.max_entry_bytes);
            match read_xlsx(Cursor::new(bytes), scan) {
                // calamine looks for `xl/./worksheets/sheet1.xml` when a relationship targets
                // `./worksheets/sheet1.xml`: read again the package with such targets written
                // plainly, if it has any (its sizes were checked by `sniff`).
                Err(ReadError::Corrupt(why)) => {
                    match xlsx_scan::normalise_targets(bytes, limits.max_entry_bytes) {
                        Ok(Some(normalised)) => {
                            let scan = xlsx_scan::scan(&normalised, limits.max_entry_bytes);
                            read_xlsx(Cursor::new(normalised.as_slice()), scan)
                        }
                        _ => Err(ReadError::Corrupt(why)),
                    }
                }
                read => read,
            }
        }
        Format::Ods => {
            let extras = ods_scan(bytes)?;
            read_ods(Cursor::new(bytes), extras)
        }
        Format::Docx => docx::read_docx(bytes, limits.max_entry_bytes),
        Format::Cfb => read_cfb(bytes),
    }
}

fn sniff(bytes: &[u8], limits: &Limits) -> Result<Format, ReadError> {
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

fn read_cfb(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    // A Word 97–2003 document (.doc, and WPS documents saved in its format) is an OLE container
    // too: its stream `WordDocument` names it.
    let word: Vec<u8> = "WordDocument".encode_utf16().flat_map(u16::to_le_bytes).collect();
    if memchr::memmem::find(bytes, &word).is_some() {
        return Err(ReadError::OldFormat("Word 97–2003 文档（.doc）"));
    }
    // An OLE container is either a legacy .xls or an encrypted OOXML package; calamine's typed
    // Xlsx reader recognises the latter and says so.
    if let Err(calamine::XlsxError::Password) = Xlsx::new(Cursor::new(bytes)) {
        return Err(ReadError::Encrypted);
    }
    let mut xls = match Xls::new(Cursor::new(bytes)) {
        Ok(x) => x,
        Err(calamine::XlsError::Password) => return Err(ReadError::Encrypted),
        Err(e) => return Err(ReadError::Corrupt(e.to_string())),
    };
    // calamine reads no number formats from .xls: no cell is known to show a percent.
    dense_sheets(&mut xls, false, |xls, name| {
        let merges = xls.merge_cells_by_sheet_name(name).unwrap_or_default();
        (regions(&merges), HashSet::new())
    })
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

/// Every worksheet of a reader that builds dense ranges (.xls, .ods) as a grid; `extras` gives a
/// sheet's merged regions and its percent-formatted cells, which the formats expose differently.
fn dense_sheets<RS: Read + Seek, R: Reader<RS>>(
    reader: &mut R,
    formats_known: bool,
    mut extras: impl FnMut(&mut R, &str) -> (Vec<Region>, HashSet<(u32, u32)>),
) -> Result<Vec<Grid>, ReadError>
where
    R::Error: std::fmt::Display,
{
    let sheets = visible_sheets(reader.sheets_metadata());
    let mut grids = Vec::new();
    for (name, hidden) in sheets {
        let range = reader
            .worksheet_range(&name)
            .map_err(|e| ReadError::Corrupt(e.to_string()))?;
        let (merges, percents) = extras(reader, &name);
        let mut grid = grid_from_range(&name, &range, merges, |r, c| percents.contains(&(r, c)));
        grid.hidden = hidden;
        grid.formats_known = formats_known;
        grids.push(grid);
    }
    Ok(grids)
}

/// `scan`: what `xlsx_scan::scan` found of the package. A sheet it could not read has its merged
/// regions from calamine, which parses the sheet again for them.
fn read_xlsx<RS: Read + Seek>(rs: RS, scan: xlsx_scan::Scan) -> Result<Vec<Grid>, ReadError> {
    let mut xlsx = match Xlsx::new(rs) {
        Ok(x) => x,
        Err(calamine::XlsxError::Password) => return Err(ReadError::Encrypted),
        Err(e) => return Err(ReadError::Corrupt(e.to_string())),
    };
    let recalc = scan.recalc_on_load;
    let mut scanned = scan.sheets;
    let sheets = visible_sheets(xlsx.sheets_metadata());
    let mut grids = Vec::new();
    for (name, hidden) in sheets {
        // Stream the cells: a dense range would be sized by the sheet's claimed extent.
        let mut cells = Vec::new();
        {
            let mut reader = xlsx
                .worksheet_cells_reader(&name)
                .map_err(|e| ReadError::Corrupt(e.to_string()))?;
            let percent_styles: Vec<bool> = reader
                .styles()
                .iter()
                .map(|s| {
                    s.number_format
                        .as_ref()
                        .is_some_and(|f| is_percent_format(&f.format_code))
                })
                .collect();
            while let Some((cell, style)) = reader
                .next_cell_with_style_id()
                .map_err(|e| ReadError::Corrupt(e.to_string()))?
            {
                let (row, col) = cell.get_position();
                if row >= MAX_ROWS || col >= MAX_COLS {
                    continue;
                }
                let value = value_of_ref(cell.get_value());
                let percent = percent_styles.get(style).copied().unwrap_or(false);
                cells.push((row, col, Cell { value, percent }));
            }
        }
        let (regions, hint) = match scanned.as_mut().and_then(|m| m.remove(&name)) {
            Some(found) => (found.merges, found.formulas),
            None => (
                regions(&xlsx.merge_cells_by_sheet_name(&name).unwrap_or_default()),
                xlsx_scan::FormulaHint::UNKNOWN,
            ),
        };
        let mut grid = Grid::from_cells(&name, cells, regions);
        grid.hidden = hidden;
        grid.formats_known = true;
        // A second pass, for the formulas, only where a stored result may be a placeholder.
        if recalc && (hint.zero || hint.uncached) {
            grid.recalculate(placeholder_formulas(&mut xlsx, &name, true));
        } else if hint.uncached {
            // Asked for no recalculation, a formula saved without its result is not evaluated
            // either: the cell reads blank, and is known to be a formula.
            for (row, col, formula) in placeholder_formulas(&mut xlsx, &name, false) {
                grid.set_unevaluated(row, col, formula);
            }
        }
        grids.push(grid);
    }
    Ok(grids)
}

/// The formula cells of an xlsx sheet (inside the bounded area) that store no result — or,
/// with `zero`, a result of 0 — with their formula text (shared formulas expanded by calamine).
fn placeholder_formulas<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    sheet: &str,
    zero: bool,
) -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    let Ok(mut reader) = xlsx.worksheet_cells_reader(sheet) else {
        return found;
    };
    while let Ok(Some(cell)) = reader.next_cell_with_formula() {
        let (row, col) = cell.pos;
        // calamine's boundary: a stored 0 is exactly zero as a float.
        let placeholder = match cell.value {
            DataRef::Empty => true,
            DataRef::Int(i) => zero && i == 0,
            DataRef::Float(f) => zero && f == 0.0,
            DataRef::DateTime(dt) => zero && dt.as_f64() == 0.0,
            _ => false,
        };
        if placeholder
            && row < MAX_ROWS
            && col < MAX_COLS
            && let Some(formula) = cell.formula.filter(|f| !f.trim().is_empty())
        {
            found.push((row, col, formula));
        }
    }
    found
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
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| quick_xml::escape::unescape(&a.value).ok().map(|v| v.into_owned()))
    };
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

/// Worksheet names with their hidden flag (chart and macro sheets hold no form).
fn visible_sheets(meta: &[calamine::Sheet]) -> Vec<(String, bool)> {
    meta.iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect()
}

fn regions(dims: &[Dimensions]) -> Vec<Region> {
    dims.iter()
        .map(|d| Region {
            top: d.start.0,
            left: d.start.1,
            bottom: d.end.0,
            right: d.end.1,
        })
        .collect()
}

/// A grid from a dense calamine range; `percent` says which cells show a percent format.
fn grid_from_range(
    name: &str,
    range: &Range<Data>,
    merges: Vec<Region>,
    percent: impl Fn(u32, u32) -> bool,
) -> Grid {
    let cells = range.used_cells().filter_map(|(r, c, data)| {
        let (row, col) = (range.start()?.0 + r as u32, range.start()?.1 + c as u32);
        Some((
            row,
            col,
            Cell {
                value: value_of(data),
                percent: percent(row, col),
            },
        ))
    });
    Grid::from_cells(name, cells, merges)
}

/// True when an Excel number format code shows a percent (a `%` outside quotes and escapes).
pub fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for ch in code.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

fn value_of(data: &Data) -> Value {
    match data {
        Data::Empty => Value::Empty,
        Data::Int(i) => Value::Number(Decimal::from(*i)),
        Data::Float(f) => float(*f),
        Data::String(s) => Value::Text(s.clone()),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => excel_date(dt.as_f64(), dt.is_datetime()),
        Data::DateTimeIso(s) => Value::Text(s.clone()),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    }
}

fn value_of_ref(data: &DataRef<'_>) -> Value {
    match data {
        DataRef::Empty => Value::Empty,
        DataRef::Int(i) => Value::Number(Decimal::from(*i)),
        DataRef::Float(f) => float(*f),
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) => Value::Text((*s).to_string()),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => excel_date(dt.as_f64(), dt.is_datetime()),
        DataRef::DateTimeIso(s) => Value::Text(s.clone()),
        DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::Error(e) => Value::Error(e.to_string()),
    }
}

fn float(f: f64) -> Value {
    match num::from_f64(f) {
        Some(d) => Value::Number(d),
        None => Value::Unrepresentable(excel_scientific(f)),
    }
}

/// A float in Excel's scientific display: `1E+300`, `-2.5E+40`.
fn excel_scientific(f: f64) -> String {
    if !f.is_finite() {
        return "#NUM!".to_string();
    }
    let s = format!("{f:E}");
    match s.split_once('E') {
        Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}E+{exp}"),
        _ => s,
    }
}

/// A date-formatted serial (1900 date system) as a calendar date; a duration stays a number.
fn excel_date(serial: f64, is_date: bool) -> Value {
    if !is_date || !(1.0..2_958_466.0).contains(&serial) {
        return float(serial);
    }
    // Serial 1 is 1900-01-01 and Excel counts a 1900-02-29 that never was: days since
    // 1899-12-30 are right from 1900-03-01 on.
    let days = serial.floor() as i64 + if serial < 61.0 { 1 } else { 0 };
    let (year, month, day) = civil_from_days(days - 25_569);
    Value::Date(Date { year, month, day })
}

/// Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serial_dates() {
        assert_eq!(
            excel_date(45657.0, true),
            Value::Date(Date {
                year: 2024,
                month: 12,
                day: 31
            })
        );
        assert_eq!(
            excel_date(45699.0, true),
            Value::Date(Date {
                year: 2025,
                month: 2,
                day: 11
            })
        );
        assert_eq!(
            excel_date(61.0, true),
            Value::Date(Date {
                year: 1900,
                month: 3,
                day: 1
            })
        );
    }

    #[test]
    fn percent_formats() {
        assert!(is_percent_format("0.00%"));
        assert!(!is_percent_format("0.00\"%\""));
        assert!(!is_percent_format("#,##0.00"));
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

    #[test]
    fn garbage_is_not_a_spreadsheet() {
        let err = read_bytes(b"hello", &Limits::default()).unwrap_err();
        assert!(matches!(err, ReadError::NotSpreadsheet));
    }
}

#[cfg(test)]
mod hostile {
    use std::io::Write;

    use super::*;

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
