//! The standard 项目支出绩效目标自评表 as one description — where each block sits
//! ([`Plan`](geometry::Plan) and the column constants) and how a form is drawn into it
//! ([`draw`]) — used both for the blank template and for every corrected form, so the two can
//! never drift apart.
//!
//! The geometry follows the seed form (10 columns A–J, 宋体, thin borders): with the Guizhou
//! funds rows the funds block is rows 6–11, the goals 12–14, the indicator header row 15 and the
//! indicators from row 16 on, exactly the cell map of `samples/`. The blank template is the same
//! drawing applied to an empty form holding the standard indicator skeleton.
//!
//! One job per file: `geometry.rs` is the cell map, `styles.rs` the formats, `fields.rs` what a
//! field puts into its cell, `paint.rs` the drawing; this file makes the blank form.

mod fields;
mod geometry;
mod paint;
mod styles;

use rust_decimal::Decimal;

use super::{RenderError, new_workbook};
use crate::form::{Field, Form, FundLine, FundRow, Funds, Indicator, Layout, MoneyUnit};
use crate::grid::Value;
pub(crate) use paint::{Drawn, draw};

/// The indicator skeleton of a blank form: each level-1 indicator with its points and its
/// level-2 indicators, one empty row each.
const SKELETON: &[(&str, &[&str])] = &[
    (
        "产出指标(50分)",
        &["数量指标", "质量指标", "时效指标", "成本指标"],
    ),
    (
        "效益指标(30分)",
        &["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    ),
    ("满意度指标(10分)", &["服务对象满意度指标"]),
];

/// The blank standard template of `layout`, as xlsx bytes.
pub(crate) fn blank(layout: Layout) -> Result<Vec<u8>, RenderError> {
    let form = blank_form(layout);
    let mut workbook = new_workbook()?;
    let ws = workbook.add_worksheet();
    ws.set_name(&form.sheet)?;
    draw(ws, &form).map_err(RenderError::in_sheet(&form.sheet))?;
    Ok(workbook.save_to_buffer()?)
}

/// An empty form of `layout` holding the standard skeleton: the funds rows, 分值 10 for
/// 预算执行率, the indicator skeleton and 100 points in the 总分 row.
pub(crate) fn blank_form(layout: Layout) -> Form {
    let indicators = SKELETON
        .iter()
        .flat_map(|(level1, level2s)| {
            level2s.iter().map(move |level2| Indicator {
                level1: (*level1).to_string(),
                level2: (*level2).to_string(),
                ..Indicator::default()
            })
        })
        .collect();
    Form {
        sheet: "自评表".to_string(),
        layout,
        funds: Funds {
            unit: MoneyUnit::Yuan,
            lines: FundRow::rows(layout)
                .iter()
                .map(|row| FundLine::new(*row))
                .collect(),
            points: figure(Decimal::TEN),
            ..Funds::default()
        },
        indicators,
        total_points: figure(Decimal::ONE_HUNDRED),
        ..Form::default()
    }
}

fn figure(d: Decimal) -> Field {
    Field {
        value: Value::Number(d),
        ..Field::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geometry::Plan;

    #[test]
    fn an_empty_form_still_has_an_indicator_row() {
        let mut form = blank_form(Layout::Guizhou);
        form.indicators.clear();
        assert_eq!(Plan::for_form(&form).indicator_rows, 1);
        let mut wb = rust_xlsxwriter::Workbook::new();
        assert!(draw(wb.add_worksheet(), &form).is_ok());
    }
}
