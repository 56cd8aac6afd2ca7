//! Indicator rules (docs/rules.md): `indicator-score-mismatch`, `qualitative-score-out-of-band`,
//! `score-out-of-range`, `deviation-without-reason`, over each 三级指标 row. The row's figures
//! are read through [`super::values`], which reports what cannot be used.

use rust_decimal::Decimal;

use super::settings::ReverseScoring;
use super::values::{self, Num, Of, Reported, Why, derived, input, missing_field, unparseable_value};
use super::{Code, Ctx, Draft, Slot, agrees};
use crate::figure::{self, Figure};
use crate::form::{Column, Field, Form, Indicator};
use crate::grammar::{self, Actual, Comparator, Outcome, Quantity, Target, Unit};
use crate::grid::Value;
use crate::num::{fmt_plain, round2};
use crate::text::{is_placeholder, norm, says_something};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

pub(super) fn check(ctx: &mut Ctx) {
    let year = form_year(&ctx.form);
    for i in 0..ctx.form.indicators.len() {
        let ind = ctx.form.indicators[i].clone();
        if ind.checked() {
            check_row(ctx, i, &ind, year);
        }
    }
}

/// The year of the form, for deadlines written without one: the year line (`（2024年度）`), the
/// title, else the 填报日期's year less one (forms are filed the year after). 0 when unknown.
pub(crate) fn form_year(form: &Form) -> i32 {
    let year_in = |text: &str| {
        let digits: Vec<char> = text.chars().map(crate::num::halfwidth).collect();
        digits.windows(4).find_map(|w| {
            let s: String = w.iter().collect();
            s.parse::<i32>().ok().filter(|y| (1990..=2100).contains(y))
        })
    };
    // Filed after the year it reports (a 自评表), during it (a monitoring form) or before it
    // (the targets filed with the budget).
    let filed_after = match form.kind {
        crate::form::FormType::SelfEvaluation | crate::form::FormType::DepartmentEvaluation => 1,
        crate::form::FormType::Monitoring => 0,
        crate::form::FormType::TargetDeclaration => -1,
    };
    year_in(&form.year.as_text())
        .or_else(|| year_in(&form.title.as_text()))
        .or_else(|| {
            match &form.date.value {
                Value::Date(d) => Some(d.year),
                _ => year_in(&form.date.as_text()),
            }
            .and_then(|y| y.checked_sub(filed_after))
        })
        .unwrap_or(0)
}

/// A numeric cell as a quantity: a percent-formatted `0.9` is 90 %, any other number is unitless
/// (it takes its counterpart's unit).
fn cell_quantity(field: &Field, d: Decimal) -> Option<Quantity> {
    Some(if field.percent {
        Quantity {
            value: d.checked_mul(HUNDRED)?,
            unit: Unit::Percent,
        }
    } else {
        Quantity {
            value: d,
            unit: Unit::None,
        }
    })
}

/// Why a target or actual cell cannot be used (`None`: it can, or it is blank).
fn unusable(field: &Field) -> Option<Why> {
    match figure::read(field) {
        Figure::Error(e) | Figure::Unrepresentable(e) => Some(Why::Unusable(e)),
        Figure::Number { value, .. } if !figure::computable(value) => Some(Why::OutOfRange),
        _ => None,
    }
}

/// The target of a row, read from its cell (a bare number means at least that much).
pub(crate) fn target_of(field: &Field, year: i32) -> Option<Target> {
    match &field.value {
        Value::Number(d) => Some(Target::Quantitative {
            cmp: Comparator::Ge,
            qty: cell_quantity(field, *d)?,
        }),
        Value::Date(d) => Some(Target::Deadline(d.clone())),
        Value::Text(s) if !is_placeholder(s) => Some(grammar::parse_target_in(s, year)),
        _ => None,
    }
}

/// The actual of a row, read from its cell.
pub(crate) fn actual_of(field: &Field, year: i32) -> Option<Actual> {
    match &field.value {
        Value::Number(d) => Some(Actual::Quantity(cell_quantity(field, *d)?)),
        Value::Date(d) => Some(Actual::Date(d.clone())),
        Value::Text(s) if !is_placeholder(s) => Some(grammar::parse_actual_in(s, year)),
        _ => None,
    }
}

/// A quantity read from text that is out of the computable range.
fn out_of_range(qty: &Quantity) -> bool {
    !figure::computable(qty.value)
}

fn check_row(ctx: &mut Ctx, i: usize, ind: &Indicator, year: i32) {
    let subject = ind.subject();
    let name = &ind.name.as_text();
    // Blank (or placeholder) and unusable targets and actuals are reported here; the checks
    // that need them are skipped.
    let mut complete = true;
    // A scored criterion of an older framework (项目决策 / 项目管理 …, not an output, cost,
    // benefit or satisfaction indicator) has no target to meet: only its score's range is read.
    let criterion = is_criterion(&ind.level1) && ind.target.is_placeholder();
    for (field, what) in [(&ind.target, "年度指标值"), (&ind.actual, "实际完成值")] {
        let what = Of(name, what);
        // A column the template lacks, or a formula without a result: not read, said once per
        // form by the reading notes.
        if field.pos.is_none() || field.unknown || criterion {
            complete = false;
        } else if field.is_placeholder() {
            ctx.record(Some(missing_field(field, &subject, what)));
            complete = false;
        } else if let Some(why) = unusable(field) {
            ctx.record(Some(unparseable_value(field, &subject, what, why)));
            complete = false;
        }
    }
    let weight = match input(ctx, &ind.weight, &subject, Of(name, "分值")) {
        Num::Value(w) => Some(w),
        Num::Blank if !ind.sub_row && ind.weight.pos.is_some() => {
            ctx.record(Some(missing_field(&ind.weight, &subject, Of(name, "分值"))));
            None
        }
        _ => None,
    };
    let target = target_of(&ind.target, year);
    let actual = actual_of(&ind.actual, year);
    for (parsed, field, what) in [
        (
            target.as_ref().and_then(quantity_of_target),
            &ind.target,
            "年度指标值",
        ),
        (
            actual.as_ref().and_then(quantity_of_actual),
            &ind.actual,
            "实际完成值",
        ),
    ] {
        if complete && parsed.is_some_and(out_of_range) {
            ctx.record(Some(unparseable_value(
                field,
                &subject,
                Of(name, what),
                Why::OutOfRange,
            )));
            complete = false;
        }
    }
    let score_what = Of(name, "得分");
    match target {
        Some(Target::Quantitative { cmp, qty }) if complete => {
            let Some(reported) = derived(ctx, &ind.score, &subject, score_what) else {
                return;
            };
            quantitative(ctx, i, ind, cmp, &qty, weight, &reported);
        }
        Some(target @ (Target::Deadline(_) | Target::Qualitative(_))) if complete => {
            let score = input(ctx, &ind.score, &subject, score_what);
            let outcome = actual.as_ref().and_then(|a| outcome_of(&target, a, &ind.actual));
            qualitative(ctx, i, ind, outcome, weight, score);
        }
        _ => {
            // Without a usable target and actual only the score's range can be checked.
            if let (Some(w), Num::Value(s)) = (weight, input(ctx, &ind.score, &subject, score_what)) {
                ctx.record(score_out_of_range(ind, i, w, s, None));
            }
        }
    }
}

/// A level-1 heading that is none of the indicator kinds with targets (产出, 成本, 效益, 满意度):
/// 项目决策, 项目管理, 过程 … of the older scoring frameworks. An empty heading is not one.
fn is_criterion(level1: &str) -> bool {
    let l = norm(level1);
    !l.is_empty()
        && !["产出", "成本", "效益", "满意", "影响"]
            .iter()
            .any(|k| l.contains(k))
}

fn quantity_of_target(t: &Target) -> Option<&Quantity> {
    match t {
        Target::Quantitative { qty, .. } => Some(qty),
        _ => None,
    }
}

fn quantity_of_actual(a: &Actual) -> Option<&Quantity> {
    match a {
        Actual::Quantity(q) => Some(q),
        _ => None,
    }
}

/// A quantitative indicator: its actual must be a quantity in the target's unit; then its score
/// and any deviation are checked.
fn quantitative(
    ctx: &mut Ctx,
    i: usize,
    ind: &Indicator,
    cmp: Comparator,
    target: &Quantity,
    weight: Option<Decimal>,
    reported: &Reported,
) {
    let subject = ind.subject();
    let name = &ind.name.as_text();
    let actual = match &ind.actual.value {
        Value::Text(s) => grammar::parse_quantity(s),
        _ => actual_of(&ind.actual, 0)
            .as_ref()
            .and_then(quantity_of_actual)
            .cloned(),
    };
    let what = Of(name, "实际完成值");
    let Some(actual) = actual else {
        let why = Why::NotAQuantity {
            target: ind.target.text(),
            example: target.to_string(),
        };
        ctx.record(Some(unparseable_value(&ind.actual, &subject, what, why)));
        if let (Some(w), Reported::Number(s)) = (weight, reported) {
            ctx.record(score_out_of_range(ind, i, w, *s, None));
        }
        return;
    };
    let Some(b) = actual.to_unit(&target.unit) else {
        let why = Why::UnitMismatch {
            target: ind.target.text(),
        };
        ctx.record(Some(unparseable_value(&ind.actual, &subject, what, why)));
        return;
    };
    let t = target.value;
    // A bare fraction against a percent target, where the file does not tell number formats:
    // 0.9 against ≥90% is 90 %.
    let b = match (&ind.actual.value, &b.unit) {
        (Value::Number(_), Unit::Percent)
            if !ctx.form.formats_known && b.value <= Decimal::new(15, 1) && t > Decimal::new(15, 1) =>
        {
            b.value.checked_mul(HUNDRED).unwrap_or(b.value)
        }
        _ => b.value,
    };
    if let Some(w) = weight {
        match expected_score(cmp, t, b, w, ctx.settings.reverse_scoring) {
            Some(expected) => {
                ctx.record(indicator_score_mismatch(ind, i, &expected, reported));
            }
            None => {
                let draft = values::out_of_range(&[&ind.target, &ind.actual, &ind.weight], &subject, "数值");
                ctx.record(Some(draft));
                return;
            }
        }
    }
    let why = deviation_quantitative(cmp, t, b, ctx.settings.deviation_threshold);
    let unmet = match cmp {
        Comparator::Ge | Comparator::Gt | Comparator::Eq => b < t,
        Comparator::Le | Comparator::Lt => b > t,
    };
    let draft = why.and_then(|why| deviation_without_reason(ctx, ind, why));
    if draft.is_some() && unmet {
        ctx.figures.unmet.push(ind.name.text());
    }
    ctx.record(draft);
}

/// The score a quantitative indicator earns (docs/rules.md, `indicator-score-mismatch`),
/// unrounded, with the formula in words; for a reverse indicator over its target, the other
/// convention too (both are accepted; `fix` writes `value`, the one the settings name).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expected {
    pub value: Decimal,
    pub how: String,
    pub also: Option<(Decimal, String)>,
}

impl Expected {
    pub(super) fn only(value: Decimal, how: String) -> Expected {
        Expected {
            value,
            how,
            also: None,
        }
    }

    fn accepts(&self, reported: Decimal) -> bool {
        agrees(reported, self.value) || self.also.as_ref().is_some_and(|(v, _)| agrees(reported, *v))
    }
}

/// See [`Expected`]; `None` when the figures leave the decimal range.
pub(crate) fn expected_score(
    cmp: Comparator,
    t: Decimal,
    b: Decimal,
    w: Decimal,
    reverse: ReverseScoring,
) -> Option<Expected> {
    let b = b.max(Decimal::ZERO);
    let (tp, bp, wp) = (fmt_plain(t), fmt_plain(b), fmt_plain(w));
    if t.is_zero() {
        return Some(match cmp {
            Comparator::Le | Comparator::Lt | Comparator::Eq if b <= Decimal::ZERO => {
                Expected::only(w, format!("指标值为 0，完成值 {bp} ≤ 0，得满分 {wp}"))
            }
            Comparator::Ge | Comparator::Gt => {
                Expected::only(w, format!("指标值为 0，完成值 {bp} ≥ 0，得满分 {wp}"))
            }
            _ => Expected::only(Decimal::ZERO, format!("指标值为 0，完成值 {bp} > 0，得 0 分")),
        });
    }
    Some(match cmp {
        Comparator::Ge | Comparator::Gt | Comparator::Eq => {
            if b >= t {
                Expected::only(w, format!("完成值 {bp} 达到指标值 {tp}，得满分 {wp}"))
            } else {
                let s = w.checked_mul(b.checked_div(t)?)?;
                Expected::only(s, format!("{wp} × {bp} ÷ {tp} = {}", fmt_plain(round2(s))))
            }
        }
        Comparator::Le | Comparator::Lt => {
            if b <= t {
                return Some(Expected::only(
                    w,
                    format!("完成值 {bp} 未超过指标值 {tp}，得满分 {wp}"),
                ));
            }
            let linear = if b < t.checked_add(t)? {
                let s = w.checked_mul(Decimal::TWO.checked_sub(b.checked_div(t)?)?)?;
                (
                    s,
                    format!("{wp} × (2 − {bp} ÷ {tp}) = {}（线性）", fmt_plain(round2(s))),
                )
            } else {
                (
                    Decimal::ZERO,
                    format!("完成值 {bp} 达到指标值 {tp} 的 2 倍及以上，得 0 分（线性）"),
                )
            };
            let r = w.checked_mul(t.checked_div(b)?)?;
            let ratio = (
                r,
                format!("{wp} × {tp} ÷ {bp} = {}（比例）", fmt_plain(round2(r))),
            );
            let (chosen, other) = match reverse {
                ReverseScoring::Linear => (linear, ratio),
                ReverseScoring::Ratio => (ratio, linear),
            };
            Expected {
                value: chosen.0,
                how: chosen.1,
                also: Some(other),
            }
        }
    })
}

/// `indicator-score-mismatch`: a quantitative indicator's 得分 differs from the score its target
/// and actual give (a blank or error 得分 too); `fix` writes the recomputed score.
pub(super) fn indicator_score_mismatch(
    ind: &Indicator,
    i: usize,
    expected: &Expected,
    reported: &Reported,
) -> Option<Draft> {
    ind.score.pos?;
    if let Reported::Number(s) = reported
        && expected.accepts(*s)
    {
        return None;
    }
    let how = match &expected.also {
        Some((_, other)) => format!("{}，或 {other}", expected.how),
        None => expected.how.clone(),
    };
    let shown = super::funds::shown(&ind.score, reported);
    let message = format!("“{}”得分应为 {how}，{shown}", ind.name.text());
    Some(
        Draft::on(Code::IndicatorScoreMismatch, &ind.score, ind.subject(), message)
            .reported(super::funds::reported_text(&ind.score, reported))
            .fixing(Slot::IndicatorScore(i), round2(expected.value)),
    )
}

/// Why a quantitative result deviates enough to need a reason, if it does.
fn deviation_quantitative(cmp: Comparator, t: Decimal, b: Decimal, theta: Decimal) -> Option<String> {
    let (tp, bp) = (fmt_plain(t), fmt_plain(b));
    let theta_pct = fmt_plain(theta.checked_mul(HUNDRED)?);
    let above = t.checked_mul(Decimal::ONE.checked_add(theta)?)?;
    let below = t.checked_mul(Decimal::ONE.checked_sub(theta)?)?;
    let share = |x: Decimal| x.checked_mul(HUNDRED).map(|v| fmt_plain(round2(v)));
    match cmp {
        Comparator::Ge | Comparator::Gt | Comparator::Eq if b < t => {
            Some(format!("完成值 {bp} 未达到指标值 {tp}"))
        }
        Comparator::Le | Comparator::Lt if b > t => Some(format!("完成值 {bp} 超过指标值上限 {tp}")),
        Comparator::Ge | Comparator::Gt | Comparator::Eq if t > Decimal::ZERO && b >= above => {
            let over = share(b.checked_div(t)?.checked_sub(Decimal::ONE)?)?;
            Some(format!(
                "完成值 {bp} 超出指标值 {tp} 的 {over}%（偏差阈值 {theta_pct}%）"
            ))
        }
        Comparator::Le | Comparator::Lt if t > Decimal::ZERO && b <= below => {
            let under = share(Decimal::ONE.checked_sub(b.checked_div(t)?)?)?;
            Some(format!(
                "完成值 {bp} 低于指标值 {tp} 的 {under}%（偏差阈值 {theta_pct}%）"
            ))
        }
        _ => None,
    }
}

/// `deviation-without-reason`: an unmet indicator, or one beyond the deviation threshold, whose
/// reason cell and 备注 say nothing, nor the form's reason block below the table. Where the
/// template has no place for reasons that could be read, nothing is raised (the reading notes
/// say the check did not run).
fn deviation_without_reason(ctx: &Ctx, ind: &Indicator, why: String) -> Option<Draft> {
    let form = &ctx.form;
    if form.reading.lacks(Column::Reason)
        || ind.reason.unknown
        || ind.remark.unknown
        || form
            .reason_block
            .as_ref()
            .is_some_and(|f| says_something(&f.as_text()))
    {
        return None;
    }
    if says_something(&ind.reason.as_text()) || says_something(&ind.remark.as_text()) {
        return None;
    }
    let message = format!("“{}”{why}，但未在原因分析或备注中说明原因", ind.name.text());
    Some(Draft::on(
        Code::DeviationWithoutReason,
        &ind.actual,
        ind.subject(),
        message,
    ))
}

/// The result a qualitative or time indicator's actual states: a stated outcome, a date against
/// the deadline, or text that restates the target (达成). `None`: free text, unclassified.
fn outcome_of(target: &Target, actual: &Actual, actual_field: &Field) -> Option<Outcome> {
    match (target, actual) {
        (_, Actual::Outcome(o)) => Some(*o),
        (Target::Deadline(deadline), Actual::Date(d)) => Some(if d.on_or_before(deadline) {
            Outcome::Met
        } else {
            Outcome::Unmet
        }),
        (Target::Qualitative(t), _) => restates(t, &actual_field.as_text()).then_some(Outcome::Met),
        _ => None,
    }
}

/// Whether an actual restates its qualitative target: equal after removing blanks and
/// punctuation, or containing it (`有效` / `有效`, `显著提升` / `显著提升，群众满意`).
fn restates(target: &str, actual: &str) -> bool {
    let bare = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    let (t, a) = (bare(target), bare(actual));
    !t.is_empty() && (a == t || a.contains(&t))
}

/// Bands of 得分 / 分值 for each outcome, inclusive (docs/rules.md,
/// `qualitative-score-out-of-band`).
fn band(outcome: Outcome) -> (Decimal, Decimal, &'static str) {
    match outcome {
        Outcome::Met => (Decimal::new(80, 2), Decimal::ONE, "达成"),
        Outcome::Partial => (Decimal::new(60, 2), Decimal::new(80, 2), "部分达成"),
        Outcome::Unmet => (Decimal::ZERO, Decimal::new(60, 2), "未达成"),
    }
}

/// A qualitative or time indicator: an unmet result needs a reason; its 得分 must be filled, in
/// [0, 分值], and within the band of its result.
fn qualitative(
    ctx: &mut Ctx,
    i: usize,
    ind: &Indicator,
    outcome: Option<Outcome>,
    weight: Option<Decimal>,
    score: Num,
) {
    if let Some(o @ (Outcome::Partial | Outcome::Unmet)) = outcome {
        let draft = deviation_without_reason(ctx, ind, format!("完成情况为“{}”", band(o).2));
        if draft.is_some() {
            ctx.figures.unmet.push(ind.name.text());
        }
        ctx.record(draft);
    }
    let Some(w) = weight else { return };
    let s = match score {
        Num::Value(s) => s,
        Num::Blank if ind.score.pos.is_none() => return,
        Num::Blank => {
            let what = format!("定性指标“{}”的得分", ind.name.text());
            ctx.record(Some(missing_field(&ind.score, &ind.subject(), &what)));
            return;
        }
        Num::Unusable => return,
    };
    if ctx.record(score_out_of_range(ind, i, w, s, outcome)) {
        return;
    }
    if let Some(outcome) = outcome {
        ctx.record(qualitative_score_out_of_band(ind, i, w, s, outcome));
    }
}

/// `qualitative-score-out-of-band`: a qualitative 得分 within [0, 分值] but outside the band of
/// its stated result; `fix` moves it to the nearest edge of the band.
fn qualitative_score_out_of_band(
    ind: &Indicator,
    i: usize,
    w: Decimal,
    s: Decimal,
    outcome: Outcome,
) -> Option<Draft> {
    let (lo, hi, label) = band(outcome);
    let (min, max) = (w.checked_mul(lo)?, w.checked_mul(hi)?);
    if s >= min && s <= max {
        return None;
    }
    let edge = if s < min { min } else { max };
    let message = format!(
        "定性指标“{}”完成情况为“{label}”，得分应在分值 {} 的 {}%–{}% 之间（{}–{}），表中为 {}，更正为最近的档次边界 {}",
        ind.name.text(),
        fmt_plain(w),
        fmt_plain(lo.checked_mul(HUNDRED)?),
        fmt_plain(hi.checked_mul(HUNDRED)?),
        fmt_plain(round2(min)),
        fmt_plain(round2(max)),
        fmt_plain(s),
        fmt_plain(round2(edge))
    );
    Some(
        Draft::on(
            Code::QualitativeScoreOutOfBand,
            &ind.score,
            ind.subject(),
            message,
        )
        .fixing(Slot::IndicatorScore(i), round2(edge)),
    )
}

/// `score-out-of-range`: a score that is not recomputed (qualitative, time, unclassified) below
/// 0 or above 分值; `fix` clamps it to the nearest edge of its result's band, or of [0, 分值].
fn score_out_of_range(
    ind: &Indicator,
    i: usize,
    w: Decimal,
    s: Decimal,
    outcome: Option<Outcome>,
) -> Option<Draft> {
    if s >= Decimal::ZERO && s <= w {
        return None;
    }
    let (lo, hi) = match outcome {
        Some(o) => {
            let (lo, hi, _) = band(o);
            (w.checked_mul(lo)?, w.checked_mul(hi)?)
        }
        None => (Decimal::ZERO, w),
    };
    let edge = round2(if s < Decimal::ZERO { lo } else { hi });
    let message = format!(
        "“{}”得分 {} 超出 0–{}（分值）的范围，更正为 {}",
        ind.name.text(),
        fmt_plain(s),
        fmt_plain(w),
        fmt_plain(edge)
    );
    Some(
        Draft::on(Code::ScoreOutOfRange, &ind.score, ind.subject(), message)
            .fixing(Slot::IndicatorScore(i), edge),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figure::Percent;

    #[test]
    fn restated_targets_are_met() {
        assert!(restates("有效", "有效"));
        assert!(restates("显著提升", "显著提升，群众满意"));
        assert!(restates("市级保护单位", "市级 保护单位。"));
        assert!(!restates("有效", "良好"));
        assert!(!restates("", "良好"));
    }

    #[test]
    fn both_reverse_conventions_for_an_overrun_cost() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let e = expected_score(
            Comparator::Le,
            d("3800000"),
            d("4020000"),
            d("10"),
            ReverseScoring::Linear,
        )
        .unwrap();
        assert_eq!(round2(e.value), d("9.42"));
        assert!(e.accepts(d("9.45")) && e.accepts(d("9.42")) && !e.accepts(d("9.30")));
        let r = expected_score(
            Comparator::Le,
            d("3800000"),
            d("4020000"),
            d("10"),
            ReverseScoring::Ratio,
        )
        .unwrap();
        assert_eq!(round2(r.value), d("9.45"));
    }

    #[test]
    fn percent_reading_is_shared() {
        let f = Field {
            value: Value::Number(Decimal::new(9, 1)),
            percent: true,
            ..Field::default()
        };
        assert_eq!(
            figure::read(&f),
            Figure::Number {
                value: Decimal::new(9, 1),
                percent: Percent::Format
            }
        );
        assert_eq!(
            cell_quantity(&f, Decimal::new(9, 1)).map(|q| q.value),
            Some(Decimal::new(900, 1))
        );
    }
}
