//! Helpers shared by the integration tests: run the built binary, read its report, and read
//! workbooks back with calamine (never with our own reader).
#![allow(dead_code)]

pub mod libreoffice;

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use jixiao::report::{FormReport, Report};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
}

pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// `jixiao check --json PATH`: the parsed report and the exit code.
pub fn check(path: &Path) -> (Report, i32) {
    let out = bin()
        .arg("check")
        .arg("--json")
        .arg(path)
        .output()
        .expect("run jixiao");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "report is not valid JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().expect("exit code"))
}

pub fn form<'a>(report: &'a Report, sheet: &str) -> &'a FormReport {
    report
        .files
        .iter()
        .flat_map(|f| &f.forms)
        .find(|f| f.sheet == sheet)
        .unwrap_or_else(|| panic!("no form on sheet {sheet}"))
}

/// Every text cell of a sheet, whitespace removed.
pub fn texts(path: &Path, sheet: &str) -> Vec<String> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range(sheet).expect("sheet");
    range
        .used_cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.chars().filter(|c| !c.is_whitespace()).collect()),
            _ => None,
        })
        .collect()
}

/// The cell at the row whose label starts with `row_label` and the column headed `col_label`
/// (the nearest header above that row).
pub fn find(path: &Path, sheet: &str, row_label: &str, col_label: &str) -> (u32, u32) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range(sheet).expect("sheet");
    let norm = |d: &Data| match d {
        Data::String(s) => s.chars().filter(|c| !c.is_whitespace()).collect::<String>(),
        _ => String::new(),
    };
    let (row, _, _) = range
        .used_cells()
        .find(|(_, _, d)| norm(d).starts_with(row_label))
        .unwrap_or_else(|| panic!("no row labelled {row_label}"));
    let (_, col, _) = range
        .used_cells()
        .rfind(|(r, _, d)| *r < row && norm(d) == col_label)
        .unwrap_or_else(|| panic!("no column headed {col_label}"));
    let start = range.start().expect("non-empty");
    (start.0 + row as u32, start.1 + col as u32)
}

pub fn cell(path: &Path, sheet: &str, row: u32, col: u32) -> Data {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range(sheet).expect("sheet");
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// A name every file system can hold, judged here independently of jixiao: at most 255 bytes,
/// none of Windows' forbidden characters, no trailing dot or space, no device name.
pub fn portable(component: &str) -> bool {
    let device = component
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&device.as_str())
        || ((device.starts_with("COM") || device.starts_with("LPT"))
            && device.len() == 4
            && device.as_bytes()[3].is_ascii_digit());
    !component.is_empty()
        && component.len() <= 255
        && !component.chars().any(|c| c < ' ' || "<>:\"/\\|?*".contains(c))
        && !component.ends_with(['.', ' '])
        && !reserved
}
