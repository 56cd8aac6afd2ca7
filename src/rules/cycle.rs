//! Across the forms of one project's year (docs/rules.md, "The whole cycle"): the targets
//! reported at year end against the ones declared with the budget (or, without a declaration
//! in the batch, the ones of the monitoring form): `target-changed`, `indicator-dropped`,
//! `indicator-added`. Forms are matched by 项目名称 + 主管部门 + year, loosely (spaces, brackets
//! and a department's code aside), and indicators by their 三级指标 name (numbering and the core
//! mark `★` aside); a match that is not exact is said in the message. Targets are compared as
//! read (`≥90%` and `≥ 90 %`, `不少于8次` and `≥8次` are one target), never as text.

use super::Code;
use super::batch::BatchDraft;
use crate::form::{Form, FormType};
use crate::grammar::{self, Target};
use crate::text::norm;

/// What the cross-form rules keep of one form: its indicators' names and targets as written,
/// when its indicator table and its target column were read.
/// Kept as one string (each row its name and target, separated by control characters no cell
/// holds), so that a form costs one allocation on the way to the batch index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    joined: String,
}

/// Between a row's name and its target, and between rows.
const FIELD: char = '\u{1f}';
const ROW: char = '\u{1e}';

impl Targets {
    /// The targets of a checked form; empty when its indicators or their targets could not be
    /// read with certainty (nothing is compared then).
    pub fn of(form: &Form) -> Targets {
        let unread = form.reading.absent.contains(&crate::form::Column::Target);
        if unread {
            return Targets::default();
        }
        let mut joined = String::new();
        // A cell's text as written, without a copy when it is text already.
        let push = |joined: &mut String, field: &crate::form::Field| {
            let owned;
            let text = match &field.value {
                crate::grid::Value::Text(s) => s.trim(),
                _ => {
                    owned = field.text();
                    owned.as_str()
                }
            };
            if text.contains([FIELD, ROW]) {
                joined.push_str(&text.replace([FIELD, ROW], " "));
            } else {
                joined.push_str(text);
            }
        };
        for ind in form
            .indicators
            .iter()
            .filter(|i| i.checked() && !i.sub_row && !i.target.unknown)
        {
            if ind.name.value.is_blank() {
                continue;
            }
            push(&mut joined, &ind.name);
            joined.push(FIELD);
            push(&mut joined, &ind.target);
            joined.push(ROW);
        }
        Targets { joined }
    }

    /// Targets from (name, target) rows.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Targets {
        let mut joined = String::new();
        for (name, target) in rows {
            joined.push_str(name);
            joined.push(FIELD);
            joined.push_str(target);
            joined.push(ROW);
        }
        Targets { joined }
    }

    /// (三级指标 as written, 年度指标值 as written), in the form's order.
    pub fn rows(&self) -> impl Iterator<Item = (&str, &str)> {
        self.joined
            .split(ROW)
            .filter(|r| !r.is_empty())
            .map(|r| r.split_once(FIELD).unwrap_or((r, "")))
    }
}

/// What a form says of the year's course beyond its targets: a monitoring form's forecast for
/// the year and the indicators it promised (完成目标可能性 确定能); a 自评表's execution and the
/// indicators it reports unmet without a reason. Amounts in 元, and only from a funds block
/// that states its unit (amounts of blocks that do not cannot be compared across forms).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Course {
    pub forecast: Option<rust_decimal::Decimal>,
    pub executed: Option<rust_decimal::Decimal>,
    /// A 自评表's 全年预算数, for telling a target made easier while the budget did not fall.
    pub budget: Option<rust_decimal::Decimal>,
    /// 三级指标 as written.
    pub assured: Vec<String>,
    pub unmet: Vec<String>,
}

impl Course {
    pub fn of(form: &Form, checked: &super::Checked) -> Course {
        let yuan = |d: rust_decimal::Decimal| match form.funds.unit {
            crate::form::MoneyUnit::Yuan => Some(d),
            crate::form::MoneyUnit::WanYuan => d.checked_mul(rust_decimal::Decimal::from(10_000)),
        };
        let stated = form.funds.unit_stated;
        let forecast = form
            .funds
            .line(crate::form::FundRow::Total)
            .filter(|_| stated && form.kind == FormType::Monitoring)
            .and_then(|l| match crate::figure::read(&l.forecast) {
                crate::figure::Figure::Number { value, .. } if !l.forecast.unknown => Some(value),
                _ => None,
            })
            .and_then(yuan);
        let executed = checked
            .figures
            .executed
            .filter(|_| stated && form.kind == FormType::SelfEvaluation)
            .and_then(yuan);
        let budget = checked
            .figures
            .budget
            .filter(|_| stated && form.kind == FormType::SelfEvaluation)
            .and_then(yuan);
        let assured = form
            .indicators
            .iter()
            .filter(|i| form.kind == FormType::Monitoring && i.checked())
            .filter(|i| norm(&i.likelihood.as_text()).starts_with("确定能"))
            .map(|i| i.name.text())
            .collect();
        Course {
            forecast,
            executed,
            budget,
            assured,
            unmet: checked.figures.unmet.clone(),
        }
    }
}

/// One project's year across its forms, for the summary's 项目全周期 sheet: the files of each
/// kind, the money foreseen and spent, and its indicators side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleRow {
    pub project: String,
    pub department: String,
    pub year: i32,
    /// The file of each kind, as the report names it.
    pub declaration: Option<String>,
    pub monitoring: Option<String>,
    pub report: Option<String>,
    /// The monitoring form's 全年预计执行数 and the 自评表's 全年执行数, in 元.
    pub forecast: Option<rust_decimal::Decimal>,
    pub executed: Option<rust_decimal::Decimal>,
    pub indicators: Vec<CycleIndicator>,
}

/// One indicator of a project across its forms.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleIndicator {
    pub name: String,
    pub declared: Option<String>,
    pub monitored: Option<String>,
    /// The monitoring form judged it 确定能.
    pub assured: bool,
    pub reported: Option<String>,
    /// The year-end target differs from the declared one (or from the monitored one, without a
    /// declaration), or the indicator is absent from one side.
    pub differs: bool,
}

/// The rows of indicators of one project: in the order of its first form, then those only the
/// later forms have. `rows` per kind: (三级指标, 年度指标值) as written.
pub(super) fn indicators_side_by_side(
    declared: &[(String, String)],
    monitored: &[(String, String)],
    assured: &[String],
    reported: &[(String, String)],
    year: i32,
) -> Vec<CycleIndicator> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for (name, _) in declared.iter().chain(monitored).chain(reported) {
        let key = indicator_key(name);
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, name.trim().to_string()));
        }
    }
    let find = |rows: &[(String, String)], key: &str| {
        rows.iter()
            .find(|(n, _)| indicator_key(n) == key)
            .map(|(_, t)| t.trim().to_string())
    };
    keys.into_iter()
        .map(|(key, name)| {
            let declared_t = find(declared, &key);
            let monitored_t = find(monitored, &key);
            let reported_t = find(reported, &key);
            let reference = if declared.is_empty() {
                &monitored_t
            } else {
                &declared_t
            };
            let has_reference = !declared.is_empty() || !monitored.is_empty();
            let differs = !reported.is_empty()
                && has_reference
                && match (reference, &reported_t) {
                    (Some(a), Some(b)) => !same_target(a, b, year),
                    (None, None) => false,
                    _ => true,
                };
            CycleIndicator {
                assured: assured.iter().any(|a| indicator_key(a) == key),
                name,
                declared: declared_t,
                monitored: monitored_t,
                reported: reported_t,
                differs,
            }
        })
        .collect()
}

/// A 三级指标 name as matched across forms: whitespace, brackets, a leading number
/// (`1.`, `（1）`, `一、`, `指标1:`) and the core mark `★` removed.
pub fn indicator_key(name: &str) -> String {
    let n = norm(name).replace(['★', '☆', '*'], "");
    let n = n.trim_start_matches("指标");
    let rest = n.trim_start_matches(|c: char| {
        c.is_ascii_digit()
            || matches!(
                c,
                '一' | '二'
                    | '三'
                    | '四'
                    | '五'
                    | '六'
                    | '七'
                    | '八'
                    | '九'
                    | '十'
                    | '、'
                    | '.'
                    | '．'
                    | ':'
                    | ')'
                    | '('
            )
    });
    let key: String = rest
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '(' | ')'
                    | '['
                    | ']'
                    | '<'
                    | '>'
                    | '《'
                    | '》'
                    | '〈'
                    | '〉'
                    | '"'
                    | '\''
                    | '“'
                    | '”'
                    | '‘'
                    | '’'
            )
        })
        .collect();
    if key.is_empty() { norm(name) } else { key }
}

/// A 项目名称 or 主管部门 as matched across forms: whitespace and brackets removed, and a leading
/// code in brackets (`[301]`, `（301）`) dropped.
pub fn name_key(name: &str) -> String {
    let n = norm(name);
    let n = match n
        .strip_prefix(['[', '('])
        .and_then(|rest| rest.split_once([']', ')']))
    {
        Some((code, name)) if !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()) => {
            name.to_string()
        }
        _ => n,
    };
    n.chars()
        .filter(|c| !matches!(c, '(' | ')' | '[' | ']' | '《' | '》' | '<' | '>'))
        .collect()
}

/// Whether two targets are the same target: the same comparator and figure in a unit that
/// converts, the same deadline, or the same words.
pub fn same_target(a: &str, b: &str, year: i32) -> bool {
    match (
        grammar::parse_target_in(a, year),
        grammar::parse_target_in(b, year),
    ) {
        (Target::Quantitative { cmp: ca, qty: qa }, Target::Quantitative { cmp: cb, qty: qb }) => {
            ca == cb && qb.to_unit(&qa.unit).is_some_and(|q| q.value == qa.value)
        }
        (Target::Deadline(da), Target::Deadline(db)) => da == db,
        (Target::Qualitative(ta), Target::Qualitative(tb)) => norm(&ta) == norm(&tb),
        _ => false,
    }
}

/// One form of a project's year as the cross-form rules see it.
pub(super) struct Side<'a> {
    pub kind: FormType,
    pub file: &'a str,
    pub sheet: &'a str,
    pub project: &'a str,
    pub department: &'a str,
    /// (三级指标, 年度指标值) as written.
    pub rows: Vec<(&'a str, &'a str)>,
}

impl Side<'_> {
    /// `申报表.xlsx［项目］` as a message names it, with the form's kind.
    fn named(&self) -> String {
        format!("{}（{}［{}］）", self.kind.label(), self.file, self.sheet)
    }
}

/// The findings of a year-end form against its reference (the declaration, or the monitoring
/// form): each declared indicator absent at year end, each target changed, each indicator
/// added.
pub(super) fn compare(reference: &Side, reported: &Side, year: i32) -> Vec<BatchDraft> {
    let loose = loose_match(reference, reported);
    let mut drafts = Vec::new();
    let find = |rows: &[(&str, &str)], key: &str| -> Option<(usize, usize)> {
        let matching: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| indicator_key(name) == key)
            .map(|(i, _)| i)
            .collect();
        matching.first().map(|&first| (first, matching.len()))
    };
    for &(name, declared) in &reference.rows {
        let key = indicator_key(name);
        match find(&reported.rows, &key) {
            // Listed twice at year end: which one answers the declared row cannot be told.
            Some((_, n)) if n > 1 => {}
            Some((i, _)) => {
                let (reported_name, now) = reported.rows[i];
                drafts.extend(target_changed(
                    reference,
                    reported,
                    name,
                    reported_name,
                    declared,
                    now,
                    year,
                    &loose,
                ));
            }
            None => drafts.push(indicator_dropped(reference, reported, name, &loose)),
        }
    }
    for &(name, now) in &reported.rows {
        if find(&reference.rows, &indicator_key(name)).is_none() {
            drafts.push(indicator_added(reference, reported, name, now, &loose));
        }
    }
    drafts
}

/// What the message says when the forms or the indicator were matched loosely (their names as
/// written differ): `（项目名称写法不同：甲 / 乙）`; empty when they match exactly.
fn loose_match(reference: &Side, reported: &Side) -> String {
    let mut notes = Vec::new();
    if reference.project.trim() != reported.project.trim() {
        notes.push(format!(
            "项目名称写法不同：“{}” / “{}”",
            reference.project, reported.project
        ));
    }
    if reference.department.trim() != reported.department.trim() {
        notes.push(format!(
            "主管部门写法不同：“{}” / “{}”",
            reference.department, reported.department
        ));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("（按名称近似匹配，{}）", notes.join("；"))
    }
}

fn files(reference: &Side, reported: &Side) -> Vec<String> {
    let mut files = vec![reference.file.to_string(), reported.file.to_string()];
    files.sort();
    files.dedup();
    files
}

fn subject(reported: &Side, name: &str) -> String {
    format!("project:{}/indicator:{}", reported.project, name.trim())
}

#[allow(clippy::too_many_arguments)]
/// `target-changed`: the year-end form reports an indicator against another target than the
/// one declared (comparator, figure or unit, or other words): both are shown.
fn target_changed(
    reference: &Side,
    reported: &Side,
    declared_name: &str,
    name: &str,
    declared: &str,
    now: &str,
    year: i32,
    loose: &str,
) -> Option<BatchDraft> {
    let blank = |t: &str| crate::text::is_placeholder(t) || t.trim().is_empty();
    if blank(declared) || blank(now) || same_target(declared, now, year) {
        return None;
    }
    let renamed = if declared_name.trim() != name.trim() {
        format!(
            "（指标名称写法不同：“{}” / “{}”）",
            declared_name.trim(),
            name.trim()
        )
    } else {
        String::new()
    };
    Some(BatchDraft {
        code: Code::TargetChanged,
        subject: subject(reported, name),
        reported: now.trim().to_string(),
        expected: declared.trim().to_string(),
        message: format!(
            "“{}”的“{}”指标值：{}为 {}，{}为 {}{renamed}{loose}。绩效目标确定后一般不予调整，调整的应有批复和说明",
            reported.project,
            name.trim(),
            reference.named(),
            declared.trim(),
            reported.named(),
            now.trim()
        ),
        files: files(reference, reported),
    })
}

/// `indicator-dropped`: a declared indicator the year-end form does not list.
fn indicator_dropped(reference: &Side, reported: &Side, name: &str, loose: &str) -> BatchDraft {
    BatchDraft {
        code: Code::IndicatorDropped,
        subject: subject(reported, name),
        reported: String::new(),
        expected: name.trim().to_string(),
        message: format!(
            "“{}”的{}设有指标“{}”，{}中没有该指标{loose}：未完成或不再考核的指标也应填报并说明原因",
            reported.project,
            reference.named(),
            name.trim(),
            reported.named()
        ),
        files: files(reference, reported),
    }
}

/// `indicator-added`: a year-end indicator the declaration did not set.
fn indicator_added(reference: &Side, reported: &Side, name: &str, now: &str, loose: &str) -> BatchDraft {
    BatchDraft {
        code: Code::IndicatorAdded,
        subject: subject(reported, name),
        reported: name.trim().to_string(),
        expected: String::new(),
        message: format!(
            "“{}”的{}有指标“{}”（指标值 {}），{}中没有设定该指标{loose}",
            reported.project,
            reported.named(),
            name.trim(),
            now.trim(),
            reference.named()
        ),
        files: files(reference, reported),
    }
}

/// `forecast-missed`: the monitoring form's 全年预计执行数 and the year's 全年执行数 differ by more
/// than the deviation threshold of the execution (both in 元, from blocks that state their unit).
pub(super) fn forecast_missed(
    monitoring: &Side,
    reported: &Side,
    forecast: rust_decimal::Decimal,
    executed: rust_decimal::Decimal,
    threshold: rust_decimal::Decimal,
) -> Option<BatchDraft> {
    use crate::num::{fmt_plain, round2};
    let gap = (forecast.checked_sub(executed)?).abs();
    let allowed = executed.checked_mul(threshold)?;
    if gap <= allowed || executed <= rust_decimal::Decimal::ZERO {
        return None;
    }
    let share = gap
        .checked_div(executed)?
        .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)?;
    Some(BatchDraft {
        code: Code::ForecastMissed,
        subject: format!("project:{}", reported.project),
        reported: fmt_plain(round2(executed)),
        expected: fmt_plain(round2(forecast)),
        message: format!(
            "“{}”{}预计全年执行 {} 元，{}全年执行 {} 元，相差 {}%（偏差阈值 {}%）",
            reported.project,
            monitoring.named(),
            fmt_plain(round2(forecast)),
            reported.named(),
            fmt_plain(round2(executed)),
            fmt_plain(round2(share)),
            fmt_plain(round2(threshold.checked_mul(rust_decimal::Decimal::ONE_HUNDRED)?)),
        ),
        files: files(monitoring, reported),
    })
}

/// `monitoring-contradicted`: an indicator the monitoring form promised (完成目标可能性 确定能)
/// that the 自评表 reports unmet, without a reason.
pub(super) fn monitoring_contradicted(monitoring: &Side, reported: &Side, name: &str) -> BatchDraft {
    BatchDraft {
        code: Code::MonitoringContradicted,
        subject: subject(reported, name),
        reported: "未完成".into(),
        expected: "确定能".into(),
        message: format!(
            "“{}”的“{}”：{}判断完成目标可能性为“确定能”，{}中该指标未完成，也未说明原因",
            reported.project,
            name.trim(),
            monitoring.named(),
            reported.named()
        ),
        files: files(monitoring, reported),
    }
}

/// `target-lowered`: the same project's 自评表 of the year before set an indicator a harder
/// target (a `≥` figure higher, a `≤` figure lower, in units that convert) while this year's
/// budget did not fall. Only quantitative targets of the same direction are compared.
pub(super) fn target_lowered(
    before: &Side,
    now: &Side,
    name: &str,
    was: &str,
    is: &str,
    budgets: (rust_decimal::Decimal, rust_decimal::Decimal),
) -> Option<BatchDraft> {
    use crate::grammar::Comparator::{Ge, Gt, Le, Lt};
    let (Target::Quantitative { cmp: ca, qty: qa }, Target::Quantitative { cmp: cb, qty: qb }) =
        (grammar::parse_target(was), grammar::parse_target(is))
    else {
        return None;
    };
    let qb = qb.to_unit(&qa.unit)?;
    let easier = match (ca, cb) {
        (Ge | Gt, Ge | Gt) => qb.value < qa.value,
        (Le | Lt, Le | Lt) => qb.value > qa.value,
        _ => false,
    };
    let (budget_before, budget_now) = budgets;
    if !easier || budget_now < budget_before {
        return None;
    }
    Some(BatchDraft {
        code: Code::TargetLowered,
        subject: subject(now, name),
        reported: is.trim().to_string(),
        expected: was.trim().to_string(),
        message: format!(
            "“{}”的“{}”：上年{}的指标值为 {}，本年{}为 {}，目标降低而预算未减少（{} 元 → {} 元）",
            now.project,
            name.trim(),
            before.named(),
            was.trim(),
            now.named(),
            is.trim(),
            crate::num::fmt_amount(budget_before),
            crate::num::fmt_amount(budget_now)
        ),
        files: files(before, now),
    })
}

/// The reference a year-end form is compared with: the declaration, else the monitoring form.
pub fn reference_rank(kind: FormType) -> Option<u8> {
    match kind {
        FormType::TargetDeclaration => Some(0),
        FormType::Monitoring => Some(1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_target_written_otherwise_is_no_change() {
        assert!(same_target("≥90%", "≥ 90 %", 2024));
        assert!(same_target("不少于8次", "≥8次", 2024));
        assert!(same_target("≤6万元", "≤60000元", 2024));
        assert!(same_target("2024年12月31日前", "2024年底前", 2024));
        assert!(same_target("有所改善", "有所 改善", 2024));
        assert!(!same_target("≥95%", "≥90%", 2024));
        assert!(!same_target("≥8次", ">8次", 2024));
        assert!(!same_target("≥8次", "≥8人", 2024));
        assert!(!same_target("有所改善", "明显改善", 2024));
    }

    #[test]
    fn names_match_without_numbers_marks_and_brackets() {
        assert_eq!(indicator_key("1.补助人数"), indicator_key("补助人数"));
        assert_eq!(indicator_key("★补助人数（人）"), indicator_key("补助人数(人)"));
        assert_eq!(indicator_key("指标1：补助人数"), "补助人数");
        assert_eq!(name_key("[301]黔南州民政局"), name_key("黔南州民政局"));
        assert_eq!(
            name_key("社区养老（居家）服务补助"),
            name_key("社区养老居家服务补助")
        );
        assert_ne!(name_key("社区养老服务补助"), name_key("社区养老服务中心建设"));
    }
}
