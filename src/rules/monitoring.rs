//! The rules of a monitoring form (项目支出绩效运行监控表, the mid-year 双监控 of 1–X月) beyond
//! the funds arithmetic it shares with the 自评表: `behind-schedule` (docs/rules.md, its
//! section).

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft};
use crate::num::{fmt_plain, round2};

pub(super) fn check(ctx: &mut Ctx) {
    let draft = behind_schedule(ctx);
    ctx.record(draft);
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
