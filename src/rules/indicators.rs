//! Indicator rules (SPEC §2.1, §2.2): `indicator-score-mismatch`,
//! `qualitative-score-out-of-band`, `score-out-of-range`, `deviation-without-reason`, and the
//! per-row `missing-field` / `unparseable-value`.

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft, Reading, agrees, read_number};
use crate::form::{Field, Indicator};
use crate::grammar::{self, Actual, Comparator, Outcome, Quantity, Target, Unit};
use crate::grid::Value;
use crate::num::{fmt_plain, round2};
use crate::text::norm;

pub(super) fn check(ctx: &mut Ctx) {
    for i in 0..ctx.form.indicators.len() {
        let ind = ctx.form.indicators[i].clone();
        check_row(ctx, i, &ind);
    }
}

/// A numeric cell as a quantity: a percent-formatted `0.9` is 90 %, any other number is unitless
/// (it takes its counterpart's unit).
fn cell_quantity(field: &Field, d: Decimal) -> Quantity {
    if field.percent {
        Quantity {
            value: d * Decimal::ONE_HUNDRED,
            unit: Unit::Percent,
        }
    } else {
        Quantity {
            value: d,
            unit: Unit::None,
        }
    }
}

/// The target of a row, read from its cell (a bare number means at least that much).
pub(crate) fn target_of(field: &Field) -> Option<Target> {
    match &field.value {
        Value::Number(d) => Some(Target::Quantitative {
            cmp: Comparator::Ge,
            qty: cell_quantity(field, *d),
        }),
        Value::Date(d) => Some(Target::Deadline(d.clone())),
        Value::Text(s) if !s.trim().is_empty() => Some(grammar::parse_target(s)),
        _ => None,
    }
}

/// The actual of a row, read from its cell.
pub(crate) fn actual_of(field: &Field) -> Option<Actual> {
    match &field.value {
        Value::Number(d) => Some(Actual::Quantity(cell_quantity(field, *d))),
        Value::Date(d) => Some(Actual::Date(d.clone())),
        Value::Text(s) if !s.trim().is_empty() => Some(grammar::parse_actual(s)),
        _ => None,
    }
}

/// A reason or remark that says something (not blank, `/`, `-` or `无`).
pub(crate) fn says_why(field: &Field) -> bool {
    !matches!(
        norm(&field.text()).as_str(),
        "" | "/" | "／" | "-" | "—" | "——" | "无" | "－"
    )
}

fn check_row(ctx: &mut Ctx, i: usize, ind: &Indicator) {
    let subject = ind.subject();
    let name = ind.name.text();
    let mut complete = true;
    if ind.target.value.is_blank() {
        ctx.missing(&ind.target, subject.clone(), &format!("“{name}”的年度指标值"));
        complete = false;
    }
    if ind.actual.value.is_blank() {
        ctx.missing(&ind.actual, subject.clone(), &format!("“{name}”的实际完成值"));
        complete = false;
    }
    let weight = match read_number(&ind.weight) {
        Reading::Number { value, .. } => Some(value),
        Reading::Blank => {
            if !ind.sub_row {
                ctx.missing(&ind.weight, subject.clone(), &format!("“{name}”的分值"));
            }
            None
        }
        Reading::Unreadable => {
            ctx.unparseable(&ind.weight, subject.clone(), &format!("“{name}”的分值"));
            None
        }
    };
    let score = match read_number(&ind.score) {
        Reading::Number { value, .. } => Ok(Some(value)),
        Reading::Blank => Ok(None),
        Reading::Unreadable => {
            ctx.unparseable(&ind.score, subject.clone(), &format!("“{name}”的得分"));
            Err(())
        }
    };
    let Ok(score) = score else { return };
    let (Some(target), Some(actual)) = (target_of(&ind.target), actual_of(&ind.actual)) else {
        if let Some(w) = weight {
            out_of_range(ctx, i, ind, w, score);
        }
        return;
    };
    if !complete {
        return;
    }
    match &target {
        Target::Quantitative { cmp, qty } => {
            let Actual::Quantity(b) = &actual else {
                let message = format!(
                    "“{name}”的指标值“{}”是定量指标，实际完成值“{}”应为数值（如 {}）",
                    ind.target.text(),
                    ind.actual.text(),
                    qty
                );
                report_plain(ctx, Code::UnparseableValue, &ind.actual, &subject, "", message);
                if let Some(w) = weight {
                    out_of_range(ctx, i, ind, w, score);
                }
                return;
            };
            let Some(b) = b.to_unit(&qty.unit) else {
                let message = format!(
                    "“{name}”的实际完成值“{}”与指标值“{}”单位不一致，无法比较",
                    ind.actual.text(),
                    ind.target.text()
                );
                report_plain(ctx, Code::UnparseableValue, &ind.actual, &subject, "", message);
                return;
            };
            let t = qty.value;
            // A bare fraction against a percent target, where the file does not tell number
            // formats: 0.9 against ≥90% is 90 %.
            let b = match (&ind.actual.value, &b.unit) {
                (Value::Number(_), Unit::Percent)
                    if !ctx.form.formats_known
                        && b.value <= Decimal::new(15, 1)
                        && t > Decimal::new(15, 1) =>
                {
                    Quantity {
                        value: b.value * Decimal::ONE_HUNDRED,
                        unit: Unit::Percent,
                    }
                }
                _ => b,
            };
            if let Some(w) = weight {
                quantitative_score(ctx, i, ind, *cmp, t, b.value, w, score);
            }
            deviation_quantitative(ctx, ind, *cmp, t, b.value);
        }
        Target::Deadline(deadline) => {
            let outcome = match &actual {
                Actual::Date(d) => Some(
                    if (d.year, d.month, d.day) <= (deadline.year, deadline.month, deadline.day) {
                        Outcome::Met
                    } else {
                        Outcome::Unmet
                    },
                ),
                Actual::Outcome(o) => Some(*o),
                _ => None,
            };
            qualitative(ctx, i, ind, outcome, weight, score);
        }
        Target::Qualitative(_) => {
            let outcome = match &actual {
                Actual::Outcome(o) => Some(*o),
                _ => None,
            };
            // An actual that only repeats the target says nothing of what was achieved.
            if outcome.is_none() && norm(&ind.actual.text()) == norm(&ind.target.text()) {
                let message = format!(
                    "“{name}”的实际完成值“{}”与指标值相同，未说明实际完成情况（应为达成预期指标、部分达成、未达成或具体完成值）",
                    ind.actual.text()
                );
                report_plain(ctx, Code::UnparseableValue, &ind.actual, &subject, "", message);
            }
            qualitative(ctx, i, ind, outcome, weight, score);
        }
    }
}

/// The score a quantitative indicator earns (SPEC §2.1), unrounded, with the formula in words.
pub(crate) fn expected_score(cmp: Comparator, t: Decimal, b: Decimal, w: Decimal) -> (Decimal, String) {
    let b = b.max(Decimal::ZERO);
    let (tp, bp, wp) = (fmt_plain(t), fmt_plain(b), fmt_plain(w));
    if t.is_zero() {
        return match cmp {
            Comparator::Le | Comparator::Lt | Comparator::Eq if b <= Decimal::ZERO => {
                (w, format!("指标值为 0，完成值 {bp} ≤ 0，得满分 {wp}"))
            }
            Comparator::Ge | Comparator::Gt => (w, format!("指标值为 0，完成值 {bp} ≥ 0，得满分 {wp}")),
            _ => (Decimal::ZERO, format!("指标值为 0，完成值 {bp} > 0，得 0 分")),
        };
    }
    match cmp {
        Comparator::Ge | Comparator::Gt | Comparator::Eq => {
            if b >= t {
                (w, format!("完成值 {bp} 达到指标值 {tp}，得满分 {wp}"))
            } else {
                let s = w * b / t;
                (s, format!("{wp} × {bp} ÷ {tp} = {}", fmt_plain(round2(s))))
            }
        }
        Comparator::Le | Comparator::Lt => {
            if b <= t {
                (w, format!("完成值 {bp} 未超过指标值 {tp}，得满分 {wp}"))
            } else if b < t + t {
                let s = w * (Decimal::TWO - b / t);
                (s, format!("{wp} × (2 − {bp} ÷ {tp}) = {}", fmt_plain(round2(s))))
            } else {
                (
                    Decimal::ZERO,
                    format!("完成值 {bp} 达到指标值 {tp} 的 2 倍及以上，得 0 分"),
                )
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn quantitative_score(
    ctx: &mut Ctx,
    i: usize,
    ind: &Indicator,
    cmp: Comparator,
    t: Decimal,
    b: Decimal,
    w: Decimal,
    score: Option<Decimal>,
) {
    let (expected, how) = expected_score(cmp, t, b, w);
    if score.is_some_and(|s| agrees(s, expected)) || ind.score.pos.is_none() {
        return;
    }
    let shown = match score {
        Some(_) => format!("表中为 {}", ind.score.text()),
        None => "表中未填".to_string(),
    };
    let message = format!("“{}”得分应为 {how}，{shown}", ind.name.text());
    ctx.report_fixed(
        |f| &mut f.indicators[i].score,
        Code::IndicatorScoreMismatch,
        ind.subject(),
        round2(expected),
        message,
    );
}

fn deviation_quantitative(ctx: &mut Ctx, ind: &Indicator, cmp: Comparator, t: Decimal, b: Decimal) {
    let theta = ctx.settings.deviation_threshold;
    let (tp, bp) = (fmt_plain(t), fmt_plain(b));
    let why = match cmp {
        Comparator::Ge | Comparator::Gt | Comparator::Eq if b < t => format!("完成值 {bp} 未达到指标值 {tp}"),
        Comparator::Le | Comparator::Lt if b > t => format!("完成值 {bp} 超过指标值上限 {tp}"),
        Comparator::Ge | Comparator::Gt | Comparator::Eq
            if t > Decimal::ZERO && b >= t * (Decimal::ONE + theta) =>
        {
            format!(
                "完成值 {bp} 超出指标值 {tp} 的 {}%（偏差阈值 {}%）",
                fmt_plain(round2((b / t - Decimal::ONE) * Decimal::ONE_HUNDRED)),
                fmt_plain(theta * Decimal::ONE_HUNDRED)
            )
        }
        Comparator::Le | Comparator::Lt if t > Decimal::ZERO && b <= t * (Decimal::ONE - theta) => {
            format!(
                "完成值 {bp} 低于指标值 {tp} 的 {}%（偏差阈值 {}%）",
                fmt_plain(round2((Decimal::ONE - b / t) * Decimal::ONE_HUNDRED)),
                fmt_plain(theta * Decimal::ONE_HUNDRED)
            )
        }
        _ => return,
    };
    deviation(ctx, ind, why);
}

fn deviation(ctx: &mut Ctx, ind: &Indicator, why: String) {
    if says_why(&ind.reason) || says_why(&ind.remark) {
        return;
    }
    let message = format!("“{}”{why}，但未在原因分析或备注中说明原因", ind.name.text());
    report_plain(
        ctx,
        Code::DeviationWithoutReason,
        &ind.actual,
        &ind.subject(),
        "",
        message,
    );
}

/// Bands of 得分 / 分值 for each outcome, inclusive (SPEC §2.2).
fn band(outcome: Outcome) -> (Decimal, Decimal, &'static str) {
    match outcome {
        Outcome::Met => (Decimal::new(80, 2), Decimal::ONE, "达成"),
        Outcome::Partial => (Decimal::new(60, 2), Decimal::new(80, 2), "部分达成"),
        Outcome::Unmet => (Decimal::ZERO, Decimal::new(60, 2), "未达成"),
    }
}

fn qualitative(
    ctx: &mut Ctx,
    i: usize,
    ind: &Indicator,
    outcome: Option<Outcome>,
    weight: Option<Decimal>,
    score: Option<Decimal>,
) {
    let name = ind.name.text();
    if let Some(o @ (Outcome::Partial | Outcome::Unmet)) = outcome {
        deviation(ctx, ind, format!("完成情况为“{}”", band(o).2));
    }
    let Some(w) = weight else { return };
    let Some(s) = score else {
        ctx.missing(&ind.score, ind.subject(), &format!("定性指标“{name}”的得分"));
        return;
    };
    let Some(outcome) = outcome else {
        out_of_range(ctx, i, ind, w, Some(s));
        return;
    };
    let (lo, hi, label) = band(outcome);
    let (min, max) = (w * lo, w * hi);
    if s >= min && s <= max {
        return;
    }
    let edge = if s < min { min } else { max };
    let message = format!(
        "定性指标“{name}”完成情况为“{label}”，得分应在分值 {} 的 {}%–{}% 之间（{}–{}），表中为 {}，更正为最近的档次边界 {}",
        fmt_plain(w),
        fmt_plain(lo * Decimal::ONE_HUNDRED),
        fmt_plain(hi * Decimal::ONE_HUNDRED),
        fmt_plain(round2(min)),
        fmt_plain(round2(max)),
        fmt_plain(s),
        fmt_plain(round2(edge))
    );
    ctx.report_fixed(
        |f| &mut f.indicators[i].score,
        Code::QualitativeScoreOutOfBand,
        ind.subject(),
        round2(edge),
        message,
    );
}

/// `score-out-of-range` for a score that cannot be recomputed: it must lie in [0, 分值].
fn out_of_range(ctx: &mut Ctx, i: usize, ind: &Indicator, w: Decimal, score: Option<Decimal>) {
    let Some(s) = score else { return };
    if s >= Decimal::ZERO && s <= w {
        return;
    }
    let edge = if s < Decimal::ZERO { Decimal::ZERO } else { w };
    let message = format!(
        "“{}”得分 {} 超出 0–{}（分值）的范围，更正为 {}",
        ind.name.text(),
        fmt_plain(s),
        fmt_plain(w),
        fmt_plain(edge)
    );
    ctx.report_fixed(
        |f| &mut f.indicators[i].score,
        Code::ScoreOutOfRange,
        ind.subject(),
        edge,
        message,
    );
}

fn report_plain(ctx: &mut Ctx, code: Code, field: &Field, subject: &str, expected: &str, message: String) {
    ctx.report(
        Draft {
            code,
            cell: field.cell(),
            subject: subject.to_string(),
            reported: field.text(),
            expected: expected.to_string(),
            message,
        },
        false,
    );
}
