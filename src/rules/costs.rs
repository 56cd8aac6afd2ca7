//! Cost rule (docs/rules.md): `cost-exceeds-execution` — the 成本指标 amounts reported as
//! actually spent must not add up to more than 全年执行数. Per-unit costs (人均, 单价, 单位成本,
//! 平均, 每) are left out; amounts are compared in the funds block's unit.

use rust_decimal::Decimal;

use super::indicators::{actual_of, target_of};
use super::values::{self, checked_sum};
use super::{Code, Ctx, Draft};
use crate::figure;
use crate::form::{Field, MoneyUnit};
use crate::grammar::{Actual, Target, Unit};
use crate::num::{fmt_amount, round2};

const PER_UNIT: &[&str] = &["人均", "单价", "单位成本", "平均", "每"];

pub(super) fn check(ctx: &mut Ctx) {
    let Some(executed) = ctx.figures.executed else {
        return;
    };
    ctx.record(cost_exceeds_execution(ctx, executed));
}

/// The amounts the 成本指标 rows report as spent (元 or 万元, per-unit costs left out), in
/// `unit`, with their fields.
fn costs_in<'a>(ctx: &'a Ctx, unit: &Unit) -> (Vec<Decimal>, Vec<&'a Field>) {
    let mut amounts = Vec::new();
    let mut fields: Vec<&Field> = Vec::new();
    for ind in ctx
        .form
        .indicators
        .iter()
        .filter(|i| i.level2.contains("成本") && i.counts())
    {
        let name = ind.name.text();
        if PER_UNIT.iter().any(|w| name.contains(w)) {
            continue;
        }
        let Some(Actual::Quantity(mut q)) = actual_of(&ind.actual, 0) else {
            continue;
        };
        // A bare number takes the unit of its target (`72000` against `≤72000元`).
        if q.unit == Unit::None
            && let Some(Target::Quantitative { qty, .. }) = target_of(&ind.target, 0)
        {
            q.unit = qty.unit;
        }
        if !matches!(q.unit, Unit::Yuan | Unit::WanYuan) || !figure::computable(q.value) {
            continue;
        }
        let Some(q) = q.to_unit(unit) else { continue };
        amounts.push(q.value);
        fields.push(&ind.actual);
    }
    (amounts, fields)
}

/// Where the funds block states no unit, the one (元 or 万元) under which the costs and
/// 全年执行数 are of one order of magnitude (within a factor of 10); none when both or neither
/// fit — then they are not compared at all.
fn unit_that_fits(ctx: &Ctx, executed: Decimal) -> Option<Unit> {
    if executed <= Decimal::ZERO {
        return None;
    }
    let ten = Decimal::TEN;
    let fits: Vec<Unit> = [Unit::Yuan, Unit::WanYuan]
        .into_iter()
        .filter(|unit| {
            let (amounts, _) = costs_in(ctx, unit);
            checked_sum(amounts).is_some_and(|sum| {
                sum > Decimal::ZERO
                    && executed.checked_mul(ten).is_some_and(|hi| sum <= hi)
                    && sum.checked_mul(ten).is_some_and(|s| s >= executed)
            })
        })
        .collect();
    match fits.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `cost-exceeds-execution`: the amounts the 成本指标 rows report as spent add up to more than
/// 全年执行数 (a warning: a person looks at it).
fn cost_exceeds_execution(ctx: &Ctx, executed: Decimal) -> Option<Draft> {
    let stated = match ctx.form.funds.unit {
        MoneyUnit::Yuan => Unit::Yuan,
        MoneyUnit::WanYuan => Unit::WanYuan,
    };
    let unit = if ctx.form.funds.unit_stated {
        stated
    } else {
        unit_that_fits(ctx, executed)?
    };
    let unit_label = match unit {
        Unit::WanYuan => MoneyUnit::WanYuan.label(),
        _ => MoneyUnit::Yuan.label(),
    };
    let (amounts, fields) = costs_in(ctx, &unit);
    let first = *fields.first()?;
    let Some(sum) = checked_sum(amounts.iter().copied()) else {
        return Some(values::out_of_range(&fields, "costs", "成本指标实际支出"));
    };
    if round2(sum) <= round2(executed) {
        return None;
    }
    let terms: Vec<String> = amounts.iter().map(|a| fmt_amount(*a)).collect();
    let message = format!(
        "成本指标实际支出合计 {} = {}{unit_label}，超过全年执行数 {}{unit_label}",
        terms.join(" + "),
        fmt_amount(sum),
        fmt_amount(executed)
    );
    Some(Draft::on(Code::CostExceedsExecution, first, "costs", message).figures(sum, executed))
}
