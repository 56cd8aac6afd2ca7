//! Stage 4: the rulebook. `check` runs every rule family over a located form and returns the
//! findings plus the corrected form (derived figures only, docs/rules.md "What `fix` changes")
//! that `render` writes.
//!
//! Each finding code is checked by one function named after it (`execution-rate-mismatch` by
//! `fn execution_rate_mismatch`), which returns its `Draft` or none; `Ctx::record` turns a
//! draft into a finding under the severity settings and applies its fix. One module per family:
//! - `reading`: `column-unrecognised`, `column-absent`, `formula-not-evaluated` — the reading
//!   notes, what the locator could not read with certainty (the other families skip it);
//! - `values`: `unparseable-value`, `missing-field` — how every input figure is read;
//! - `funds`: `fund-breakdown-mismatch`, `overspend`, `execution-rate-mismatch`,
//!   `execution-score-mismatch`;
//! - `indicators`: `indicator-score-mismatch`, `qualitative-score-out-of-band`,
//!   `score-out-of-range`, `deviation-without-reason`;
//! - `weights`: `weight-sum-mismatch`, `weight-nonstandard`;
//! - `costs`: `cost-exceeds-execution`;
//! - `totals`: `total-score-mismatch`, `grade-mismatch`;
//! - `files`: `unreadable-file`, `no-form-found`, `internal-error` (file and form statuses);
//! - [`batch`]: `duplicate-form`, `year-mismatch`, `copied-indicators` (the batch as a whole,
//!   after every file is read).
//!
//! Arithmetic on input figures is checked, never panicking: the lint below refuses `+ - * /`
//! on numbers in this module tree, and every figure read passes `values`' range gate first
//! (docs/development.md, "Arithmetic safety").

#![deny(clippy::arithmetic_side_effects)]

pub mod batch;
mod costs;
pub mod cycle;
mod declaration;
mod department;
mod files;
mod funds;
mod indicators;
mod monitoring;
mod quality;
mod reading;
pub mod settings;
mod totals;
mod values;
mod weights;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::codes::{Code, Severity};
pub use batch::{BatchFinding, BatchIndex, FormIndex, check_batch};
pub use files::{internal_error, no_form_found, no_form_in_document, unreadable_file};
pub use settings::{ReverseScoring, Settings, SettingsError};

use crate::form::{Field, Form, FormType, FundCol, FundRow};
use crate::grid::Value;
use crate::num;

/// One thing wrong (or worth a look) in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// A1 reference in the input sheet, `""` when the finding concerns no single cell.
    pub cell: String,
    /// What the finding is about: `funds.total.rate`, `indicator:数量指标/召开会议`, `total`…
    pub subject: String,
    /// The value in the form, `""` when blank.
    pub reported: String,
    /// The value it should be, `""` when there is none to give.
    pub expected: String,
    /// Whether `fix` writes `expected` into the corrected workbook.
    pub fixed: bool,
    /// Chinese, with the arithmetic shown.
    pub message: String,
}

/// The figures a form report shows, as recomputed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub budget: Option<Decimal>,
    pub executed: Option<Decimal>,
    pub execution_rate: Option<Decimal>,
    pub execution_score: Option<Decimal>,
    pub total_reported: Option<Decimal>,
    pub total: Option<Decimal>,
    pub grade_reported: Option<String>,
    pub grade: Option<String>,
    /// The indicators found unmet (below a `≥` target, above a `≤` one, a qualitative result
    /// short of 达成) whose reason is not given, by their 三级指标 as written: what a
    /// monitoring form promised as 确定能 is checked against them (`monitoring-contradicted`).
    pub unmet: Vec<String>,
}

/// What `check` returns for one form.
#[derive(Debug, Clone)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// The form with every fixable finding applied (derived figures only).
    pub corrected: Form,
    pub figures: Figures,
}

/// Check one form with the rulebook.
pub fn check(form: &Form, settings: &Settings) -> Checked {
    let mut ctx = Ctx {
        settings,
        findings: Vec::new(),
        form: form.clone(),
        figures: Figures::default(),
    };
    // The families run in this order because each reads what an earlier one settled: funds
    // gives 全年执行数 (which costs compare with) and corrects the 预算执行率 得分; indicators
    // correct each indicator's 得分; weights and costs only read; totals add up the scores AS
    // CORRECTED above and grade that corrected total.
    reading::check(&mut ctx);
    values::check(&mut ctx);
    match form.kind {
        // Neither its funds nor its indicators were read: nothing to check.
        _ if form.head_only => {}
        // A unit's flat list scores each indicator by its 得分系数, not by its figures.
        FormType::DepartmentEvaluation if department::is_flat(form) => {
            funds::check(&mut ctx);
            department::check(&mut ctx);
            // 自评总分 counts the 执行率得分: without the funds row read, it cannot be added up.
            if !ctx.form.funds.lines.is_empty() {
                totals::check(&mut ctx);
            }
        }
        FormType::SelfEvaluation | FormType::DepartmentEvaluation => {
            funds::check(&mut ctx);
            indicators::check(&mut ctx);
            weights::check(&mut ctx);
            costs::check(&mut ctx);
            totals::check(&mut ctx);
            quality::check(&mut ctx);
        }
        // Mid-year: the funds as far as they go (the 1–X月 rate), then the schedule; no score.
        FormType::Monitoring => {
            funds::check(&mut ctx);
            monitoring::check(&mut ctx);
            quality::check(&mut ctx);
        }
        // The targets filed with the budget: nothing is scored or executed yet.
        FormType::TargetDeclaration => {
            funds::check(&mut ctx);
            declaration::check(&mut ctx);
            quality::check(&mut ctx);
        }
    }
    let Ctx {
        mut findings,
        form: mut corrected,
        figures,
        ..
    } = ctx;
    corrected.grade_bands = Some([settings.grade_excellent, settings.grade_good, settings.grade_fair]);
    findings.sort_by_key(|f| sort_key(&f.cell));
    Checked {
        findings,
        corrected,
        figures,
    }
}

/// Whether a form is a unit's flat list (scored by 得分系数), which the 自评表's standard template
/// cannot show.
pub fn is_flat_list(form: &Form) -> bool {
    department::is_flat(form)
}

/// Findings in sheet order: by row, then column; findings without a cell last.
fn sort_key(cell: &str) -> (u32, u32) {
    crate::grid::Pos::parse_a1(cell).map_or((u32::MAX, u32::MAX), |p| (p.row, p.col))
}

/// The state rules share while checking one form: the settings, the findings so far and the
/// form being corrected.
pub(crate) struct Ctx<'a> {
    pub settings: &'a Settings,
    pub findings: Vec<Finding>,
    /// Starts as a copy of the input; [`Ctx::record`] writes each fix into it.
    pub form: Form,
    pub figures: Figures,
}

/// A derived field `fix` may rewrite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Slot {
    FundAmount(FundRow, FundCol),
    FundsRate,
    FundsScore,
    IndicatorScore(usize),
    Total,
    Conclusion,
}

impl Slot {
    fn field(self, form: &mut Form) -> Option<&mut Field> {
        match self {
            Slot::FundAmount(row, col) => form.funds.line_mut(row).map(|l| l.get_mut(col)),
            Slot::FundsRate => Some(&mut form.funds.rate),
            Slot::FundsScore => Some(&mut form.funds.score),
            Slot::IndicatorScore(i) => form.indicators.get_mut(i).map(|ind| &mut ind.score),
            Slot::Total => Some(&mut form.total),
            Slot::Conclusion => Some(&mut form.conclusion),
        }
    }
}

/// What a rule found, before the settings give it a severity: [`Ctx::record`] makes it a
/// [`Finding`] and applies `fix`.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub code: Code,
    pub cell: String,
    pub subject: String,
    pub reported: String,
    pub expected: String,
    pub message: String,
    /// The field `fix` rewrites and its new value.
    pub fix: Option<(Slot, Value)>,
}

impl Draft {
    /// A finding about no single cell (a file, a form, a batch of files).
    pub fn about(code: Code, subject: impl Into<String>, message: String) -> Draft {
        Draft {
            code,
            cell: String::new(),
            subject: subject.into(),
            reported: String::new(),
            expected: String::new(),
            message,
            fix: None,
        }
    }

    /// The finding, under the severity the settings give its code: the one door every finding
    /// goes out by (the rulebook's, a file's status, the batch's).
    pub fn finding(self, severity: Severity, fixed: bool) -> Finding {
        Finding {
            code: self.code,
            severity,
            cell: self.cell,
            subject: self.subject,
            reported: self.reported,
            expected: self.expected,
            fixed,
            message: self.message,
        }
    }

    /// A finding about `field`: its cell, and its text as reported.
    pub fn on(code: Code, field: &Field, subject: impl Into<String>, message: String) -> Draft {
        Draft {
            code,
            cell: field.cell(),
            subject: subject.into(),
            reported: field.text(),
            expected: String::new(),
            message,
            fix: None,
        }
    }

    pub fn reported(mut self, reported: impl Into<String>) -> Draft {
        self.reported = reported.into();
        self
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Draft {
        self.expected = expected.into();
        self
    }

    /// A finding not fixed that compares two figures: the form's and the one it should be.
    pub fn figures(self, reported: Decimal, expected: Decimal) -> Draft {
        self.reported(num::fmt_plain(reported))
            .expected(num::fmt_plain(expected))
    }

    /// `fix` writes `value` (also the expected figure) into `slot`.
    pub fn fixing(mut self, slot: Slot, value: Decimal) -> Draft {
        self.expected = num::fmt_plain(value);
        self.fix = Some((slot, Value::Number(value)));
        self
    }

    /// `fix` writes `text` into `slot`.
    pub fn fixing_text(mut self, slot: Slot, text: String) -> Draft {
        self.fix = Some((slot, Value::Text(text)));
        self
    }
}

impl Ctx<'_> {
    /// Record a rule's draft, if any, unless the settings turn its code off; apply its fix.
    /// Returns whether a finding was recorded.
    pub fn record(&mut self, draft: Option<Draft>) -> bool {
        let Some(mut draft) = draft else { return false };
        let Some(severity) = self.settings.severity(draft.code) else {
            return false;
        };
        let fixed = match draft.fix.take() {
            Some((slot, value)) => {
                // The 预算执行率 row of a template that scores it among the indicators is the
                // same cell as the funds score: it is corrected with it.
                if slot == Slot::FundsScore {
                    for row in self.form.indicators.iter_mut().filter(|i| i.funds_row) {
                        row.score.correct(value.clone(), draft.code);
                    }
                }
                match slot.field(&mut self.form) {
                    Some(field) => {
                        field.correct(value, draft.code);
                        true
                    }
                    None => false,
                }
            }
            None => false,
        };
        self.findings.push(draft.finding(severity, fixed));
        true
    }
}

/// The grade of a total under the settings' bands.
pub(crate) fn grade_of(total: Decimal, settings: &Settings) -> &'static str {
    if total >= settings.grade_excellent {
        "优"
    } else if total >= settings.grade_good {
        "良"
    } else if total >= settings.grade_fair {
        "中"
    } else {
        "差"
    }
}

/// Two figures agree when they are equal after rounding both to 2 decimals (docs/rules.md, "Numbers and rounding").
pub(crate) fn agrees(reported: Decimal, expected: Decimal) -> bool {
    num::round2(reported) == num::round2(expected)
}

#[cfg(test)]
mod tests;
