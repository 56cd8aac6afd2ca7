//! Reading notes (docs/rules.md, "Forms jixiao does not fully understand"):
//! `column-unrecognised`, `column-absent`, `formula-not-evaluated`. Each says once per form what
//! the locator could not read with certainty; the rules that need it skip it (they see a field
//! without a cell, or an unknown one), so a template nobody described yields one note instead of
//! a row of false errors.

use super::{Code, Ctx, Draft};
use crate::form::{Column, Field, Reading, Unread};

pub(super) fn check(ctx: &mut Ctx) {
    let reading = ctx.form.reading.clone();
    for unread in &reading.unrecognised {
        ctx.record(Some(column_unrecognised(unread)));
    }
    let kind = ctx.form.kind;
    // A unit's flat list scores by 得分系数: it has no levels and no reason column to need.
    let flat = super::department::is_flat(&ctx.form);
    let mut absent: Vec<Column> = reading
        .absent
        .iter()
        .copied()
        .filter(|c| c.needed_by(kind))
        .filter(|c| {
            !flat
                || !matches!(
                    c,
                    Column::Level1 | Column::Level2 | Column::Reason | Column::Actual
                )
        })
        .collect();
    absent.sort();
    absent.dedup();
    for column in absent {
        ctx.record(Some(column_absent(column)));
    }
    ctx.record(formula_not_evaluated(&reading));
}

/// `column-unrecognised`: a header that names no field jixiao knows, describes a field rather
/// than holds it (`得分计算方法`), or claims a field another column claims as well. Its cells were
/// not read; the other columns were read as usual. Once per column, on its header.
fn column_unrecognised(unread: &Unread) -> Draft {
    let why = match &unread.why {
        Some(why) => format!("（{why}）"),
        None => String::new(),
    };
    let message = format!(
        "未识别的栏目“{}”{why}：该栏未读取，其余栏目照常核查；如该栏是某项内容（如得分），请改用标准表头",
        unread.label
    );
    let at = Field::at(unread.pos, crate::grid::Value::Empty);
    Draft::on(
        Code::ColumnUnrecognised,
        &at,
        format!("column:{}", unread.label),
        message,
    )
    .reported(unread.label.clone())
}

/// `column-absent`: the template has no column for a field some check reads. That check did not
/// run for this form; no row is reported as missing what the template never asked for.
fn column_absent(column: Column) -> Draft {
    let message = format!("本表没有“{}”栏：{}", column.label(), column.skipped());
    Draft::on(
        Code::ColumnAbsent,
        &Field::default(),
        format!("column:{}", column.label()),
        message,
    )
    .reported(column.label())
}

/// `formula-not-evaluated`: cells of the form hold formulas whose results the workbook does not
/// carry (it asks to be recalculated on opening) and jixiao could not evaluate them. Their values
/// are unknown; the checks that need them did not run. Once per form, listing the cells.
fn formula_not_evaluated(reading: &Reading) -> Option<Draft> {
    let (first, _) = reading.unevaluated.first()?;
    let listed: Vec<String> = reading
        .unevaluated
        .iter()
        .take(5)
        .map(|(pos, formula)| format!("{pos}（={}）", formula.trim_start_matches('=')))
        .collect();
    let more = match reading.unevaluated.len() {
        n if n > 5 => format!(" 等 {n} 个单元格"),
        _ => String::new(),
    };
    let message = format!(
        "以下公式没有可用的计算结果（文件未保存结果或只存了占位的 0，jixiao 也未能算出）：{}{more}。依赖这些单元格的检查未进行；请在 Excel 或 WPS 中打开、重新计算并保存后再核查",
        listed.join("、")
    );
    let cells: Vec<String> = reading.unevaluated.iter().map(|(p, _)| p.to_string()).collect();
    let at = Field::at(*first, crate::grid::Value::Empty);
    Some(Draft::on(Code::FormulaNotEvaluated, &at, "formulas", message).reported(cells.join("、")))
}
