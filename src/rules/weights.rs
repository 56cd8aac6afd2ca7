//! Weight rules (SPEC §2.2): `weight-sum-mismatch` (the 分值 under a level-1 indicator against
//! the points its label states, and all 分值 with 预算执行率's against 100) and
//! `weight-nonstandard` (level-1 points other than 产出 50 / 效益 30 / 满意度 10 / 预算执行率 10).

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft, Reading, read_number};
use crate::num::fmt_plain;
use crate::text::norm;

/// A run of indicator rows under one 一级指标.
struct Group {
    /// The label without its stated points, e.g. `产出指标`.
    name: String,
    stated: Option<Decimal>,
    sum: Decimal,
    /// The first 分值 cell of the group, where findings point.
    cell: String,
    terms: Vec<String>,
}

/// The points a level-1 label states: `产出指标(50分)` → 50.
pub(crate) fn stated_points(label: &str) -> (String, Option<Decimal>) {
    let n = norm(label);
    let Some(open) = n.find('(') else {
        return (n, None);
    };
    let inner: String = n[open + 1..].chars().take_while(|c| *c != ')').collect();
    let digits = inner.trim_end_matches('分').trim();
    let points = crate::num::parse_number(digits);
    (n[..open].to_string(), points)
}

/// The national default points of a level-1 indicator, by its name.
fn default_points(name: &str) -> Option<Decimal> {
    if name.contains("产出") {
        Some(Decimal::from(50))
    } else if name.contains("效益") {
        Some(Decimal::from(30))
    } else if name.contains("满意度") {
        Some(Decimal::TEN)
    } else {
        None
    }
}

pub(super) fn check(ctx: &mut Ctx) {
    let mut groups: Vec<Group> = Vec::new();
    let mut readable = true;
    for ind in ctx.form.indicators.iter().filter(|i| !i.sub_row) {
        let (name, stated) = stated_points(&ind.level1);
        // A blank or unreadable 分值 is already its own finding; the sums would only repeat it.
        let Reading::Number { value: weight, .. } = read_number(&ind.weight) else {
            readable = false;
            continue;
        };
        match groups.last_mut() {
            Some(g) if g.name == name => {
                g.sum += weight;
                g.terms.push(fmt_plain(weight));
            }
            _ => groups.push(Group {
                name,
                stated,
                sum: weight,
                cell: ind.weight.cell(),
                terms: vec![fmt_plain(weight)],
            }),
        }
    }
    if groups.is_empty() || !readable {
        return;
    }
    for g in &groups {
        let subject = format!("weights:{}", g.name);
        // `5 + 5 + 5 = 15`; a single 分值 is just itself.
        let sum_text = match g.terms.len() {
            1 => fmt_plain(g.sum),
            _ => format!("{} = {}", g.terms.join(" + "), fmt_plain(g.sum)),
        };
        match g.stated {
            Some(stated) if stated != g.sum => {
                let message = format!(
                    "“{}”标明 {} 分，但其下各项分值合计 {sum_text}",
                    g.name,
                    fmt_plain(stated)
                );
                draft(
                    ctx,
                    Code::WeightSumMismatch,
                    &g.cell,
                    subject,
                    g.sum,
                    stated,
                    message,
                );
            }
            _ => {
                let points = g.stated.unwrap_or(g.sum);
                if let Some(default) = default_points(&g.name)
                    && default != points
                {
                    let message = format!(
                        "“{}”分值合计 {sum_text}，不同于通行的 {} 分",
                        g.name,
                        fmt_plain(default)
                    );
                    draft(
                        ctx,
                        Code::WeightNonstandard,
                        &g.cell,
                        subject,
                        points,
                        default,
                        message,
                    );
                }
            }
        }
    }
    let funds_points = match read_number(&ctx.form.funds.points) {
        Reading::Number { value, .. } => value,
        _ if ctx.form.funds.lines.is_empty() => Decimal::ZERO,
        _ => Decimal::TEN,
    };
    if !ctx.form.funds.lines.is_empty() && funds_points != Decimal::TEN {
        let cell = ctx.form.funds.points.cell();
        let message = format!("预算执行率分值为 {}，不同于通行的 10 分", fmt_plain(funds_points));
        draft(
            ctx,
            Code::WeightNonstandard,
            &cell,
            "weights:预算执行率".into(),
            funds_points,
            Decimal::TEN,
            message,
        );
    }
    let total: Decimal = groups.iter().map(|g| g.sum).sum::<Decimal>() + funds_points;
    if total != Decimal::ONE_HUNDRED {
        let cell = ctx.form.total_points.cell();
        let parts: Vec<String> = groups
            .iter()
            .map(|g| format!("{} {}", g.name, fmt_plain(g.sum)))
            .chain(std::iter::once(format!("预算执行率 {}", fmt_plain(funds_points))))
            .collect();
        let message = format!(
            "全部分值合计 {} = {}，应为 100",
            parts.join(" + "),
            fmt_plain(total)
        );
        draft(
            ctx,
            Code::WeightSumMismatch,
            &cell,
            "weights:total".into(),
            total,
            Decimal::ONE_HUNDRED,
            message,
        );
    }
}

fn draft(
    ctx: &mut Ctx,
    code: Code,
    cell: &str,
    subject: String,
    reported: Decimal,
    expected: Decimal,
    message: String,
) {
    ctx.report(
        Draft {
            code,
            cell: cell.to_string(),
            subject,
            reported: fmt_plain(reported),
            expected: fmt_plain(expected),
            message,
        },
        false,
    );
}
