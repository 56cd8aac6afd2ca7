//! The funds block: its header band, its rows (年度资金总额 and its sources, found by label), the
//! 分值 / 执行率 / 得分 of the total row, the unit it states, and what it lacks.

use super::header::{self, Role, Table};
use super::{Area, is_short};
use crate::form::{Column, Form, FundLine, FundRow, MoneyUnit, Stated};
use crate::grid::{Pos, Value};

/// Columns of the funds table, by what their header says.
#[derive(Debug, Default)]
struct FundCols {
    initial: Option<u32>,
    budget: Option<u32>,
    executed: Option<u32>,
    points: Option<u32>,
    rate: Option<u32>,
    score: Option<u32>,
    reason: Option<u32>,
    forecast: Option<u32>,
}

impl Area<'_> {
    pub(super) fn read_funds(&self, form: &mut Form, header_row: u32) {
        let table = Table::funds(self.kind);
        let band = self.header_band(header_row, table);
        let cols = FundCols {
            initial: band.col(Role::Initial),
            budget: band.col(Role::Budget),
            executed: band.col(Role::Executed),
            points: band.col(Role::Points),
            rate: band.col(Role::Rate),
            score: band.col(Role::Score),
            reason: band.col(Role::Reason).or(band.col(Role::Remark)),
            forecast: band.col(Role::Forecast),
        };
        // `1-7月执行数`: the months the execution column covers.
        form.funds.months = band
            .columns
            .iter()
            .find(|c| c.role == Role::Executed)
            .and_then(|c| months_of(&c.text));
        // Amounts in 万元 when the funds header or the block's label says so.
        let in_wan = band.columns.iter().any(|c| c.text.contains("万元"))
            || self
                .labels()
                .take_while(|(r, _, _)| *r <= band.bottom)
                .any(|(_, _, t)| {
                    t.contains("万元")
                        && (t.contains("资金") || t.contains("预算") || t.contains("单位"))
                        && is_short(t)
                        && !t.contains("盖章")
                });
        if in_wan {
            form.funds.unit = MoneyUnit::WanYuan;
        }
        let yuan = |t: &str| t.contains("(元)") || t.contains("单位:元") || t.ends_with("元)");
        form.funds.unit_stated = in_wan
            || band.columns.iter().any(|c| yuan(&c.text))
            || self
                .labels()
                .take_while(|(r, _, _)| *r <= band.bottom)
                .any(|(_, _, t)| is_short(t) && yuan(t));
        let first_amount = [cols.initial, cols.budget, cols.executed]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.grid.width());
        let mut row = band.bottom + 1;
        let mut seen_any = false;
        // Rows between funds rows that are no row of the block: blank, a page line, the header
        // repeated after a page break.
        let mut skipped = 0;
        let mut label_edge = 0;
        // The columns the row labels span (a merged `年度资金总额` over two columns counts both).
        let mut label_cols: Vec<(u32, u32)> = Vec::new();
        let mut last_row = band.bottom;
        while row < self.bottom {
            let label = (0..first_amount).find_map(|c| {
                let (r, cc, v) = self.grid.shown(row, c);
                let t = self.labels.at(r, cc);
                // Only a label that starts in this row (not the block's side label), or one
                // merged down from the header band into its first row (`年度资金总额` beside the
                // column headers, its figures below them).
                (r == row
                    || self
                        .grid
                        .merge_at(row, c)
                        .is_some_and(|m| m.top == row && m.left == cc)
                    || (row == band.bottom + 1 && r >= header_row && r <= band.bottom))
                    .then(|| fund_row_of(t).map(|fr| (fr, v.text(), cc)))
                    .flatten()
            });
            match label {
                Some((fund_row, text, at)) => {
                    seen_any = true;
                    skipped = 0;
                    let right = self.grid.right_edge(row, at);
                    label_edge = label_edge.max(right);
                    if !label_cols.contains(&(at, right)) {
                        label_cols.push((at, right));
                    }
                    last_row = row;
                    if form.funds.line(fund_row).is_none() {
                        let mut line = FundLine::new(fund_row);
                        line.label = text.trim().to_string();
                        if let Some(c) = cols.initial {
                            line.initial = self.field(row, c);
                        }
                        if let Some(c) = cols.budget {
                            line.budget = self.field(row, c);
                        }
                        if let Some(c) = cols.executed {
                            line.executed = self.field(row, c);
                        }
                        if let Some(c) = cols.forecast {
                            line.forecast = self.field(row, c);
                        }
                        if fund_row == FundRow::Total {
                            if let Some(c) = cols.points {
                                form.funds.points = self.field(row, c);
                            }
                            if let Some(c) = cols.rate {
                                form.funds.rate = self.field(row, c);
                            }
                            if let Some(c) = cols.score {
                                form.funds.score = self.field(row, c);
                            }
                            if let Some(c) = cols.reason {
                                form.funds.reason = self.field(row, c);
                            }
                        }
                        form.funds.lines.push(line);
                    }
                }
                None if seen_any
                    && skipped < 3
                    && (self.is_blank_row(row)
                        || self.is_page_row(row)
                        || self.repeats_header(row, &band, table)) =>
                {
                    skipped += 1;
                }
                None if seen_any => break,
                None => {}
            }
            row += 1;
            if !seen_any && row > band.bottom + 3 {
                break;
            }
        }
        // A unit's form lists its budget in one row without a label (重庆's 部门预算执行情况:
        // 年初预算数 | 全年（调整）预算数 | 全年执行数 | 执行率 | 执行率权重 | 执行率得分): that
        // row is the year's total.
        if form.funds.lines.is_empty() && self.kind == crate::form::FormType::DepartmentEvaluation {
            let row = band.bottom + 1;
            // A figure, as a number or as text (a Word table's `1,452.30`).
            let number = |c: Option<u32>| {
                c.is_some_and(|c| {
                    matches!(
                        crate::figure::read(&self.field(row, c)),
                        crate::figure::Figure::Number { .. }
                    )
                })
            };
            if row < self.bottom && number(cols.budget) && number(cols.executed) {
                let mut line = FundLine::new(FundRow::Total);
                let at = |c: Option<u32>| c.map(|c| self.field(row, c)).unwrap_or_default();
                line.initial = at(cols.initial);
                line.budget = at(cols.budget);
                line.executed = at(cols.executed);
                form.funds.points = at(cols.points);
                form.funds.rate = at(cols.rate);
                form.funds.score = at(cols.score);
                form.funds.reason = at(cols.reason);
                form.funds.lines.push(line);
            }
        }
        if form.funds.lines.is_empty() {
            return;
        }
        // What the block does not let us read: headers right of the row labels that name no
        // field, and the columns the checks need.
        let in_label_cols = |col: u32| label_cols.iter().any(|&(l, r)| l <= col && col <= r);
        form.reading
            .unrecognised
            .extend(band.unread.iter().filter(|u| !in_label_cols(u.pos.col)).cloned());
        // Points stated by the block's title or side label (`预算执行情况（20分）`) first, then
        // by its headers (`得分（20分*执行率）`, `分值（10分）`).
        let headers: Vec<Pos> = band.columns.iter().map(|c| c.origin).collect();
        form.funds.stated_points = self
            .labels
            .rows(header_row.saturating_sub(2), last_row + 1)
            .filter(|(r, c, t)| {
                !headers.contains(&Pos::new(*r, *c))
                    && (*c <= label_edge || t.contains("预算执行") || t.contains("资金"))
            })
            .find_map(|(r, c, t)| header::stated_points(t).map(|p| (p, t.to_string(), Pos::new(r, c))))
            .or_else(|| band.stated(&[Role::Points, Role::Score]))
            .map(|(points, label, pos)| Stated { points, label, pos });
        form.funds.rate_is_ratio = band.marked_ratio(Role::Rate);
        let absent = &mut form.reading.absent;
        // A lone budget column headed 年初预算数 serves as A: 年初预算数 is not missing.
        let initial = cols.initial.or(cols
            .budget
            .filter(|_| band.columns.iter().any(|c| c.text.contains("年初预算"))));
        for (col, column) in [
            (initial, Column::Initial),
            (cols.budget, Column::Budget),
            (cols.executed, Column::Executed),
            (cols.rate, Column::Rate),
            (cols.score, Column::FundsScore),
        ] {
            if col.is_none() {
                absent.push(column);
            }
        }
        if cols.points.is_none() && form.funds.stated_points.is_none() && cols.score.is_some() {
            absent.push(Column::FundsPoints);
        }
    }

    /// A row with no value in any cell that starts in it.
    pub(super) fn is_blank_row(&self, row: u32) -> bool {
        (0..self.grid.width()).all(|c| {
            let (r, _, v) = self.grid.shown(row, c);
            r != row || v.is_placeholder()
        })
    }

    /// A row holding only what a page break leaves: `续表`, `第 1 页 共 2 页`.
    pub(super) fn is_page_row(&self, row: u32) -> bool {
        let mut any = false;
        for (_, _, t) in self.labels.rows(row, row + 1) {
            if !header::is_page_line(t) {
                return false;
            }
            any = true;
        }
        any && (0..self.grid.width()).all(|c| !matches!(self.grid.value(row, c), Value::Number(_)))
    }
}

/// The funds row a label names, if any.
pub(super) fn fund_row_of(label: &str) -> Option<FundRow> {
    let t = label.trim_start_matches("其中").trim_start_matches(':');
    if t.contains("资金总额") || t == "合计" || t == "总额" {
        Some(FundRow::Total)
    } else if t.contains("财政专户") {
        Some(FundRow::SpecialAccount)
    } else if t.starts_with("单位资金") || t.starts_with("单位自有资金") {
        Some(FundRow::UnitFunds)
    } else if t.contains("财政拨款") || t.starts_with("财政资金") {
        Some(FundRow::Fiscal)
    } else if t.contains("本级安排") {
        Some(FundRow::Local)
    } else if t.contains("上级补助") {
        Some(FundRow::Superior)
    } else if t.contains("上年结转") || t.contains("结转资金") {
        Some(FundRow::Carryover)
    } else if t.starts_with("其他") {
        Some(FundRow::Other)
    } else {
        None
    }
}

impl Area<'_> {
    /// A declaration's funds: labelled amounts (`年度资金总额：` 5, `其中：财政拨款` 4.5, `其他资金`
    /// 0.8) rather than a table, the year's beside the period's (`中期资金总额`) on national forms.
    /// The year's total is the one read, and its sources are the labels in its column on the
    /// rows below, as long as each is a source; the amounts go where a 自评表 has its 全年预算数.
    pub(super) fn read_declared_funds(&self, form: &mut Form) {
        let Some((row, col, label)) = self
            .labels()
            .find(|(_, _, t)| is_short(t) && !t.contains("中期") && fund_row_of(t) == Some(FundRow::Total))
        else {
            return;
        };
        let mut total = FundLine::new(FundRow::Total);
        total.label = label.to_string();
        total.budget = self.value_after(row, col, label);
        let mut lines = vec![total];
        for r in row + 1..(row + 6).min(self.bottom) {
            let (top, left, _) = self.grid.shown(r, col);
            let text = self.labels.at(top, left);
            let Some(source) = (top == r && left == col).then(|| fund_row_of(text)).flatten() else {
                break;
            };
            if source == FundRow::Total || lines.iter().any(|l| l.row == source) {
                break;
            }
            let mut line = FundLine::new(source);
            line.label = text.to_string();
            line.budget = self.value_after(r, col, text);
            lines.push(line);
        }
        // A figure the rules can read in every line, or none is kept: a source jixiao could not
        // tell would make a false sum.
        let figures = lines.iter().all(|l| {
            matches!(
                crate::figure::read(&l.budget),
                crate::figure::Figure::Number { .. } | crate::figure::Figure::Blank
            )
        });
        if lines.len() < 2 || !figures {
            return;
        }
        let labels_in_wan = self
            .labels()
            .take_while(|(r, _, _)| *r <= row)
            .any(|(_, _, t)| t.contains("万元") && (t.contains("资金") || t.contains("单位")) && is_short(t));
        if labels_in_wan {
            form.funds.unit = MoneyUnit::WanYuan;
            form.funds.unit_stated = true;
        }
        form.funds.lines = lines;
    }
}

/// The last month an execution column covers, from its header: `1-7月执行数`, `1—6月`,
/// `1至8月`, `截至7月底` → 7, 6, 8, 7; `None` without a month in 1–12.
pub(super) fn months_of(header: &str) -> Option<u32> {
    let before = &header[..header.find('月')?];
    let digits: String = before
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok().filter(|m| (1..=12).contains(m))
}
