//! LibreOffice as a real spreadsheet program for the tests: open a workbook headless with
//! "recalculate on load: always", save it again, and read what it computed.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};

/// LibreOffice's setting "recalculate on load: always" for OOXML and ODF files.
pub const RECALC_ALWAYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

pub fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("soffice"))
        .find(|p| p.is_file())
}

/// Let LibreOffice open `file`, recalculate and save it as xlsx into `dir`.
pub fn recalculate(soffice: &Path, profile: &Path, file: &Path, dir: &Path) -> PathBuf {
    let status = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--norestore", "--convert-to", "xlsx", "--outdir"])
        .arg(dir)
        .arg(file)
        .output()
        .expect("run soffice");
    let out = dir.join(file.file_name().expect("file name"));
    assert!(
        out.is_file(),
        "LibreOffice could not open {}: {}",
        file.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    out
}

/// Every formula cell of every sheet: (sheet, row, col, formula).
pub fn formulas(path: &Path) -> Vec<(String, u32, u32, String)> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let mut out = Vec::new();
    for sheet in wb.sheet_names() {
        let range = wb.worksheet_formula(&sheet).expect("formulas");
        let start = range.start().unwrap_or((0, 0));
        for (r, c, f) in range.used_cells() {
            if !f.is_empty() {
                out.push((sheet.clone(), start.0 + r as u32, start.1 + c as u32, f.clone()));
            }
        }
    }
    out
}

pub fn value(path: &Path, sheet: &str, row: u32, col: u32) -> Data {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range(sheet).expect("sheet");
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// Two cell values agree to the cent (LibreOffice may store 98.44 as 98.44000000000001).
pub fn same(a: &Data, b: &Data) -> bool {
    match (a, b) {
        (Data::Float(x), Data::Float(y)) => (x - y).abs() < 0.000_5,
        (Data::Int(x), Data::Float(y)) | (Data::Float(y), Data::Int(x)) => (*x as f64 - y).abs() < 0.000_5,
        _ => a == b,
    }
}

/// `soffice`, or `None` with a note that the test was skipped; in CI a missing `soffice` fails
/// the test instead, so CI can never skip it silently.
pub fn soffice_or_skip() -> Option<PathBuf> {
    let found = soffice();
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "soffice is missing in CI: .ci/run must install libreoffice-calc-nogui"
        );
        eprintln!("SKIPPED: soffice (LibreOffice) is not installed; this test needs it");
    }
    found
}

/// A LibreOffice profile under `dir` that recalculates every formula on load.
pub fn recalculating_profile(dir: &Path) -> PathBuf {
    let profile = dir.join("profile");
    std::fs::create_dir_all(profile.join("user")).expect("profile");
    std::fs::write(profile.join("user/registrymodifications.xcu"), RECALC_ALWAYS).expect("profile");
    profile
}
