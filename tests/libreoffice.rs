//! The corrected workbooks and the summary, opened by a real spreadsheet program: LibreOffice
//! headless loads each file, recalculates every formula and saves it; calamine then reads both
//! files and every formula's recalculated value must equal the value we cached.
//!
//! Without `soffice` on the machine the test says it was skipped; with `CI=true` a missing
//! `soffice` fails it, so CI can never skip it silently.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{bin, find, samples};

/// LibreOffice's setting "recalculate on load: always" for OOXML and ODF files.
const RECALC_ALWAYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("soffice"))
        .find(|p| p.is_file())
}

/// Let LibreOffice open `file`, recalculate and save it as xlsx into `dir`.
fn recalculate(soffice: &Path, profile: &Path, file: &Path, dir: &Path) -> PathBuf {
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
fn formulas(path: &Path) -> Vec<(String, u32, u32, String)> {
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

fn value(path: &Path, sheet: &str, row: u32, col: u32) -> Data {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range(sheet).expect("sheet");
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// Two cell values agree to the cent (LibreOffice may store 98.44 as 98.44000000000001).
fn same(a: &Data, b: &Data) -> bool {
    match (a, b) {
        (Data::Float(x), Data::Float(y)) => (x - y).abs() < 0.000_5,
        (Data::Int(x), Data::Float(y)) | (Data::Float(y), Data::Int(x)) => (*x as f64 - y).abs() < 0.000_5,
        _ => a == b,
    }
}

#[test]
fn libreoffice_recalculates_every_formula_to_the_cached_value() {
    let Some(soffice) = soffice() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "soffice is missing in CI: .ci/run must install libreoffice-calc-nogui"
        );
        eprintln!("SKIPPED: soffice (LibreOffice) is not installed; this test needs it");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let status = bin()
        .arg("fix")
        .arg(samples())
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .status()
        .expect("fix");
    assert_eq!(status.code(), Some(1));
    let profile = tmp.path().join("profile");
    std::fs::create_dir_all(profile.join("user")).expect("profile");
    std::fs::write(profile.join("user/registrymodifications.xcu"), RECALC_ALWAYS).expect("profile");

    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&out)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        7,
        "six corrected workbooks and the summary: {files:?}"
    );
    let mut checked = 0;
    for (i, file) in files.iter().enumerate() {
        let dir = tmp.path().join(format!("recalc{i}"));
        let recalced = recalculate(&soffice, &profile, file, &dir);
        for (sheet, row, col, formula) in formulas(file) {
            let cached = value(file, &sheet, row, col);
            let fresh = value(&recalced, &sheet, row, col);
            assert!(
                same(&cached, &fresh),
                "{} [{sheet}] ({row},{col}) ={formula}: cached {cached:?}, LibreOffice {fresh:?}",
                file.display()
            );
            checked += 1;
        }
    }
    // 执行率, 预算执行率得分, 总分 and the grade on each of the seven forms at least.
    assert!(checked >= 28, "only {checked} formulas found");

    // And the recalculated figures are the expected ones.
    let dir = tmp.path().join("expected");
    let rate = recalculate(&soffice, &profile, &out.join("mistakes/wrong_rate.xlsx"), &dir);
    let (r, c) = find(&rate, "定额公用经费", "年度资金总额", "执行率");
    assert!(same(&value(&rate, "定额公用经费", r, c), &Data::Float(98.44)));
    let score = recalculate(
        &soffice,
        &profile,
        &out.join("mistakes/wrong_execution_score.xlsx"),
        &dir,
    );
    let (r, c) = find(&score, "项目工作经费", "年度资金总额", "得分");
    assert!(same(&value(&score, "项目工作经费", r, c), &Data::Float(9.92)));
    let (r, c) = find(&score, "项目工作经费", "总分", "得分");
    assert!(same(&value(&score, "项目工作经费", r, c), &Data::Float(99.92)));
    // The grade beside 总分 follows it.
    let grade = recalculate(
        &soffice,
        &profile,
        &out.join("mistakes/total_and_grade.xlsx"),
        &dir,
    );
    let (r, c) = find(&grade, "项目工作经费", "总分", "得分");
    assert_eq!(
        value(&grade, "项目工作经费", r, c + 1),
        Data::String("等级：优".into())
    );
}
