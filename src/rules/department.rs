//! A unit's 部门整体 form as a flat list (重庆's 部门整体绩效自评表): each indicator is scored by
//! the 得分系数 the unit gives it, not from its figures — 指标得分 = 得分系数 × 指标权重
//! (`indicator-score-mismatch`, docs/rules.md); a 调整指标值 that is another target than the
//! 年初指标值 needs a reason (`target-changed`, as a finding of the form). The funds (执行率,
//! 执行率得分) and the total (自评总分 = the scores and the 执行率得分) are checked as on a 自评表.

use rust_decimal::Decimal;

use super::indicators::{Expected, indicator_score_mismatch};
use super::values::{Of, derived};
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
        let draft = target_adjusted_without_reason(ctx, ind);
        ctx.record(draft);
    }
}

/// `target-changed` within a unit's form: the 调整指标值 of a row is another target than its
/// 年初指标值 (compared as read: `≥ 90 %` restates `≥90%`), and neither the row's 备注 nor the
/// form's reason block says why.
fn target_adjusted_without_reason(ctx: &Ctx, ind: &Indicator) -> Option<Draft> {
    use crate::text::says_something;
    let (initial, adjusted) = (ind.target.text(), ind.adjusted.text());
    ind.adjusted.pos?;
    if !says_something(&adjusted) || !says_something(&initial) || ind.adjusted.unknown {
        return None;
    }
    let year = super::indicators::form_year(&ctx.form);
    if super::cycle::same_target(&initial, &adjusted, year) {
        return None;
    }
    let explained = says_something(&ind.remark.as_text())
        || says_something(&ind.reason.as_text())
        || ctx
            .form
            .reason_block
            .as_ref()
            .is_some_and(|f| says_something(&f.as_text()));
    if explained {
        return None;
    }
    let message = format!(
        "“{}”的指标值由年初的 {} 调整为 {}，但备注和原因分析中未说明调整的原因",
        ind.name.text(),
        initial.trim(),
        adjusted.trim()
    );
    Some(
        Draft::on(super::Code::TargetChanged, &ind.adjusted, ind.subject(), message).expected(initial.trim()),
    )
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
    let reported = derived(ctx, &ind.score, &subject, Of(&ind.name.as_text(), "指标得分"))?;
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
