//! Funds rules (docs/rules.md): `fund-breakdown-mismatch`, `overspend`,
//! `execution-rate-mismatch`, `execution-score-mismatch`, over the amounts of the funds block.

use rust_decimal::Decimal;

use super::values::{self, Num, Reported, checked_sum, derived, input, missing_field};
use super::{Code, Ctx, Draft, Slot, agrees};
use crate::figure::{self, Figure, Percent};
use crate::form::{Field, FundCol, FundRow};
use crate::grid::Value;
use crate::num::{fmt_amount, fmt_plain, round2};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Every amount of the funds block, read once (unusable ones reported on their cells).
struct Amounts(Vec<(FundRow, FundCol, Num)>);

impl Amounts {
    fn read(ctx: &mut Ctx) -> Amounts {
        let mut out = Vec::new();
        for line in ctx.form.funds.lines.clone() {
            for col in FundCol::ALL {
                let subject = format!("funds.{}.{}", line.row.key(), col.key());
                let what = format!("{}（{}）", col.label(), line.label);
                out.push((line.row, col, input(ctx, line.get(col), &subject, &what)));
            }
        }
        Amounts(out)
    }

    fn num(&self, row: FundRow, col: FundCol) -> Option<Num> {
        self.0
            .iter()
            .find(|(r, c, _)| *r == row && *c == col)
            .map(|(_, _, n)| *n)
    }

    fn get(&self, row: FundRow, col: FundCol) -> Option<Decimal> {
        self.num(row, col).and_then(Num::value)
    }

    fn present(&self, row: FundRow) -> bool {
        self.0.iter().any(|(r, _, _)| *r == row)
    }

    /// Every amount of the column can be used (blank ones included).
    fn usable(&self, col: FundCol) -> bool {
        !self.0.iter().any(|(_, c, n)| *c == col && *n == Num::Unusable)
    }
}

pub(super) fn check(ctx: &mut Ctx) {
    if ctx.form.funds.lines.is_empty() {
        return;
    }
    let amounts = Amounts::read(ctx);
    ctx.record(budget_adjusted_without_reason(ctx, &amounts));
    for col in FundCol::ALL {
        for draft in fund_breakdown_mismatch(ctx, &amounts, col) {
            ctx.record(Some(draft));
        }
    }
    let budget = total(ctx, &amounts, FundCol::Budget, "全年预算数");
    let executed = total(ctx, &amounts, FundCol::Executed, "全年执行数");
    ctx.figures.budget = budget;
    ctx.figures.executed = executed;
    let (Some(a), Some(b)) = (budget, executed) else {
        return;
    };
    ctx.record(overspend(ctx, a, b));
    if a <= Decimal::ZERO {
        return;
    }
    let Some(ratio) = b.checked_div(a) else {
        let fields = [
            total_field(ctx, FundCol::Budget),
            total_field(ctx, FundCol::Executed),
        ];
        let draft = values::out_of_range(&[&fields[0], &fields[1]], "funds.total", "金额");
        ctx.record(Some(draft));
        return;
    };
    let Some(rate) = ratio.checked_mul(HUNDRED) else {
        return;
    };
    ctx.figures.execution_rate = Some(round2(rate));
    let funds = ctx.form.funds.clone();
    if let Some(reported) = derived(ctx, &funds.rate, "funds.total.rate", "执行率") {
        ctx.record(execution_rate_mismatch(ctx, a, b, rate, &reported));
    }
    let Some(points) = points(ctx) else {
        return;
    };
    let Some(reported) = derived(ctx, &funds.score, "funds.total.score", "预算执行率得分") else {
        return;
    };
    let Some(score) = ExecutionScore::of(points, ratio, rate) else {
        return;
    };
    ctx.figures.execution_score = Some(round2(score.expected));
    if let Reported::Number(r) = reported
        && score.accepts(r)
    {
        ctx.figures.execution_score = Some(round2(r));
        ctx.form.funds.score_via_rate = !agrees(r, score.expected);
    }
    ctx.record(execution_score_mismatch(ctx, a, b, points, &score, &reported));
}

/// The points of 预算执行率 a check may use ([`known_points`]); an unusable 分值 cell is reported
/// on its cell here.
pub(super) fn points(ctx: &mut Ctx) -> Option<Decimal> {
    let funds = ctx.form.funds.clone();
    let cell = input(ctx, &funds.points, "funds.total.score", "预算执行率分值");
    if cell == Num::Unusable && funds.stated_points.is_none() {
        return None;
    }
    known_points(&funds)
}

/// The points of 预算执行率: as a label states them (`预算执行情况（20分）`, `得分（20分*执行率）`),
/// else the 分值 cell, else — a blank 分值 cell — the national 10. `None` when they cannot be
/// known: an unusable 分值, a formula without a result, or a template with neither a 分值 column
/// nor stated points (said by the reading notes).
pub(super) fn known_points(funds: &crate::form::Funds) -> Option<Decimal> {
    if let Some(stated) = &funds.stated_points {
        return Some(stated.points);
    }
    if funds.points.unknown {
        return None;
    }
    match figure::read(&funds.points) {
        Figure::Number { value, .. } if figure::computable(value) => Some(value),
        Figure::Blank if funds.points.pos.is_some() => Some(Decimal::TEN),
        _ => None,
    }
}

/// The 年度资金总额 field of a column (a blank field without a cell when there is none).
fn total_field(ctx: &Ctx, col: FundCol) -> Field {
    ctx.form
        .funds
        .line(FundRow::Total)
        .map(|l| l.get(col).clone())
        .unwrap_or_default()
}

/// The 年度资金总额 figure of a column as corrected (an empty total whose sources are filled
/// now holds their sum), reporting it missing when blank.
fn total(ctx: &mut Ctx, amounts: &Amounts, col: FundCol, what: &str) -> Option<Decimal> {
    let corrected = figure::read(&total_field(ctx, col)).number();
    match amounts.num(FundRow::Total, col)? {
        Num::Unusable => None,
        _ if corrected.is_some() => corrected,
        // A column the template lacks: said once by the reading notes.
        _ if total_field(ctx, col).pos.is_none() => None,
        _ => {
            let field = total_field(ctx, col);
            let subject = format!("funds.total.{}", col.key());
            ctx.record(Some(missing_field(
                &field,
                &subject,
                format!("{what}（年度资金总额）"),
            )));
            None
        }
    }
}

/// The parts that add up to 年度资金总额: 财政拨款 + 其他 (Guizhou), + 上年结转资金 (national),
/// + 财政专户管理资金 + 单位资金 (Sichuan); only the rows a form has are summed.
const PARTS: [FundRow; 5] = [
    FundRow::Fiscal,
    FundRow::Carryover,
    FundRow::SpecialAccount,
    FundRow::UnitFunds,
    FundRow::Other,
];

/// `fund-breakdown-mismatch` for one column: the sources must add up to 年度资金总额 (an empty
/// or 0 total whose sources are filled is corrected to their sum), and 本级安排 / 上级补助 must
/// fit 财政拨款 under one of its two readings.
fn fund_breakdown_mismatch(ctx: &Ctx, amounts: &Amounts, col: FundCol) -> Vec<Draft> {
    let mut drafts = Vec::new();
    if !amounts.usable(col) {
        return drafts;
    }
    let funds = &ctx.form.funds;
    let field = |row: FundRow| funds.line(row).map(|l| l.get(col).clone()).unwrap_or_default();
    let part_rows: Vec<FundRow> = PARTS.iter().copied().filter(|r| amounts.present(*r)).collect();
    let filled: Vec<Decimal> = part_rows.iter().filter_map(|r| amounts.get(*r, col)).collect();
    let subject = format!("funds.total.{}", col.key());
    // A declaration's amounts are the year's funds as declared, not a 全年预算数 column.
    let column = if ctx.form.kind == crate::form::FormType::TargetDeclaration {
        "申报的年度资金"
    } else {
        col.label()
    };
    if !filled.is_empty() && amounts.present(FundRow::Total) {
        let Some(sum) = checked_sum(filled) else {
            let fields: Vec<Field> = part_rows.iter().map(|r| field(*r)).collect();
            let refs: Vec<&Field> = fields.iter().collect();
            drafts.push(values::out_of_range(&refs, &subject, col.label()));
            return drafts;
        };
        let expr = part_rows
            .iter()
            .map(|r| {
                let label = funds.line(*r).map(|l| fund_label(&l.label)).unwrap_or_default();
                format!("{label} {}", fmt_amount(amounts.get(*r, col).unwrap_or_default()))
            })
            .collect::<Vec<_>>()
            .join(" + ");
        let total_field = field(FundRow::Total);
        let on_total = |message| {
            Draft::on(
                Code::FundBreakdownMismatch,
                &total_field,
                subject.clone(),
                message,
            )
        };
        match amounts.get(FundRow::Total, col) {
            total if total.is_none_or(|t| t.is_zero()) && !sum.is_zero() => {
                let message = format!(
                    "年度资金总额{}未填或为 0，应为各来源之和：{expr} = {}",
                    column,
                    fmt_amount(sum)
                );
                drafts.push(on_total(message).fixing(Slot::FundAmount(FundRow::Total, col), sum));
            }
            Some(t) if round2(t) != round2(sum) => {
                let (more, gap) = match t.checked_sub(sum) {
                    Some(d) => (d.is_sign_positive(), d.abs()),
                    None => (t > sum, Decimal::ZERO),
                };
                let message = format!(
                    "{}：各来源之和 {expr} = {}，与年度资金总额 {} 不符（总额{} {}）",
                    column,
                    fmt_amount(sum),
                    fmt_amount(t),
                    if more { "多" } else { "少" },
                    fmt_amount(gap)
                );
                drafts.push(on_total(message).figures(t, sum));
            }
            _ => {}
        }
    }
    // 本级安排 / 上级补助 under 财政拨款: either 财政拨款 = 本级安排 + 上级补助, or
    // 财政拨款 = 本级安排 with 上级补助 ≤ 本级安排 (上级补助 read as part of 本级安排).
    if amounts.present(FundRow::Local) {
        let fiscal = amounts.get(FundRow::Fiscal, col).unwrap_or_default();
        let local = amounts.get(FundRow::Local, col).unwrap_or_default();
        let superior = amounts.get(FundRow::Superior, col).unwrap_or_default();
        let Some(both) = local.checked_add(superior) else {
            return drafts;
        };
        let sum_reading = round2(both) == round2(fiscal);
        let within_reading = round2(local) == round2(fiscal) && superior <= local;
        if !sum_reading && !within_reading {
            let message = format!(
                "{}：财政拨款 {} 既不等于本级安排 {} + 上级补助 {} = {}，也不等于本级安排（上级补助含于本级安排）",
                col.label(),
                fmt_amount(fiscal),
                fmt_amount(local),
                fmt_amount(superior),
                fmt_amount(both)
            );
            let subject = format!("funds.fiscal.{}", col.key());
            drafts.push(
                Draft::on(
                    Code::FundBreakdownMismatch,
                    &field(FundRow::Fiscal),
                    subject,
                    message,
                )
                .figures(fiscal, both),
            );
        }
    }
    drafts
}

/// `budget-adjusted-without-reason`: 年初预算数 and 全年（调整后）预算数 of 年度资金总额 differ while
/// the funds block's own reason cell (a template that asks for the reason of an adjustment there)
/// is empty or holds only the template's instruction. A template without such a cell raises
/// nothing: where else the reason may stand cannot be told.
fn budget_adjusted_without_reason(ctx: &Ctx, amounts: &Amounts) -> Option<Draft> {
    let reason = &ctx.form.funds.reason;
    reason.pos?;
    if reason.unknown || !(reason.is_placeholder() || is_adjustment_prompt(&reason.as_text())) {
        return None;
    }
    let initial = amounts.get(FundRow::Total, FundCol::Initial)?;
    let budget = amounts.get(FundRow::Total, FundCol::Budget)?;
    if round2(initial) == round2(budget) {
        return None;
    }
    let line = ctx.form.funds.line(FundRow::Total)?;
    let message = if initial.is_zero() {
        format!(
            "年初预算数为 0、全年预算数为 {}：如为年中追加的预算，应在原因栏说明；如年初已安排，请补填年初预算数",
            fmt_amount(budget)
        )
    } else {
        format!(
            "年初预算数 {} 调整为全年预算数 {}（{} {}），但未说明预算调整的原因",
            fmt_amount(initial),
            fmt_amount(budget),
            if budget > initial { "追加" } else { "调减" },
            fmt_amount(budget.checked_sub(initial)?.abs()),
        )
    };
    Some(
        Draft::on(
            Code::BudgetAdjustedWithoutReason,
            &line.budget,
            "funds.total.budget",
            message,
        )
        .figures(budget, initial),
    )
}

/// The instruction a template prints in the funds block's reason cell in place of a reason
/// (四川: `年中发生预算调整的（追加或调减），应单独说明理由`).
fn is_adjustment_prompt(text: &str) -> bool {
    let n = crate::text::norm(text);
    n.contains("应单独说明")
        || n.starts_with("年中发生预算调整")
        || n.starts_with("如发生预算调整")
        || n.starts_with("请说明")
}

/// `overspend`: 全年执行数 above 全年预算数 (a warning: it may be explained).
fn overspend(ctx: &Ctx, a: Decimal, b: Decimal) -> Option<Draft> {
    if b <= a {
        return None;
    }
    let over = b.checked_sub(a)?;
    let message = format!(
        "全年执行数 {} 超过全年预算数 {}（超出 {}），请说明原因",
        fmt_amount(b),
        fmt_amount(a),
        fmt_amount(over)
    );
    Some(
        Draft::on(
            Code::Overspend,
            &total_field(ctx, FundCol::Executed),
            "funds.total.executed",
            message,
        )
        .figures(b, a),
    )
}

/// `execution-rate-mismatch`: 执行率 = 全年执行数 ÷ 全年预算数 × 100, compared after rounding
/// both to 2 decimals; a blank or error value is corrected too.
fn execution_rate_mismatch(
    ctx: &Ctx,
    a: Decimal,
    b: Decimal,
    expected: Decimal,
    reported: &Reported,
) -> Option<Draft> {
    let field = &ctx.form.funds.rate;
    field.pos?;
    // `执行率（B/A）` defines the rate as the fraction itself: `1` for B = A follows that rule.
    if ctx.form.funds.rate_is_ratio
        && let Reported::Number(r) = reported
        && expected
            .checked_div(HUNDRED)
            .is_some_and(|ratio| agrees(*r, ratio))
    {
        return None;
    }
    let reported_points = match (reported, figure::read(field)) {
        (Reported::Number(_), f @ Figure::Number { .. }) => f.percent_points(),
        _ => None,
    };
    // Where the file does not tell number formats (.xls, HTML), a fraction that is the rate
    // divided by 100 is taken as shown with a percent format.
    let reported_points = match (reported_points, &field.value, figure::read(field)) {
        (
            Some(r),
            Value::Number(_),
            Figure::Number {
                percent: Percent::No, ..
            },
        ) if !ctx.form.formats_known && !agrees(r, expected) => match r.checked_mul(HUNDRED) {
            Some(scaled) if agrees(scaled, expected) => Some(scaled),
            _ => Some(r),
        },
        (r, ..) => r,
    };
    if reported_points.is_some_and(|r| agrees(r, expected)) {
        return None;
    }
    let message = format!(
        "执行率应为 {} ÷ {} × 100 = {}，{}",
        fmt_amount(b),
        fmt_amount(a),
        fmt_plain(round2(expected)),
        shown(field, reported)
    );
    Some(
        Draft::on(Code::ExecutionRateMismatch, field, "funds.total.rate", message)
            .reported(reported_text(field, reported))
            .fixing(Slot::FundsRate, round2(expected)),
    )
}

/// The 预算执行率 得分 a form should show, and the one that follows from the rate rounded to 2
/// decimals first (accepted too).
struct ExecutionScore {
    expected: Decimal,
    via_rate: Decimal,
}

impl ExecutionScore {
    fn of(points: Decimal, ratio: Decimal, rate: Decimal) -> Option<ExecutionScore> {
        let expected = points.checked_mul(ratio.min(Decimal::ONE))?;
        let rounded = round2(rate).checked_div(HUNDRED)?.min(Decimal::ONE);
        let via_rate = points.checked_mul(rounded)?;
        Some(ExecutionScore { expected, via_rate })
    }

    fn accepts(&self, reported: Decimal) -> bool {
        agrees(reported, self.expected) || agrees(reported, self.via_rate)
    }
}

/// `execution-score-mismatch`: 得分 = 分值 × min(B ÷ A, 1); a blank or error value is
/// corrected too.
fn execution_score_mismatch(
    ctx: &Ctx,
    a: Decimal,
    b: Decimal,
    points: Decimal,
    score: &ExecutionScore,
    reported: &Reported,
) -> Option<Draft> {
    let field = &ctx.form.funds.score;
    field.pos?;
    if let Reported::Number(r) = reported
        && score.accepts(*r)
    {
        return None;
    }
    let capped = if b > a {
        "（执行数超过预算数，按 1 计）"
    } else {
        ""
    };
    let message = format!(
        "预算执行率得分应为 分值 {} × min({} ÷ {}, 1){capped} = {}，{}",
        fmt_plain(points),
        fmt_amount(b),
        fmt_amount(a),
        fmt_plain(round2(score.expected)),
        shown(field, reported)
    );
    Some(
        Draft::on(Code::ExecutionScoreMismatch, field, "funds.total.score", message)
            .reported(reported_text(field, reported))
            .fixing(Slot::FundsScore, round2(score.expected)),
    )
}

/// How a derived figure's cell reads in a message: `表中未填`, `表中为 98`.
pub(crate) fn shown(field: &Field, reported: &Reported) -> String {
    match reported {
        Reported::Blank => "表中未填".to_string(),
        Reported::Wrong(e) => format!("表中为 {e}"),
        Reported::Number(_) => match figure::read(field) {
            // A fraction shown with a percent format: say it as the filer sees it.
            f @ Figure::Number {
                percent: Percent::Format,
                ..
            } => match f.percent_points() {
                Some(points) => format!(
                    "表中显示为 {}%（单元格值 {}）",
                    fmt_plain(round2(points)),
                    field.text()
                ),
                None => format!("表中为 {}", field.text()),
            },
            _ => format!("表中为 {}", field.text()),
        },
    }
}

/// The `reported` text of a derived figure's finding: the value as Excel shows it.
pub(crate) fn reported_text(field: &Field, reported: &Reported) -> String {
    match reported {
        Reported::Blank => String::new(),
        Reported::Wrong(e) => e.clone(),
        Reported::Number(_) => field.text(),
    }
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
