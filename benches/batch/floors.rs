//! The floors jixiao is measured against, over the same files with a rayon pool of the same size:
//! A, calamine reading every sheet's cells and merged regions; B, rust_xlsxwriter writing as
//! many workbooks of the same content with no logic; C, a byte copy of every input (what
//! reissuing a unit's own workbook cannot do without: its bytes written again).

use std::fs;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use rayon::prelude::*;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::Error;

pub(crate) fn pool(jobs: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("thread pool")
}

/// Floor A: calamine opens each workbook, reads every sheet's cells and merged regions.
/// Returns the number of non-empty cells plus regions seen (so nothing is optimised away).
pub(crate) fn floor_read(pool: &rayon::ThreadPool, files: &[PathBuf]) -> Result<usize, Error> {
    pool.install(|| {
        files
            .par_iter()
            .map(|path| -> Result<usize, String> {
                let mut xlsx: Xlsx<_> =
                    open_workbook(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let mut seen = 0;
                for name in xlsx.sheet_names() {
                    let range = xlsx.worksheet_range(&name).map_err(|e| e.to_string())?;
                    seen += range.used_cells().count();
                    seen += xlsx
                        .merge_cells_by_sheet_name(&name)
                        .map_err(|e| e.to_string())?
                        .len();
                }
                Ok(std::hint::black_box(seen))
            })
            .sum::<Result<usize, String>>()
            .map_err(Into::into)
    })
}

/// The content of one input workbook (sheets, cells, merges), read once before timing, which
/// floor B writes again and again.
pub(crate) struct Template {
    pub(crate) sheets: Vec<SheetTemplate>,
}

pub(crate) struct SheetTemplate {
    name: String,
    cells: Vec<(u32, u16, Data)>,
    merges: Vec<(u32, u16, u32, u16)>,
}

impl Template {
    pub(crate) fn read(path: &Path) -> Result<Template, Error> {
        let mut xlsx: Xlsx<_> = open_workbook(path)?;
        let mut sheets = Vec::new();
        for name in xlsx.sheet_names() {
            let range = xlsx.worksheet_range(&name)?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let cells = range
                .used_cells()
                .map(|(r, c, d)| (r0 + r as u32, (c0 as usize + c) as u16, d.clone()))
                .collect();
            let merges = xlsx
                .merge_cells_by_sheet_name(&name)?
                .iter()
                .map(|d| (d.start.0, d.start.1 as u16, d.end.0, d.end.1 as u16))
                .collect();
            sheets.push(SheetTemplate { name, cells, merges });
        }
        Ok(Template { sheets })
    }

    pub(crate) fn cells(&self) -> usize {
        self.sheets.iter().map(|s| s.cells.len()).sum()
    }

    pub(crate) fn merges(&self) -> usize {
        self.sheets.iter().map(|s| s.merges.len()).sum()
    }
}

/// Floor C: every input copied byte for byte to its target.
pub(crate) fn floor_copy(
    pool: &rayon::ThreadPool,
    files: &[PathBuf],
    targets: &[PathBuf],
) -> Result<(), Error> {
    pool.install(|| {
        files
            .par_iter()
            .zip(targets)
            .try_for_each(|(from, to)| -> Result<(), String> {
                fs::copy(from, to)
                    .map(drop)
                    .map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))
            })
    })?;
    Ok(())
}

/// Floor B: rust_xlsxwriter writes the template's sheets, cells and merges (one format, 宋体
/// with thin borders) to each target, no logic. Buffer, then one write per file.
pub(crate) fn floor_write(
    pool: &rayon::ThreadPool,
    template: &Template,
    targets: &[PathBuf],
) -> Result<(), Error> {
    pool.install(|| {
        targets.par_iter().try_for_each(|path| -> Result<(), String> {
            let bytes = write_one(template).map_err(|e| e.to_string())?;
            fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
        })
    })?;
    Ok(())
}

fn write_one(template: &Template) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let format = Format::new()
        .set_font_name("宋体")
        .set_font_size(10)
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let mut wb = Workbook::new();
    for sheet in &template.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        for &(r1, c1, r2, c2) in &sheet.merges {
            ws.merge_range(r1, c1, r2, c2, "", &format)?;
        }
        for (r, c, d) in &sheet.cells {
            match d {
                Data::Float(f) => ws.write_number_with_format(*r, *c, *f, &format)?,
                Data::Int(i) => ws.write_number_with_format(*r, *c, *i as f64, &format)?,
                Data::DateTime(dt) => ws.write_number_with_format(*r, *c, dt.as_f64(), &format)?,
                Data::Bool(b) => ws.write_boolean_with_format(*r, *c, *b, &format)?,
                other => ws.write_string_with_format(*r, *c, other.to_string(), &format)?,
            };
        }
    }
    wb.save_to_buffer()
}
