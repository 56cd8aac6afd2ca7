//! The rules of a target declaration (项目支出绩效目标申报表) beyond its funds identity (checked
//! by `funds` as on a 自评表): every indicator has a target, and a quantitative one its unit —
//! at year end an actual may lend a bare number its unit, a declaration has none
//! (`missing-field`, `unparseable-value`; docs/rules.md, "The whole cycle").

use super::Ctx;
use super::values::{Of, Why, missing_field, unparseable_value};
use crate::grammar::{Target, Unit, parse_target};

pub(super) fn check(ctx: &mut Ctx) {
    let rows = ctx.form.indicators.clone();
    for ind in rows.iter().filter(|i| i.checked() && !i.sub_row) {
        let field = &ind.target;
        if field.pos.is_none() || field.unknown {
            continue;
        }
        let name = ind.name.text();
        let what = Of(&name, "指标值");
        if field.is_placeholder() {
            ctx.record(Some(missing_field(field, &ind.subject(), what)));
            continue;
        }
        if let Target::Quantitative { qty, .. } = parse_target(&field.as_text())
            && qty.unit == Unit::None
        {
            ctx.record(Some(unparseable_value(field, &ind.subject(), what, Why::NoUnit)));
        }
    }
}
