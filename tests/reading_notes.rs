//! What jixiao could not read of a form is said where people look: one line under the form in
//! `check`'s text, the form's `reading` in the JSON report (the page shows it), and the 说明
//! column of summary.xlsx's 项目汇总 — while the notes stay findings of their own in the report.

mod common;

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{bin, check};

fn rules(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(name)
}

/// The seed without its 分值 column: two `column-absent` notes, one line.
const ABSENT_LINE: &str = "表中没有 预算执行率分值、分值，相关检查未进行";

#[test]
fn the_text_output_says_it_in_one_line_under_the_form() {
    let out = bin()
        .arg("check")
        .arg(rules("column-absent.xlsx"))
        .arg(rules("column-unrecognised.xlsx"))
        .output()
        .expect("run jixiao");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("column-absent.xlsx [定额公用经费]"))
        .expect("the form's line");
    assert_eq!(lines[at + 1], format!("  读取说明：{ABSENT_LINE}"), "{text}");
    assert!(text.contains("  读取说明：未读取的栏目 审核意见\n"), "{text}");
    // The notes are not repeated as finding lines; only notes: exit 0.
    assert!(!text.contains("column-absent ["), "{text}");
    assert!(!text.contains("column-unrecognised ["), "{text}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_report_carries_the_line_and_one_note_per_column() {
    let (report, code) = check(&rules("column-absent.xlsx"));
    assert_eq!(code, 0);
    let form = &report.files[0].forms[0];
    assert_eq!(form.reading.as_deref(), Some(ABSENT_LINE));
    let notes: Vec<(&str, &str, &str)> = form
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            ("column-absent", "column:预算执行率分值", "info"),
            ("column-absent", "column:分值", "info"),
        ]
    );
    // A form read in full has no `reading` at all.
    let (seed, _) = check(&common::samples().join("seed_2024.xlsx"));
    assert!(seed.files[0].forms.iter().all(|f| f.reading.is_none()));
}

#[test]
fn the_summary_says_it_in_the_forms_row() {
    let out = tempfile::tempdir().expect("temp dir");
    let status = bin()
        .arg("fix")
        .arg(rules("column-absent.xlsx"))
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .status()
        .expect("run jixiao");
    assert_eq!(status.code(), Some(0));
    let mut wb: Xlsx<_> = open_workbook(out.path().join("summary.xlsx")).expect("summary.xlsx");
    let range = wb.worksheet_range("项目汇总").expect("项目汇总");
    let header: Vec<String> = range
        .rows()
        .next()
        .expect("header row")
        .iter()
        .map(|d| d.to_string())
        .collect();
    let note = header.iter().position(|h| h == "说明").expect("a 说明 column");
    let row = range.rows().nth(1).expect("the form's row");
    assert_eq!(
        row[note],
        Data::String(format!("读取说明：{ABSENT_LINE}")),
        "{header:?}"
    );
}
