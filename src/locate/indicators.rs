//! The indicator table: its header band, its rows (a level carried down from merged or blank
//! cells, a target split over 指标性质 / 指标值 / 度量单位 read as one), the rows that are no
//! indicators (repeated headers, page lines, template rows, numbered subtotals), the 总分 row,
//! the points its title states and a reason block for the whole form.

use super::header::{self, Role, Table};
use super::{Area, is_short};
use crate::form::{Column, Field, Form, Indicator, Stated};
use crate::grid::{Pos, Value};
use crate::text::norm;

/// Columns of the indicator table.
#[derive(Debug, Default)]
struct IndicatorCols {
    level1: Option<u32>,
    level2: Option<u32>,
    level3: Option<u32>,
    /// 指标性质 (`≥` `≤` `=` or 定性), where the target is split over three columns.
    kind: Option<u32>,
    target: Option<u32>,
    /// 度量单位, likewise.
    unit: Option<u32>,
    actual: Option<u32>,
    weight: Option<u32>,
    score: Option<u32>,
    reason: Option<u32>,
    remark: Option<u32>,
    forecast: Option<u32>,
    likelihood: Option<u32>,
    measures: Option<u32>,
    adjusted: Option<u32>,
    coefficient: Option<u32>,
}

impl Area<'_> {
    /// Read the indicator rows under the header at `header_row`; returns the first row after the
    /// table and the table's 分值 and 得分 columns (where the 总分 row holds its figures).
    pub(super) fn read_indicators(
        &self,
        form: &mut Form,
        header_row: u32,
    ) -> (u32, Option<u32>, Option<u32>) {
        let table = Table::indicators(self.kind);
        let band = self.header_band(header_row, table);
        let cols = IndicatorCols {
            level1: band.col(Role::Level1),
            level2: band.col(Role::Level2),
            level3: band.col(Role::Level3),
            kind: band.col(Role::Kind),
            target: band.col(Role::Target),
            unit: band.col(Role::Unit),
            actual: band.col(Role::Actual),
            weight: band.col(Role::Points),
            score: band.col(Role::Score),
            reason: band.col(Role::Reason),
            remark: band.col(Role::Remark),
            forecast: band.col(Role::Forecast),
            likelihood: band.col(Role::Likelihood),
            measures: band.col(Role::Measures),
            adjusted: band.col(Role::Adjusted),
            coefficient: band.col(Role::Coefficient),
        };
        form.reading.unrecognised.extend(band.unread.iter().cloned());
        let mut row = band.bottom + 1;
        let (mut level1, mut level2) = (String::new(), String::new());
        // Whether each indicator pushed opens with a number (`一、`, `1.`): a parent row candidate.
        let mut numbered: Vec<bool> = Vec::new();
        while row < self.bottom {
            if self.is_table_end(row) {
                break;
            }
            // The form's reason block below the table, its label where the names stand
            // (`偏差原因分析及改进措施` across the first columns of 重庆's flat list).
            let name_col = cols.level3.unwrap_or(0);
            if self.labels.rows(row, row + 1).any(|(_, c, t)| {
                c <= name_col
                    && is_short(t)
                    && t.contains("原因")
                    && (t.contains("偏差") || t.contains("未完成") || t.contains("未达"))
            }) {
                break;
            }
            // The header repeated after a page break, `续表`, a page number: no row of the table.
            if self.is_page_row(row) || self.repeats_header(row, &band, table) {
                row += 1;
                continue;
            }
            let pick = |c: Option<u32>| c.map(|c| self.field(row, c)).unwrap_or_default();
            // A value merged down from a row above belongs to that row (a tall indicator row):
            // only the reason and remark columns legitimately span several indicators.
            let own = |c: Option<u32>| match c {
                Some(c) if self.grid.shown(row, c).0 != row => Field::at(Pos::new(row, c), Value::Empty),
                other => pick(other),
            };
            let starts_here = |c: Option<u32>| {
                c.map(|c| self.grid.shown(row, c))
                    .filter(|(r, _, _)| *r == row)
                    .map(|(_, _, v)| v.as_text())
                    .unwrap_or_default()
            };
            let opens_numbered = [cols.level1, cols.level2, cols.level3]
                .into_iter()
                .any(|c| is_numbered(&starts_here(c)));
            // A level cell merged down from above, or left blank, carries its value down.
            if let Some(c) = cols.level1 {
                let t = self.grid.shown(row, c).2.as_text();
                if !t.trim().is_empty() {
                    if norm(&t) != norm(&level1) {
                        level2.clear();
                    }
                    level1 = t.trim().to_string();
                }
            }
            if let Some(c) = cols.level2 {
                let t = self.grid.shown(row, c).2.as_text();
                if !t.trim().is_empty() {
                    level2 = norm(&t);
                }
            }
            let name = match cols.level3 {
                Some(c) => {
                    let (r, _, _) = self.grid.shown(row, c);
                    if r == row {
                        self.field(row, c)
                    } else {
                        Field::at(Pos::new(row, c), Value::Empty)
                    }
                }
                None => Field::default(),
            };
            let mut indicator = Indicator {
                level1: level1.clone(),
                level2: level2.clone(),
                sub_row: norm(&name.as_text()).starts_with("其中"),
                template: false,
                subtotal: false,
                funds_row: false,
                name,
                target: self.split_target(own(cols.target), &own(cols.kind), &own(cols.unit)),
                actual: own(cols.actual),
                weight: own(cols.weight),
                score: own(cols.score),
                reason: pick(cols.reason),
                remark: pick(cols.remark),
                forecast: own(cols.forecast),
                likelihood: own(cols.likelihood),
                measures: pick(cols.measures),
                adjusted: own(cols.adjusted),
                coefficient: own(cols.coefficient),
            };
            // A row left wholly empty is no row; one with a name but nothing else
            // (`指标1:` and `/`) is a template row, kept for the corrected form.
            if is_empty_row(&indicator) {
                indicator.template = true;
                if !indicator.name.is_placeholder() {
                    form.indicators.push(indicator);
                    numbered.push(false);
                }
            } else {
                form.indicators.push(indicator);
                numbered.push(opens_numbered || norm(&starts_here(cols.level3)).is_empty());
            }
            row += 1;
        }
        mark_subtotals(&mut form.indicators, &numbered);
        take_funds_row(form);
        let absent = &mut form.reading.absent;
        for (col, column) in [
            (cols.level1, Column::Level1),
            (cols.level2, Column::Level2),
            (cols.target, Column::Target),
            (cols.actual, Column::Actual),
            (cols.weight, Column::Weight),
            (cols.score, Column::Score),
        ] {
            if col.is_none() {
                absent.push(column);
            }
        }
        // Without a reason column, whether a deviation was explained cannot be read with
        // certainty (備注 or a column jixiao does not know may hold it): the check does not run,
        // unless the form has a reason block of its own (read below the table).
        if cols.reason.is_none() {
            absent.push(Column::Reason);
        }
        (row, cols.weight, cols.score)
    }

    /// A target split over 指标性质 / 指标值 / 度量单位 (Sichuan, Yunnan) read as one: `≤` `60000`
    /// `元` is `≤60000元`; a 定性 one is its 指标值 alone. The field keeps the 指标值 cell.
    pub(super) fn split_target(&self, value: Field, kind: &Field, unit: &Field) -> Field {
        let kind_text = kind.text();
        let unit_text = unit.text();
        let comparator = kind_comparator(&kind_text);
        if value.value.is_blank() || (kind_text.is_empty() && unit_text.is_empty()) {
            return value;
        }
        let figure = match &value.value {
            Value::Number(d) if value.percent => {
                let points = d.checked_mul(rust_decimal::Decimal::ONE_HUNDRED).unwrap_or(*d);
                format!("{}%", crate::num::fmt_plain(points))
            }
            _ => value.text(),
        };
        // A value that already carries its unit (`≤100%` beside 计量单位 `%`) keeps it once.
        let unit_text = if figure.trim_end().ends_with(unit_text.trim()) {
            String::new()
        } else {
            unit_text
        };
        let text = match comparator {
            Some("") => figure,
            Some(cmp) => format!("{cmp}{figure}{unit_text}"),
            None if unit_text.is_empty() => return value,
            None => format!("{figure}{unit_text}"),
        };
        Field {
            value: Value::Text(text),
            percent: false,
            ..value
        }
    }

    /// The indicator table ends at the 总分 row, the 自评结论 block or another header.
    pub(super) fn is_table_end(&self, row: u32) -> bool {
        self.labels.rows(row, row + 1).any(|(_, _, t)| {
            // Notes under the table (`注：1.完成目标可能性分为…`, `填表说明`).
            t.starts_with("注:")
                || t.starts_with("注1")
                || t.starts_with("填表说明")
                || t.starts_with("说明:")
                || t.starts_with("填报人")
                || t.starts_with("总分")
                || t.starts_with("合计")
                || t.starts_with("自评结论")
                || t.starts_with("评价结论")
                || t.starts_with("联系人")
        })
    }

    /// The 总分 row: its label, then the 分值 (100) and the total score in the indicator table's
    /// 分值 and 得分 columns; without an indicator table, the first two values right of the label.
    pub(super) fn read_total(&self, form: &mut Form, from: u32, columns: Option<(Option<u32>, Option<u32>)>) {
        let Some((row, col, _)) = self
            .labels()
            .find(|(r, _, t)| *r >= from.saturating_sub(1) && (t.starts_with("总分") || *t == "合计"))
        else {
            // No 总分 row: a total stated in the head of the form (`自评得分 98`).
            if let Some((r, c, t)) = self.find(|t| {
                is_short(t)
                    && ["自评得分", "自评总分", "综合得分", "总得分"]
                        .iter()
                        .any(|l| t.starts_with(l))
            }) {
                let label = t.chars().take(4).collect::<String>();
                form.total = self.value_after(r, c, &label);
            }
            return;
        };
        match columns {
            Some((points, score)) => {
                if let Some(w) = points {
                    form.total_points = self.field(row, w);
                }
                if let Some(s) = score {
                    form.total = self.field(row, s);
                }
            }
            None => {
                let mut values = Vec::new();
                let mut c = self.grid.right_edge(row, col) + 1;
                while c < self.grid.width() && values.len() < 2 {
                    let field = self.field(row, c);
                    if !field.value.is_blank() {
                        values.push(field);
                    }
                    c = self.grid.right_edge(row, c) + 1;
                }
                let mut it = values.into_iter();
                form.total_points = it.next().unwrap_or_default();
                form.total = it.next().unwrap_or_default();
            }
        }
    }

    /// What the form states around its indicator table: the points its title gives
    /// (`年度绩效目标（80分）`), and a reason block for the whole form below it
    /// (`偏差大或目标未完成原因分析`), which also settles whether reasons could be read at all.
    pub(super) fn read_stated_and_reasons(&self, form: &mut Form, after_table: u32) {
        let from = form
            .funds
            .lines
            .iter()
            .filter_map(|l| l.budget.pos.or(l.executed.pos))
            .map(|p| p.row + 1)
            .max()
            .unwrap_or(self.top);
        form.indicators_stated = self
            .labels
            .rows(from, after_table)
            .filter(|(_, _, t)| {
                (t.contains("绩效目标") || t.contains("绩效指标"))
                    && !["产出", "效益", "满意度", "成本"].iter().any(|w| t.contains(w))
            })
            .find_map(|(r, c, t)| {
                header::stated_points(t).map(|points| Stated {
                    points,
                    label: t.to_string(),
                    pos: Pos::new(r, c),
                })
            });
        let block = self
            .labels()
            .find(|(r, _, t)| {
                *r >= after_table
                    && is_short(t)
                    && t.contains("原因")
                    && (t.contains("偏差") || t.contains("未完成") || t.contains("未达"))
            })
            .map(|(r, c, t)| {
                let t = t.to_string();
                let after = self.value_after(r, c, &t);
                if after.value.is_blank() {
                    self.text_below(r, c)
                } else {
                    after
                }
            });
        if block.is_some() {
            form.reading.absent.retain(|c| *c != Column::Reason);
        }
        form.reason_block = block;
    }
}

/// The comparator a 指标性质 cell states (`≥`, `正向`), `""` for a qualitative one.
pub(super) fn kind_comparator(kind: &str) -> Option<&'static str> {
    let k = crate::grammar::normalize(kind);
    Some(match k.as_str() {
        "≥" | ">" | "正向" | "正向指标" => "≥",
        "≤" | "<" | "反向" | "反向指标" => "≤",
        "=" => "=",
        _ if k.contains("定性") => "",
        _ => return None,
    })
}

/// Whether a row's text opens with a number of a list: `一、`, `（一）`, `1.`, `1、`, `(1)`.
pub(super) fn is_numbered(text: &str) -> bool {
    let t = norm(text);
    let t = t.trim_start_matches('(');
    let numeral: String = t
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c) || crate::num::halfwidth(*c).is_ascii_digit())
        .collect();
    if numeral.is_empty() {
        return false;
    }
    let rest = &t[numeral.len()..];
    let chinese = !numeral.chars().any(|c| crate::num::halfwidth(c).is_ascii_digit());
    rest.starts_with('、')
        || rest.starts_with(')')
        || (!chinese
            && (rest.starts_with('.') || rest.starts_with('．'))
            && !rest[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Mark the numbered parent rows whose 分值 (and 得分, when filled) are the sums of the rows they
/// head (up to the next parent): subtotals, not indicators. A parent has no target and no actual
/// of its own; a row whose figures are not such sums stays an indicator.
pub(super) fn mark_subtotals(rows: &mut [Indicator], numbered: &[bool]) {
    let figure = |f: &Field| crate::figure::read(f).number();
    let is_parent = |i: usize, ind: &Indicator| {
        numbered.get(i).copied().unwrap_or(false)
            && !ind.template
            && ind.target.is_placeholder()
            && ind.actual.is_placeholder()
            && (figure(&ind.weight).is_some() || figure(&ind.score).is_some())
    };
    let parents: Vec<usize> = (0..rows.len()).filter(|&i| is_parent(i, &rows[i])).collect();
    for (k, &p) in parents.iter().enumerate() {
        // The rows it heads: up to the next parent, within its 一级指标.
        let end = parents.get(k + 1).copied().unwrap_or(rows.len());
        let group = &rows[p].level1;
        let children: Vec<&Indicator> = rows[p + 1..end]
            .iter()
            .take_while(|c| c.level1 == *group)
            .filter(|c| c.counts())
            .collect();
        if children.is_empty() {
            continue;
        }
        let sum = |get: fn(&Indicator) -> &Field| -> Option<rust_decimal::Decimal> {
            children.iter().try_fold(rust_decimal::Decimal::ZERO, |acc, c| {
                acc.checked_add(figure(get(c))?)
            })
        };
        // A figure the parent row leaves blank (or a template without its column) is no sum to
        // check; the one it fills must be the sum.
        let weights_add_up = match figure(&rows[p].weight) {
            Some(w) => sum(|c| &c.weight) == Some(w),
            None => rows[p].weight.is_placeholder(),
        };
        let scores_add_up = match figure(&rows[p].score) {
            None => rows[p].score.is_placeholder(),
            Some(s) => sum(|c| &c.score).is_some_and(|t| crate::rules::agrees(t, s)),
        };
        if weights_add_up && scores_add_up {
            rows[p].subtotal = true;
        }
    }
}

/// A template that scores budget execution among its indicators: no 得分 in the funds block,
/// and an indicator row named 预算执行率 with no target of its own. That row's 分值 and 得分 are
/// the funds block's (checked as 预算执行率 得分, counted once in 总分).
pub(super) fn take_funds_row(form: &mut Form) {
    if form.funds.lines.is_empty() || form.funds.score.pos.is_some() {
        return;
    }
    let row = form.indicators.iter_mut().find(|i| {
        !i.template
            && !i.subtotal
            && norm(&i.name.as_text())
                .trim_start_matches(|c: char| !c.is_alphabetic() || c.is_ascii())
                .starts_with("预算执行率")
            && i.target.is_placeholder()
    });
    if let Some(row) = row {
        row.funds_row = true;
        form.funds.points = row.weight.clone();
        form.funds.score = row.score.clone();
        form.reading
            .absent
            .retain(|c| !matches!(c, Column::FundsScore | Column::FundsPoints));
    }
}

/// A template row left empty: its target, actual, 分值 and 得分 are all blank or placeholders
/// (`/`, `-`, `—`, `无`), whatever its 三级指标 says (`指标1`, `指标1:/`). It is not an indicator
/// (docs/rules.md, "Forms as people fill them").
pub(super) fn is_empty_row(ind: &Indicator) -> bool {
    [&ind.target, &ind.actual, &ind.weight, &ind.score]
        .iter()
        .all(|f| f.is_placeholder())
}
