//! Funds rules (SPEC §2): `fund-breakdown-mismatch`, `execution-rate-mismatch`,
//! `execution-score-mismatch`, `overspend`, and `missing-field` / `unparseable-value` for the
//! amounts of the 年度资金总额 row.

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft, Reading, agrees, read_number};
use crate::form::{FundCol, FundRow, Layout};
use crate::grid::Value;
use crate::num::{fmt_amount, fmt_plain, round2};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

pub(super) fn check(ctx: &mut Ctx) {
    if ctx.form.funds.lines.is_empty() {
        return;
    }
    for col in FundCol::ALL {
        breakdown(ctx, col);
    }
    let budget = total_amount(ctx, FundCol::Budget, "全年预算数");
    let executed = total_amount(ctx, FundCol::Executed, "全年执行数");
    ctx.figures.budget = budget;
    ctx.figures.executed = executed;
    let (Some(a), Some(b)) = (budget, executed) else {
        return;
    };
    if b > a {
        overspend(ctx, a, b);
    }
    if a <= Decimal::ZERO {
        return;
    }
    let ratio = b / a;
    let rate = rate(ctx, a, b, ratio);
    score(ctx, a, b, ratio, rate);
}

/// Read an amount of the funds block; blank reads as `None` without a finding.
fn amount(ctx: &mut Ctx, row: FundRow, col: FundCol) -> Result<Option<Decimal>, ()> {
    let Some(line) = ctx.form.funds.line(row) else {
        return Ok(None);
    };
    let field = line.get(col).clone();
    match read_number(&field) {
        Reading::Blank => Ok(None),
        Reading::Number { value, .. } => Ok(Some(value)),
        Reading::Unreadable => {
            let subject = format!("funds.{}.{}", row.key(), col.key());
            ctx.unparseable(&field, subject, &format!("{}（{}）", col.label(), line.label));
            Err(())
        }
    }
}

/// The 年度资金总额 figure of a column, reporting it missing when blank.
fn total_amount(ctx: &mut Ctx, col: FundCol, what: &str) -> Option<Decimal> {
    let line = ctx.form.funds.line(FundRow::Total)?;
    let field = line.get(col).clone();
    match read_number(&field) {
        Reading::Number { value, .. } => Some(value),
        Reading::Blank => {
            ctx.missing(
                &field,
                format!("funds.total.{}", col.key()),
                &format!("{what}（年度资金总额）"),
            );
            None
        }
        // Already reported by the breakdown check.
        Reading::Unreadable => None,
    }
}

/// The parts that add up to 年度资金总额 in each layout.
fn parts(layout: Layout) -> &'static [FundRow] {
    match layout {
        Layout::Guizhou => &[FundRow::Fiscal, FundRow::Other],
        Layout::National => &[FundRow::Fiscal, FundRow::Carryover, FundRow::Other],
    }
}

/// `fund-breakdown-mismatch` for one column: the parts must add up to the total, and
/// 本级安排 / 上级补助 must fit 财政拨款 under one of the two readings.
fn breakdown(ctx: &mut Ctx, col: FundCol) {
    let mut rows: Vec<FundRow> = ctx.form.funds.lines.iter().map(|l| l.row).collect();
    rows.sort();
    let mut values = Vec::new();
    for row in &rows {
        match amount(ctx, *row, col) {
            Ok(v) => values.push((*row, v)),
            Err(()) => return,
        }
    }
    let get = |row: FundRow| values.iter().find(|(r, _)| *r == row).and_then(|(_, v)| *v);
    let present = |row: FundRow| values.iter().any(|(r, _)| *r == row);
    let layout = if present(FundRow::Carryover) {
        Layout::National
    } else {
        Layout::Guizhou
    };
    let part_rows: Vec<FundRow> = parts(layout).iter().copied().filter(|r| present(*r)).collect();
    let filled: Vec<Decimal> = part_rows.iter().filter_map(|r| get(*r)).collect();
    if !filled.is_empty() && present(FundRow::Total) {
        let sum: Decimal = filled.iter().sum();
        let total = get(FundRow::Total);
        let expr = part_rows
            .iter()
            .map(|r| {
                let label = ctx.form.funds.line(*r).map(|l| fund_label(&l.label));
                format!(
                    "{} {}",
                    label.unwrap_or_default(),
                    fmt_amount(get(*r).unwrap_or_default())
                )
            })
            .collect::<Vec<_>>()
            .join(" + ");
        match total {
            // An empty or 0 total whose parts are filled is corrected to their sum.
            None | Some(_) if total.is_none_or(|t| t.is_zero()) && !sum.is_zero() => {
                let message = format!(
                    "年度资金总额{}未填或为 0，应为各来源之和：{expr} = {}",
                    col.label(),
                    fmt_amount(sum)
                );
                ctx.report_fixed(
                    |f| {
                        f.funds
                            .line_mut(FundRow::Total)
                            .map(|l| l.get_mut(col))
                            .expect("total row present")
                    },
                    Code::FundBreakdownMismatch,
                    format!("funds.total.{}", col.key()),
                    sum,
                    message,
                );
            }
            Some(t) if round2(t) != round2(sum) => {
                let field = ctx
                    .form
                    .funds
                    .line(FundRow::Total)
                    .map(|l| l.get(col).clone())
                    .unwrap_or_default();
                let message = format!(
                    "{}：各来源之和 {expr} = {}，与年度资金总额 {} 不符（总额{} {}）",
                    col.label(),
                    fmt_amount(sum),
                    fmt_amount(t),
                    if t > sum { "多" } else { "少" },
                    fmt_amount((t - sum).abs())
                );
                ctx.report(
                    Draft {
                        code: Code::FundBreakdownMismatch,
                        cell: field.cell(),
                        subject: format!("funds.total.{}", col.key()),
                        reported: fmt_plain(t),
                        expected: fmt_plain(sum),
                        message,
                    },
                    false,
                );
            }
            _ => {}
        }
    }
    // 本级安排 / 上级补助 under 财政拨款: either 财政拨款 = 本级安排 + 上级补助, or
    // 财政拨款 = 本级安排 with 上级补助 ≤ 本级安排 (上级补助 read as part of 本级安排).
    if present(FundRow::Local) {
        let fiscal = get(FundRow::Fiscal).unwrap_or_default();
        let local = get(FundRow::Local).unwrap_or_default();
        let superior = get(FundRow::Superior).unwrap_or_default();
        let sum_reading = round2(local + superior) == round2(fiscal);
        let within_reading = round2(local) == round2(fiscal) && superior <= local;
        if !sum_reading && !within_reading {
            let field = ctx
                .form
                .funds
                .line(FundRow::Fiscal)
                .map(|l| l.get(col).clone())
                .unwrap_or_default();
            let message = format!(
                "{}：财政拨款 {} 既不等于本级安排 {} + 上级补助 {} = {}，也不等于本级安排（上级补助含于本级安排）",
                col.label(),
                fmt_amount(fiscal),
                fmt_amount(local),
                fmt_amount(superior),
                fmt_amount(local + superior)
            );
            ctx.report(
                Draft {
                    code: Code::FundBreakdownMismatch,
                    cell: field.cell(),
                    subject: format!("funds.fiscal.{}", col.key()),
                    reported: fmt_plain(fiscal),
                    expected: fmt_plain(local + superior),
                    message,
                },
                false,
            );
        }
    }
}

fn overspend(ctx: &mut Ctx, a: Decimal, b: Decimal) {
    let field = ctx
        .form
        .funds
        .line(FundRow::Total)
        .map(|l| l.executed.clone())
        .unwrap_or_default();
    let message = format!(
        "全年执行数 {} 超过全年预算数 {}（超出 {}），请说明原因",
        fmt_amount(b),
        fmt_amount(a),
        fmt_amount(b - a)
    );
    ctx.report(
        Draft {
            code: Code::Overspend,
            cell: field.cell(),
            subject: "funds.total.executed".into(),
            reported: fmt_plain(b),
            expected: fmt_plain(a),
            message,
        },
        false,
    );
}

/// `execution-rate-mismatch`; returns the rate the form should show (percent).
fn rate(ctx: &mut Ctx, a: Decimal, b: Decimal, ratio: Decimal) -> Decimal {
    let expected = ratio * HUNDRED;
    let field = ctx.form.funds.rate.clone();
    let reported = match read_number(&field) {
        Reading::Number { value, percent: true } if !matches!(field.value, Value::Text(_)) => {
            Some(value * HUNDRED)
        }
        Reading::Number { value, .. } => Some(value),
        Reading::Blank => None,
        Reading::Unreadable => {
            ctx.unparseable(&field, "funds.total.rate", "执行率");
            return expected;
        }
    };
    // Where the file does not tell number formats (.xls, HTML), a fraction that is the rate
    // divided by 100 is taken as shown with a percent format.
    let reported = match (reported, &field.value) {
        (Some(r), Value::Number(_))
            if !ctx.form.formats_known && !agrees(r, expected) && agrees(r * HUNDRED, expected) =>
        {
            Some(r * HUNDRED)
        }
        _ => reported,
    };
    ctx.figures.execution_rate = Some(round2(expected));
    if reported.is_some_and(|r| agrees(r, expected)) || field.pos.is_none() {
        return expected;
    }
    let shown = if field.value.is_blank() {
        "表中未填".to_string()
    } else {
        format!("表中为 {}", field.text())
    };
    let message = format!(
        "执行率应为 {} ÷ {} × 100 = {}，{shown}",
        fmt_amount(b),
        fmt_amount(a),
        fmt_plain(round2(expected))
    );
    ctx.report_fixed(
        |f| &mut f.funds.rate,
        Code::ExecutionRateMismatch,
        "funds.total.rate",
        round2(expected),
        message,
    );
    expected
}

/// `execution-score-mismatch`: 得分 = 分值 × min(B / A, 1). A score that follows from the rate
/// rounded to 2 decimals first is accepted too.
fn score(ctx: &mut Ctx, a: Decimal, b: Decimal, ratio: Decimal, rate: Decimal) {
    let points_field = ctx.form.funds.points.clone();
    let points = match read_number(&points_field) {
        Reading::Number { value, .. } => value,
        Reading::Blank => Decimal::TEN,
        Reading::Unreadable => {
            ctx.unparseable(&points_field, "funds.total.score", "预算执行率分值");
            return;
        }
    };
    let expected = points * ratio.min(Decimal::ONE);
    let via_rate = points * (round2(rate) / HUNDRED).min(Decimal::ONE);
    ctx.figures.execution_score = Some(round2(expected));
    let field = ctx.form.funds.score.clone();
    let reported = match read_number(&field) {
        Reading::Number { value, .. } => Some(value),
        Reading::Blank => None,
        Reading::Unreadable => {
            ctx.unparseable(&field, "funds.total.score", "预算执行率得分");
            return;
        }
    };
    if reported.is_some_and(|r| agrees(r, expected) || agrees(r, via_rate)) || field.pos.is_none() {
        if let Some(r) = reported {
            ctx.figures.execution_score = Some(round2(r));
            ctx.form.funds.score_via_rate = !agrees(r, expected);
        }
        return;
    }
    let capped = if b > a {
        "（执行数超过预算数，按 1 计）"
    } else {
        ""
    };
    let shown = if field.value.is_blank() {
        "表中未填".to_string()
    } else {
        format!("表中为 {}", field.text())
    };
    let message = format!(
        "预算执行率得分应为 分值 {} × min({} ÷ {}, 1){capped} = {}，{shown}",
        fmt_plain(points),
        fmt_amount(b),
        fmt_amount(a),
        fmt_plain(round2(expected))
    );
    ctx.report_fixed(
        |f| &mut f.funds.score,
        Code::ExecutionScoreMismatch,
        "funds.total.score",
        round2(expected),
        message,
    );
}

/// A funds label for messages: without its `其中：` prefix and trailing colon.
fn fund_label(label: &str) -> String {
    let t = label.trim().trim_end_matches(['：', ':']);
    let t = t
        .strip_prefix("其中")
        .map(|r| r.trim_start_matches(['：', ':']))
        .unwrap_or(t);
    t.to_string()
}
