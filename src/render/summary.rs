//! `summary.xlsx`: the run seen by the finance office that received the forms — one row per
//! project with its figures as filed and as recomputed (项目汇总), one row per finding with a
//! link to the corrected workbook (问题清单), the findings about the batch as a whole (批次问题),
//! one row per 主管部门 (按部门), and the counts with the grade distribution before and after
//! correction and a histogram of 执行率 (统计). It renders the [`Report`], the same data as
//! `report.json`, file by file as `fix` goes ([`SummaryBuilder`]).
//!
//! Why one file of ~800 lines (of which 170 are tests): the five sheets share its column tables,
//! item writers and the builder that streams rows as files go by; split by sheet, each part would
//! import all of them.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use rust_xlsxwriter::{Chart, ChartType, Workbook, Worksheet};

use super::{
    Column, Item, ListWriter, RenderError, base_format, finding_items, landscape, new_workbook, write_list,
};
use crate::report::{FileReport, FormReport, OutputForm, Report, Status, join_notes};
use crate::rules::cycle::CycleRow;
use crate::rules::{BatchFinding, Code, Finding, Severity};

const PROJECTS_SHEET: &str = "项目汇总";
const FINDINGS_SHEET: &str = "问题清单";
const BATCH_SHEET: &str = "批次问题";
const DEPARTMENTS_SHEET: &str = "按部门";
const STATS_SHEET: &str = "统计";

/// The bands of the 执行率 histogram (percent), each `[low, high)`; the last is above 100.
const RATE_BANDS: [(&str, Option<i64>, Option<i64>); 5] = [
    ("< 60%", None, Some(60)),
    ("60–80%", Some(60), Some(80)),
    ("80–90%", Some(80), Some(90)),
    ("90–100%", Some(90), Some(100)),
    ("> 100%", Some(100), None),
];

const BATCH_COLUMNS: &[Column] = &[
    column("代码", 22),
    column("严重程度", 10),
    column("对象", 30),
    column("原值", 10),
    column("应为", 10),
    column("涉及文件", 50),
    column("说明", 80),
];

/// 项目全周期: one block of rows per project whose year the batch holds more than one form of.
const CYCLE_SHEET: &str = "项目全周期";

const CYCLE_COLUMNS: &[Column] = &[
    column("项目名称", 30),
    column("主管部门", 24),
    column("年度", 6),
    column("三级指标", 30),
    column("申报表指标值", 36),
    column("监控表指标值", 36),
    column("完成目标可能性", 10),
    column("自评表指标值", 36),
    column("说明", 40),
];

const DEPARTMENT_COLUMNS: &[Column] = &[
    column("主管部门", 36),
    column("自评表数", 9),
    column("有错误的文件", 12),
    column("优", 6),
    column("良", 6),
    column("中", 6),
    column("差", 6),
    column("平均总分（核定）", 12),
    column("全年预算数（元）", 18),
    column("全年执行数（元）", 18),
    column("执行率(%)", 11),
    column("最常见的问题", 60),
];

/// The grades, best first, and the row for forms without one.
const GRADES: [&str; 4] = ["优", "良", "中", "差"];
const NO_GRADE: &str = "未评定";

const fn column(header: &'static str, max_width: usize) -> Column {
    Column { header, max_width }
}

const PROJECT_COLUMNS: &[Column] = &[
    column("文件", 40),
    column("工作表", 20),
    column("表类型", 14),
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
    column("更正后的工作簿", 40),
];

/// Positions of the 项目汇总 columns a failed file fills.
const PROJECT_STATUS: usize = 16;
const PROJECT_NOTE: usize = 17;

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
    let mut builder = SummaryBuilder::new(None)?;
    for file in &report.files {
        builder.add(file)?;
    }
    builder.finish()
}

/// Builds `summary.xlsx` as files arrive and keeps nothing of a file once its rows are written:
/// the two list sheets are constant-memory worksheets (rust_xlsxwriter streams their rows to a
/// temporary file), and 统计 is made from counters at the end. So `fix` over any number of
/// inputs holds one chunk of reports plus these counters.
pub struct SummaryBuilder {
    workbook: Workbook,
    projects: ListWriter,
    findings: ListWriter,
    stats: Stats,
    batch: Vec<BatchFinding>,
    cycle: Vec<CycleRow>,
}

/// The counters behind the 统计 sheet.
#[derive(Default)]
struct Stats {
    by_code: BTreeMap<Code, usize>,
    /// Error, warning, info.
    by_severity: [usize; 3],
    /// Per grade of `GRADES` plus one for no grade: as filed, as recomputed.
    reported: [usize; 5],
    recomputed: [usize; 5],
    /// Forms per band of `RATE_BANDS`.
    rates: [usize; 5],
    /// Per 主管部门 (as written, trimmed).
    departments: HashMap<String, Department>,
}

/// The counters of one 主管部门.
#[derive(Default)]
struct Department {
    forms: usize,
    files_with_errors: usize,
    /// Forms per recomputed grade of `GRADES`.
    grades: [usize; 4],
    total_sum: Decimal,
    totals: usize,
    /// In 元 (万元 converted).
    budget: Decimal,
    executed: Decimal,
    codes: BTreeMap<Code, usize>,
}

const PROJECTS: usize = 0;
const FINDINGS: usize = 1;

impl SummaryBuilder {
    /// `spill`: the folder for the rows streamed out of memory (the output folder of a run,
    /// which is known to be writable; the system's temporary folder when `None`, which may be
    /// missing or full on an office's machine).
    pub fn new(spill: Option<&std::path::Path>) -> Result<SummaryBuilder, RenderError> {
        let mut workbook = new_workbook()?;
        if let Some(dir) = spill {
            workbook.set_tempdir(dir)?;
        }
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(PROJECTS_SHEET)?;
        let projects =
            ListWriter::start(ws, 0, PROJECT_COLUMNS).map_err(RenderError::in_sheet(PROJECTS_SHEET))?;
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(FINDINGS_SHEET)?;
        let findings =
            ListWriter::start(ws, 0, FINDING_COLUMNS).map_err(RenderError::in_sheet(FINDINGS_SHEET))?;
        Ok(SummaryBuilder {
            workbook,
            projects,
            findings,
            stats: Stats::default(),
            batch: Vec::new(),
            cycle: Vec::new(),
        })
    }

    /// The findings about the batch as a whole, for the 批次问题 sheet.
    pub fn add_batch(&mut self, batch: &[BatchFinding]) -> Result<(), RenderError> {
        self.batch = batch.to_vec();
        Ok(())
    }

    /// Record each project's forms of the year side by side (the 项目全周期 sheet, written when
    /// there is any).
    pub fn add_cycle(&mut self, rows: Vec<CycleRow>) {
        self.cycle = rows;
    }

    /// Write one file's rows and count its findings.
    pub fn add(&mut self, file: &FileReport) -> Result<(), RenderError> {
        let ws = self.workbook.worksheet_from_index(PROJECTS)?;
        for row in project_rows(file) {
            self.projects
                .row(ws, &row)
                .map_err(RenderError::in_sheet(PROJECTS_SHEET))?;
        }
        let ws = self.workbook.worksheet_from_index(FINDINGS)?;
        for row in finding_rows(file) {
            self.findings
                .row(ws, &row)
                .map_err(RenderError::in_sheet(FINDINGS_SHEET))?;
        }
        self.stats.add(file);
        Ok(())
    }

    /// Finish the lists, add 统计, and return the workbook's bytes.
    pub fn finish(self) -> Result<Vec<u8>, RenderError> {
        Ok(self.complete()?.save_to_buffer()?)
    }

    /// Finish as [`finish`](Self::finish) does, streaming the workbook into `writer` (a file)
    /// instead of building it in memory first.
    pub fn finish_into<W: std::io::Write + std::io::Seek + Send>(self, writer: W) -> Result<(), RenderError> {
        self.complete()?.save_to_writer(writer)?;
        Ok(())
    }

    fn complete(self) -> Result<Workbook, RenderError> {
        let SummaryBuilder {
            mut workbook,
            projects,
            findings,
            stats,
            batch,
            cycle,
        } = self;
        let ws = workbook.worksheet_from_index(PROJECTS)?;
        projects
            .finish(ws, true)
            .map_err(RenderError::in_sheet(PROJECTS_SHEET))?;
        landscape(ws);
        let ws = workbook.worksheet_from_index(FINDINGS)?;
        findings
            .finish(ws, true)
            .map_err(RenderError::in_sheet(FINDINGS_SHEET))?;
        landscape(ws);
        let ws = workbook.add_worksheet();
        ws.set_name(BATCH_SHEET)?;
        write_list(ws, 0, BATCH_COLUMNS, &batch_rows(&batch), true)
            .map_err(RenderError::in_sheet(BATCH_SHEET))?;
        landscape(ws);
        if !cycle.is_empty() {
            let ws = workbook.add_worksheet();
            ws.set_name(CYCLE_SHEET)?;
            write_list(ws, 0, CYCLE_COLUMNS, &cycle_rows(&cycle), true)
                .map_err(RenderError::in_sheet(CYCLE_SHEET))?;
            landscape(ws);
        }
        let ws = workbook.add_worksheet();
        ws.set_name(DEPARTMENTS_SHEET)?;
        write_list(ws, 0, DEPARTMENT_COLUMNS, &stats.department_rows(), true)
            .map_err(RenderError::in_sheet(DEPARTMENTS_SHEET))?;
        landscape(ws);
        let ws = workbook.add_worksheet();
        ws.set_name(STATS_SHEET)?;
        stats.write(ws).map_err(RenderError::in_sheet(STATS_SHEET))?;
        Ok(workbook)
    }
}

impl Stats {
    fn add(&mut self, file: &FileReport) {
        if failed(file) {
            *self.by_code.entry(failure_code(file)).or_default() += 1;
            self.by_severity[0] += 1;
        }
        for form in &file.forms {
            for f in &form.findings {
                *self.by_code.entry(f.code).or_default() += 1;
                self.by_severity[match f.severity {
                    Severity::Error => 0,
                    Severity::Warning => 1,
                    Severity::Info => 2,
                }] += 1;
            }
            let slot = |g: Option<&str>| GRADES.iter().position(|x| Some(*x) == g).unwrap_or(GRADES.len());
            self.reported[slot(reported(form))] += 1;
            self.recomputed[slot(recomputed(form))] += 1;
            if let Some(band) = form.execution_rate.as_deref().and_then(rate_band) {
                self.rates[band] += 1;
            }
            let dept = self
                .departments
                .entry(form.department.trim().to_string())
                .or_default();
            dept.forms += 1;
            if let Some(g) = recomputed(form).and_then(|g| GRADES.iter().position(|x| *x == g)) {
                dept.grades[g] += 1;
            }
            if let Some(t) = form.total.as_deref().and_then(|t| t.parse::<Decimal>().ok()) {
                dept.total_sum = dept.total_sum.checked_add(t).unwrap_or(dept.total_sum);
                dept.totals += 1;
            }
            let in_yuan = |v: &Option<String>| {
                let d = v.as_deref().and_then(|v| v.parse::<Decimal>().ok())?;
                if form.unit == "万元" {
                    d.checked_mul(Decimal::from(10_000))
                } else {
                    Some(d)
                }
            };
            if let (Some(b), Some(e)) = (in_yuan(&form.budget), in_yuan(&form.executed)) {
                dept.budget = dept.budget.checked_add(b).unwrap_or(dept.budget);
                dept.executed = dept.executed.checked_add(e).unwrap_or(dept.executed);
            }
            for f in &form.findings {
                *dept.codes.entry(f.code).or_default() += 1;
            }
        }
        // A file with an error counts once for each department whose form it holds.
        let mut with_errors: Vec<&str> = file
            .forms
            .iter()
            .filter(|f| f.findings.iter().any(|x| x.severity == Severity::Error))
            .map(|f| f.department.trim())
            .collect();
        with_errors.sort_unstable();
        with_errors.dedup();
        for d in with_errors {
            if let Some(dept) = self.departments.get_mut(d) {
                dept.files_with_errors += 1;
            }
        }
    }

    /// The 按部门 rows, most files with errors first, then most forms, then by name.
    fn department_rows(&self) -> Vec<Vec<Item>> {
        let mut depts: Vec<(&String, &Department)> = self.departments.iter().collect();
        depts.sort_by(|a, b| {
            (b.1.files_with_errors, b.1.forms)
                .cmp(&(a.1.files_with_errors, a.1.forms))
                .then_with(|| a.0.cmp(b.0))
        });
        depts
            .into_iter()
            .map(|(name, d)| {
                let mean = (d.totals > 0)
                    .then(|| d.total_sum.checked_div(Decimal::from(d.totals)))
                    .flatten()
                    .map_or(Item::Empty, |m| Item::Fixed(crate::num::round2(m)));
                let rate = if d.budget > Decimal::ZERO {
                    d.executed
                        .checked_div(d.budget)
                        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
                        .map(crate::num::round2)
                        .unwrap_or_default()
                } else {
                    Decimal::ZERO
                };
                let mut codes: Vec<(&Code, &usize)> = d.codes.iter().collect();
                codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let top: Vec<String> = codes
                    .iter()
                    .take(3)
                    .map(|(c, n)| format!("{} {n}", c.title()))
                    .collect();
                let mut row = vec![
                    Item::text(if name.is_empty() {
                        "（未填主管部门）"
                    } else {
                        name.as_str()
                    }),
                    Item::Count(d.forms),
                    Item::Count(d.files_with_errors),
                ];
                row.extend(d.grades.iter().map(|n| Item::Count(*n)));
                row.extend([
                    mean,
                    Item::Money(d.budget),
                    Item::Money(d.executed),
                    Item::RateOf {
                        budget_col: 8,
                        executed_col: 9,
                        value: rate,
                    },
                    Item::text(top.join("，")),
                ]);
                row
            })
            .collect()
    }
}

/// The band of `RATE_BANDS` a 执行率 (percent text) falls in.
fn rate_band(rate: &str) -> Option<usize> {
    let r: Decimal = rate.parse().ok()?;
    RATE_BANDS.iter().position(|(_, low, high)| {
        low.is_none_or(|l| r >= Decimal::from(l)) && high.is_none_or(|h| r < Decimal::from(h))
            || (high == &Some(100) && r == Decimal::ONE_HUNDRED)
    })
}

/// The 批次问题 rows: one per batch finding.
/// The 项目全周期 rows: per project, a line of its files and money, then one per indicator with
/// its target in each form; a year-end target that differs from the declared one (or an
/// indicator one side lacks) is highlighted.
fn cycle_rows(cycle: &[CycleRow]) -> Vec<Vec<Item>> {
    let mut rows = Vec::new();
    for p in cycle {
        let file = |f: &Option<String>| f.clone().map_or(Item::Empty, Item::Text);
        let with_money = |f: &Option<String>, d: Option<Decimal>, what: &str| match (f, d) {
            (Some(f), Some(d)) => Item::text(format!("{f}；{what} {} 元", crate::num::fmt_amount(d))),
            (f, _) => file(f),
        };
        rows.push(vec![
            Item::text(&p.project),
            Item::text(&p.department),
            Item::Count(usize::try_from(p.year).unwrap_or_default()),
            Item::text("（文件与资金）"),
            file(&p.declaration),
            with_money(&p.monitoring, p.forecast, "全年预计执行"),
            Item::Empty,
            with_money(&p.report, p.executed, "全年执行"),
            Item::Empty,
        ]);
        for ind in &p.indicators {
            let value = |v: &Option<String>, marked: bool| match v {
                Some(v) if marked => Item::Marked(v.clone()),
                Some(v) => Item::text(v),
                None if marked => Item::Marked("（无）".into()),
                None => Item::Empty,
            };
            let note = match (&ind.declared, &ind.monitored, &ind.reported) {
                _ if !ind.differs => String::new(),
                (_, _, None) => "自评表中没有该指标".to_string(),
                (None, None, Some(_)) => "申报表（监控表）中没有该指标".to_string(),
                _ => "指标值与年初设定的不同".to_string(),
            };
            rows.push(vec![
                Item::text(&p.project),
                Item::text(&p.department),
                Item::Count(usize::try_from(p.year).unwrap_or_default()),
                Item::text(&ind.name),
                value(&ind.declared, false),
                value(&ind.monitored, false),
                if ind.assured {
                    Item::text("确定能")
                } else {
                    Item::Empty
                },
                value(&ind.reported, ind.differs),
                Item::text(note),
            ]);
        }
    }
    rows
}

fn batch_rows(batch: &[BatchFinding]) -> Vec<Vec<Item>> {
    batch
        .iter()
        .map(|f| {
            vec![
                Item::text(f.finding.code.as_str()),
                Item::text(f.finding.severity.label()),
                Item::text(&f.finding.subject),
                Item::text(&f.finding.reported),
                Item::text(&f.finding.expected),
                Item::text(f.files.join("\n")),
                Item::text(&f.finding.message),
            ]
        })
        .collect()
}

/// The file cell: a link to the corrected workbook (relative to the summary, which sits at the
/// root of OUT) when there is one.
fn file_item(file: &FileReport) -> Item {
    match &file.output {
        Some(output) => Item::FileLink {
            path: output.clone(),
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

/// The 项目汇总 rows of one file: one per form, or one for a file without forms.
fn project_rows(file: &FileReport) -> Vec<Vec<Item>> {
    if failed(file) || file.forms.is_empty() {
        let mut row = vec![Item::Empty; PROJECT_COLUMNS.len()];
        row[0] = file_item(file);
        row[PROJECT_STATUS] = Item::text(file.status.label());
        let error = file.error.as_deref();
        row[PROJECT_NOTE] = Item::text(join_notes([error, file.name_note.as_deref()]).unwrap_or_default());
        return vec![row];
    }
    file.forms
        .iter()
        .map(|form| {
            let hidden = file.hidden_sheets.contains(&form.sheet);
            vec![
                file_item(file),
                Item::text(&form.sheet),
                Item::text(form.form_type.label()),
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
                Item::text(note(hidden, form.reading.as_deref(), file)),
                output_item(file),
            ]
        })
        .collect()
}

/// The 说明 of a form's row: a hidden sheet, what could not be read (the reading notes, so a
/// person knows which checks did not run), the name the file was sent under, and why its file
/// got the standard template.
fn note(hidden: bool, reading: Option<&str>, file: &FileReport) -> String {
    let hidden = hidden.then_some("工作表已隐藏");
    let reading = reading.map(|r| format!("读取说明：{r}"));
    join_notes([
        hidden,
        reading.as_deref(),
        file.name_note.as_deref(),
        file.output_note.as_deref(),
    ])
    .unwrap_or_default()
}

/// The corrected workbook, linked, with which form it took: the unit's own file with the
/// corrected cells changed, or the standard template.
fn output_item(file: &FileReport) -> Item {
    let (Some(output), Some(form)) = (&file.output, file.output_form) else {
        return Item::Empty;
    };
    let how = match form {
        OutputForm::Reissued => "原表更正",
        OutputForm::Standard => "标准模板",
    };
    Item::FileLink {
        path: output.clone(),
        text: format!("{how}：{output}"),
    }
}

/// The 问题清单 rows of one file: one per finding, or one for a file that could not be read.
fn finding_rows(file: &FileReport) -> Vec<Vec<Item>> {
    if failed(file) {
        let code = failure_code(file);
        return vec![vec![
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
        ]];
    }
    let mut rows = Vec::new();
    for form in &file.forms {
        for f in &form.findings {
            let mut row = vec![file_item(file), Item::text(&form.sheet)];
            row.extend(finding_items(f));
            rows.push(row);
        }
    }
    rows
}

impl Stats {
    /// The 统计 sheet: counts by code and by severity, the grade distribution before and after
    /// correction, and a chart of it.
    fn write(&self, ws: &mut Worksheet) -> Result<(), RenderError> {
        let title = base_format().set_bold().set_font_size(12);
        let mut row = 0;
        ws.write_string_with_format(row, 0, "按问题代码统计", &title)?;
        let by_code: Vec<Vec<Item>> = Code::ALL
            .iter()
            .map(|code| {
                let n = self.by_code.get(code).copied().unwrap_or(0);
                vec![
                    Item::text(code.as_str()),
                    Item::text(code.title()),
                    Item::Count(n),
                ]
            })
            .collect();
        let columns = [column("代码", 40), column("名称", 30), column("数量", 10)];
        row = write_list(ws, row + 1, &columns, &by_code, false)? + 1;

        ws.write_string_with_format(row, 0, "按严重程度统计", &title)?;
        let by_severity: Vec<Vec<Item>> = [Severity::Error, Severity::Warning, Severity::Info]
            .iter()
            .zip(self.by_severity)
            .map(|(s, n)| vec![Item::text(s.label()), Item::Count(n)])
            .collect();
        let columns = [column("严重程度", 40), column("数量", 30)];
        row = write_list(ws, row + 1, &columns, &by_severity, false)? + 1;

        ws.write_string_with_format(row, 0, "自评等级分布", &title)?;
        let by_grade: Vec<Vec<Item>> = GRADES
            .iter()
            .chain(std::iter::once(&NO_GRADE))
            .enumerate()
            .map(|(i, g)| {
                vec![
                    Item::text(*g),
                    Item::Count(self.reported[i]),
                    Item::Count(self.recomputed[i]),
                ]
            })
            .collect();
        let header = row + 1;
        let columns = [column("等级", 40), column("填报", 30), column("核定", 10)];
        row = write_list(ws, header, &columns, &by_grade, false)? + 1;

        ws.write_string_with_format(row, 0, "执行率分布", &title)?;
        let by_rate: Vec<Vec<Item>> = RATE_BANDS
            .iter()
            .zip(self.rates)
            .map(|((band, ..), n)| vec![Item::text(*band), Item::Count(n)])
            .collect();
        let rate_header = row + 1;
        let columns = [column("执行率", 40), column("表数", 30)];
        write_list(ws, rate_header, &columns, &by_rate, false)?;
        let mut histogram = Chart::new(ChartType::Column);
        histogram
            .add_series()
            .set_name("表数")
            .set_categories((
                STATS_SHEET,
                rate_header + 1,
                0,
                rate_header + RATE_BANDS.len() as u32,
                0,
            ))
            .set_values((
                STATS_SHEET,
                rate_header + 1,
                1,
                rate_header + RATE_BANDS.len() as u32,
                1,
            ));
        histogram.title().set_name("预算执行率分布");
        histogram.x_axis().set_name("执行率");
        histogram.y_axis().set_name("表数");
        histogram.set_width(520).set_height(320);
        ws.insert_chart(18, 4, &histogram)?;

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
            form_type: Default::default(),
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
            reading: None,
        }
    }

    fn sample_report() -> Report {
        let file = |path: &str, status, output: Option<&str>, error: Option<&str>, forms| FileReport {
            error: error.map(str::to_string),
            output: output.map(str::to_string),
            forms,
            ..FileReport::new(path, status)
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
            batch: Vec::new(),
            summary: Summary::default(),
        }
    }

    fn rendered() -> Book {
        Book::open(&render(&sample_report()).expect("renders"))
    }

    #[test]
    fn five_sheets() {
        assert_eq!(
            rendered().names,
            [
                PROJECTS_SHEET,
                FINDINGS_SHEET,
                BATCH_SHEET,
                DEPARTMENTS_SHEET,
                STATS_SHEET
            ]
        );
    }

    #[test]
    fn one_project_row_per_form_and_per_failed_file() {
        let book = rendered();
        let rows = book.rows(PROJECTS_SHEET);
        assert_eq!(rows.len(), 4, "header, two forms, one unreadable file");
        assert_eq!(rows[0][0], "文件");
        assert_eq!(rows[0][2], "表类型");
        assert_eq!(rows[0][17], "说明");
        assert_eq!(rows[1][0], "一处/seed_2024.xlsx");
        assert_eq!(rows[1][1], "定额公用经费");
        assert_eq!(rows[1][2], "自评表");
        assert_eq!(book.at(PROJECTS_SHEET, "F2"), Data::Float(200000.0));
        assert_eq!(rows[1][7], "元");
        assert_eq!(book.at(PROJECTS_SHEET, "I2"), Data::Float(98.44));
        assert_eq!(book.at(PROJECTS_SHEET, "L2"), Data::Float(99.84));
        assert_eq!(rows[1][12], "良");
        assert_eq!(rows[1][13], "优");
        assert_eq!(book.at(PROJECTS_SHEET, "O2"), Data::Float(2.0), "errors");
        assert_eq!(book.at(PROJECTS_SHEET, "P2"), Data::Float(1.0), "warnings");
        assert_eq!(rows[1][16], "有问题");
        assert_eq!(rows[3][0], "坏文件.xlsx");
        assert_eq!(rows[3][2], "");
        assert_eq!(rows[3][16], "无法读取");
        assert_eq!(rows[3][17], "文件已加密");
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
        let sheet = book.entry("xl/worksheets/sheet2.xml").expect("sheet");
        // The file name links to the corrected workbook, relative to the summary.
        assert!(
            sheet.contains(r#"<f>HYPERLINK("一处/seed_2024.xlsx","一处/seed_2024.xlsx")</f>"#),
            "{sheet}"
        );
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
