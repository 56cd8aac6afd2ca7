//! Indicator quality, on any form with indicators: the standards reviewers apply when they
//! re-check a form's indicators (财预〔2021〕101号 on core indicators; reviewers zero a row set
//! twice, or a 数量指标 that only measures spending). Warnings and information only, never an
//! error (docs/rules.md, each code's section): `no-cost-indicator`, `duplicate-indicator`,
//! `indicator-misfiled`, `vague-targets`. The keyword lists are here, once.

use rust_decimal::Decimal;

use super::{Code, Ctx, Draft};
use crate::form::{Field, FormType, Indicator};
use crate::grammar::{Target, Unit, parse_target};
use crate::num::fmt_plain;
use crate::text::{is_placeholder, norm};

/// What spending measures: a 数量指标 named so counts money, not output.
const SPENDING: &[&str] = &[
    "资金支付率",
    "支付率",
    "拨付率",
    "预算执行率",
    "资金执行率",
    "资金到位率",
];

/// Words that say a project serves people directly: an indicator naming them makes a
/// satisfaction indicator due.
const PEOPLE: &[&str] = &[
    "群众",
    "服务对象",
    "受益",
    "居民",
    "农户",
    "村民",
    "患者",
    "学生",
    "老人",
    "老年人",
    "儿童",
    "残疾",
    "困难群体",
];

/// The year from which project forms carry 成本指标 (财预〔2020〕10号's templates, in use from the
/// 2021 budget year).
const COST_FROM: i32 = 2021;

/// One indicator as these rules read it: its texts normalised and its target parsed, once.
struct Row<'a> {
    ind: &'a Indicator,
    /// The 三级指标, normalised.
    named: String,
    level1: String,
    level2: String,
    target: Option<Target>,
}

impl std::ops::Deref for Row<'_> {
    type Target = Indicator;

    fn deref(&self) -> &Indicator {
        self.ind
    }
}

pub(super) fn check(ctx: &mut Ctx) {
    // The drafts are made from the form as read (nothing here is fixed), then recorded.
    let drafts: Vec<Draft> = {
        let ctx: &Ctx = ctx;
        let rows: Vec<Row> = ctx
            .form
            .indicators
            .iter()
            .filter(|i| i.checked() && !i.sub_row && !i.name.is_placeholder())
            .map(|ind| {
                let target = ind.target.as_text();
                Row {
                    ind,
                    named: norm(&ind.name.as_text()),
                    level1: norm(&ind.level1),
                    level2: norm(&ind.level2),
                    target: (!is_placeholder(&target)).then(|| parse_target(&target)),
                }
            })
            .collect();
        if rows.is_empty() {
            return;
        }
        let mut drafts = Vec::new();
        drafts.extend(no_cost_indicator(ctx, &rows));
        drafts.extend(no_satisfaction_indicator(ctx, &rows));
        drafts.extend(duplicate_indicator(&rows));
        drafts.extend(rows.iter().filter_map(indicator_misfiled));
        drafts.extend(vague_targets(ctx, &rows));
        drafts
    };
    for draft in drafts {
        ctx.record(Some(draft));
    }
}

fn is_cost(row: &Row) -> bool {
    row.level1.contains("成本") || row.level2.contains("成本")
}

fn is_benefit(row: &Row) -> bool {
    row.level1.contains("效益") || row.level1.contains("影响")
}

/// `no-cost-indicator`: a project's form of 2021 or later whose indicators are read with their
/// 二级指标, and none of them a 成本指标. A unit's 部门整体 form, a form of an unknown year or
/// earlier, and a table whose 二级指标 column was not read (where 成本 would stand) raise
/// nothing.
fn no_cost_indicator(ctx: &Ctx, rows: &[Row]) -> Option<Draft> {
    if ctx.form.kind == FormType::DepartmentEvaluation
        || ctx.form.reading.absent.contains(&crate::form::Column::Level2)
    {
        return None;
    }
    let year = super::indicators::form_year(&ctx.form);
    let levelled = rows
        .iter()
        .any(|i| !i.level1.trim().is_empty() || !i.level2.trim().is_empty());
    if year < COST_FROM || !levelled || rows.iter().any(|i| is_cost(i)) {
        return None;
    }
    let at = rows.first().map(|i| i.name.clone()).unwrap_or_default();
    let message = format!(
        "{year}年度的项目绩效指标中没有成本指标：按现行模板，产出指标下应设成本指标（经济、社会、生态、环境成本）"
    );
    Some(Draft::on(Code::NoCostIndicator, &at, "indicators", message).reported(""))
}

/// `no-satisfaction-indicator`: a project's form whose indicators name the people it serves
/// (群众, 服务对象, 受益…, [`PEOPLE`]) but none of which is a satisfaction indicator (满意 in its
/// levels or name). A unit's 部门整体 form, and a table whose levels were not read, raise nothing.
fn no_satisfaction_indicator(ctx: &Ctx, rows: &[Row]) -> Option<Draft> {
    let absent = &ctx.form.reading.absent;
    if ctx.form.kind == FormType::DepartmentEvaluation
        || absent.contains(&crate::form::Column::Level1)
        || absent.contains(&crate::form::Column::Level2)
    {
        return None;
    }
    let satisfied = |r: &Row| {
        [&r.level1, &r.level2, &r.named]
            .iter()
            .any(|t| t.contains("满意"))
    };
    if rows.iter().any(satisfied) {
        return None;
    }
    let serving = rows.iter().find(|r| PEOPLE.iter().any(|w| r.named.contains(w)))?;
    let message = format!(
        "指标“{}”表明项目服务于群众或特定对象，但没有设置满意度指标",
        serving.name.text().trim()
    );
    Some(
        Draft::on(
            Code::NoSatisfactionIndicator,
            &serving.name,
            "indicators",
            message,
        )
        .reported(""),
    )
}

/// `duplicate-indicator`: one 三级指标 set twice in the form (under 产出 and 效益, or twice in
/// one level), matched by its normalised name. Once per name, on its second row.
fn duplicate_indicator(rows: &[Row]) -> Vec<Draft> {
    let mut drafts = Vec::new();
    let mut seen: Vec<(String, &Indicator)> = Vec::new();
    for row in rows {
        let ind = row.ind;
        let key = super::cycle::indicator_key(&ind.name.as_text());
        if key.chars().count() < 2 {
            continue;
        }
        match seen.iter().find(|(k, _)| *k == key) {
            Some((_, first)) if !drafts_for(&drafts, &key) => {
                let message = format!(
                    "指标“{}”在本表中出现两次（{} / {} 与 {} / {}）：同一指标重复设置，重复计分",
                    ind.name.text().trim(),
                    norm(&first.level1),
                    norm(&first.level2),
                    norm(&ind.level1),
                    norm(&ind.level2)
                );
                drafts.push(
                    Draft::on(Code::DuplicateIndicator, &ind.name, ind.subject(), message)
                        .reported(key.clone()),
                );
            }
            Some(_) => {}
            None => seen.push((key, ind)),
        }
    }
    drafts
}

fn drafts_for(drafts: &[Draft], key: &str) -> bool {
    drafts.iter().any(|d| d.reported == key)
}

/// `indicator-misfiled`: a 数量指标 that measures spending (资金支付率, 拨付率, 预算执行率…), or a
/// target in money (元, 万元) under 效益 — a cost filed as a benefit.
fn indicator_misfiled(row: &Row) -> Option<Draft> {
    let (ind, name) = (row.ind, &row.named);
    if row.level2.contains("数量") && SPENDING.iter().any(|w| name.contains(w)) {
        let message = format!(
            "数量指标“{}”衡量的是资金支出，不是产出数量：应改设为反映实际产出的指标",
            ind.name.text().trim()
        );
        return Some(Draft::on(
            Code::IndicatorMisfiled,
            &ind.name,
            ind.subject(),
            message,
        ));
    }
    let money = match &row.target {
        Some(Target::Quantitative { qty, .. }) => matches!(qty.unit, Unit::Yuan | Unit::WanYuan),
        _ => false,
    };
    if is_benefit(row) && money && !name.contains("收入") && !name.contains("增收") && !name.contains("效益")
    {
        let message = format!(
            "“{}”的指标值“{}”是金额，却设在效益指标下：成本应设在成本指标下",
            ind.name.text().trim(),
            ind.target.text().trim()
        );
        return Some(Draft::on(
            Code::IndicatorMisfiled,
            &ind.target,
            ind.subject(),
            message,
        ));
    }
    None
}

/// `vague-targets`: more than the setting `qualitative_share` of a form's targets are
/// qualitative (words, not a figure or a deadline). Forms of fewer than four targets, and
/// targets not read, are not counted.
fn vague_targets(ctx: &Ctx, rows: &[Row]) -> Option<Draft> {
    let targets: Vec<&Row> = rows
        .iter()
        .filter(|r| r.ind.target.pos.is_some() && !r.ind.target.unknown && r.target.is_some())
        .collect();
    if targets.len() < 4 {
        return None;
    }
    let vague = targets
        .iter()
        .filter(|r| matches!(r.target, Some(Target::Qualitative(_))))
        .count();
    let share = Decimal::from(vague).checked_div(Decimal::from(targets.len()))?;
    if share <= ctx.settings.qualitative_share {
        return None;
    }
    let message = format!(
        "{} 项指标中有 {vague} 项的指标值是定性描述（{}%，超过 {}%）：指标值应尽量量化、可衡量",
        targets.len(),
        fmt_plain(crate::num::round2(share.checked_mul(Decimal::ONE_HUNDRED)?)),
        fmt_plain(ctx.settings.qualitative_share.checked_mul(Decimal::ONE_HUNDRED)?)
    );
    let percent = |d: Decimal| d.checked_mul(Decimal::ONE_HUNDRED).map(crate::num::round2);
    Some(
        Draft::on(Code::VagueTargets, &Field::default(), "indicators", message)
            .figures(percent(share)?, percent(ctx.settings.qualitative_share)?),
    )
}
