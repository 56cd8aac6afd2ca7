//! The cell map of the standard template: the columns (their widths, and which column holds
//! what in the funds and indicator blocks), the labels every form prints, the rows each block
//! lands on ([`Plan`]), and how tall a row must be to show its text.

use crate::form::{Form, FundRow, Layout};
use crate::render::wrapped_lines;

/// Widths of columns A–J in Excel units, chosen so the Chinese labels fit (autofit would count
/// a CJK character as one narrow glyph).
pub(crate) const COLUMN_WIDTHS: [f64; 10] = [7.0, 10.0, 11.0, 22.0, 16.0, 16.0, 8.0, 9.0, 19.0, 8.0];
/// Index of the last column (J).
pub(crate) const LAST_COL: u16 = 9;

/// Column A: the vertical block labels (项目资金, 年度总体目标, 绩效指标, 自评结论).
pub(crate) const COL_BLOCK: u16 = 0;

/// Columns of the funds block.
pub(crate) mod funds_col {
    /// 资金来源 label, merged over B:C.
    pub const LABEL: (u16, u16) = (1, 2);
    /// 年初预算数
    pub const INITIAL: u16 = 3;
    /// 全年预算数（A）
    pub const BUDGET: u16 = 4;
    /// 全年执行数（B）
    pub const EXECUTED: u16 = 5;
    /// 分值
    pub const POINTS: u16 = 6;
    /// 执行率
    pub const RATE: u16 = 7;
    /// 得分, merged over I:J.
    pub const SCORE: (u16, u16) = (8, 9);
}

/// Columns of the indicator block (and of the 总分 row: 分值 under WEIGHT, total under SCORE).
pub(crate) mod ind_col {
    pub const LEVEL1: u16 = 1;
    pub const LEVEL2: u16 = 2;
    pub const NAME: u16 = 3;
    pub const TARGET: u16 = 4;
    pub const ACTUAL: u16 = 5;
    pub const WEIGHT: u16 = 6;
    pub const SCORE: u16 = 7;
    pub const REASON: u16 = 8;
    pub const REMARK: u16 = 9;
}

/// The title every form carries.
pub(crate) const TITLE: &str = "项目支出绩效目标自评表";

/// Headers of the indicator block, columns B–J; the reason header depends on the layout.
pub(super) fn indicator_headers(layout: Layout) -> [&'static str; 9] {
    [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值(A)",
        "实际完成值(B)",
        "分值",
        "得分",
        reason_header(layout),
        "备注",
    ]
}

/// The reason column's header: 未完成原因分析 (seed) or 偏差原因分析及改进措施 (national).
pub(crate) fn reason_header(layout: Layout) -> &'static str {
    match layout {
        Layout::Guizhou => "未完成原因分析",
        Layout::National => "偏差原因分析及改进措施",
    }
}

/// Where each block of one form lands: rows depend on the number of funds rows and of
/// indicator rows, columns are the constants above. Rows are zero-based.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub layout: Layout,
    /// The funds rows, top to bottom: the layout's standard rows, then any other row the form
    /// holds (so no row is lost).
    pub fund_rows: Vec<FundRow>,
    /// Indicator rows (at least one, so the block always has a body).
    pub indicator_rows: u32,
}

impl Plan {
    /// Row 1: the title.
    pub const TITLE: u32 = 0;
    /// Row 2: （2024年度）.
    pub const YEAR: u32 = 1;
    /// Row 3: 单位（盖章）： and 填报日期：.
    pub const UNIT: u32 = 2;
    /// Row 4: 项目名称.
    pub const PROJECT: u32 = 3;
    /// Row 5: 主管部门及代码, 实施单位.
    pub const DEPARTMENT: u32 = 4;
    /// Row 6: the funds header (资金来源 | 年初预算数 | …).
    pub const FUNDS_HEADER: u32 = 5;

    pub fn for_form(form: &Form) -> Plan {
        let mut fund_rows = FundRow::rows(form.layout).to_vec();
        for line in &form.funds.lines {
            if !fund_rows.contains(&line.row) {
                fund_rows.push(line.row);
            }
        }
        let indicator_rows = u32::try_from(form.indicators.len())
            .unwrap_or(u32::MAX / 2)
            .max(1);
        Plan {
            layout: form.layout,
            fund_rows,
            indicator_rows,
        }
    }

    /// The row of the `i`-th funds row.
    pub fn fund_row(&self, i: usize) -> u32 {
        Self::FUNDS_HEADER + 1 + i as u32
    }

    /// The 年度资金总额 row (it carries 分值, 执行率 and 得分).
    pub fn total_fund_row(&self) -> u32 {
        let i = self
            .fund_rows
            .iter()
            .position(|r| *r == FundRow::Total)
            .unwrap_or(0);
        self.fund_row(i)
    }

    /// The last row of the funds block.
    pub fn funds_last(&self) -> u32 {
        Self::FUNDS_HEADER + self.fund_rows.len() as u32
    }

    /// The goals header row (预期目标 | 实际完成情况); the two text rows follow it.
    pub fn goals(&self) -> u32 {
        self.funds_last() + 1
    }

    /// The indicator header row (一级指标 | 二级指标 | …).
    pub fn indicators_header(&self) -> u32 {
        self.goals() + 3
    }

    /// The row of the `i`-th indicator.
    pub fn indicator_row(&self, i: usize) -> u32 {
        self.indicators_header() + 1 + i as u32
    }

    /// The 总分 row.
    pub fn total(&self) -> u32 {
        self.indicators_header() + 1 + self.indicator_rows
    }

    /// The 自评结论 row.
    pub fn conclusion(&self) -> u32 {
        self.total() + 1
    }

    /// The 联系人 row, the last printed row.
    pub fn contact(&self) -> u32 {
        self.conclusion() + 1
    }
}

/// A rectangle of cells, zero-based and inclusive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Area {
    pub(super) top: u32,
    pub(super) left: u16,
    pub(super) bottom: u32,
    pub(super) right: u16,
}

pub(super) fn at(row: u32, col: u16) -> Area {
    Area {
        top: row,
        left: col,
        bottom: row,
        right: col,
    }
}

pub(super) fn span(top: u32, left: u16, bottom: u32, right: u16) -> Area {
    Area {
        top,
        left,
        bottom,
        right,
    }
}

/// Estimated height of one printed line of table text, and the padding of a cell, in points.
pub(super) const LINE: f64 = 13.5;
pub(super) const PADDING: f64 = 6.0;

/// Height that shows `text` wrapped in an area `width` units wide.
pub(super) fn text_height(text: &str, width: f64) -> f64 {
    if text.trim().is_empty() {
        return 0.0;
    }
    f64::from(wrapped_lines(text, width)) * LINE + PADDING
}

pub(super) fn width_of(left: u16, right: u16) -> f64 {
    COLUMN_WIDTHS
        .iter()
        .skip(usize::from(left))
        .take(usize::from(right.saturating_sub(left)) + 1)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{FundLine, Indicator};
    use crate::render::template::blank_form;

    #[test]
    fn the_guizhou_plan_is_the_cell_map_of_the_samples() {
        // samples/README.md: funds from row 7, indicators 16–28, 总分 29, 结论 30, 联系人 31.
        let mut form = blank_form(Layout::Guizhou);
        form.indicators = vec![Indicator::default(); 13];
        let plan = Plan::for_form(&form);
        assert_eq!(plan.total_fund_row(), 6);
        assert_eq!(plan.funds_last(), 10);
        assert_eq!(plan.goals(), 11);
        assert_eq!(plan.indicators_header(), 14);
        assert_eq!(plan.indicator_row(0), 15);
        assert_eq!(plan.total(), 28);
        assert_eq!(plan.conclusion(), 29);
        assert_eq!(plan.contact(), 30);
    }

    #[test]
    fn a_funds_row_outside_the_layout_is_kept() {
        let mut form = blank_form(Layout::National);
        form.funds.lines.push(FundLine::new(FundRow::Local));
        let plan = Plan::for_form(&form);
        assert_eq!(plan.fund_rows.last(), Some(&FundRow::Local));
        assert_eq!(plan.fund_rows.len(), 5);
    }
}
