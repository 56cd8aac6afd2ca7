//! `summary.xlsx`: the run seen by the finance office that received the forms — one row per
//! project with its figures as filed and as recomputed (项目汇总), one row per finding with a
//! link to the corrected workbook (问题清单), and the counts with the grade distribution before
//! and after correction (统计). It renders the [`Report`], the same data as `report.json`.

use rust_xlsxwriter::{Chart, ChartType, Worksheet};

use super::{Column, Item, RenderError, base_format, finding_items, landscape, new_workbook, write_list};
use crate::report::{FileReport, FormReport, Report, Status};
use crate::rules::{Code, Finding, Severity};

const PROJECTS_SHEET: &str = "项目汇总";
const FINDINGS_SHEET: &str = "问题清单";
const STATS_SHEET: &str = "统计";

/// The grades, best first, and the row for forms without one.
const GRADES: [&str; 4] = ["优", "良", "中", "差"];
const NO_GRADE: &str = "未评定";

const fn column(header: &'static str, max_width: usize) -> Column {
    Column { header, max_width }
}

const PROJECT_COLUMNS: &[Column] = &[
    column("文件", 40),
    column("工作表", 20),
    column("项目名称", 36),
    column("主管部门", 36),
    column("全年预算数", 18),
    column("全年执行数", 18),
    column("单位", 6),
    column("执行率(%)", 11),
    column("预算执行率得分", 10),
    column("总分（填报）", 9),
    column("总分（核定）", 9),
    column("等级（填报）", 9),
    column("等级（核定）", 9),
    column("错误", 6),
    column("提示", 6),
    column("状态", 14),
    column("说明", 50),
];

const FINDING_COLUMNS: &[Column] = &[
    column("文件", 40),
    column("工作表", 20),
    column("单元格", 8),
    column("代码", 32),
    column("严重程度", 10),
    column("对象", 36),
    column("原值", 20),
    column("应为", 20),
    column("已更正", 8),
    column("说明", 70),
];

pub(crate) fn render(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut workbook = new_workbook()?;
    let ws = workbook.add_worksheet();
    ws.set_name(PROJECTS_SHEET)?;
    projects(ws, report).map_err(RenderError::in_sheet(PROJECTS_SHEET))?;
    let ws = workbook.add_worksheet();
    ws.set_name(FINDINGS_SHEET)?;
    findings(ws, report).map_err(RenderError::in_sheet(FINDINGS_SHEET))?;
    let ws = workbook.add_worksheet();
    ws.set_name(STATS_SHEET)?;
    stats(ws, report).map_err(RenderError::in_sheet(STATS_SHEET))?;
    Ok(workbook.save_to_buffer()?)
}

/// The file cell: a link to the corrected workbook (relative to the summary, which sits at the
/// root of OUT) when there is one.
fn file_item(file: &FileReport) -> Item {
    match &file.output {
        Some(output) => Item::Link {
            url: format!("file:///{output}"),
            text: file.path.clone(),
        },
        None => Item::text(&file.path),
    }
}

/// True for a file that produced no form (its row carries the error instead).
fn failed(file: &FileReport) -> bool {
    matches!(file.status, Status::Unreadable | Status::NoForm)
}

/// The finding code a failed file stands for.
fn failure_code(file: &FileReport) -> Code {
    file.code.unwrap_or(match file.status {
        Status::NoForm => Code::NoFormFound,
        _ => Code::UnreadableFile,
    })
}

fn reported(f: &FormReport) -> Option<&str> {
    f.grade_reported.as_deref()
}

fn recomputed(f: &FormReport) -> Option<&str> {
    f.grade.as_deref()
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn projects(ws: &mut Worksheet, report: &Report) -> Result<(), RenderError> {
    let mut rows = Vec::new();
    for file in &report.files {
        if failed(file) || file.forms.is_empty() {
            let mut row = vec![Item::Empty; PROJECT_COLUMNS.len()];
            row[0] = file_item(file);
            let last = PROJECT_COLUMNS.len() - 1;
            row[last - 1] = Item::text(file.status.label());
            row[last] = Item::text(file.error.clone().unwrap_or_default());
            rows.push(row);
            continue;
        }
        for form in &file.forms {
            let hidden = file.hidden_sheets.contains(&form.sheet);
            rows.push(vec![
                file_item(file),
                Item::text(&form.sheet),
                Item::text(&form.project),
                Item::text(&form.department),
                Item::decimal(form.budget.as_deref(), true),
                Item::decimal(form.executed.as_deref(), true),
                Item::text(&form.unit),
                Item::decimal(form.execution_rate.as_deref(), false),
                Item::decimal(form.execution_score.as_deref(), false),
                Item::decimal(form.total_reported.as_deref(), false),
                Item::decimal(form.total.as_deref(), false),
                Item::text(form.grade_reported.clone().unwrap_or_default()),
                Item::text(form.grade.clone().unwrap_or_default()),
                Item::Count(count(&form.findings, Severity::Error)),
                Item::Count(count(&form.findings, Severity::Warning)),
                Item::text(file.status.label()),
                Item::text(if hidden { "工作表已隐藏" } else { "" }),
            ]);
        }
    }
    write_list(ws, 0, PROJECT_COLUMNS, &rows, true)?;
    landscape(ws);
    Ok(())
}

fn findings(ws: &mut Worksheet, report: &Report) -> Result<(), RenderError> {
    let mut rows = Vec::new();
    for file in &report.files {
        if failed(file) {
            let code = failure_code(file);
            rows.push(vec![
                file_item(file),
                Item::Empty,
                Item::Empty,
                Item::text(code.as_str()),
                Item::text(Severity::Error.label()),
                Item::Empty,
                Item::Empty,
                Item::Empty,
                Item::text("否"),
                Item::text(file.error.clone().unwrap_or_else(|| code.title().to_string())),
            ]);
            continue;
        }
        for form in &file.forms {
            for f in &form.findings {
                let mut row = vec![file_item(file), Item::text(&form.sheet)];
                row.extend(finding_items(f));
                rows.push(row);
            }
        }
    }
    write_list(ws, 0, FINDING_COLUMNS, &rows, true)?;
    landscape(ws);
    Ok(())
}

fn stats(ws: &mut Worksheet, report: &Report) -> Result<(), RenderError> {
    let title = base_format().set_bold().set_font_size(12);
    let findings: Vec<&Finding> = report
        .files
        .iter()
        .flat_map(|f| &f.forms)
        .flat_map(|f| &f.findings)
        .collect();
    let failures: Vec<Code> = report
        .files
        .iter()
        .filter(|f| failed(f))
        .map(failure_code)
        .collect();

    // By code.
    let mut row = 0;
    ws.write_string_with_format(row, 0, "按问题代码统计", &title)?;
    let by_code: Vec<Vec<Item>> = Code::ALL
        .iter()
        .map(|code| {
            let n = findings.iter().filter(|f| f.code == *code).count()
                + failures.iter().filter(|c| *c == code).count();
            vec![
                Item::text(code.as_str()),
                Item::text(code.title()),
                Item::Count(n),
            ]
        })
        .collect();
    let columns = [column("代码", 40), column("名称", 30), column("数量", 10)];
    row = write_list(ws, row + 1, &columns, &by_code, false)? + 1;

    // By severity.
    ws.write_string_with_format(row, 0, "按严重程度统计", &title)?;
    let by_severity: Vec<Vec<Item>> = [Severity::Error, Severity::Warning, Severity::Info]
        .iter()
        .map(|s| {
            let mut n = findings.iter().filter(|f| f.severity == *s).count();
            if *s == Severity::Error {
                n += failures.len();
            }
            vec![Item::text(s.label()), Item::Count(n)]
        })
        .collect();
    let columns = [column("严重程度", 40), column("数量", 30)];
    row = write_list(ws, row + 1, &columns, &by_severity, false)? + 1;

    // Grade distribution, before and after correction.
    ws.write_string_with_format(row, 0, "自评等级分布", &title)?;
    let forms: Vec<_> = report.files.iter().flat_map(|f| &f.forms).collect();
    let tally = |grade: Option<&str>, pick: fn(&FormReport) -> Option<&str>| {
        forms
            .iter()
            .filter(|f| match grade {
                Some(g) => pick(f) == Some(g),
                None => !pick(f).is_some_and(|p| GRADES.contains(&p)),
            })
            .count()
    };
    let mut by_grade: Vec<Vec<Item>> = GRADES
        .iter()
        .map(|g| {
            vec![
                Item::text(*g),
                Item::Count(tally(Some(g), reported)),
                Item::Count(tally(Some(g), recomputed)),
            ]
        })
        .collect();
    by_grade.push(vec![
        Item::text(NO_GRADE),
        Item::Count(tally(None, reported)),
        Item::Count(tally(None, recomputed)),
    ]);
    let header = row + 1;
    let columns = [column("等级", 40), column("填报", 30), column("核定", 10)];
    write_list(ws, header, &columns, &by_grade, false)?;

    let (first, last) = (header + 1, header + GRADES.len() as u32);
    let mut chart = Chart::new(ChartType::Column);
    for (col, name) in [(1, "填报"), (2, "核定")] {
        chart
            .add_series()
            .set_name(name)
            .set_categories((STATS_SHEET, first, 0, last, 0))
            .set_values((STATS_SHEET, first, col, last, col));
    }
    chart.title().set_name("自评等级分布（更正前后）");
    chart.x_axis().set_name("等级");
    chart.y_axis().set_name("表数");
    chart.set_width(520).set_height(320);
    ws.insert_chart(0, 4, &chart)?;

    // The three tables share columns A–C: size them once for all.
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 10)?;
    landscape(ws);
    Ok(())
}

#[cfg(test)]
mod tests {
    use calamine::Data;

    use super::super::tests::{Book, sample_findings};
    use super::*;
    use crate::report::Summary;

    fn form(sheet: &str, grade_reported: &str, grade: &str, findings: Vec<Finding>) -> FormReport {
        FormReport {
            sheet: sheet.to_string(),
            project: "定额公用经费".to_string(),
            department: "[197]中共黔南州委社会工作部".to_string(),
            unit: "元".to_string(),
            anchor: "A1".to_string(),
            budget: Some("200000".to_string()),
            executed: Some("196876.3".to_string()),
            execution_rate: Some("98.44".to_string()),
            execution_score: Some("9.84".to_string()),
            total_reported: Some("89.84".to_string()),
            total: Some("99.84".to_string()),
            grade_reported: Some(grade_reported.to_string()),
            grade: Some(grade.to_string()),
            findings,
        }
    }

    fn sample_report() -> Report {
        let file = |path: &str, status, output: Option<&str>, error: Option<&str>, forms| FileReport {
            path: path.to_string(),
            status,
            code: None,
            error: error.map(str::to_string),
            output: output.map(str::to_string),
            hidden_sheets: Vec::new(),
            forms,
        };
        Report {
            files: vec![
                file(
                    "一处/seed_2024.xlsx",
                    Status::Findings,
                    Some("一处/seed_2024.xlsx"),
                    None,
                    vec![
                        form("定额公用经费", "良", "优", sample_findings()),
                        form("项目工作经费", "优", "优", Vec::new()),
                    ],
                ),
                file(
                    "坏文件.xlsx",
                    Status::Unreadable,
                    None,
                    Some("文件已加密"),
                    Vec::new(),
                ),
            ],
            summary: Summary::default(),
        }
    }

    fn rendered() -> Book {
        Book::open(&render(&sample_report()).expect("renders"))
    }

    #[test]
    fn three_sheets() {
        assert_eq!(rendered().names, [PROJECTS_SHEET, FINDINGS_SHEET, STATS_SHEET]);
    }

    #[test]
    fn one_project_row_per_form_and_per_failed_file() {
        let book = rendered();
        let rows = book.rows(PROJECTS_SHEET);
        assert_eq!(rows.len(), 4, "header, two forms, one unreadable file");
        assert_eq!(rows[0][0], "文件");
        assert_eq!(rows[0][16], "说明");
        assert_eq!(rows[1][0], "一处/seed_2024.xlsx");
        assert_eq!(rows[1][1], "定额公用经费");
        assert_eq!(book.at(PROJECTS_SHEET, "E2"), Data::Float(200000.0));
        assert_eq!(rows[1][6], "元");
        assert_eq!(book.at(PROJECTS_SHEET, "H2"), Data::Float(98.44));
        assert_eq!(book.at(PROJECTS_SHEET, "K2"), Data::Float(99.84));
        assert_eq!(rows[1][11], "良");
        assert_eq!(rows[1][12], "优");
        assert_eq!(book.at(PROJECTS_SHEET, "N2"), Data::Float(2.0), "errors");
        assert_eq!(book.at(PROJECTS_SHEET, "O2"), Data::Float(1.0), "warnings");
        assert_eq!(rows[1][15], "有问题");
        assert_eq!(rows[3][0], "坏文件.xlsx");
        assert_eq!(rows[3][15], "无法读取");
        assert_eq!(rows[3][16], "文件已加密");
    }

    #[test]
    fn one_finding_row_per_finding_with_a_link_to_the_corrected_workbook() {
        let book = rendered();
        let rows = book.rows(FINDINGS_SHEET);
        assert_eq!(
            rows.len(),
            1 + 3 + 1,
            "header, three findings, the unreadable file"
        );
        assert_eq!(rows[1][2], "H7");
        assert_eq!(rows[1][3], "execution-rate-mismatch");
        assert_eq!(rows[1][8], "是");
        assert_eq!(rows[4][3], "unreadable-file");
        assert_eq!(rows[4][9], "文件已加密");
        let rels = book
            .entry("xl/worksheets/_rels/sheet2.xml.rels")
            .expect("hyperlinks");
        assert!(rels.contains("TargetMode=\"External\""), "{rels}");
        assert!(rels.contains("seed_2024.xlsx"), "{rels}");
        assert!(!rels.contains("file:///"), "relative link: {rels}");
        let sheet = book.entry("xl/worksheets/sheet2.xml").expect("sheet");
        assert!(sheet.contains("<autoFilter ref=\"A1:J5\""));
        assert!(sheet.contains("state=\"frozen\""));
        assert!(sheet.contains("orientation=\"landscape\""));
    }

    #[test]
    fn statistics_count_codes_severities_and_grades() {
        let book = rendered();
        let rows = book.rows(STATS_SHEET);
        let find = |label: &str| {
            rows.iter()
                .find(|r| r.first().is_some_and(|c| c == label))
                .unwrap_or_else(|| panic!("row {label}"))
                .clone()
        };
        assert_eq!(find("execution-rate-mismatch")[2], "1");
        assert_eq!(find("unreadable-file")[2], "1");
        assert_eq!(find("overspend")[2], "0");
        assert_eq!(find("错误")[1], "3", "two findings and the unreadable file");
        assert_eq!(find("提示")[1], "1");
        assert_eq!(find("优")[1..3], ["1", "2"]);
        assert_eq!(find("良")[1..3], ["1", "0"]);
        assert_eq!(find("差")[1..3], ["0", "0"]);
        let chart = book.entry("xl/charts/chart1.xml").expect("chart");
        assert!(chart.contains("<c:barDir val=\"col\"/>"));
        assert!(chart.contains("统计"));
    }

    #[test]
    fn rendering_twice_gives_identical_bytes() {
        let report = sample_report();
        assert_eq!(
            render(&report).expect("renders"),
            render(&report).expect("renders")
        );
    }

    #[test]
    fn an_empty_run_still_renders() {
        let book = Book::open(&render(&Report::default()).expect("renders"));
        assert_eq!(book.rows(PROJECTS_SHEET).len(), 1);
    }
}
