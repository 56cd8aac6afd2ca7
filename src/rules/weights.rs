//! Weight rules (docs/rules.md): `weight-sum-mismatch` (the 分值 under a level-1 indicator
//! against the points its label states, and all 分值 with 预算执行率's against 100) and
//! `weight-nonstandard` (level-1 points other than 产出 50 / 效益 30 / 满意度 10 / 预算执行率 10).

use rust_decimal::Decimal;

use super::values::checked_sum;
use super::{Code, Ctx, Draft};
use crate::figure;
use crate::form::{Field, Stated};
use crate::grid::Value;
use crate::num::fmt_plain;
use crate::text::norm;

/// A run of indicator rows under one 一级指标.
struct Group {
    /// The label without its stated points, e.g. `产出指标`.
    name: String,
    stated: Option<Decimal>,
    weights: Vec<Decimal>,
    /// The first 分值 field of the group, where findings point.
    first: Field,
}

impl Group {
    fn sum(&self) -> Option<Decimal> {
        checked_sum(self.weights.iter().copied())
    }

    /// A finding on the group's first 分值.
    fn draft(&self, code: Code, message: String) -> Draft {
        Draft::on(code, &self.first, format!("weights:{}", self.name), message)
    }

    /// `5 + 5 + 5 = 15`; a single 分值 is just itself.
    fn sum_text(&self, sum: Decimal) -> String {
        match self.weights.len() {
            1 => fmt_plain(sum),
            _ => {
                let terms: Vec<String> = self.weights.iter().map(|w| fmt_plain(*w)).collect();
                format!("{} = {}", terms.join(" + "), fmt_plain(sum))
            }
        }
    }
}

/// The points a level-1 label states: `产出指标(50分)` → 50.
pub(crate) fn stated_points(label: &str) -> (String, Option<Decimal>) {
    let n = norm(label);
    let Some(open) = n.find('(') else {
        return (n, None);
    };
    let inner: String = n[open..].chars().skip(1).take_while(|c| *c != ')').collect();
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
    let funds = ctx.form.funds.clone();
    ctx.record(weight_sum_mismatch_funds(&funds));
    // The points of 预算执行率 (none without a funds block; unknown ones leave the sums
    // unchecked, the reading notes say why).
    // Without a funds block, or where 预算执行率 is scored among the indicators (its 分值 is in
    // their sums already), no points are added for it.
    let scored_among_indicators = ctx.form.indicators.iter().any(|i| i.funds_row);
    let funds_points = if funds.lines.is_empty() || scored_among_indicators {
        Some(Decimal::ZERO)
    } else {
        let points = super::funds::known_points(&funds);
        if let Some(points) = points {
            let at = match &funds.stated_points {
                Some(stated) if funds.points.pos.is_none() => {
                    Field::at(stated.pos, Value::Text(stated.label.clone()))
                }
                _ => funds.points.clone(),
            };
            ctx.record(weight_nonstandard_funds(&at, points));
        }
        points
    };
    let Some(groups) = groups(ctx) else { return };
    for g in &groups {
        ctx.record(weight_sum_mismatch_in_group(g));
        ctx.record(weight_nonstandard(g));
    }
    if let Some(stated) = ctx.form.indicators_stated.clone() {
        ctx.record(weight_sum_mismatch_block(&groups, &stated));
    }
    let Some(funds_points) = funds_points else { return };
    let total_points = ctx.form.total_points.clone();
    ctx.record(weight_sum_mismatch(&groups, funds_points, &total_points));
}

/// `weight-sum-mismatch` for 预算执行率: a label states its points (`预算执行情况（20分）`,
/// `得分（20分*执行率）`) and its 分值 cell says otherwise. The stated points are what the score
/// is checked against; the contradiction is said, not settled silently.
fn weight_sum_mismatch_funds(funds: &crate::form::Funds) -> Option<Draft> {
    let stated = funds.stated_points.as_ref()?;
    let cell = figure::read(&funds.points).number()?;
    if cell == stated.points {
        return None;
    }
    let message = format!(
        "“{}”标明预算执行率 {} 分，但分值栏填 {}",
        stated.label,
        fmt_plain(stated.points),
        fmt_plain(cell)
    );
    Some(
        Draft::on(
            Code::WeightSumMismatch,
            &funds.points,
            "weights:预算执行率",
            message,
        )
        .figures(cell, stated.points),
    )
}

/// `weight-sum-mismatch` for the indicator block as a whole: its title states the points of all
/// indicators (`年度绩效目标（80分）`) and their 分值 add up to another figure.
fn weight_sum_mismatch_block(groups: &[Group], stated: &Stated) -> Option<Draft> {
    let sums: Vec<Decimal> = groups.iter().map(Group::sum).collect::<Option<_>>()?;
    let sum = checked_sum(sums.iter().copied())?;
    if sum == stated.points {
        return None;
    }
    let (name, _) = stated_points(&stated.label);
    let parts: Vec<String> = groups
        .iter()
        .zip(&sums)
        .map(|(g, s)| format!("{} {}", g.name, fmt_plain(*s)))
        .collect();
    let message = format!(
        "“{}”标明 {} 分，但其下各项分值合计 {} = {}",
        stated.label,
        fmt_plain(stated.points),
        parts.join(" + "),
        fmt_plain(sum)
    );
    let at = Field::at(stated.pos, Value::Text(stated.label.clone()));
    Some(
        Draft::on(Code::WeightSumMismatch, &at, format!("weights:{name}"), message)
            .figures(sum, stated.points),
    )
}

/// The level-1 groups with their 分值; `None` when a 分值 is blank or unusable (already its own
/// finding: the sums would only repeat it).
fn groups(ctx: &Ctx) -> Option<Vec<Group>> {
    let mut groups: Vec<Group> = Vec::new();
    for ind in ctx.form.indicators.iter().filter(|i| i.counts()) {
        let (name, stated) = stated_points(&ind.level1);
        let weight = figure::read(&ind.weight)
            .number()
            .filter(|w| figure::computable(*w))?;
        match groups.last_mut() {
            Some(g) if g.name == name => g.weights.push(weight),
            _ => groups.push(Group {
                name,
                stated,
                weights: vec![weight],
                first: ind.weight.clone(),
            }),
        }
    }
    (!groups.is_empty()).then_some(groups)
}

/// `weight-sum-mismatch` within one level-1 indicator: its 分值 do not add up to the points its
/// label states (`产出指标(50分)`). Not fixed: 分值 are the filer's.
fn weight_sum_mismatch_in_group(g: &Group) -> Option<Draft> {
    let stated = g.stated?;
    let sum = g.sum()?;
    if stated == sum {
        return None;
    }
    let message = format!(
        "“{}”标明 {} 分，但其下各项分值合计 {}",
        g.name,
        fmt_plain(stated),
        g.sum_text(sum)
    );
    Some(g.draft(Code::WeightSumMismatch, message).figures(sum, stated))
}

/// `weight-nonstandard` for a level-1 indicator: its points — as its label states them, else
/// as its 分值 add up — differ from the national 产出 50 / 效益 30 / 满意度 10.
fn weight_nonstandard(g: &Group) -> Option<Draft> {
    let sum = g.sum()?;
    let points = g.stated.unwrap_or(sum);
    let default = default_points(&g.name)?;
    if default == points {
        return None;
    }
    let message = match g.stated {
        Some(stated) => format!(
            "“{}”标明 {} 分，不同于通行的 {} 分",
            g.name,
            fmt_plain(stated),
            fmt_plain(default)
        ),
        None => format!(
            "“{}”分值合计 {}，不同于通行的 {} 分",
            g.name,
            g.sum_text(sum),
            fmt_plain(default)
        ),
    };
    Some(g.draft(Code::WeightNonstandard, message).figures(points, default))
}

/// `weight-nonstandard` for 预算执行率: its 分值 is not 10.
fn weight_nonstandard_funds(field: &Field, points: Decimal) -> Option<Draft> {
    if points == Decimal::TEN {
        return None;
    }
    let message = format!("预算执行率分值为 {}，不同于通行的 10 分", fmt_plain(points));
    Some(
        Draft::on(Code::WeightNonstandard, field, "weights:预算执行率", message)
            .reported(fmt_plain(points))
            .expected("10"),
    )
}

/// `weight-sum-mismatch` over the form: all 分值 with 预算执行率's do not add up to 100.
fn weight_sum_mismatch(groups: &[Group], funds_points: Decimal, total_points: &Field) -> Option<Draft> {
    let sums: Vec<Decimal> = groups.iter().map(Group::sum).collect::<Option<_>>()?;
    let total = checked_sum(sums.iter().copied().chain([funds_points]))?;
    if total == Decimal::ONE_HUNDRED {
        return None;
    }
    let parts: Vec<String> = groups
        .iter()
        .zip(&sums)
        .map(|(g, s)| format!("{} {}", g.name, fmt_plain(*s)))
        .chain(std::iter::once(format!("预算执行率 {}", fmt_plain(funds_points))))
        .collect();
    let message = format!(
        "全部分值合计 {} = {}，应为 100",
        parts.join(" + "),
        fmt_plain(total)
    );
    Some(
        Draft::on(Code::WeightSumMismatch, total_points, "weights:total", message)
            .reported(fmt_plain(total))
            .expected("100"),
    )
}
