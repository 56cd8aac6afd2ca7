//! The batch as a whole on `tests/fixtures/batch/` (made by `make_batch.py` from the
//! seed): a form and its corrected resubmission, last year's form sent by mistake, a project whose
//! indicators were copied from another, and a second department. Expectations worked by hand.

mod common;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use jixiao::rules::Code;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/batch")
}

#[test]
fn resubmissions_wrong_years_and_copies_are_found() {
    let (report, exit) = common::check(&dir());
    assert_eq!(exit, 1, "the first submission's mistyped 执行率 is an error");
    let found: Vec<(Code, Vec<String>, String, String)> = report
        .batch
        .iter()
        .map(|f| (f.code, f.files.clone(), f.reported.clone(), f.expected.clone()))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        vec![
            (
                Code::DuplicateForm,
                s(&["定额公用经费.xlsx", "定额公用经费（修改后）.xlsx"]),
                "2".into(),
                "1".into()
            ),
            (
                Code::YearMismatch,
                s(&["项目工作经费_2023.xlsx"]),
                "2023".into(),
                "2024".into()
            ),
            (
                Code::CopiedIndicators,
                s(&[
                    "会议培训经费.xlsx",
                    "定额公用经费.xlsx",
                    "定额公用经费（修改后）.xlsx"
                ]),
                "2".into(),
                String::new()
            ),
        ]
    );
    let duplicate = &report.batch[0].message;
    assert!(duplicate.contains("不同的数字：执行率；"), "{duplicate}");
    assert!(
        duplicate.contains("按填报日期 2025-02-20，最新的是 定额公用经费（修改后）.xlsx"),
        "{duplicate}"
    );
    // Counted like any finding of their severity: 1 error (the rate); warnings: two cost
    // findings, the duplicate and the year; copied-indicators is info.
    assert_eq!((report.summary.errors, report.summary.warnings), (1, 4));
}

#[test]
fn a_configured_year_and_severities_apply_to_batch_codes() {
    let out = common::bin()
        .args([
            "check",
            "--json",
            "-q",
            "--year",
            "2023",
            "--severity",
            "duplicate-form=error",
        ])
        .arg(dir())
        .output()
        .expect("run");
    let report: jixiao::report::Report = serde_json::from_slice(&out.stdout).expect("report");
    let years: Vec<&str> = report
        .batch
        .iter()
        .filter(|f| f.code == Code::YearMismatch)
        .map(|f| f.files[0].as_str())
        .collect();
    assert_eq!(
        years.len(),
        4,
        "every 2024 form differs from the configured 2023: {years:?}"
    );
    let dup = report
        .batch
        .iter()
        .find(|f| f.code == Code::DuplicateForm)
        .expect("duplicate");
    assert_eq!(dup.severity, jixiao::rules::Severity::Error);
}

#[test]
fn the_text_output_lists_the_batch_after_the_files() {
    let out = common::bin().arg("check").arg(dir()).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let batch = text.find("本批文件整体：").expect("a batch block");
    let last_file = text.rfind("项目工作经费_2023.xlsx [").expect("the file lines");
    assert!(last_file < batch && batch < text.find("共 5 个文件").expect("the tally"));
}

fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    range.get((row, col)).cloned().unwrap_or(Data::Empty)
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn the_summary_has_the_batch_and_a_row_per_department() {
    let out = tempfile::tempdir().expect("temp");
    let status = common::bin()
        .arg("fix")
        .arg(dir())
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .status()
        .expect("fix");
    assert_eq!(status.code(), Some(1));
    let mut wb: Xlsx<_> = open_workbook(out.path().join("summary.xlsx")).expect("summary");
    let batch = wb.worksheet_range("批次问题").expect("批次问题");
    assert_eq!(cell(&batch, 1, 0), Data::String("duplicate-form".into()));
    assert_eq!(cell(&batch, 2, 0), Data::String("year-mismatch".into()));
    assert_eq!(cell(&batch, 3, 0), Data::String("copied-indicators".into()));

    let depts = wb.worksheet_range("按部门").expect("按部门");
    // Worst first: [197] has the file with an error.
    assert_eq!(
        cell(&depts, 1, 0),
        Data::String("[197]中共黔南州委社会工作部".into())
    );
    let row: Vec<Data> = (0..12).map(|c| cell(&depts, 1, c)).collect();
    // 4 forms, 1 file with errors, 4 优 (核定), mean 总分 (99.84 × 3 + 99.92) ÷ 4 = 99.86,
    // 全年预算数 200,000 × 3 + 100,000, 全年执行数 196,876.30 × 3 + 99,193.53 = 689,822.43,
    // 执行率 689,822.43 ÷ 700,000 = 98.546… → 98.55.
    let expected = [4.0, 1.0, 4.0, 0.0, 0.0, 0.0, 99.86, 700000.0, 689822.43, 98.55];
    for (i, want) in expected.iter().enumerate() {
        assert!(
            (number(&row[i + 1]) - want).abs() < 0.005,
            "column {}: {:?} ≠ {want}",
            i + 1,
            row[i + 1]
        );
    }
    assert_eq!(row[11], Data::String("执行率有误 1，成本指标超过执行数 1".into()));
    assert_eq!(cell(&depts, 2, 0), Data::String("[198]某某县财政局".into()));
    assert!((number(&cell(&depts, 2, 10)) - 99.19).abs() < 0.005);
    // 统计 holds the 执行率 histogram: every form is in 90–100 %.
    let stats = wb.worksheet_range("统计").expect("统计");
    let band = (0..stats.height())
        .find(|r| cell(&stats, *r, 0) == Data::String("90–100%".into()))
        .expect("the 90–100% band");
    assert!((number(&cell(&stats, band, 1)) - 5.0).abs() < 0.5);
}
