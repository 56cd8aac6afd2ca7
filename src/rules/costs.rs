//! Cost rule (SPEC §2.2): `cost-exceeds-execution` — the 成本指标 amounts reported as actually
//! spent must not add up to more than 全年执行数. Per-unit costs (人均, 单价, 单位成本, 平均, 每)
//! are left out; amounts are compared in the funds block's unit.

use rust_decimal::Decimal;

use super::indicators::{actual_of, target_of};
use super::{Code, Ctx, Draft};
use crate::form::MoneyUnit;
use crate::grammar::{Actual, Target, Unit};
use crate::num::{fmt_amount, fmt_plain, round2};

const PER_UNIT: &[&str] = &["人均", "单价", "单位成本", "平均", "每"];

pub(super) fn check(ctx: &mut Ctx) {
    let Some(executed) = ctx.figures.executed else {
        return;
    };
    let unit = match ctx.form.funds.unit {
        MoneyUnit::Yuan => Unit::Yuan,
        MoneyUnit::WanYuan => Unit::WanYuan,
    };
    let mut sum = Decimal::ZERO;
    let mut terms = Vec::new();
    let mut first_cell = None;
    for ind in ctx
        .form
        .indicators
        .iter()
        .filter(|i| i.level2.contains("成本") && !i.sub_row)
    {
        let name = ind.name.text();
        if PER_UNIT.iter().any(|w| name.contains(w)) {
            continue;
        }
        let Some(Actual::Quantity(mut q)) = actual_of(&ind.actual) else {
            continue;
        };
        // A bare number takes the unit of its target (`72000` against `≤72000元`).
        if q.unit == Unit::None
            && let Some(Target::Quantitative { qty, .. }) = target_of(&ind.target)
        {
            q.unit = qty.unit;
        }
        if !matches!(q.unit, Unit::Yuan | Unit::WanYuan) {
            continue;
        }
        let Some(q) = q.to_unit(&unit) else { continue };
        sum += q.value;
        terms.push(fmt_amount(q.value));
        first_cell.get_or_insert_with(|| ind.actual.cell());
    }
    if terms.is_empty() || round2(sum) <= round2(executed) {
        return;
    }
    let unit_label = ctx.form.funds.unit.label();
    let message = format!(
        "成本指标实际支出合计 {} = {}{unit_label}，超过全年执行数 {}{unit_label}",
        terms.join(" + "),
        fmt_amount(sum),
        fmt_amount(executed)
    );
    ctx.report(
        Draft {
            code: Code::CostExceedsExecution,
            cell: first_cell.unwrap_or_default(),
            subject: "costs".into(),
            reported: fmt_plain(sum),
            expected: fmt_plain(executed),
            message,
        },
        false,
    );
}
