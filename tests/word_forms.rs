//! Forms filled in Word (.docx): the tables of a document are read like a sheet and
//! give exactly the figures and findings of the same form in a workbook. The fixtures and what
//! each should give are in `tests/fixtures/word/README.md` (made by `make_word.py` there).
//!
//! The seed's forms are compared with the seed workbook's own report (`samples/seed_2024.xlsx`,
//! run here), by project: every figure, and every finding's code, severity, subject, reported
//! and expected value and `fixed` — not the cell, which is where the form sits in Word's grid.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Reader, Xlsx, open_workbook};
use common::{bin, check, samples, texts};
use jixiao::grid::{self, Limits};
use jixiao::report::{FileReport, FormReport, Report, Status};

fn word() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/word")
}

/// The seed workbook's form of `project`, as `check --json` reports it.
fn seed_form(project: &str) -> FormReport {
    let (report, code) = check(&samples().join("seed_2024.xlsx"));
    assert_eq!(code, 0, "the seed has warnings only");
    report
        .files
        .iter()
        .flat_map(|f| &f.forms)
        .find(|f| f.project == project)
        .unwrap_or_else(|| panic!("the seed has no form {project}"))
        .clone()
}

/// `check --json` on one fixture: the report of its one file, and the exit code.
fn check_one(name: &str) -> (FileReport, i32) {
    let (report, code) = check(&word().join(name));
    assert_eq!(report.files.len(), 1, "{name}: {report:?}");
    let file = report.files[0].clone();
    assert_eq!(file.path, name);
    (file, code)
}

/// The only form of a file.
fn only_form(file: &FileReport) -> &FormReport {
    assert_eq!(
        file.forms.len(),
        1,
        "{}: exactly one form, got {:?}",
        file.path,
        file.forms.iter().map(|f| &f.project).collect::<Vec<_>>()
    );
    &file.forms[0]
}

/// The figures of a form, by name (not `sheet`: a Word form's grid is named otherwise).
type Figures<'a> = [(&'static str, Option<&'a str>); 11];

fn figures(f: &FormReport) -> Figures<'_> {
    [
        ("project", Some(f.project.as_str())),
        ("department", Some(f.department.as_str())),
        ("unit", Some(f.unit.as_str())),
        ("budget", f.budget.as_deref()),
        ("executed", f.executed.as_deref()),
        ("execution_rate", f.execution_rate.as_deref()),
        ("execution_score", f.execution_score.as_deref()),
        ("total_reported", f.total_reported.as_deref()),
        ("total", f.total.as_deref()),
        ("grade_reported", f.grade_reported.as_deref()),
        ("grade", f.grade.as_deref()),
    ]
}

/// What a finding says, without where it sits: (code, severity, subject, reported, expected,
/// fixed).
fn findings(f: &FormReport) -> Vec<(String, String, String, String, String, bool)> {
    f.findings
        .iter()
        .map(|x| {
            (
                x.code.as_str().to_string(),
                x.severity.as_str().to_string(),
                x.subject.clone(),
                x.reported.clone(),
                x.expected.clone(),
                x.fixed,
            )
        })
        .collect()
}

/// The Word form gives the seed workbook's figures and findings exactly.
fn assert_same_as_seed(word_form: &FormReport, project: &str) {
    let seed = seed_form(project);
    assert_eq!(figures(word_form), figures(&seed), "figures of {project}");
    assert_eq!(findings(word_form), findings(&seed), "findings of {project}");
}

/// `check --json` as raw JSON, for fields the typed report may not carry.
fn check_json(path: &Path) -> serde_json::Value {
    let out = bin()
        .arg("check")
        .arg("--json")
        .arg(path)
        .output()
        .expect("run jixiao");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "report is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const DOCX: [&str; 8] = [
    "mistake_rate.docx",
    "narrative_only.docx",
    "national_form.docx",
    "report_with_form.docx",
    "seed_dinge.docx",
    "seed_dinge_moved.docx",
    "seed_xiangmu_split.docx",
    "seed_xiangmu_split_moved.docx",
];

/// What a Word document reads to: its one grid's size, every cell's text by row, and the merged
/// regions (top, left, bottom, right), sorted.
type Read = (u32, u32, Vec<Vec<String>>, Vec<(u32, u32, u32, u32)>);

fn read_grid(name: &str) -> Read {
    let grids = grid::read_workbook(&word().join(name), &Limits::default()).expect("the document reads");
    assert_eq!(grids.len(), 1, "{name}: a Word document is one grid");
    let g = &grids[0];
    let cells = (0..g.height())
        .map(|r| (0..g.width()).map(|c| g.value(r, c).text()).collect())
        .collect();
    let mut merges: Vec<_> = g
        .merges
        .iter()
        .map(|m| (m.top, m.left, m.bottom, m.right))
        .collect();
    merges.sort_unstable();
    (g.width(), g.height(), cells, merges)
}

/// The `w:gridCol` count of each table of a document, and whether a row starts later
/// (`w:gridBefore`): what makes a fixture's borders moved.
fn word_grids(name: &str) -> (Vec<usize>, bool) {
    let file = std::fs::File::open(word().join(name)).expect("open");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("word/document.xml").expect("document.xml"),
        &mut xml,
    )
    .expect("read");
    let grids = xml
        .split("<w:tblGrid>")
        .skip(1)
        .map(|t| {
            t.split("</w:tblGrid>")
                .next()
                .unwrap_or("")
                .matches("<w:gridCol ")
                .count()
        })
        .collect();
    (grids, xml.contains("<w:gridBefore "))
}

#[test]
fn seed_dinge_as_one_word_table() {
    let (file, code) = check_one("seed_dinge.docx");
    assert_eq!(code, 0);
    assert_eq!(file.status, Status::Ok, "{file:?}");
    assert!(file.error.is_none());
    let f = only_form(&file);
    assert_same_as_seed(f, "定额公用经费");
    assert!(f.findings.is_empty(), "{:?}", f.findings);
    assert!(!f.sheet.is_empty(), "a Word form still names where it was read");
}

#[test]
fn seed_xiangmu_split_over_two_tables_is_one_form() {
    let (file, code) = check_one("seed_xiangmu_split.docx");
    assert_eq!(code, 0, "warnings only");
    assert_eq!(file.status, Status::Findings, "{file:?}");
    let f = only_form(&file);
    assert_same_as_seed(f, "项目工作经费");
    // The cost indicators on both sides of the page break are summed: 召开会议支出 in the first
    // table, 慰问支出 and 课题研究支出 in the second (whose 二级指标 cell is empty).
    assert_eq!(f.findings.len(), 1, "{:?}", f.findings);
    let cost = &f.findings[0];
    assert_eq!(cost.code.as_str(), "cost-exceeds-execution");
    assert!(
        cost.message
            .contains("72,000.00 + 18,000.00 + 10,000.00 = 100,000.00"),
        "{}",
        cost.message
    );
}

#[test]
fn borders_moved_in_some_rows_read_as_the_aligned_form() {
    // Word's grid of the moved form: 25 narrow grid columns for the 10 of the form, a row that
    // starts later; the 总分 row's 100 and score each span other grid columns than their headers.
    assert_eq!(word_grids("seed_dinge.docx"), (vec![10], false));
    assert_eq!(word_grids("seed_dinge_moved.docx"), (vec![25], true));
    // Read against the header's columns, it is the aligned form, cell for cell.
    assert_eq!(read_grid("seed_dinge_moved.docx"), read_grid("seed_dinge.docx"));
    let (file, code) = check_one("seed_dinge_moved.docx");
    assert_eq!(code, 0);
    assert_eq!(file.status, Status::Ok, "{file:?}");
    let f = only_form(&file);
    assert_same_as_seed(f, "定额公用经费");
    assert!(f.findings.is_empty(), "{:?}", f.findings);
}

#[test]
fn a_table_after_a_page_break_with_its_own_grid_reads_against_the_first() {
    // The second table's borders are dragged (its 总分 row's further): a grid of 12 columns of
    // other widths than the first table's 10.
    assert_eq!(word_grids("seed_xiangmu_split.docx"), (vec![10, 10], false));
    assert_eq!(word_grids("seed_xiangmu_split_moved.docx"), (vec![10, 12], false));
    assert_eq!(
        read_grid("seed_xiangmu_split_moved.docx"),
        read_grid("seed_xiangmu_split.docx")
    );
    let (file, code) = check_one("seed_xiangmu_split_moved.docx");
    assert_eq!(code, 0, "warnings only");
    assert_eq!(file.status, Status::Findings, "{file:?}");
    let f = only_form(&file);
    // 总分 99.92 under 得分, not the 100 under 分值 beside it: no total-score-mismatch.
    assert_same_as_seed(f, "项目工作经费");
    assert_eq!(f.total_reported.as_deref(), Some("99.92"));
    assert_eq!(f.findings.len(), 1, "{:?}", f.findings);
    assert!(
        f.findings[0]
            .message
            .contains("72,000.00 + 18,000.00 + 10,000.00 = 100,000.00"),
        "{}",
        f.findings[0].message
    );
}

#[test]
fn form_inside_a_narrative_report() {
    let (file, code) = check_one("report_with_form.docx");
    assert_eq!(code, 0);
    assert_eq!(file.status, Status::Ok, "{file:?}");
    let f = only_form(&file);
    assert_same_as_seed(f, "定额公用经费");
}

#[test]
fn national_layout_in_wanyuan() {
    let (file, code) = check_one("national_form.docx");
    assert_eq!(code, 0);
    assert_eq!(file.status, Status::Ok, "{file:?}");
    let f = only_form(&file);
    assert!(f.findings.is_empty(), "{:?}", f.findings);
    assert_eq!(f.project, "农村饮水安全工程维修养护");
    assert_eq!(f.department, "[402]黔南州水务局");
    assert_eq!(f.unit, "万元");
    // 年度资金总额 150 = 120 + 25 + 5; 142.37 = 113.87 + 24.50 + 4.00.
    assert_eq!(f.budget.as_deref(), Some("150"));
    assert_eq!(f.executed.as_deref(), Some("142.37"));
    // 142.37 ÷ 150 × 100 = 94.9133…; 10 × 142.37 ÷ 150 = 9.49133…
    assert_eq!(f.execution_rate.as_deref(), Some("94.91"));
    assert_eq!(f.execution_score.as_deref(), Some("9.49"));
    // 10 + 9.5 (11.4 of ≥12公里) + 10 + 5 + 5 + 10 + 15 + 15 + 10 + 9.49
    assert_eq!(f.total_reported.as_deref(), Some("98.99"));
    assert_eq!(f.total.as_deref(), Some("98.99"));
    assert_eq!(f.grade.as_deref(), Some("优"));
    assert_eq!(f.grade_reported, None, "the national form has no 自评结论");
}

#[test]
fn a_mistyped_rate_in_word() {
    let (file, code) = check_one("mistake_rate.docx");
    assert_eq!(code, 1);
    assert_eq!(file.status, Status::Findings);
    let f = only_form(&file);
    assert_eq!(
        findings(f),
        [(
            "execution-rate-mismatch".to_string(),
            "error".to_string(),
            "funds.total.rate".to_string(),
            "98.43".to_string(),
            "98.44".to_string(),
            true
        )]
    );
    assert!(
        f.findings[0]
            .message
            .contains("196,876.30 ÷ 200,000.00 × 100 = 98.44"),
        "{}",
        f.findings[0].message
    );
    // Every figure but the finding is the seed's.
    let seed = seed_form("定额公用经费");
    assert_eq!(figures(f), figures(&seed));
}

#[test]
fn a_report_without_the_form_is_no_form() {
    let (file, code) = check_one("narrative_only.docx");
    assert_eq!(code, 1, "a file without a form counts as an error");
    assert_eq!(file.status, Status::NoForm);
    assert_eq!(file.code.map(|c| c.as_str()), Some("no-form-found"));
    assert!(file.forms.is_empty());
    let error = file.error.as_deref().expect("an error message");
    assert!(error.contains("自评表"), "{error}");
    assert!(
        error.contains("Word") || error.contains("表格"),
        "says it looked for the form as a Word table: {error}"
    );
}

/// The error of an unreadable old-format file names the format and says how to re-save it.
fn assert_resave(name: &str, format_named: impl Fn(&str) -> bool) {
    let (file, code) = check_one(name);
    assert_eq!(code, 1, "{name}");
    assert_eq!(file.status, Status::Unreadable, "{name}: {file:?}");
    assert_eq!(file.code.map(|c| c.as_str()), Some("unreadable-file"));
    assert!(file.forms.is_empty());
    let error = file.error.as_deref().expect("an error message");
    assert!(error.contains("另存为"), "{name}: {error}");
    assert!(error.contains(".docx"), "{name}: {error}");
    assert!(format_named(error), "{name}: the format is named: {error}");
}

#[test]
fn a_word_97_doc_is_unreadable_and_says_how_to_resave() {
    // `.doc` itself, not only inside `.docx`.
    assert_resave("old_word.doc", |e| e.replace(".docx", "").contains(".doc"));
}

#[test]
fn a_wps_document_is_unreadable_and_says_how_to_resave() {
    assert_resave("old_wps.wps", |e| e.contains(".wps") || e.contains("WPS"));
}

#[test]
fn the_report_says_the_input_was_word() {
    let json = check_json(&word());
    let files = json["files"].as_array().expect("files");
    for file in files {
        let path = file["path"].as_str().expect("path");
        if path.ends_with(".docx") {
            assert_eq!(file["format"], "docx", "{path}: {file}");
        }
    }
}

#[test]
fn the_word_folder() {
    let (report, code) = check(&word());
    assert_eq!(code, 1);
    let status: BTreeMap<&str, Status> = report.files.iter().map(|f| (f.path.as_str(), f.status)).collect();
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mistake_rate.docx",
            "narrative_only.docx",
            "national_form.docx",
            "old_word.doc",
            "old_wps.wps",
            "report_with_form.docx",
            "seed_dinge.docx",
            "seed_dinge_moved.docx",
            "seed_xiangmu_split.docx",
            "seed_xiangmu_split_moved.docx",
        ]
    );
    assert_eq!(
        status,
        BTreeMap::from([
            ("mistake_rate.docx", Status::Findings),
            ("narrative_only.docx", Status::NoForm),
            ("national_form.docx", Status::Ok),
            ("old_word.doc", Status::Unreadable),
            ("old_wps.wps", Status::Unreadable),
            ("report_with_form.docx", Status::Ok),
            ("seed_dinge.docx", Status::Ok),
            ("seed_dinge_moved.docx", Status::Ok),
            ("seed_xiangmu_split.docx", Status::Findings),
            ("seed_xiangmu_split_moved.docx", Status::Findings),
        ])
    );
    let s = &report.summary;
    assert_eq!(
        (s.files, s.forms, s.unreadable, s.no_form, s.skipped),
        (10, 7, 2, 1, 2),
        "README.md and make_word.py are skipped: {s:?}"
    );
    // 1 wrong rate + 2 unreadable + 1 without a form.
    assert_eq!(s.errors, 4, "{s:?}");
    // The two split forms' cost warnings, the same 定额公用经费 in four documents and the same
    // 项目工作经费 in two.
    assert_eq!(s.warnings, 4, "{s:?}");
    let batch: Vec<(&str, &str, Vec<&str>)> = report
        .batch
        .iter()
        .map(|b| {
            (
                b.code.as_str(),
                b.subject.as_str(),
                b.files.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        batch,
        [
            (
                "duplicate-form",
                "project:定额公用经费",
                vec![
                    "mistake_rate.docx",
                    "report_with_form.docx",
                    "seed_dinge.docx",
                    "seed_dinge_moved.docx"
                ]
            ),
            (
                "duplicate-form",
                "project:项目工作经费",
                vec!["seed_xiangmu_split.docx", "seed_xiangmu_split_moved.docx"]
            ),
        ]
    );
    // The forms read in a folder are the forms read one by one.
    for name in DOCX {
        let (alone, _) = check_one(name);
        let walked = report
            .files
            .iter()
            .find(|f| f.path == name)
            .expect("in the folder");
        assert_eq!(walked.forms, alone.forms, "{name}");
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect()
}

fn fix(input: &Path, out: &Path) -> (Report, i32) {
    let status = bin()
        .arg("fix")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .status()
        .expect("run fix");
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report.json written"))
            .expect("report.json");
    (report, status.code().expect("exit code"))
}

fn first_sheet(path: &Path) -> String {
    let wb: Xlsx<_> = open_workbook(path).expect("open the corrected workbook");
    wb.sheet_names().first().cloned().expect("a sheet")
}

#[test]
fn fix_writes_each_word_form_as_xlsx_and_it_rechecks_clean() {
    let before = snapshot(&word());
    let out = tempfile::tempdir().expect("tempdir");
    let (report, code) = fix(&word(), out.path());
    assert_eq!(code, 1, "the folder holds errors");
    assert_eq!(snapshot(&word()), before, "inputs are never modified");

    let outputs: BTreeMap<&str, Option<&str>> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.output.as_deref()))
        .collect();
    assert_eq!(
        outputs,
        BTreeMap::from([
            ("mistake_rate.docx", Some("mistake_rate.xlsx")),
            ("narrative_only.docx", None),
            ("national_form.docx", Some("national_form.xlsx")),
            ("old_word.doc", None),
            ("old_wps.wps", None),
            ("report_with_form.docx", Some("report_with_form.xlsx")),
            ("seed_dinge.docx", Some("seed_dinge.xlsx")),
            ("seed_dinge_moved.docx", Some("seed_dinge_moved.xlsx")),
            ("seed_xiangmu_split.docx", Some("seed_xiangmu_split.xlsx")),
            (
                "seed_xiangmu_split_moved.docx",
                Some("seed_xiangmu_split_moved.xlsx")
            ),
        ])
    );
    assert!(out.path().join("seed_dinge.xlsx").is_file());
    assert!(!out.path().join("seed_dinge.docx.xlsx").exists());
    assert!(out.path().join("summary.xlsx").is_file());

    // The summary's row of the Word form links to its corrected workbook.
    let mut summary: Xlsx<_> = open_workbook(out.path().join("summary.xlsx")).expect("summary");
    let linked = summary.sheet_names().into_iter().any(|sheet| {
        summary.worksheet_formula(&sheet).is_ok_and(|range| {
            range
                .used_cells()
                .any(|(_, _, f)| f.contains("\"seed_dinge.xlsx\"") && f.contains("seed_dinge.docx"))
        })
    });
    assert!(linked, "summary.xlsx links seed_dinge.docx to seed_dinge.xlsx");

    // Re-checking the output folder: the corrected forms hold no error. (summary.xlsx is the
    // run's own summary, not a corrected form; it is left out here.)
    let (recheck, _) = check(out.path());
    let corrected: Vec<&str> = outputs.values().flatten().copied().collect();
    for name in &corrected {
        let file = recheck
            .files
            .iter()
            .find(|f| f.path == *name)
            .unwrap_or_else(|| panic!("{name} re-checked"));
        assert!(
            matches!(file.status, Status::Ok | Status::Findings),
            "{name}: {file:?}"
        );
        assert_eq!(file.forms.len(), 1, "{name}");
        for f in &file.forms {
            assert!(
                f.findings.iter().all(|x| x.severity.as_str() != "error"),
                "{name}: {:?}",
                f.findings
            );
        }
    }
    for file in recheck.files.iter().filter(|f| f.path != "summary.xlsx") {
        assert!(corrected.contains(&file.path.as_str()), "{}", file.path);
    }

    // The corrected forms keep the seed's figures, the wrong rate now right.
    let by_name =
        |name: &str| only_form(recheck.files.iter().find(|f| f.path == name).expect("re-checked")).clone();
    let rate = by_name("mistake_rate.xlsx");
    assert!(rate.findings.is_empty(), "{:?}", rate.findings);
    assert_same_as_seed(&rate, "定额公用经费");
    assert_same_as_seed(&by_name("seed_dinge.xlsx"), "定额公用经费");
    assert_same_as_seed(&by_name("seed_xiangmu_split.xlsx"), "项目工作经费");
    assert_same_as_seed(&by_name("seed_dinge_moved.xlsx"), "定额公用经费");
    assert_same_as_seed(&by_name("seed_xiangmu_split_moved.xlsx"), "项目工作经费");
    let national = by_name("national_form.xlsx");
    assert_eq!(
        (
            national.unit.as_str(),
            national.budget.as_deref(),
            national.executed.as_deref(),
            national.total.as_deref()
        ),
        ("万元", Some("150"), Some("142.37"), Some("98.99"))
    );

    // Each in the standard template of the layout it was filled in.
    let gz = out.path().join("mistake_rate.xlsx");
    let labels = texts(&gz, &first_sheet(&gz));
    assert!(labels.iter().any(|t| t.starts_with("本级安排")), "{labels:?}");
    assert!(!labels.iter().any(|t| t.contains("上年结转")), "{labels:?}");
    let nat = out.path().join("national_form.xlsx");
    let labels = texts(&nat, &first_sheet(&nat));
    assert!(labels.iter().any(|t| t.contains("上年结转资金")), "{labels:?}");
    assert!(labels.iter().any(|t| t.contains("偏差原因分析")), "{labels:?}");
}

#[test]
fn fix_names_the_word_output_docx_xlsx_beside_a_workbook_of_the_same_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(word().join("seed_dinge.docx"), dir.path().join("seed_dinge.docx")).expect("copy docx");
    std::fs::copy(
        samples().join("seed_2024.xlsx"),
        dir.path().join("seed_dinge.xlsx"),
    )
    .expect("copy xlsx");
    let out = tempfile::tempdir().expect("tempdir");
    let (report, code) = fix(dir.path(), out.path());
    assert_eq!(code, 0, "warnings only");
    let outputs: BTreeMap<&str, Option<&str>> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.output.as_deref()))
        .collect();
    assert_eq!(
        outputs,
        BTreeMap::from([
            ("seed_dinge.docx", Some("seed_dinge.docx.xlsx")),
            ("seed_dinge.xlsx", Some("seed_dinge.xlsx")),
        ])
    );
    for name in ["seed_dinge.docx.xlsx", "seed_dinge.xlsx"] {
        assert!(out.path().join(name).is_file(), "{name}");
    }
    // The workbook's own output is the workbook (two sheets), the Word form's is one form.
    let (from_word, _) = check(&out.path().join("seed_dinge.docx.xlsx"));
    assert_same_as_seed(only_form(&from_word.files[0]), "定额公用经费");
    let (from_xlsx, _) = check(&out.path().join("seed_dinge.xlsx"));
    assert_eq!(from_xlsx.files[0].forms.len(), 2);
}

/// What a file is follows its content, not its name: a Word document saved as `.xlsx` is read
/// and reported as the document it is (`format: docx`, the document's no-form message), and a
/// workbook saved as `.docx` as a workbook; neither is reissued as a workbook package.
#[test]
fn a_renamed_file_is_what_its_content_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let document = dir.path().join("改名的文档.xlsx");
    std::fs::copy(word().join("seed_dinge.docx"), &document).expect("copy");
    let narrative = dir.path().join("只有正文.xlsx");
    std::fs::copy(word().join("narrative_only.docx"), &narrative).expect("copy");
    let workbook = dir.path().join("改名的表.docx");
    std::fs::copy(samples().join("seed_2024.xlsx"), &workbook).expect("copy");
    let (report, _) = check(dir.path());
    let file = |name: &str| {
        report
            .files
            .iter()
            .find(|f| f.path == name)
            .unwrap_or_else(|| panic!("{name} not reported: {report:?}"))
    };
    let doc = file("改名的文档.xlsx");
    assert_eq!(doc.format.as_deref(), Some("docx"));
    assert_eq!(figures(only_form(doc)), figures(&seed_form("定额公用经费")));
    let empty = file("只有正文.xlsx");
    assert_eq!(empty.status, Status::NoForm);
    assert_eq!(empty.format.as_deref(), Some("docx"));
    assert!(
        empty.error.as_deref().is_some_and(|e| e.contains("Word 文档")),
        "{empty:?}"
    );
    let book = file("改名的表.docx");
    assert_eq!(book.format, None);
    assert_eq!(book.forms.len(), 2);

    // fix: the document's corrected form is the standard template, never a reissued package.
    let out = tempfile::tempdir().expect("out");
    let run = bin()
        .args(["fix", "-q", "-o"])
        .arg(out.path())
        .arg(dir.path())
        .output()
        .expect("fix");
    assert!(run.status.code().is_some_and(|c| c < 2), "{run:?}");
    let fixed: Report =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).expect("report.json"))
            .expect("json");
    let doc = fixed
        .files
        .iter()
        .find(|f| f.path == "改名的文档.xlsx")
        .expect("document");
    assert_eq!(
        doc.output_form,
        Some(jixiao::report::OutputForm::Standard),
        "{doc:?}"
    );
}
