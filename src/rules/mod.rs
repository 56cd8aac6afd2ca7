//! Stage 4: the rulebook. `check` runs every rule family over a located form and returns the
//! findings plus the corrected form (derived figures only, SPEC §2.2) that `render` writes.
//!
//! One module per rule family; every code lives in [`codes`] with its severity and meaning:
//! - [`funds`]: `execution-rate-mismatch`, `execution-score-mismatch`,
//!   `fund-breakdown-mismatch`, `overspend`;
//! - [`indicators`]: `indicator-score-mismatch`, `qualitative-score-out-of-band`,
//!   `score-out-of-range`, `deviation-without-reason`, and the per-row `unparseable-value` /
//!   `missing-field`;
//! - [`weights`]: `weight-sum-mismatch`, `weight-nonstandard`;
//! - [`totals`]: `total-score-mismatch`, `grade-mismatch`;
//! - [`costs`]: the sum of cost actuals against spending (`cost-exceeds-execution`).
//!
//! Rules see figures through [`Ctx`], which records findings in one place so every finding
//! carries the same fields and obeys the same severity settings.

mod costs;
mod funds;
mod indicators;
pub mod settings;
mod totals;
mod weights;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::codes::{Code, Severity};
pub use settings::{Settings, SettingsError};

use crate::form::{Field, Form};
use crate::grid::Value;
use crate::num;

/// One thing wrong (or worth a look) in a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    if form.project.value.is_blank() {
        let field = form.project.clone();
        ctx.missing(&field, "project", "项目名称");
    }
    funds::check(&mut ctx);
    indicators::check(&mut ctx);
    weights::check(&mut ctx);
    costs::check(&mut ctx);
    totals::check(&mut ctx);
    let Ctx {
        mut findings,
        form: corrected,
        figures,
        ..
    } = ctx;
    let mut corrected = corrected;
    corrected.grade_bands = Some([settings.grade_excellent, settings.grade_good, settings.grade_fair]);
    findings.sort_by_key(|f| sort_key(&f.cell));
    Checked {
        findings,
        corrected,
        figures,
    }
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
    /// Starts as a copy of the input; rules correct derived fields in place.
    pub form: Form,
    pub figures: Figures,
}

/// The parts of a finding a rule supplies; [`Ctx::report`] adds severity and applies the fix.
pub(crate) struct Draft {
    pub code: Code,
    pub cell: String,
    pub subject: String,
    pub reported: String,
    pub expected: String,
    pub message: String,
}

impl Ctx<'_> {
    /// Record a finding (unless the settings turn its code off). Returns whether it was kept.
    pub fn report(&mut self, draft: Draft, fixed: bool) -> bool {
        let Some(severity) = self.settings.severity(draft.code) else {
            return false;
        };
        self.findings.push(Finding {
            code: draft.code,
            severity,
            cell: draft.cell,
            subject: draft.subject,
            reported: draft.reported,
            expected: draft.expected,
            fixed,
            message: draft.message,
        });
        true
    }

    /// Record a finding about `field` whose expected value `fix` writes into it.
    pub fn report_fixed(
        &mut self,
        field: impl FnOnce(&mut Form) -> &mut Field,
        code: Code,
        subject: impl Into<String>,
        expected: Decimal,
        message: String,
    ) {
        let target = field(&mut self.form);
        let draft = Draft {
            code,
            cell: target.cell(),
            subject: subject.into(),
            reported: target.text(),
            expected: num::fmt_plain(expected),
            message,
        };
        // A code turned off in the settings neither reports nor corrects.
        if self.settings.severity(code).is_some() {
            target.correct(Value::Number(expected), code);
            self.report(draft, true);
        }
    }

    /// `missing-field` for a blank field only the filer can supply.
    pub fn missing(&mut self, field: &Field, subject: impl Into<String>, what: &str) {
        let cell = field.cell();
        let message = if cell.is_empty() {
            format!("未填写{what}（表中没有该栏）")
        } else {
            format!("未填写{what}（单元格 {cell} 为空）")
        };
        self.report(
            Draft {
                code: Code::MissingField,
                cell,
                subject: subject.into(),
                reported: String::new(),
                expected: String::new(),
                message,
            },
            false,
        );
    }

    /// `unparseable-value` for a field that cannot be read as `what`.
    pub fn unparseable(&mut self, field: &Field, subject: impl Into<String>, what: &str) {
        let reported = field.text();
        self.report(
            Draft {
                code: Code::UnparseableValue,
                cell: field.cell(),
                subject: subject.into(),
                message: format!("{what}“{reported}”无法识别为数值"),
                reported,
                expected: String::new(),
            },
            false,
        );
    }
}

/// How a field reads as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reading {
    Blank,
    /// A number; `percent` when the cell's format or text said `%`.
    Number {
        value: Decimal,
        percent: bool,
    },
    Unreadable,
}

/// Read a field as a plain number: a numeric cell, or text such as `196,876.30`, `98.44%`,
/// `５` or `- ` (a dash reads as blank).
pub(crate) fn read_number(field: &Field) -> Reading {
    match &field.value {
        Value::Empty => Reading::Blank,
        Value::Number(d) => Reading::Number {
            value: *d,
            percent: field.percent,
        },
        Value::Text(s) => {
            let t = s.trim();
            if t.is_empty() || matches!(t, "-" | "—" | "－" | "/" | "／" | "——") {
                return Reading::Blank;
            }
            let (body, percent) = match t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
                Some(b) => (b, true),
                None => (t, false),
            };
            match num::parse_number(body) {
                Some(value) => Reading::Number { value, percent },
                None => Reading::Unreadable,
            }
        }
        _ => Reading::Unreadable,
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

/// Two figures agree when they are equal after rounding both to 2 decimals (SPEC §2).
pub(crate) fn agrees(reported: Decimal, expected: Decimal) -> bool {
    num::round2(reported) == num::round2(expected)
}

#[cfg(test)]
mod tests;
