//! Formula results as files store them. A workbook written by a program (XlsxWriter, openpyxl)
//! asks to be recalculated on opening and stores 0 or nothing as each formula's result: those
//! formulas are evaluated and read as Excel would show them. A workbook that does not ask
//! (saved by Excel, WPS or LibreOffice) is read exactly as stored. A formula that cannot be
//! evaluated is named by the grid (`Grid::unevaluated`) and in any finding on its cell.
//! Fixtures: `tests/fixtures/formulas/make_formulas.py` (XlsxWriter) and `make_uncached.py`
//! (openpyxl).

mod common;

use std::path::{Path, PathBuf};

use common::{check, form};
use jixiao::grid::{self, Grid, Limits, ReadError, Value};
use jixiao::report::{FormReport, Status};
use jixiao::rules::Severity;
use rust_decimal::Decimal;

const SHEET: &str = "定额公用经费";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formulas")
        .join(name)
}

/// The form's findings that are not informational, as (code, cell, reported value).
fn findings(f: &FormReport) -> Vec<(&str, &str, &str)> {
    f.findings
        .iter()
        .filter(|x| x.severity != Severity::Info)
        .map(|x| (x.code.as_str(), x.cell.as_str(), x.reported.as_str()))
        .collect()
}

fn sheet(path: &Path, name: &str) -> Grid {
    grid::read_workbook(path, &Limits::default())
        .expect("reads")
        .into_iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
}

/// The value at an A1 reference.
fn value<'g>(grid: &'g Grid, a1: &str) -> &'g Value {
    let p = grid::Pos::parse_a1(a1).expect("A1");
    grid.value(p.row, p.col)
}

fn number(s: &str) -> Value {
    Value::Number(s.parse::<Decimal>().expect("decimal"))
}

/// Checks a form that must read as the seed's right figures: nothing to report.
fn reads_right(name: &str) {
    let (report, code) = check(&fixture(name));
    assert_eq!(
        report.files[0].status,
        Status::Ok,
        "{name}: {:?}",
        report.files[0]
    );
    assert_eq!(code, 0, "{name}");
    let f = form(&report, SHEET);
    assert_eq!(findings(f), [], "{name}");
    assert_eq!(f.total_reported.as_deref(), Some("99.84"), "{name}");
}

#[test]
fn a_right_form_written_by_xlsxwriter_reads_with_no_error() {
    // Amounts, 执行率 (reading an amount that is itself a formula), its 得分 and 总分 all store 0.
    reads_right("xlsxwriter_right.xlsx");
    let grid = sheet(&fixture("xlsxwriter_right.xlsx"), SHEET);
    assert_eq!(value(&grid, "E7"), &number("200000"));
    assert_eq!(value(&grid, "F7"), &number("196876.3"));
    assert_eq!(value(&grid, "H7"), &number("98.44"));
    assert_eq!(value(&grid, "I7"), &number("9.84"));
    assert_eq!(value(&grid, "H29"), &number("99.84"));
    assert_eq!(grid.unevaluated_cells().count(), 0);
}

#[test]
fn formulas_openpyxl_saved_without_results_read_right_when_the_workbook_asks_to_recalculate() {
    reads_right("uncached_formulas.xlsx");
}

#[test]
fn a_wrong_figure_in_a_recalculated_workbook_is_still_found() {
    // A 得分 typed wrong, and a 总分 formula that leaves out the last row: its result is read.
    let (report, code) = check(&fixture("xlsxwriter_wrong.xlsx"));
    assert_eq!(code, 1);
    let f = form(&report, SHEET);
    assert_eq!(
        findings(f),
        [
            ("indicator-score-mismatch", "H17", "4"),
            ("total-score-mismatch", "H29", "88.84")
        ]
    );
    assert_eq!(f.total.as_deref(), Some("99.84"));
}

#[test]
fn a_workbook_saved_by_excel_is_read_as_stored() {
    // No fullCalcOnLoad: the stored 0 of 预算执行率's 得分 and the stale 总分 are what the form
    // says, though their formulas would give 9.84 and 99.84.
    let path = fixture("excel_saved_stale.xlsx");
    let (report, code) = check(&path);
    assert_eq!(code, 1);
    let f = form(&report, SHEET);
    assert_eq!(
        findings(f),
        [
            ("execution-score-mismatch", "I7", "0"),
            ("total-score-mismatch", "H29", "90")
        ]
    );
    let grid = sheet(&path, SHEET);
    assert_eq!(value(&grid, "I7"), &number("0"));
    assert_eq!(value(&grid, "H29"), &number("90"));
    assert_eq!(grid.unevaluated_cells().count(), 0);
}

#[test]
fn a_formula_that_cannot_be_evaluated_is_named_by_the_grid() {
    let path = fixture("unevaluable.xlsx");
    let grid = sheet(&path, SHEET);
    let vlookup = "VLOOKUP(\"执行率\",'参数'!A1:B2,2,FALSE)";
    let other_sheet = "SUM(H16:H28)+I7+'参数'!B2";
    assert_eq!(grid.unevaluated(6, 7), Some(vlookup));
    assert_eq!(grid.unevaluated(28, 7), Some(other_sheet));
    let listed: Vec<(u32, u32, &str)> = grid.unevaluated_cells().collect();
    assert_eq!(listed, [(6, 7, vlookup), (28, 7, other_sheet)]);
    // Their values stay as stored; the formulas that could be evaluated were.
    assert_eq!(value(&grid, "H7"), &number("0"));
    assert_eq!(value(&grid, "H29"), &number("0"));
    assert_eq!(value(&grid, "I7"), &number("9.84"));
    assert_eq!(grid.unevaluated(6, 8), None);
    assert_eq!(sheet(&path, "参数").unevaluated_cells().count(), 0);
    findings_name_unevaluated_formulas(&path, &grid);
}

/// Whatever the rulebook makes of unevaluated cells, the file reads, and a finding on such a
/// cell (but `formula-not-evaluated`, which says so itself) names its formula.
fn findings_name_unevaluated_formulas(path: &Path, grid: &Grid) {
    let (report, _) = check(path);
    assert_ne!(report.files[0].status, Status::Unreadable);
    for finding in &form(&report, SHEET).findings {
        let Some(p) = grid::Pos::parse_a1(&finding.cell) else {
            continue;
        };
        if let Some(formula) = grid.unevaluated(p.row, p.col)
            && finding.code.as_str() != "formula-not-evaluated"
        {
            assert!(
                finding.message.contains(&format!("公式 ={formula}")),
                "{}",
                finding.message
            );
        }
    }
}

#[test]
fn a_formula_saved_without_its_result_is_named_when_the_workbook_asks_no_recalculation() {
    let path = fixture("uncached_no_recalc.xlsx");
    let grid = sheet(&path, SHEET);
    let listed: Vec<(u32, u32, &str)> = grid.unevaluated_cells().collect();
    assert_eq!(
        listed,
        [
            (6, 4, "SUM(E9:E11)"),
            (6, 5, "SUM(F9:F11)"),
            (6, 7, "ROUND(F7/E7*100,2)"),
            (6, 8, "ROUND(G7*MIN(F7/E7,1),2)"),
            (28, 7, "SUM(H16:H28)+I7"),
        ]
    );
    assert_eq!(value(&grid, "H7"), &Value::Empty);
    findings_name_unevaluated_formulas(&path, &grid);
}

#[test]
fn relationship_targets_starting_with_dot_slash_read() {
    // `Target="./worksheets/sheet1.xml"` (calamine: worksheet not found), and the package's
    // `Target="./xl/workbook.xml"` as well.
    reads_right("dot_targets.xlsx");
    reads_right("dot_targets_package.xlsx");
}

#[test]
fn a_package_with_dot_slash_targets_keeps_the_size_limits() {
    let bytes = std::fs::read(fixture("dot_targets.xlsx")).expect("fixture");
    let tight = Limits {
        max_unzipped_bytes: 4_000,
        ..Limits::default()
    };
    let err = grid::read_bytes(&bytes, &tight).expect_err("refused");
    assert!(matches!(err, ReadError::ZipBomb(_)), "{err}");
    let small = Limits {
        max_file_bytes: 1_000,
        ..Limits::default()
    };
    let err = grid::read_bytes(&bytes, &small).expect_err("refused");
    assert!(matches!(err, ReadError::TooLarge { .. }), "{err}");
}
