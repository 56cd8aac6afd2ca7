//! Layout variants: the two seed forms, 定额公用经费 and 项目工作经费, with the
//! published figures and no mistake, laid out the ways offices actually lay them out
//! (`tests/fixtures/layouts/`, see its README and `make_layouts.py`). Every file must read to the
//! same figures and the same findings as the seed: 定额公用经费 none, 项目工作经费 exactly one
//! `cost-exceeds-execution` warning. The number of indicators read is visible only through the
//! findings (a lost or doubled row shows up as a weight or total finding).
//!
//! One test per file, so a failure names the variant. A variant the reader gets wrong is kept,
//! its test marked `#[ignore = "reader: …"]`.

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use jixiao::report::{FormReport, Report, Status};
use rust_decimal::Decimal;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layouts")
}

/// The unit the variant's funds block states (`项目资金（元）` or `（万元）`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Yuan,
    Wan,
}

/// What a form must read to, amounts in 元.
struct Expected {
    project: &'static str,
    budget: &'static str,
    executed: &'static str,
    rate: &'static str,
    score: &'static str,
    total: &'static str,
    grade: &'static str,
    /// `cost-exceeds-execution`: (sum of the 成本指标 actuals, 全年执行数), in 元.
    costs_over: Option<(&'static str, &'static str)>,
}

const DEPARTMENT: &str = "[197]中共黔南州委社会工作部";

const FORMS: [Expected; 2] = [
    Expected {
        project: "定额公用经费",
        budget: "200000",
        executed: "196876.3",
        rate: "98.44",
        score: "9.84",
        total: "99.84",
        grade: "优",
        costs_over: None,
    },
    Expected {
        project: "项目工作经费",
        budget: "100000",
        executed: "99193.53",
        rate: "99.19",
        score: "9.92",
        total: "99.92",
        grade: "优",
        costs_over: Some(("100000", "99193.53")),
    },
];

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("not a decimal: {s:?} ({e})"))
}

/// An amount given in 元 in the form's unit.
fn in_unit(yuan: &str, unit: Unit) -> Decimal {
    match unit {
        Unit::Yuan => dec(yuan),
        Unit::Wan => dec(yuan) / Decimal::from(10_000),
    }
}

/// Compare a reported decimal string numerically (`"20"` equals `"20.0000"`).
fn same_number(what: &str, got: Option<&str>, want: Decimal, problems: &mut Vec<String>) {
    match got.map(|g| (g, Decimal::from_str(g))) {
        Some((_, Ok(g))) if g == want => {}
        Some((g, _)) => problems.push(format!("{what}: got {g:?}, want {want}")),
        None => problems.push(format!("{what}: got null, want {want}")),
    }
}

fn same_text(what: &str, got: Option<&str>, want: &str, problems: &mut Vec<String>) {
    if got != Some(want) {
        problems.push(format!("{what}: got {got:?}, want {want:?}"));
    }
}

fn check_form(
    form: &FormReport,
    want: &Expected,
    unit: Unit,
    want_notes: &[&str],
    problems: &mut Vec<String>,
) {
    let p = want.project;
    same_text(
        &format!("{p} department"),
        Some(&form.department),
        DEPARTMENT,
        problems,
    );
    same_number(
        &format!("{p} budget"),
        form.budget.as_deref(),
        in_unit(want.budget, unit),
        problems,
    );
    same_number(
        &format!("{p} executed"),
        form.executed.as_deref(),
        in_unit(want.executed, unit),
        problems,
    );
    same_number(
        &format!("{p} execution_rate"),
        form.execution_rate.as_deref(),
        dec(want.rate),
        problems,
    );
    same_number(
        &format!("{p} execution_score"),
        form.execution_score.as_deref(),
        dec(want.score),
        problems,
    );
    same_number(
        &format!("{p} total_reported"),
        form.total_reported.as_deref(),
        dec(want.total),
        problems,
    );
    same_number(
        &format!("{p} total"),
        form.total.as_deref(),
        dec(want.total),
        problems,
    );
    same_text(
        &format!("{p} grade_reported"),
        form.grade_reported.as_deref(),
        want.grade,
        problems,
    );
    same_text(&format!("{p} grade"), form.grade.as_deref(), want.grade, problems);

    // Reading notes (what a template lets jixiao not read) are checked apart from findings.
    let is_note = |c: &str| {
        matches!(
            c,
            "column-unrecognised" | "column-absent" | "formula-not-evaluated"
        )
    };
    let notes: Vec<&str> = form
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .filter(|c| is_note(c))
        .collect();
    if notes != want_notes {
        problems.push(format!("{p} reading notes: got {notes:?}, want {want_notes:?}"));
    }
    let codes: Vec<&str> = form
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .filter(|c| !is_note(c))
        .collect();
    match want.costs_over {
        None if codes.is_empty() => {}
        None => problems.push(format!("{p} findings: got {codes:?}, want none")),
        Some((sum, executed)) => {
            if codes != ["cost-exceeds-execution"] {
                problems.push(format!(
                    "{p} findings: got {codes:?}, want [\"cost-exceeds-execution\"]"
                ));
            }
            if let Some(f) = form
                .findings
                .iter()
                .find(|f| f.code.as_str() == "cost-exceeds-execution")
            {
                same_text(
                    &format!("{p} costs severity"),
                    Some(f.severity.as_str()),
                    "warning",
                    problems,
                );
                same_text(&format!("{p} costs subject"), Some(&f.subject), "costs", problems);
                same_number(
                    &format!("{p} costs reported"),
                    Some(&f.reported),
                    in_unit(sum, unit),
                    problems,
                );
                same_number(
                    &format!("{p} costs expected"),
                    Some(&f.expected),
                    in_unit(executed, unit),
                    problems,
                );
                if f.fixed {
                    problems.push(format!("{p} costs: fixed is true, want false"));
                }
            }
        }
    }
}

/// `jixiao check --json FILE` must read both forms to the published figures.
fn check_variant(file: &str, unit: Unit, notes: &[&str]) {
    let path = fixtures().join(file);
    assert!(
        path.is_file(),
        "missing fixture {} (run tests/fixtures/layouts/make_layouts.py)",
        path.display()
    );
    let out = common::bin()
        .arg("check")
        .arg("--json")
        .arg(&path)
        .output()
        .expect("run jixiao");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: report is not valid JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });

    let mut problems = Vec::new();
    if out.status.code() != Some(0) {
        problems.push(format!(
            "exit code: got {:?}, want 0 (warnings only)",
            out.status.code()
        ));
    }
    assert_eq!(report.files.len(), 1, "{file}: one file in the report\n{stdout}");
    let entry = &report.files[0];
    if entry.status != Status::Findings {
        problems.push(format!(
            "status: got {:?} ({:?}), want findings",
            entry.status, entry.error
        ));
    }
    if entry.forms.len() != 2 {
        let found: Vec<(&str, &str)> = entry
            .forms
            .iter()
            .map(|f| (f.sheet.as_str(), f.project.as_str()))
            .collect();
        problems.push(format!("forms: got {} {found:?}, want 2", entry.forms.len()));
    }
    for want in &FORMS {
        let found: Vec<&FormReport> = entry.forms.iter().filter(|f| f.project == want.project).collect();
        match found.as_slice() {
            [form] => check_form(form, want, unit, notes, &mut problems),
            _ => problems.push(format!("{}: read {} times, want once", want.project, found.len())),
        }
    }
    assert!(
        problems.is_empty(),
        "{file}: read wrong\n  {}\nreport:\n{stdout}",
        problems.join("\n  ")
    );
}

macro_rules! variants {
    ($($(#[$attr:meta])* $name:ident: $file:literal, $unit:ident $(, notes: [$($note:literal),*])?;)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                check_variant($file, Unit::$unit, &[$($($note),*)?]);
            }
        )*
        /// Every fixture file that has a test above.
        const FILES: &[&str] = &[$($file),*];
    };
}

variants! {
    // where the table sits
    offset_c4_xlsx: "offset_c4.xlsx", Yuan;
    offset_c4_xls: "offset_c4.xls", Yuan;
    notes_above_title_xlsx: "notes_above_title.xlsx", Yuan;
    title_with_year_xlsx: "title_with_year.xlsx", Yuan;
    no_title_rows_xlsx: "no_title_rows.xlsx", Yuan;
    no_title_rows_xls: "no_title_rows.xls", Yuan;
    notes_beside_form_xlsx: "notes_beside_form.xlsx", Yuan;
    // columns: missing, extra, reordered, wider
    no_initial_budget_col_xlsx: "no_initial_budget_col.xlsx", Yuan, notes: ["column-absent"];
    // An extra 说明 column is not read, and said once per form.
    funds_extra_note_col_xlsx: "funds_extra_note_col.xlsx", Yuan, notes: ["column-unrecognised"];
    indicators_extra_note_col_xlsx: "indicators_extra_note_col.xlsx", Yuan, notes: ["column-unrecognised"];
    no_remark_col_xlsx: "no_remark_col.xlsx", Yuan;
    weight_before_target_xlsx: "weight_before_target.xlsx", Yuan;
    remark_before_reason_xlsx: "remark_before_reason.xlsx", Yuan;
    funds_rate_before_points_xlsx: "funds_rate_before_points.xlsx", Yuan;
    wide_merged_cells_xlsx: "wide_merged_cells.xlsx", Yuan;
    wide_merged_cells_xls: "wide_merged_cells.xls", Yuan;
    // labels
    labels_spaced_halfwidth_xlsx: "labels_spaced_halfwidth.xlsx", Yuan;
    labels_line_breaks_xlsx: "labels_line_breaks.xlsx", Yuan;
    labels_line_breaks_ods: "labels_line_breaks.ods", Yuan;
    indicator_header_two_rows_xlsx: "indicator_header_two_rows.xlsx", Yuan;
    indicator_header_two_rows_ods: "indicator_header_two_rows.ods", Yuan;
    funds_header_two_rows_xlsx: "funds_header_two_rows.xlsx", Yuan;
    split_fund_labels_xlsx: "split_fund_labels.xlsx", Yuan;
    inline_label_values_xlsx: "inline_label_values.xlsx", Yuan;
    contact_phone_xlsx: "contact_phone.xlsx", Yuan;
    // rows of the indicator table
    levels_repeated_xlsx: "levels_repeated.xlsx", Yuan;
    levels_repeated_ods: "levels_repeated.ods", Yuan;
    levels_first_row_only_xlsx: "levels_first_row_only.xlsx", Yuan;
    levels_first_row_only_xls: "levels_first_row_only.xls", Yuan;
    blank_template_rows_xlsx: "blank_template_rows.xlsx", Yuan;
    blank_template_rows_ods: "blank_template_rows.ods", Yuan;
    indicator_rows_tall_xlsx: "indicator_rows_tall.xlsx", Yuan;
    indicator_rows_tall_xls: "indicator_rows_tall.xls", Yuan;
    // how numbers are written
    amounts_text_thousands_xlsx: "amounts_text_thousands.xlsx", Yuan;
    amounts_text_thousands_xls: "amounts_text_thousands.xls", Yuan;
    zero_amounts_blank_xlsx: "zero_amounts_blank.xlsx", Yuan;
    zero_amounts_blank_ods: "zero_amounts_blank.ods", Yuan;
    costs_thousands_xlsx: "costs_thousands.xlsx", Yuan;
    fullwidth_digits_xlsx: "fullwidth_digits.xlsx", Yuan;
    fullwidth_digits_ods: "fullwidth_digits.ods", Yuan;
    costs_in_wanyuan_xlsx: "costs_in_wanyuan.xlsx", Yuan;
    rate_percent_text_xlsx: "rate_percent_text.xlsx", Yuan;
    rate_percent_text_xls: "rate_percent_text.xls", Yuan;
    rate_percent_format_xlsx: "rate_percent_format.xlsx", Yuan;
    rate_percent_format_ods: "rate_percent_format.ods", Yuan;
    scores_as_text_xlsx: "scores_as_text.xlsx", Yuan;
    formulas_xlsx: "formulas.xlsx", Yuan;
    formulas_xls: "formulas.xls", Yuan;
    formulas_ods: "formulas.ods", Yuan;
    date_cells_xlsx: "date_cells.xlsx", Yuan;
    date_cells_xls: "date_cells.xls", Yuan;
    date_cells_ods: "date_cells.ods", Yuan;
    // unit and layout of the funds block
    funds_wanyuan_xlsx: "funds_wanyuan.xlsx", Wan;
    funds_wanyuan_xls: "funds_wanyuan.xls", Wan;
    funds_wanyuan_ods: "funds_wanyuan.ods", Wan;
    national_layout_xlsx: "national_layout.xlsx", Yuan;
    national_layout_xls: "national_layout.xls", Yuan;
    national_layout_ods: "national_layout.ods", Yuan;
    // several forms per workbook or sheet
    stacked_one_sheet_xlsx: "stacked_one_sheet.xlsx", Yuan;
    stacked_one_sheet_ods: "stacked_one_sheet.ods", Yuan;
    stacked_shared_title_xlsx: "stacked_shared_title.xlsx", Yuan;
    hidden_extra_sheet_xlsx: "hidden_extra_sheet.xlsx", Yuan;
    hidden_extra_sheet_xls: "hidden_extra_sheet.xls", Yuan;
    empty_default_sheets_xlsx: "empty_default_sheets.xlsx", Yuan;
}

/// A fixture without a test (or a test without its fixture) is a mistake in this file.
#[test]
fn every_fixture_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .expect("read tests/fixtures/layouts")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx") || n.ends_with(".xls") || n.ends_with(".ods"))
        .collect();
    on_disk.sort();
    let mut tested: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    tested.sort();
    assert_eq!(on_disk, tested, "fixtures on disk vs tests in tests/layouts.rs");
}

/// The folder stays small.
#[test]
fn fixtures_are_small() {
    let total: u64 = std::fs::read_dir(fixtures())
        .expect("read tests/fixtures/layouts")
        .map(|e| e.expect("dir entry").metadata().expect("metadata").len())
        .sum();
    assert!(
        total < 1_000_000,
        "tests/fixtures/layouts holds {total} bytes, keep it under 1 MB"
    );
}

/// At least a third of the fixtures were saved by another program (LibreOffice): every .xls and
/// .ods, plus `formulas.xlsx`.
#[test]
fn a_third_saved_by_libreoffice() {
    let lo = FILES
        .iter()
        .filter(|f| f.ends_with(".xls") || f.ends_with(".ods") || **f == "formulas.xlsx")
        .count();
    assert!(
        3 * lo >= FILES.len(),
        "{lo} of {} fixtures saved by LibreOffice",
        FILES.len()
    );
}
