//! A unit's 部门整体 form as a flat list (重庆's 部门整体绩效自评表): each indicator is scored by
//! the 得分系数 the unit gives it, not from its figures — 指标得分 = 得分系数 × 指标权重
//! (`indicator-score-mismatch`, docs/rules.md). The funds (执行率, 执行率得分) and the total (自评总分
//! = the scores and the 执行率得分) are checked as on a 自评表.

use rust_decimal::Decimal;

use super::indicators::{Expected, indicator_score_mismatch};
use super::values::derived;
use super::{Ctx, Draft};
use crate::figure::{self, Figure};
use crate::form::{Form, Indicator};
use crate::num::{fmt_plain, round2};

/// Whether the form is a flat list: its indicators carry a 得分系数.
pub(super) fn is_flat(form: &Form) -> bool {
    form.indicators.iter().any(|i| i.coefficient.pos.is_some())
}

pub(super) fn check(ctx: &mut Ctx) {
    let rows = ctx.form.indicators.clone();
    for (i, ind) in rows.iter().enumerate().filter(|(_, i)| i.checked()) {
        let draft = scored_by_coefficient(ctx, i, ind);
        ctx.record(draft);
    }
}

/// `indicator-score-mismatch` on a flat list: 指标得分 = 得分系数 × 指标权重, the coefficient in
/// percent (`80%`, a bare `80`, or 0.8 shown as a percent). A row whose coefficient or weight
/// cannot be read is not judged.
fn scored_by_coefficient(ctx: &mut Ctx, i: usize, ind: &Indicator) -> Option<Draft> {
    let subject = ind.subject();
    let coefficient = match figure::read(&ind.coefficient) {
        f @ Figure::Number { .. } if !ind.coefficient.unknown => f.percent_points()?,
        _ => return None,
    };
    let weight = match figure::read(&ind.weight) {
        Figure::Number { value, .. } if !ind.weight.unknown => value,
        _ => return None,
    };
    let value = coefficient
        .checked_mul(weight)?
        .checked_div(Decimal::ONE_HUNDRED)?;
    let reported = derived(
        ctx,
        &ind.score,
        &subject,
        &format!("“{}”的指标得分", ind.name.text()),
    )?;
    let expected = Expected::only(
        value,
        format!(
            "得分系数 {}% × 指标权重 {} = {}",
            fmt_plain(coefficient),
            fmt_plain(weight),
            fmt_plain(round2(value))
        ),
    );
    indicator_score_mismatch(ind, i, &expected, &reported)
}
