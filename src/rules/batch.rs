//! The batch as a whole (docs/rules.md): `duplicate-form`, `year-mismatch`,
//! `copied-indicators`, and across the forms of a project's year the rules of `cycle.rs`
//! (`target-changed`, `indicator-dropped`, `indicator-added`, `forecast-missed`,
//! `monitoring-contradicted`, `target-lowered`). Computed after every file is read, from a small
//! index of each form ([`FormIndex`]: names, year, dates, a few figures, a fingerprint of its
//! indicators, and their names and targets as written) — never the forms themselves, so memory
//! grows by a few hundred bytes a form however large the forms are.
//!
//! Why ~750 lines (150 of them tests): the compact index and every rule that reads its entries; the
//! cross-form comparisons themselves are in `cycle.rs`.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{Code, Draft, Finding, Settings};
use crate::form::{Form, FormType};
use crate::text::norm;

/// What the batch rules know of one form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormIndex {
    /// The file, as the report names it.
    pub file: String,
    /// Which form it is: forms of different kinds of one project are its year's cycle, not
    /// duplicates of each other.
    pub kind: FormType,
    pub sheet: String,
    pub project: String,
    pub department: String,
    /// The form's year (`（2024年度）`, or 填报日期's year less one); `None` when it says none.
    pub year: Option<i32>,
    /// 填报日期 as (year, month, day), when readable.
    pub filed: Option<(i32, u32, u32)>,
    /// The file's modification time, for telling the newest of duplicates.
    pub modified: Option<SystemTime>,
    /// Key figures as reported (label, value), for saying which differ between duplicates.
    pub figures: Vec<(&'static str, String)>,
    /// A fingerprint of the 三级指标 with their targets and actuals (3 rows or more).
    pub indicators: Option<u64>,
    /// The indicators' names and targets, for comparing the forms of a project's year.
    pub targets: super::cycle::Targets,
    /// What a project's forms of the year promise and report beyond their targets.
    pub course: super::cycle::Course,
}

/// Indicator blocks shorter than this are too generic to call a copy.
const MIN_COPIED_ROWS: usize = 3;

impl FormIndex {
    /// The index of a checked form.
    pub fn of(
        file: &str,
        form: &Form,
        checked: &super::Checked,
        figures: Vec<(&'static str, String)>,
    ) -> FormIndex {
        let year = super::indicators::form_year(form);
        let filed = match &form.date.value {
            crate::grid::Value::Date(d) => Some((d.year, d.month, d.day)),
            _ => match crate::grammar::parse_actual(&form.date.as_text()) {
                crate::grammar::Actual::Date(d) if d.year > 0 => Some((d.year, d.month, d.day)),
                _ => None,
            },
        };
        let rows: Vec<_> = form.indicators.iter().filter(|i| i.counts()).collect();
        let indicators = (rows.len() >= MIN_COPIED_ROWS).then(|| {
            let mut h = std::hash::DefaultHasher::new();
            for ind in rows {
                (
                    norm(&ind.name.as_text()),
                    norm(&ind.target.as_text()),
                    norm(&ind.actual.as_text()),
                )
                    .hash(&mut h);
            }
            h.finish()
        });
        FormIndex {
            file: file.to_string(),
            kind: form.kind,
            sheet: form.sheet.clone(),
            project: form.project.text(),
            department: form.department.text(),
            year: (year > 0).then_some(year),
            filed,
            modified: None,
            figures,
            indicators,
            targets: super::cycle::Targets::of(form),
            course: super::cycle::Course::of(form, checked),
        }
    }
}

/// A finding about the batch: a finding (no cell, subject `project:<项目名称>`, never fixed —
/// only a person can settle which file stands) and the files concerned. In the JSON, the
/// finding's fields and `files` side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// The paths concerned, as in `files[].path`.
    pub files: Vec<String>,
}

/// A batch finding reads as its finding (`f.code`, `f.message`).
impl std::ops::Deref for BatchFinding {
    type Target = Finding;

    fn deref(&self) -> &Finding {
        &self.finding
    }
}

/// A batch rule's finding before the settings give it a severity.
pub(super) struct BatchDraft {
    pub code: Code,
    pub subject: String,
    pub reported: String,
    pub expected: String,
    pub message: String,
    pub files: Vec<String>,
}

/// The batch index as the run keeps it while files go by: per form a few numbers and its file's
/// path (names interned, figures hashed: about 150 bytes a form), so a run of 100,000 forms
/// holds some 15 MB of it and never a form.
#[derive(Default)]
pub struct BatchIndex {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
    entries: Vec<Entry>,
}

/// One form in the [`BatchIndex`].
struct Entry {
    file: Box<str>,
    kind: FormType,
    /// Interned normalised 项目名称 and 主管部门, and the names as written.
    project: u32,
    department: u32,
    project_shown: u32,
    department_shown: u32,
    sheet: u32,
    year: Option<i32>,
    filed: Option<(i32, u32, u32)>,
    /// Seconds since the epoch.
    modified: Option<u64>,
    /// A hash of each key figure, in the order of [`FIGURES`].
    figures: [u32; FIGURES.len()],
    indicators: Option<u64>,
    /// The project's and the department's names as matched across forms
    /// ([`super::cycle::name_key`]), interned.
    project_key: u32,
    department_key: u32,
    /// (三级指标 as written, interned; 年度指标值 as written).
    targets: Box<[(u32, u32)]>,
    course: super::cycle::Course,
    /// Read from last year's forms (`--previous`): only the year before of `target-lowered`.
    previous: bool,
}

/// The key figures compared between duplicates, by name.
pub const FIGURES: [&str; 6] = [
    "全年预算数",
    "全年执行数",
    "执行率",
    "预算执行率得分",
    "总分",
    "等级",
];

impl BatchIndex {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    /// Keep what the batch rules need of one form.
    pub fn push(&mut self, form: FormIndex) {
        let mut figures = [0u32; FIGURES.len()];
        for (slot, label) in figures.iter_mut().zip(FIGURES) {
            let value = form
                .figures
                .iter()
                .find(|(l, _)| *l == label)
                .map_or("", |(_, v)| v.as_str());
            let mut h = std::hash::DefaultHasher::new();
            value.hash(&mut h);
            *slot = h.finish() as u32;
        }
        let targets = form
            .targets
            .rows()
            .map(|(name, target)| (self.intern(name), self.intern(target)))
            .collect();
        let entry = Entry {
            project_key: self.intern(&super::cycle::name_key(&form.project)),
            department_key: self.intern(&super::cycle::name_key(&form.department)),
            targets,
            previous: false,
            course: form.course,
            project: self.intern(&norm(&form.project)),
            department: self.intern(&norm(&form.department)),
            project_shown: self.intern(&form.project),
            department_shown: self.intern(&form.department),
            sheet: self.intern(&form.sheet),
            file: form.file.into_boxed_str(),
            kind: form.kind,
            year: form.year,
            filed: form.filed,
            modified: form
                .modified
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
            figures,
            indicators: form.indicators,
        };
        self.entries.push(entry);
    }

    /// Keep one of last year's forms (`--previous`), for `target-lowered` only; its file is named
    /// `上年/<path>`.
    pub fn push_previous(&mut self, mut form: FormIndex) {
        form.file = format!("上年/{}", form.file);
        self.push(form);
        if let Some(e) = self.entries.last_mut() {
            e.previous = true;
        }
    }

    /// Every batch finding, in a stable order, under the settings' severities.
    pub fn check(&self, settings: &Settings) -> Vec<BatchFinding> {
        let mut drafts = Vec::new();
        let mut same: BTreeMap<(u32, u32, Option<i32>, u8), Vec<&Entry>> = BTreeMap::new();
        for e in self
            .entries
            .iter()
            .filter(|e| !e.previous && !self.name(e.project).is_empty())
        {
            same.entry((e.project, e.department, e.year, e.kind as u8))
                .or_default()
                .push(e);
        }
        drafts.extend(same.values().filter_map(|group| self.duplicate_form(group)));
        drafts.extend(self.cycle(settings));
        // Last year's forms (`--previous`) are only the year before of `target-lowered`.
        let current: Vec<&Entry> = self.entries.iter().filter(|e| !e.previous).collect();
        let batch_year = settings
            .year
            .map(|y| (y, true))
            .or_else(|| most_common_year(&current).map(|y| (y, false)));
        if let Some((year, configured)) = batch_year {
            drafts.extend(
                current
                    .iter()
                    .filter_map(|e| self.year_mismatch(e, year, configured)),
            );
        }
        let mut by_block: BTreeMap<u64, Vec<&Entry>> = BTreeMap::new();
        for e in &current {
            if let Some(fp) = e.indicators {
                by_block.entry(fp).or_default().push(e);
            }
        }
        drafts.extend(
            by_block
                .values()
                .filter_map(|group| self.copied_indicators(group)),
        );
        drafts
            .into_iter()
            .filter_map(|d| {
                let severity = settings.severity(d.code)?;
                let draft = Draft::about(d.code, d.subject, d.message)
                    .reported(d.reported)
                    .expected(d.expected);
                Some(BatchFinding {
                    finding: draft.finding(severity, false),
                    files: d.files,
                })
            })
            .collect()
    }

    /// `duplicate-form`: the same project of the same department and year in more than one
    /// file (a resubmission, or a copy sent twice). Says whether the key figures agree or which
    /// differ, and which file is newest by 填报日期, then by file time.
    fn duplicate_form(&self, group: &[&Entry]) -> Option<BatchDraft> {
        let mut files: Vec<&str> = group.iter().map(|e| &*e.file).collect();
        files.dedup();
        if files.len() < 2 {
            return None;
        }
        let first = group.first()?;
        let differing: Vec<&str> = FIGURES
            .iter()
            .enumerate()
            .filter(|(i, _)| group.iter().any(|e| e.figures[*i] != first.figures[*i]))
            .map(|(_, label)| *label)
            .collect();
        let figures = if differing.is_empty() {
            "各文件的主要数字（预算数、执行数、执行率、得分、总分、等级）相同".to_string()
        } else {
            format!("不同的数字：{}", differing.join("、"))
        };
        let year = first.year.map(|y| format!("，{y}年度")).unwrap_or_default();
        let project = self.name(first.project_shown);
        let message = format!(
            "“{project}”（{}{year}）在 {} 个文件中出现：{}；{figures}；{}。请确认以哪一份为准",
            self.name(first.department_shown),
            files.len(),
            named_list(&files),
            newest(group)
        );
        Some(BatchDraft {
            code: Code::DuplicateForm,
            subject: format!("project:{project}"),
            reported: files.len().to_string(),
            expected: "1".into(),
            message,
            files: files.into_iter().map(str::to_string).collect(),
        })
    }

    /// `year-mismatch`: a form whose year differs from the batch's most common year, or from
    /// the configured one (`--year`, `year =`): last year's form sent by mistake.
    fn year_mismatch(&self, e: &Entry, year: i32, configured: bool) -> Option<BatchDraft> {
        let own = e.year?;
        if own == year {
            return None;
        }
        let why = if configured {
            format!("本次核查的年度为 {year}")
        } else {
            format!("本批大多数自评表为 {year}年度")
        };
        let project = self.name(e.project_shown);
        Some(BatchDraft {
            code: Code::YearMismatch,
            subject: format!("project:{project}"),
            reported: own.to_string(),
            expected: year.to_string(),
            message: format!(
                "{}［{}］“{project}”是 {own}年度的{}，而{why}：是否误报了其他年度的表？",
                e.file,
                self.name(e.sheet),
                e.kind.label()
            ),
            files: vec![e.file.to_string()],
        })
    }

    /// The cross-form findings of each project's year ([`super::cycle`]): every year-end form
    /// (自评表) against its reference — the project's declaration in the batch, else its
    /// monitoring form — matched by project, department and year.
    fn cycle(&self, settings: &Settings) -> Vec<BatchDraft> {
        let years = self.project_years();
        // Each project's 自评表 of a year, for comparing a year with the one before.
        let previous: BTreeMap<(u32, u32, i32), &Entry> = years
            .iter()
            .filter_map(|(key, forms)| {
                let e = forms.iter().find(|e| e.kind == FormType::SelfEvaluation)?;
                Some((*key, *e))
            })
            .collect();
        let mut drafts = Vec::new();
        for (&(project, department, year), forms) in &years {
            let reference = forms
                .iter()
                .filter(|e| !e.previous && !e.targets.is_empty())
                .filter_map(|e| super::cycle::reference_rank(e.kind).map(|rank| (rank, *e)))
                .min_by_key(|(rank, _)| *rank)
                .map(|(_, e)| e);
            let year_end: Vec<&Entry> = forms
                .iter()
                .copied()
                .filter(|e| e.kind == FormType::SelfEvaluation && !e.previous)
                .collect();
            if let Some(reference) = reference {
                for reported in year_end.iter().filter(|e| !e.targets.is_empty()) {
                    drafts.extend(super::cycle::compare(
                        &self.side(reference),
                        &self.side(reported),
                        year,
                    ));
                }
            }
            // The year before: a target made easier while the budget did not fall.
            if let Some(before) = previous.get(&(project, department, year.saturating_sub(1))) {
                for now in &year_end {
                    drafts.extend(self.lowered(before, now));
                }
            }
            // What the monitoring form foresaw against what the year brought.
            for monitoring in forms
                .iter()
                .filter(|e| e.kind == FormType::Monitoring && !e.previous)
            {
                for reported in &year_end {
                    let (m, r) = (self.side(monitoring), self.side(reported));
                    if let (Some(forecast), Some(executed)) =
                        (monitoring.course.forecast, reported.course.executed)
                    {
                        drafts.extend(super::cycle::forecast_missed(
                            &m,
                            &r,
                            forecast,
                            executed,
                            settings.deviation_threshold,
                        ));
                    }
                    for name in &monitoring.course.assured {
                        let key = super::cycle::indicator_key(name);
                        let unmet = reported
                            .course
                            .unmet
                            .iter()
                            .find(|u| super::cycle::indicator_key(u) == key);
                        if let Some(unmet) = unmet {
                            drafts.push(super::cycle::monitoring_contradicted(&m, &r, unmet));
                        }
                    }
                }
            }
        }
        drafts
    }

    /// Each project's year that the batch holds more than one kind of form of, for the
    /// summary's 项目全周期 sheet, in project order.
    pub fn cycle_rows(&self) -> Vec<super::cycle::CycleRow> {
        let years = self.project_years();
        let mut rows = Vec::new();
        for ((_, _, year), forms) in years {
            let of = |kind: FormType| forms.iter().copied().find(|e| e.kind == kind && !e.previous);
            let (declaration, monitoring, report) = (
                of(FormType::TargetDeclaration),
                of(FormType::Monitoring),
                of(FormType::SelfEvaluation),
            );
            if [declaration, monitoring, report].iter().flatten().count() < 2 {
                continue;
            }
            let rows_of = |e: Option<&Entry>| -> Vec<(String, String)> {
                e.map(|e| {
                    e.targets
                        .iter()
                        .map(|(n, t)| (self.name(*n).to_string(), self.name(*t).to_string()))
                        .collect()
                })
                .unwrap_or_default()
            };
            let (d, m, r) = (rows_of(declaration), rows_of(monitoring), rows_of(report));

            let shown = report.or(monitoring).or(declaration).expect("two forms");
            rows.push(super::cycle::CycleRow {
                project: self.name(shown.project_shown).to_string(),
                department: self.name(shown.department_shown).to_string(),
                year,
                declaration: declaration.map(|e| e.file.to_string()),
                monitoring: monitoring.map(|e| e.file.to_string()),
                report: report.map(|e| e.file.to_string()),
                forecast: monitoring.and_then(|e| e.course.forecast),
                executed: report.and_then(|e| e.course.executed),
                indicators: super::cycle::indicators_side_by_side(
                    &d,
                    &m,
                    monitoring.map_or(&[][..], |e| &e.course.assured),
                    &r,
                    year,
                ),
            });
        }
        rows
    }

    /// The forms of each project's year, grouped by project and department as matched across
    /// forms ([`super::cycle::name_key`]) and year; forms without a project or a year are left
    /// out.
    fn project_years(&self) -> BTreeMap<(u32, u32, i32), Vec<&Entry>> {
        let mut years: BTreeMap<(u32, u32, i32), Vec<&Entry>> = BTreeMap::new();
        for e in &self.entries {
            let (Some(year), false) = (e.year, self.name(e.project_key).is_empty()) else {
                continue;
            };
            years
                .entry((e.project_key, e.department_key, year))
                .or_default()
                .push(e);
        }
        years
    }

    /// `target-lowered` between a project's 自评表 of the year before and this year's: each
    /// indicator of both, when both budgets are known.
    fn lowered(&self, before: &Entry, now: &Entry) -> Vec<BatchDraft> {
        let (Some(a), Some(b)) = (before.course.budget, now.course.budget) else {
            return Vec::new();
        };
        let (was, is) = (self.side(before), self.side(now));
        is.rows
            .iter()
            .filter_map(|(name, target)| {
                let key = super::cycle::indicator_key(name);
                let (_, old) = was
                    .rows
                    .iter()
                    .find(|(n, _)| super::cycle::indicator_key(n) == key)?;
                super::cycle::target_lowered(&was, &is, name, old, target, (a, b))
            })
            .collect()
    }

    /// One form as the cross-form rules see it.
    fn side<'a>(&'a self, e: &'a Entry) -> super::cycle::Side<'a> {
        super::cycle::Side {
            kind: e.kind,
            file: &e.file,
            sheet: self.name(e.sheet),
            project: self.name(e.project_shown),
            department: self.name(e.department_shown),
            rows: e
                .targets
                .iter()
                .map(|(name, target)| (self.name(*name), self.name(*target)))
                .collect(),
        }
    }

    /// `copied-indicators`: different projects whose indicator blocks (三级指标, targets and
    /// actuals) are identical — a form filled by copying another.
    fn copied_indicators(&self, group: &[&Entry]) -> Option<BatchDraft> {
        let mut projects: Vec<&str> = group.iter().map(|e| self.name(e.project_shown)).collect();
        projects.sort_unstable();
        projects.dedup();
        if projects.len() < 2 {
            return None;
        }
        let named: Vec<String> = group
            .iter()
            .map(|e| format!("{}（{}）", self.name(e.project_shown), e.file))
            .collect();
        let mut files: Vec<String> = group.iter().map(|e| e.file.to_string()).collect();
        files.dedup();
        Some(BatchDraft {
            code: Code::CopiedIndicators,
            subject: format!("project:{}", projects.join("/")),
            reported: projects.len().to_string(),
            expected: String::new(),
            message: format!(
                "{} 个不同项目的绩效指标（三级指标、指标值和完成值）完全相同：{}。是否照抄了其他项目的表？",
                projects.len(),
                named_list(&named)
            ),
            files,
        })
    }
}

/// Every batch finding of `index` (see [`BatchIndex`]).
pub fn check_batch(index: Vec<FormIndex>, settings: &Settings) -> Vec<BatchFinding> {
    let mut batch = BatchIndex::default();
    for form in index {
        batch.push(form);
    }
    batch.check(settings)
}

/// Which of duplicates is newest: by 填报日期 when one date is the latest alone, else by file
/// time when it stands out by more than a minute (copies made together say nothing).
/// Names for a message: every one up to [`NAMED_IN_MESSAGE`], else the first ones and how many
/// there are (the finding's `files` lists every file, and the summary and the page link them).
fn named_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(NAMED_IN_MESSAGE).map(AsRef::as_ref).collect();
    let shown = shown.join("、");
    if names.len() > NAMED_IN_MESSAGE {
        format!("{shown} 等（共 {} 个）", names.len())
    } else {
        shown
    }
}

/// How many names a batch finding's message spells out.
const NAMED_IN_MESSAGE: usize = 10;

fn newest(group: &[&Entry]) -> String {
    let latest = group.iter().filter_map(|e| e.filed).max();
    let on_latest: Vec<&&Entry> = group
        .iter()
        .filter(|e| e.filed.is_some() && e.filed == latest)
        .collect();
    if let ([e], Some((y, m, d))) = (on_latest.as_slice(), latest) {
        return format!("按填报日期 {y}-{m:02}-{d:02}，最新的是 {}", e.file);
    }
    let mut times: Vec<(u64, &str)> = group
        .iter()
        .filter_map(|e| Some((e.modified?, &*e.file)))
        .collect();
    times.sort();
    if let [.., (before, _), (last, file)] = times.as_slice()
        && last.saturating_sub(*before) > 60
    {
        return format!("按文件修改时间，最新的是 {file}");
    }
    "填报日期和文件时间都无法分出哪一份最新".to_string()
}

/// The year more than half the forms of the batch carry. A folder of mixed years (an archive,
/// several years' forms on purpose) has no batch year and no `year-mismatch` without `--year`.
fn most_common_year(entries: &[&Entry]) -> Option<i32> {
    let mut counts: HashMap<i32, usize> = HashMap::new();
    let mut total = 0usize;
    for y in entries.iter().filter_map(|e| e.year) {
        let n = counts.entry(y).or_default();
        *n = n.saturating_add(1);
        total = total.saturating_add(1);
    }
    counts
        .into_iter()
        .find(|&(_, n)| n.saturating_mul(2) > total)
        .map(|(y, _)| y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, project: &str, year: i32, total: &str, fp: Option<u64>) -> FormIndex {
        FormIndex {
            course: Default::default(),
            targets: Default::default(),
            kind: FormType::SelfEvaluation,
            file: file.into(),
            sheet: "表1".into(),
            project: project.into(),
            department: "某部门".into(),
            year: Some(year),
            filed: None,
            modified: None,
            figures: vec![("总分", total.into())],
            indicators: fp,
        }
    }

    #[test]
    fn a_projects_forms_of_the_cycle_are_no_duplicates() {
        // The declaration, the monitoring form and the self-evaluation of one project and year.
        let mut declared = entry("申报表.xlsx", "定额公用经费", 2024, "", Some(7));
        declared.kind = FormType::TargetDeclaration;
        let mut monitored = entry("监控表.xlsx", "定额公用经费", 2024, "", None);
        monitored.kind = FormType::Monitoring;
        let reported = entry("自评表.xlsx", "定额公用经费", 2024, "99.84", Some(7));
        let found = check_batch(vec![declared, monitored, reported.clone()], &Settings::default());
        assert!(found.iter().all(|f| f.code != Code::DuplicateForm), "{found:?}");
        // Two self-evaluations of it are.
        let mut again = reported.clone();
        again.file = "自评表（修改后）.xlsx".into();
        let found = check_batch(vec![reported, again], &Settings::default());
        assert!(found.iter().any(|f| f.code == Code::DuplicateForm), "{found:?}");
    }

    #[test]
    fn a_target_made_easier_while_the_budget_did_not_fall() {
        use super::super::cycle::{Course, Targets};
        let form = |file: &str, year: i32, target: &str, budget: i64| {
            let mut e = entry(file, "定额公用经费", year, "99", None);
            e.targets = Targets::from_rows([("工作调研等", target), ("水电通讯等保障", "≥9次")]);
            e.course = Course {
                budget: Some(rust_decimal::Decimal::from(budget)),
                ..Course::default()
            };
            e
        };
        let lowered = |index: Vec<FormIndex>| -> Vec<(Code, String)> {
            check_batch(index, &Settings::default())
                .into_iter()
                .filter(|f| f.code == Code::TargetLowered)
                .map(|f| (f.code, f.subject.clone()))
                .collect()
        };
        // ≥30次 in 2023, ≥24次 in 2024 on the same budget: easier.
        let found = lowered(vec![
            form("2023.xlsx", 2023, "≥30次", 200_000),
            form("2024.xlsx", 2024, "≥24次", 200_000),
        ]);
        assert_eq!(
            found,
            vec![(
                Code::TargetLowered,
                "project:定额公用经费/indicator:工作调研等".to_string()
            )]
        );
        // Near misses: the budget fell with it; the same target written otherwise; a harder one.
        assert!(
            lowered(vec![
                form("2023.xlsx", 2023, "≥30次", 200_000),
                form("2024.xlsx", 2024, "≥24次", 150_000),
            ])
            .is_empty()
        );
        assert!(
            lowered(vec![
                form("2023.xlsx", 2023, "不少于30次", 200_000),
                form("2024.xlsx", 2024, "≥ 30 次", 200_000),
            ])
            .is_empty()
        );
        assert!(
            lowered(vec![
                form("2023.xlsx", 2023, "≥30次", 200_000),
                form("2024.xlsx", 2024, "≥36次", 200_000),
            ])
            .is_empty()
        );
    }

    #[test]
    fn the_three_batch_rules() {
        let index = vec![
            entry("a.xlsx", "定额公用经费", 2024, "99.84", Some(1)),
            entry("a（修改后）.xlsx", "定额公用经费", 2024, "98", Some(1)),
            entry("b.xlsx", "项目工作经费", 2024, "99.92", Some(2)),
            entry("c.xlsx", "培训经费", 2023, "90", Some(2)),
        ];
        let found = check_batch(index.clone(), &Settings::default());
        let codes: Vec<(Code, Vec<String>)> =
            found.iter().map(|f| (f.finding.code, f.files.clone())).collect();
        assert_eq!(
            codes,
            vec![
                (
                    Code::DuplicateForm,
                    vec!["a.xlsx".to_string(), "a（修改后）.xlsx".to_string()]
                ),
                (Code::YearMismatch, vec!["c.xlsx".to_string()]),
                (
                    Code::CopiedIndicators,
                    vec!["b.xlsx".to_string(), "c.xlsx".to_string()]
                ),
            ]
        );
        assert!(
            found[0].message.contains("不同的数字：总分；"),
            "{}",
            found[0].message
        );
        assert_eq!(
            (found[1].reported.as_str(), found[1].expected.as_str()),
            ("2023", "2024")
        );
        // A configured year wins over the batch's.
        let settings = Settings {
            year: Some(2023),
            ..Settings::default()
        };
        let found = check_batch(index, &settings);
        let years: Vec<&str> = found
            .iter()
            .filter(|f| f.code == Code::YearMismatch)
            .map(|f| f.files[0].as_str())
            .collect();
        assert_eq!(years, vec!["a.xlsx", "a（修改后）.xlsx", "b.xlsx"]);
        // Half of one year and half of another: no batch year, no finding.
        let mixed = vec![
            entry("x.xlsx", "甲", 2023, "90", None),
            entry("y.xlsx", "乙", 2024, "90", None),
        ];
        assert!(check_batch(mixed, &Settings::default()).is_empty());
    }

    /// A form sent in many copies: the message names the first ten and the count, the finding
    /// still carries every file.
    #[test]
    fn a_long_list_of_files_is_cut_in_the_message_only() {
        let index: Vec<FormIndex> = (1..=12)
            .map(|i| {
                entry(
                    &format!("副本{i:02}.xlsx"),
                    "定额公用经费",
                    2024,
                    "99.84",
                    Some(1),
                )
            })
            .collect();
        let found = check_batch(index, &Settings::default());
        let dup = found
            .iter()
            .find(|f| f.code == Code::DuplicateForm)
            .expect("duplicate-form");
        assert_eq!(dup.files.len(), 12);
        assert!(
            dup.message
                .contains("在 12 个文件中出现：副本01.xlsx、副本02.xlsx、"),
            "{}",
            dup.message
        );
        assert!(
            dup.message.contains("副本10.xlsx 等（共 12 个）；"),
            "{}",
            dup.message
        );
        assert!(!dup.message.contains("副本11.xlsx"), "{}", dup.message);
        // Ten or fewer are all named, without a count.
        assert_eq!(named_list(&["a", "b"]), "a、b");
        let ten: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        assert_eq!(named_list(&ten), "0、1、2、3、4、5、6、7、8、9");
    }
}
