//! End-to-end: run the built binary on the shipped `samples/` and assert the figures and
//! findings a finance officer would read, from the JSON report; then `fix` them and read the
//! corrected workbooks back with calamine.

mod common;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{bin, cell, check, find, form, samples, texts};
use jixiao::report::{FormReport, Report, Status};

fn codes(form: &FormReport) -> Vec<(&str, &str)> {
    form.findings
        .iter()
        .map(|f| (f.code.as_str(), f.cell.as_str()))
        .collect()
}

fn figures(form: &FormReport) -> [Option<&str>; 4] {
    [
        form.execution_rate.as_deref(),
        form.execution_score.as_deref(),
        form.total.as_deref(),
        form.grade.as_deref(),
    ]
}

#[test]
fn seed_forms_read_as_published() {
    let (report, code) = check(&samples().join("seed_2024.xlsx"));
    assert_eq!(code, 0, "warnings only: exit 0");
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].status, Status::Findings);

    let a = form(&report, "定额公用经费");
    assert_eq!(a.project, "定额公用经费");
    assert_eq!(a.department, "[197]中共黔南州委社会工作部");
    assert_eq!(a.budget.as_deref(), Some("200000"));
    assert_eq!(a.executed.as_deref(), Some("196876.3"));
    assert_eq!(
        figures(a),
        [Some("98.44"), Some("9.84"), Some("99.84"), Some("优")]
    );
    assert_eq!(a.total_reported.as_deref(), Some("99.84"));
    assert_eq!(a.grade_reported.as_deref(), Some("优"));
    assert!(
        a.findings.is_empty(),
        "定额公用经费 has no finding: {:?}",
        a.findings
    );

    let b = form(&report, "项目工作经费");
    assert_eq!(
        figures(b),
        [Some("99.19"), Some("9.92"), Some("99.92"), Some("优")]
    );
    assert_eq!(b.findings.len(), 1, "{:?}", b.findings);
    let f = &b.findings[0];
    assert_eq!(f.code.as_str(), "cost-exceeds-execution");
    assert_eq!(f.severity.as_str(), "warning");
    assert_eq!(f.subject, "costs");
    assert_eq!(f.reported, "100000");
    assert_eq!(f.expected, "99193.53");
    assert!(!f.fixed);
    assert!(
        f.message
            .contains("72,000.00 + 18,000.00 + 10,000.00 = 100,000.00"),
        "{}",
        f.message
    );
    assert_eq!(report.summary.forms, 2);
    assert_eq!(report.summary.errors, 0);
    assert_eq!(report.summary.warnings, 1);
}

#[test]
fn wrong_rate_in_an_xls_saved_by_libreoffice() {
    let (report, code) = check(&samples().join("mistakes/wrong_rate.xls"));
    assert_eq!(code, 1);
    let f = form(&report, "定额公用经费");
    assert_eq!(codes(f), [("execution-rate-mismatch", "H7")]);
    let finding = &f.findings[0];
    assert_eq!(
        (finding.reported.as_str(), finding.expected.as_str()),
        ("98.43", "98.44")
    );
    assert!(finding.fixed);
    assert!(
        finding.message.contains("196,876.30 ÷ 200,000.00 × 100 = 98.44"),
        "{}",
        finding.message
    );
    assert_eq!(
        figures(f),
        [Some("98.44"), Some("9.84"), Some("99.84"), Some("优")]
    );
}

#[test]
fn wrong_indicator_score_in_an_ods() {
    let (report, code) = check(&samples().join("mistakes/wrong_indicator_score.ods"));
    assert_eq!(code, 1);
    let f = form(&report, "定额公用经费");
    // The reason cell is merged over the 数量指标 rows in the .ods too: no deviation finding.
    assert_eq!(codes(f), [("indicator-score-mismatch", "H24")]);
    assert_eq!(f.findings[0].subject, "indicator:成本指标/水电通讯等支出");
    assert_eq!(
        (f.findings[0].reported.as_str(), f.findings[0].expected.as_str()),
        ("3", "4")
    );
    // 总分 is checked against the corrected scores: the filer's 99.84 stands.
    assert_eq!(f.total.as_deref(), Some("99.84"));
}

#[test]
fn total_and_grade_that_contradict() {
    let (report, code) = check(&samples().join("mistakes/total_and_grade.xlsx"));
    assert_eq!(code, 1);
    let f = form(&report, "项目工作经费");
    assert_eq!(
        codes(f),
        [
            ("cost-exceeds-execution", "F23"),
            ("total-score-mismatch", "H29"),
            ("grade-mismatch", "B30")
        ]
    );
    let total = &f.findings[1];
    assert_eq!(
        (total.reported.as_str(), total.expected.as_str()),
        ("89.92", "99.92")
    );
    let grade = &f.findings[2];
    assert_eq!((grade.reported.as_str(), grade.expected.as_str()), ("良", "优"));
    assert_eq!(f.grade_reported.as_deref(), Some("良"));
}

#[test]
fn over_achievement_without_a_reason() {
    let (report, code) = check(&samples().join("mistakes/overachieved_no_reason.xlsx"));
    assert_eq!(code, 0, "a deviation is a warning");
    let f = form(&report, "定额公用经费");
    assert_eq!(codes(f), [("deviation-without-reason", "F18")]);
    assert_eq!(f.findings[0].subject, "indicator:数量指标/办公用品等保障");
    assert!(
        f.findings[0].message.contains("33.33%"),
        "{}",
        f.findings[0].message
    );
}

#[test]
fn wrong_execution_score() {
    let (report, code) = check(&samples().join("mistakes/wrong_execution_score.xlsx"));
    assert_eq!(code, 1);
    let f = form(&report, "项目工作经费");
    assert_eq!(
        codes(f),
        [
            ("execution-score-mismatch", "I7"),
            ("cost-exceeds-execution", "F23")
        ]
    );
    assert_eq!(f.findings[0].expected, "9.92");
}

#[test]
fn paths_are_relative_to_the_input_folder() {
    let (report, _) = check(&samples());
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mistakes/overachieved_no_reason.xlsx",
            "mistakes/total_and_grade.xlsx",
            "mistakes/wrong_execution_score.xlsx",
            "mistakes/wrong_indicator_score.ods",
            "mistakes/wrong_rate.xls",
            "seed_2024.xlsx",
        ]
    );
    assert_eq!(report.summary.files, 6);
    assert_eq!(report.summary.forms, 7);
}

#[test]
fn fix_corrects_every_mistake_and_the_output_checks_clean() {
    let out = tempfile::tempdir().expect("tempdir");
    let status = bin()
        .arg("fix")
        .arg(samples())
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .status()
        .expect("run fix");
    assert_eq!(status.code(), Some(1), "the samples hold errors");
    for name in [
        "seed_2024.xlsx",
        "mistakes/wrong_rate.xlsx",
        "mistakes/wrong_indicator_score.xlsx",
        "mistakes/total_and_grade.xlsx",
        "mistakes/overachieved_no_reason.xlsx",
        "mistakes/wrong_execution_score.xlsx",
        "summary.xlsx",
        "report.json",
    ] {
        assert!(out.path().join(name).is_file(), "{name} written");
    }
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).expect("report"))
            .expect("json");
    assert_eq!(
        report.files[4].output.as_deref(),
        Some("mistakes/wrong_rate.xlsx")
    );

    // Checking the corrected workbooks finds no error (warnings that need a person remain).
    let corrected: Vec<PathBuf> = report
        .files
        .iter()
        .filter_map(|f| f.output.as_ref())
        .map(|o| out.path().join(o))
        .collect();
    assert_eq!(corrected.len(), 6);
    let recheck = bin()
        .arg("check")
        .arg("--json")
        .args(&corrected)
        .output()
        .expect("recheck");
    assert_eq!(
        recheck.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&recheck.stdout)
    );
    let recheck: Report = serde_json::from_slice(&recheck.stdout).expect("json");
    for file in &recheck.files {
        for f in &file.forms {
            assert!(
                f.findings.iter().all(|x| x.severity.as_str() != "error"),
                "{}: {:?}",
                file.path,
                f.findings
            );
        }
    }
    let rate = form(
        &recheck_one(out.path(), "mistakes/wrong_rate.xlsx"),
        "定额公用经费",
    )
    .clone();
    assert_eq!(rate.execution_rate.as_deref(), Some("98.44"));
    let total = recheck_one(out.path(), "mistakes/total_and_grade.xlsx");
    let t = form(&total, "项目工作经费");
    assert_eq!(t.total_reported.as_deref(), Some("99.92"));
    assert_eq!(t.grade_reported.as_deref(), Some("优"));
    let score = recheck_one(out.path(), "mistakes/wrong_execution_score.xlsx");
    assert_eq!(
        form(&score, "项目工作经费").execution_score.as_deref(),
        Some("9.92")
    );

    // The corrected cells themselves, read back with calamine (not with our reader).
    let wb = out.path().join("mistakes/wrong_rate.xlsx");
    let (rate_row, rate_col) = find(&wb, "定额公用经费", "年度资金总额", "执行率");
    assert_eq!(cell(&wb, "定额公用经费", rate_row, rate_col), Data::Float(98.44));
    let labels = texts(&wb, "定额公用经费");
    assert!(
        labels.iter().any(|t| t.starts_with("本级安排")),
        "Guizhou rows kept: {labels:?}"
    );
    assert!(
        !labels.iter().any(|t| t.contains("上年结转")),
        "no national rows in a Guizhou form"
    );
    let sheets = open_workbook::<Xlsx<_>, _>(&wb).expect("open").sheet_names();
    assert_eq!(sheets, ["定额公用经费", "核查意见"]);

    let wb = out.path().join("mistakes/total_and_grade.xlsx");
    let (total_row, total_col) = find(&wb, "项目工作经费", "总分", "得分");
    assert_eq!(
        cell(&wb, "项目工作经费", total_row, total_col),
        Data::Float(99.92)
    );
    let conclusion = texts(&wb, "项目工作经费")
        .into_iter()
        .find(|t| t.contains("自评为"))
        .expect("conclusion");
    assert!(
        conclusion.starts_with("优。"),
        "grade word corrected: {conclusion}"
    );

    // The original values are untouched.
    let (report_again, _) = check(&samples().join("mistakes/total_and_grade.xlsx"));
    assert_eq!(
        form(&report_again, "项目工作经费").total_reported.as_deref(),
        Some("89.92")
    );
}

fn recheck_one(out: &Path, rel: &str) -> Report {
    check(&out.join(rel)).0
}
