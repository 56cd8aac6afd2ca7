//! The corrected workbooks in the standard template (`fix --standard`) and the summary, opened
//! by a real spreadsheet program: LibreOffice headless loads each file, recalculates every
//! formula and saves it; calamine then reads both files and every formula's recalculated value
//! must equal the value we cached. (Reissued workbooks: tests/reissue.rs.)
//!
//! Without `soffice` on the machine the test says it was skipped; with `CI=true` a missing
//! `soffice` fails it, so CI can never skip it silently.

mod common;

use std::path::PathBuf;

use calamine::Data;
use common::libreoffice::{formulas, recalculate, recalculating_profile, same, soffice_or_skip, value};
use common::{bin, find, samples};

#[test]
fn libreoffice_recalculates_every_formula_to_the_cached_value() {
    let Some(soffice) = soffice_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let status = bin()
        .arg("fix")
        .arg("--standard")
        .arg(samples())
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .status()
        .expect("fix");
    assert_eq!(status.code(), Some(1));
    let profile = recalculating_profile(tmp.path());

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
