//! How the rulebook reads a figure, and the two codes that say a value could not be used:
//! `unparseable-value` and `missing-field` (docs/rules.md, their sections).
//!
//! Every figure a rule computes with comes through [`input`] or [`derived`]: the field is read
//! once by [`crate::figure::read`] (the renderer's reading too), a value no one can compute
//! with (words, a formula error, a number beyond a decimal's range or outside the computable
//! range of [`crate::figure::computable`]) is reported on its cell here, and the rules see only
//! numbers they can safely combine.

use std::fmt::Display;

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft};
use crate::figure::{self, Figure};
use crate::form::Field;

pub(super) fn check(ctx: &mut Ctx) {
    // A 部门整体 form is the unit's: it has no project to name.
    if ctx.form.kind == crate::form::FormType::DepartmentEvaluation {
        return;
    }
    let project = ctx.form.project.clone();
    if project.value.is_blank() {
        ctx.record(Some(missing_field(&project, "project", "项目名称")));
    }
}

/// An input figure as a rule may use it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Blank,
    Value(Decimal),
    /// Not usable: already reported on its cell, or unknown (a formula without a result, said
    /// once by the reading notes).
    Unusable,
}

impl Num {
    pub fn value(self) -> Option<Decimal> {
        match self {
            Num::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// Why a value cannot be used, for the message of `unparseable-value`.
#[derive(Debug, Clone)]
pub(crate) enum Why {
    /// Words where a number belongs.
    NotANumber,
    /// A formula error or a number beyond a decimal, as Excel shows it.
    Unusable(String),
    /// A number too large or too small to compute with.
    OutOfRange,
    /// A quantitative target whose actual is not a quantity; `example` is the target's.
    NotAQuantity { target: String, example: String },
    /// An actual in a unit its target's cannot be converted to.
    UnitMismatch { target: String },
    /// A quantitative target without a unit, where no actual lends it one (a declaration).
    NoUnit,
}

/// What a message names of an indicator's field, `“{name}”的{part}`: written only when a finding
/// is made (a form's every row would otherwise format it for nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Of<'a>(pub &'a str, pub &'static str);

impl Display for Of<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "“{}”的{}", self.0, self.1)
    }
}

/// `unparseable-value`: a value that cannot be read as the figure its field holds — words, a
/// formula error, a number beyond the computable range, or an actual that does not match its
/// target's kind or unit. Not fixed: only the filer knows the figure.
pub(crate) fn unparseable_value(field: &Field, subject: &str, what: impl Display, why: Why) -> Draft {
    let text = field.text();
    let message = match why {
        Why::NotANumber => format!("{what}“{text}”无法识别为数值"),
        Why::Unusable(shown) if shown.starts_with('#') => {
            format!("{what}为公式错误 {shown}，无法核算：请更正公式或填写数值")
        }
        Why::Unusable(shown) => {
            format!("{what} {shown} 数值超出可核算范围（绝对值应在 10⁻¹⁰ 至 10¹⁵ 之间）")
        }
        Why::OutOfRange => {
            format!("{what} {text} 数值超出可核算范围（绝对值应在 10⁻¹⁰ 至 10¹⁵ 之间）")
        }
        Why::NotAQuantity { target, example } => {
            format!("{what}“{text}”应为数值（如 {example}）：指标值“{target}”是定量指标")
        }
        Why::UnitMismatch { target } => {
            format!("{what}“{text}”与指标值“{target}”单位不一致，无法比较")
        }
        Why::NoUnit => format!("{what}“{text}”是定量指标，但没有写明计量单位（如 ≥300人、≥95%）"),
    };
    let reported = match field.value {
        crate::grid::Value::Error(ref e) | crate::grid::Value::Unrepresentable(ref e) => e.clone(),
        _ => text,
    };
    Draft::on(Code::UnparseableValue, field, subject, message).reported(reported)
}

/// `missing-field`: a blank field only the filer can supply (项目名称, 预算数, 执行数, 指标值,
/// 完成值, 分值, a qualitative 得分). Not fixed.
pub(crate) fn missing_field(field: &Field, subject: &str, what: impl Display) -> Draft {
    let cell = field.cell();
    let message = if cell.is_empty() {
        format!("未填写{what}（表中没有该栏）")
    } else {
        format!("未填写{what}（单元格 {cell} 为空）")
    };
    Draft::on(Code::MissingField, field, subject, message).reported("")
}

/// Read an input figure (an amount, a 分值, a qualitative 得分): blank, a number a rule may
/// compute with, or — reported here as `unparseable-value` on its cell — unusable.
pub(crate) fn input(ctx: &mut Ctx, field: &Field, subject: &str, what: impl Display) -> Num {
    if field.unknown {
        return Num::Unusable;
    }
    match figure::read(field) {
        Figure::Blank => Num::Blank,
        Figure::Number { value, .. } if figure::computable(value) => Num::Value(value),
        other => {
            let why = match other {
                Figure::Number { .. } => Why::OutOfRange,
                Figure::Error(e) | Figure::Unrepresentable(e) => Why::Unusable(e),
                _ => Why::NotANumber,
            };
            ctx.record(Some(unparseable_value(field, subject, what, why)));
            Num::Unusable
        }
    }
}

/// A derived figure (执行率, a quantitative 得分, 总分) as the form reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reported {
    Blank,
    Number(Decimal),
    /// A value that is no figure at all — a formula error, a number beyond any range: the
    /// figure's mismatch code reports it and `fix` writes the right figure over it.
    Wrong(String),
}

/// Read a derived figure. Words are `unparseable-value` (reported here, `None`); an error
/// value or an out-of-range number is [`Reported::Wrong`], for the mismatch rule to correct.
pub(crate) fn derived(ctx: &mut Ctx, field: &Field, subject: &str, what: impl Display) -> Option<Reported> {
    if field.unknown {
        return None;
    }
    match figure::read(field) {
        Figure::Blank => Some(Reported::Blank),
        Figure::Number { value, .. } if figure::computable(value) => Some(Reported::Number(value)),
        Figure::Number { .. } => Some(Reported::Wrong(field.text())),
        Figure::Error(e) | Figure::Unrepresentable(e) => Some(Reported::Wrong(e)),
        Figure::Text(_) => {
            ctx.record(Some(unparseable_value(field, subject, what, Why::NotANumber)));
            None
        }
    }
}

/// `unparseable-value` for a computation over `fields` that left the decimal range: blamed on
/// the field whose figure is furthest from 1 in magnitude (the one out of proportion).
pub(crate) fn out_of_range(fields: &[&Field], subject: &str, what: impl Display) -> Draft {
    let extremeness = |f: &&Field| {
        let v = figure::read(f).number().map(|v| v.abs()).unwrap_or(Decimal::ONE);
        let inverse = if v.is_zero() {
            Decimal::ZERO
        } else {
            Decimal::ONE.checked_div(v).unwrap_or(Decimal::MAX)
        };
        v.max(inverse)
    };
    let blamed = fields
        .iter()
        .copied()
        .max_by_key(extremeness)
        .cloned()
        .unwrap_or_default();
    unparseable_value(&blamed, subject, what, Why::OutOfRange)
}

/// The sum of `terms`, `None` when it leaves the decimal range.
pub(crate) fn checked_sum(terms: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    terms
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, t| sum.checked_add(t))
}
