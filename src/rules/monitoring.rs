//! The rules of a monitoring form (项目支出绩效运行监控表, the mid-year 双监控 of 1–X月) beyond
//! the funds arithmetic it shares with the 自评表: `behind-schedule`, `forecast-out-of-range`,
//! `monitoring-risk-without-reason` (docs/rules.md, their sections).

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft};
use crate::num::{fmt_plain, round2};

pub(super) fn check(ctx: &mut Ctx) {
    let draft = behind_schedule(ctx);
    ctx.record(draft);
    let draft = forecast_out_of_range(ctx);
    ctx.record(draft);
    let rows = ctx.form.indicators.clone();
    for ind in rows.iter().filter(|i| i.checked()) {
        ctx.record(monitoring_risk_without_reason(ind));
    }
}

/// `forecast-out-of-range`: the 全年预计执行数 of 年度资金总额 below what is already spent
/// (1–X月执行数) or above the year's budget (调整后预算数, or 全年预算数): a forecast no year can
/// end with. Only figures read as numbers are compared.
fn forecast_out_of_range(ctx: &Ctx) -> Option<Draft> {
    let total = ctx.form.funds.line(crate::form::FundRow::Total)?;
    let field = &total.forecast;
    field.pos?;
    let number = |f: &crate::form::Field| match crate::figure::read(f) {
        crate::figure::Figure::Number { value, .. } if !f.unknown => Some(value),
        _ => None,
    };
    let forecast = number(field)?;
    let executed = ctx.figures.executed;
    let budget = ctx.figures.budget;
    let (bound, why) = match (executed, budget) {
        (Some(b), _) if forecast < b => (b, format!("小于 1–X月执行数 {}", fmt_plain(b))),
        (_, Some(a)) if forecast > a => (a, format!("大于调整后预算数 {}", fmt_plain(a))),
        _ => return None,
    };
    let message = format!(
        "全年预计执行数 {} {why}：请核实预计数（超出预算的应先调整预算）",
        fmt_plain(forecast)
    );
    Some(Draft::on(Code::ForecastOutOfRange, field, "funds.total.forecast", message).figures(forecast, bound))
}

/// `monitoring-risk-without-reason`: an indicator whose 完成目标可能性 is not 确定能 (有可能,
/// 不可能, 完全不可能) while its 偏差原因分析 or its 完善措施 is empty; the template's own note asks
/// for both. A form without the measures column is judged by its reason alone, and one without
/// a reason column is not judged.
fn monitoring_risk_without_reason(ind: &crate::form::Indicator) -> Option<Draft> {
    let likely = ind.likelihood.text();
    let likely = crate::text::norm(&likely);
    if likely.is_empty() || likely.starts_with("确定能") || ind.likelihood.pos.is_none() {
        return None;
    }
    let empty = |f: &crate::form::Field| f.pos.is_some() && f.is_placeholder();
    ind.reason.pos?;
    let reason_empty = empty(&ind.reason);
    let measures_empty = empty(&ind.measures);
    if !(reason_empty || measures_empty) {
        return None;
    }
    let missing = match (reason_empty, measures_empty) {
        (true, true) => "偏差原因分析和完善措施",
        (true, false) => "偏差原因分析",
        _ => "完善措施",
    };
    let message = format!(
        "“{}”完成目标可能性为“{}”，但未填写{missing}",
        ind.name.text(),
        ind.likelihood.text().trim()
    );
    Some(
        Draft::on(
            Code::MonitoringRiskWithoutReason,
            &ind.likelihood,
            ind.subject(),
            message,
        )
        .reported(ind.likelihood.text().trim()),
    )
}

/// `behind-schedule`: the 1–X月执行率 is below the time elapsed (X ÷ 12) × the setting
/// `schedule_ratio` — the vendor systems' red light of 序时进度. Needs the months the execution
/// column names (`1-7月执行数`) and a rate computed from the form's figures; silent otherwise.
fn behind_schedule(ctx: &Ctx) -> Option<Draft> {
    let months = ctx.form.funds.months?;
    let rate = ctx.figures.execution_rate?;
    let elapsed = Decimal::from(months)
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(Decimal::from(12))?;
    let floor = elapsed.checked_mul(ctx.settings.schedule_ratio)?;
    if rate >= round2(floor) {
        return None;
    }
    // On the 1–X月执行数, the figure that lags (a form without a 执行率 column has it too).
    let at = &ctx.form.funds.line(crate::form::FundRow::Total)?.executed;
    let message = format!(
        "1–{months}月执行率 {}% 低于序时进度 {}%（{months} ÷ 12）的 {}%，即 {}%：执行进度滞后，请说明原因并加快执行",
        fmt_plain(rate),
        fmt_plain(round2(elapsed)),
        fmt_plain(round2(
            ctx.settings.schedule_ratio.checked_mul(Decimal::ONE_HUNDRED)?
        )),
        fmt_plain(round2(floor)),
    );
    Some(Draft::on(Code::BehindSchedule, at, "funds.total.rate", message).figures(rate, round2(floor)))
}
