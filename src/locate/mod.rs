//! Stage 3: find every form on a grid by its labels and lift it into a [`Form`].
//!
//! Nothing here depends on fixed coordinates. A form starts at its title (or its 项目名称
//! label when the title is missing) and ends where the next one starts. Inside it, each block is
//! found by the label that heads it (docs/rules.md, "Forms as people fill them") and its table is read by the columns its header
//! row names, so blank rows and columns, extra or missing columns, other column orders and
//! merged cells all read the same.

use crate::form::{Column, Field, Form, FundLine, FundRow, Indicator, Layout, MoneyUnit, Stated};
use crate::grid::Pos;
use crate::grid::{Grid, Value};
use crate::text::{norm, push_norm};

mod header;

use header::{Role, Table};

/// What the locator found on one sheet.
#[derive(Debug, Default)]
pub struct Located {
    pub forms: Vec<Form>,
}

/// Find every form on a sheet. A sheet without any returns no form (the caller decides whether
/// the workbook as a whole is `no-form`).
pub fn locate(grid: &Grid) -> Located {
    let labels = Labels::scan(grid);
    // A title, not a sentence that mentions the form (`本自评表所填数据真实`).
    let mut starts: Vec<u32> = labels.rows_with(|t| t.contains("自评表") && t.chars().count() <= 30);
    let project_rows = labels.rows_with(|t| project_label(t).is_some() && t.chars().count() <= 40);
    // A form whose title is missing starts at its 项目名称 row.
    for &row in &project_rows {
        let titled = starts.iter().any(|&s| s <= row && row - s <= 6);
        if !titled {
            starts.push(row);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    if starts.is_empty() {
        starts.push(0);
    }
    let mut forms = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(grid.height());
        let region = Region {
            grid,
            labels: &labels,
            top: start,
            bottom: end,
        };
        if let Some(form) = region.read_form() {
            forms.push(form);
        }
    }
    Located { forms }
}

/// Every non-empty text cell of the grid, normalised once. The texts share one buffer.
struct Labels {
    cells: Vec<Label>,
    text: String,
}

/// A labelled cell: its position and where its normalised text lies in [`Labels::text`].
struct Label {
    row: u32,
    col: u32,
    text: std::ops::Range<u32>,
}

impl Labels {
    fn scan(grid: &Grid) -> Labels {
        let mut labels = Labels {
            cells: Vec::new(),
            text: String::new(),
        };
        for row in 0..grid.height() {
            for col in 0..grid.width() {
                if let Value::Text(s) = grid.value(row, col) {
                    let start = labels.text.len();
                    push_norm(s, &mut labels.text);
                    if labels.text.len() > start {
                        let text = start as u32..labels.text.len() as u32;
                        labels.cells.push(Label { row, col, text });
                    }
                }
            }
        }
        labels
    }

    fn text_of(&self, label: &Label) -> &str {
        &self.text[label.text.start as usize..label.text.end as usize]
    }

    /// The normalised text at (row, col), `""` for a cell without text.
    fn at(&self, row: u32, col: u32) -> &str {
        match self.cells.binary_search_by(|l| (l.row, l.col).cmp(&(row, col))) {
            Ok(i) => self.text_of(&self.cells[i]),
            Err(_) => "",
        }
    }

    /// The labels of rows `top..bottom`, in sheet order: (row, col, text).
    fn rows(&self, top: u32, bottom: u32) -> impl Iterator<Item = (u32, u32, &str)> {
        let start = self.cells.partition_point(|l| l.row < top);
        let end = self.cells.partition_point(|l| l.row < bottom).max(start);
        self.cells[start..end]
            .iter()
            .map(|l| (l.row, l.col, self.text_of(l)))
    }

    fn rows_with(&self, pred: impl Fn(&str) -> bool) -> Vec<u32> {
        let mut rows: Vec<u32> = self
            .rows(0, u32::MAX)
            .filter(|(_, _, t)| pred(t))
            .map(|(r, _, _)| r)
            .collect();
        rows.dedup();
        rows
    }
}

/// The rows `top..bottom` of a grid that hold one form.
struct Region<'a> {
    grid: &'a Grid,
    labels: &'a Labels,
    top: u32,
    bottom: u32,
}

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
}

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
}

impl Region<'_> {
    /// Labels inside this region, in sheet order.
    fn labels(&self) -> impl Iterator<Item = (u32, u32, &str)> {
        self.labels.rows(self.top, self.bottom)
    }

    fn find(&self, pred: impl Fn(&str) -> bool) -> Option<(u32, u32, &str)> {
        self.labels().find(|(_, _, t)| pred(t))
    }

    /// The field at (row, col), resolving a merged region to its top-left cell.
    fn field(&self, row: u32, col: u32) -> Field {
        let (r, c, value) = self.grid.shown(row, col);
        // A formula whose result could not be had: its value is unknown, not the placeholder
        // the file stores.
        if self.grid.unevaluated(r, c).is_some() {
            let mut field = Field::at(Pos::new(r, c), Value::Empty);
            field.unknown = true;
            return field;
        }
        let mut field = Field::at(Pos::new(r, c), value.clone());
        field.percent = self.grid.cell(r, c).percent;
        field
    }

    /// The value that a label cell introduces: text after its colon in the same cell, else the
    /// next non-empty cell to its right that is not itself a known label.
    fn value_after(&self, row: u32, col: u32, label: &str) -> Field {
        if let Value::Text(raw) = self.grid.value(row, col) {
            let n = raw.replace('：', ":");
            if let Some((head, tail)) = n.split_once(':') {
                let tail = tail.trim();
                if !tail.is_empty() && norm(head).starts_with(label) {
                    return Field::at(Pos::new(row, col), Value::Text(tail.to_string()));
                }
            }
        }
        let mut c = self.grid.right_edge(row, col) + 1;
        while c < self.grid.width() {
            let field = self.field(row, c);
            if !field.value.is_blank() {
                if is_header_label(&norm(&field.text())) {
                    break;
                }
                return field;
            }
            c = self.grid.right_edge(row, c) + 1;
        }
        // A label with nothing after it: point at the cell where the value belongs.
        let c = self.grid.right_edge(row, col) + 1;
        Field::at(Pos::new(row, c), Value::Empty)
    }

    fn read_form(&self) -> Option<Form> {
        // Header cells are short labels; a sentence that mentions them (a 填表说明 sheet) is not.
        let indicator_header = self.find(|t| is_short(t) && t.starts_with("三级指标"));
        // The funds header: 全年预算数, 调整后预算数, or any budget column marked (A); on a form
        // with an indicator table, also a lone budget column (`年初预算数`, `预算数`).
        let funds_header = self
            .find(|t| {
                is_short(t)
                    && (t.starts_with("全年预算数")
                        || t.starts_with("调整后预算")
                        || (t.contains("(A)") && header::role_of(t, Table::Funds) == Some(Role::Budget)))
            })
            .or_else(|| {
                indicator_header?;
                self.find(|t| {
                    is_short(t)
                        && matches!(
                            header::role_of(t, Table::Funds),
                            Some(Role::Budget | Role::Initial)
                        )
                })
            });
        if funds_header.is_none() && indicator_header.is_none() {
            return None;
        }
        let mut form = Form {
            sheet: self.grid.name.clone(),
            formats_known: self.grid.formats_known,
            ..Form::default()
        };
        if let Some((r, c, _)) = self.find(|t| t.contains("自评表") && t.chars().count() <= 30) {
            form.title = self.field(r, c);
        }
        if let Some((r, c, _)) =
            self.find(|t| t.contains("年度") && t.chars().any(|ch| ch.is_ascii_digit()) && t.len() <= 30)
        {
            form.year = self.field(r, c);
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("单位(盖章)") || t.starts_with("填报单位"))
        {
            let label = if norm(&self.grid.value(r, c).text()).starts_with("填报单位") {
                "填报单位"
            } else {
                "单位(盖章)"
            };
            form.unit_name = self.value_after(r, c, label);
        }
        if let Some((r, c, _)) = self.find(|t| t.contains("填报日期")) {
            form.date = self.inline_value(r, c, "填报日期");
        }
        if let Some((r, c, t)) = self.find(|t| project_label(t).is_some()) {
            let label = project_label(t).unwrap_or("项目名称");
            form.project = self.value_after(r, c, label);
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("主管部门")) {
            form.department = self.value_after(r, c, "主管部门");
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("实施单位")) {
            form.implementer = self.value_after(r, c, "实施单位");
        }
        if let Some((r, _, _)) = funds_header {
            self.read_funds(&mut form, r);
        }
        // A 全年预算数 column without any funds row under it and no indicator table is a list
        // that mentions the label (a summary of forms, jixiao's own summary.xlsx), not a form.
        if indicator_header.is_none() && form.funds.lines.is_empty() {
            return None;
        }
        if let Some((r, c, _)) = self.find(|t| t == "预期目标" || t.starts_with("预期目标")) {
            form.goal_expected = self.text_below(r, c);
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("实际完成情况")) {
            form.goal_actual = self.text_below(r, c);
        }
        let (after_table, columns) = match indicator_header {
            Some((r, _, _)) => {
                let (after, points, score) = self.read_indicators(&mut form, r);
                (after, Some((points, score)))
            }
            None => (self.top, None),
        };
        self.read_total(&mut form, after_table, columns);
        if indicator_header.is_some() {
            self.read_stated_and_reasons(&mut form, after_table);
        }
        if let Some((r, c, _)) = self
            .labels()
            .find(|(r, _, t)| *r >= after_table && (t.starts_with("自评结论") || t.starts_with("评价结论")))
        {
            let label = if self.labels.at(r, c).starts_with("评价结论") {
                "评价结论"
            } else {
                "自评结论"
            };
            form.conclusion = self.value_after(r, c, label);
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("联系人")) {
            form.contact = self.inline_value(r, c, "联系人");
        }
        if form.funds.lines.iter().any(|l| l.row == FundRow::Carryover)
            || form
                .funds
                .lines
                .iter()
                .any(|l| l.row == FundRow::Fiscal && (l.label.contains("当年") || l.label.contains("本年")))
            || self.find(|t| t.starts_with("偏差原因分析")).is_some()
        {
            form.layout = Layout::National;
        }
        form.reading.unevaluated = self.unevaluated_in(&form);
        Some(form)
    }

    /// The form's cells that hold a formula without a result, with the formula, in sheet order.
    fn unevaluated_in(&self, form: &Form) -> Vec<(Pos, String)> {
        let funds = &form.funds;
        let mut fields: Vec<&Field> = funds
            .lines
            .iter()
            .flat_map(|l| [&l.initial, &l.budget, &l.executed])
            .chain([&funds.points, &funds.rate, &funds.score])
            .collect();
        for ind in &form.indicators {
            fields.extend([
                &ind.target,
                &ind.actual,
                &ind.weight,
                &ind.score,
                &ind.reason,
                &ind.remark,
            ]);
        }
        fields.extend([&form.total_points, &form.total, &form.conclusion, &form.project]);
        let mut cells: Vec<(Pos, String)> = fields
            .into_iter()
            .filter(|f| f.unknown)
            .filter_map(|f| {
                let pos = f.pos?;
                Some((pos, self.grid.unevaluated(pos.row, pos.col)?.to_string()))
            })
            .collect();
        cells.sort_by_key(|(p, _)| (p.row, p.col));
        cells.dedup_by_key(|(p, _)| *p);
        cells
    }

    /// What the form states around its indicator table: the points its title gives
    /// (`年度绩效目标（80分）`), and a reason block for the whole form below it
    /// (`偏差大或目标未完成原因分析`), which also settles whether reasons could be read at all.
    fn read_stated_and_reasons(&self, form: &mut Form, after_table: u32) {
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

    /// `填报日期：20250211` in one cell, or the value to the right of the label.
    fn inline_value(&self, row: u32, col: u32, label: &str) -> Field {
        self.value_after(row, col, label)
    }

    /// The first non-empty cell below a label in the same column (a goals text).
    fn text_below(&self, row: u32, col: u32) -> Field {
        let below = self.grid.merge_at(row, col).map_or(row, |m| m.bottom) + 1;
        for r in below..self.bottom.min(below + 3) {
            let field = self.field(r, col);
            if !field.value.is_blank() {
                return field;
            }
        }
        Field::at(Pos::new(below, col), Value::Empty)
    }

    fn read_funds(&self, form: &mut Form, header_row: u32) {
        let band = self.header_band(header_row, Table::Funds);
        let cols = FundCols {
            initial: band.col(Role::Initial),
            budget: band.col(Role::Budget),
            executed: band.col(Role::Executed),
            points: band.col(Role::Points),
            rate: band.col(Role::Rate),
            score: band.col(Role::Score),
            reason: band.col(Role::Reason).or(band.col(Role::Remark)),
        };
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
                        || self.repeats_header(row, &band, Table::Funds)) =>
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
    fn is_blank_row(&self, row: u32) -> bool {
        (0..self.grid.width()).all(|c| {
            let (r, _, v) = self.grid.shown(row, c);
            r != row || crate::text::is_placeholder(&v.text())
        })
    }

    /// A row holding only what a page break leaves: `续表`, `第 1 页 共 2 页`.
    fn is_page_row(&self, row: u32) -> bool {
        let mut any = false;
        for (_, _, t) in self.labels.rows(row, row + 1) {
            if !header::is_page_line(t) {
                return false;
            }
            any = true;
        }
        any && (0..self.grid.width()).all(|c| !matches!(self.grid.value(row, c), Value::Number(_)))
    }

    /// Read the indicator rows under the header at `header_row`; returns the first row after the
    /// table and the table's 分值 and 得分 columns (where the 总分 row holds its figures).
    fn read_indicators(&self, form: &mut Form, header_row: u32) -> (u32, Option<u32>, Option<u32>) {
        let band = self.header_band(header_row, Table::Indicators);
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
            // The header repeated after a page break, `续表`, a page number: no row of the table.
            if self.is_page_row(row) || self.repeats_header(row, &band, Table::Indicators) {
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
                    .map(|(_, _, v)| v.text())
                    .unwrap_or_default()
            };
            let opens_numbered = [cols.level1, cols.level2, cols.level3]
                .into_iter()
                .any(|c| is_numbered(&starts_here(c)));
            // A level cell merged down from above, or left blank, carries its value down.
            if let Some(c) = cols.level1 {
                let t = self.grid.shown(row, c).2.text();
                if !t.trim().is_empty() {
                    if norm(&t) != norm(&level1) {
                        level2.clear();
                    }
                    level1 = t.trim().to_string();
                }
            }
            if let Some(c) = cols.level2 {
                let t = self.grid.shown(row, c).2.text();
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
                sub_row: norm(&name.text()).starts_with("其中"),
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
            };
            // A row left wholly empty is no row; one with a name but nothing else
            // (`指标1:` and `/`) is a template row, kept for the corrected form.
            if is_empty_row(&indicator) {
                indicator.template = true;
                if !crate::text::is_placeholder(&indicator.name.text()) {
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
    fn split_target(&self, value: Field, kind: &Field, unit: &Field) -> Field {
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
    fn is_table_end(&self, row: u32) -> bool {
        self.labels.rows(row, row + 1).any(|(_, _, t)| {
            t.starts_with("总分")
                || t.starts_with("合计")
                || t.starts_with("自评结论")
                || t.starts_with("评价结论")
                || t.starts_with("联系人")
        })
    }

    /// The 总分 row: its label, then the 分值 (100) and the total score in the indicator table's
    /// 分值 and 得分 columns; without an indicator table, the first two values right of the label.
    fn read_total(&self, form: &mut Form, from: u32, columns: Option<(Option<u32>, Option<u32>)>) {
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
}

/// The comparator a 指标性质 cell states (`≥`, `正向`), `""` for a qualitative one.
fn kind_comparator(kind: &str) -> Option<&'static str> {
    let k = crate::grammar::normalize(kind);
    Some(match k.as_str() {
        "≥" | ">" | "正向" | "正向指标" => "≥",
        "≤" | "<" | "反向" | "反向指标" => "≤",
        "=" => "=",
        _ if k.contains("定性") => "",
        _ => return None,
    })
}

/// The funds row a label names, if any.
fn fund_row_of(label: &str) -> Option<FundRow> {
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

/// The label a project's name follows (`项目名称`, `专项资金名称`, `项目(资金)名称`), as the
/// normalised text starts with it.
fn project_label(t: &str) -> Option<&'static str> {
    ["项目名称", "专项资金名称", "专项名称", "项目(资金)名称"]
        .into_iter()
        .find(|l| t.starts_with(l))
}

/// A label, not a sentence: header cells hold a few characters (`全年预算数（A）`, `三级指标`).
fn is_short(t: &str) -> bool {
    t.chars().count() <= 16
}

/// Labels that head a column or block; a value search stops at them.
fn is_header_label(t: &str) -> bool {
    const LABELS: &[&str] = &[
        "项目名称",
        "主管部门",
        "实施单位",
        "填报日期",
        "单位(盖章)",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "备注",
        "联系人",
        "联系电话",
        "(A)",
        "(B)",
    ];
    LABELS.iter().any(|l| t.starts_with(l))
}

/// Whether a row's text opens with a number of a list: `一、`, `（一）`, `1.`, `1、`, `(1)`.
fn is_numbered(text: &str) -> bool {
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
fn mark_subtotals(rows: &mut [Indicator], numbered: &[bool]) {
    let figure = |f: &Field| crate::figure::read(f).number();
    let is_parent = |i: usize, ind: &Indicator| {
        numbered.get(i).copied().unwrap_or(false)
            && !ind.template
            && crate::text::is_placeholder(&ind.target.text())
            && crate::text::is_placeholder(&ind.actual.text())
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
            None => crate::text::is_placeholder(&rows[p].weight.text()),
        };
        let scores_add_up = match figure(&rows[p].score) {
            None => crate::text::is_placeholder(&rows[p].score.text()),
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
fn take_funds_row(form: &mut Form) {
    if form.funds.lines.is_empty() || form.funds.score.pos.is_some() {
        return;
    }
    let row = form.indicators.iter_mut().find(|i| {
        !i.template
            && !i.subtotal
            && norm(&i.name.text())
                .trim_start_matches(|c: char| !c.is_alphabetic() || c.is_ascii())
                .starts_with("预算执行率")
            && crate::text::is_placeholder(&i.target.text())
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
fn is_empty_row(ind: &Indicator) -> bool {
    [&ind.target, &ind.actual, &ind.weight, &ind.score]
        .iter()
        .all(|f| crate::text::is_placeholder(&f.text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fund_rows_by_label() {
        assert_eq!(fund_row_of("其中:当年财政拨款"), Some(FundRow::Fiscal));
        assert_eq!(fund_row_of("其中:上级补助"), Some(FundRow::Superior));
        assert_eq!(fund_row_of("上年结转资金"), Some(FundRow::Carryover));
        assert_eq!(fund_row_of("其他资金"), Some(FundRow::Other));
        assert_eq!(fund_row_of("年度资金总额"), Some(FundRow::Total));
    }

    use proptest::prelude::*;

    use crate::grid::{Cell, Region};

    /// Labels and values a form is made of, so random grids often look like forms.
    const WORDS: &[&str] = &[
        "项目支出绩效目标自评表",
        "项目名称",
        "主管部门及代码",
        "实施单位",
        "项目资金（元）",
        "年初预算数",
        "全年预算数（A）",
        "全年执行数（B）",
        "分值",
        "执行率",
        "得分",
        "年度资金总额",
        "财政拨款",
        "本级安排",
        "其中：上级补助",
        "上年结转资金",
        "其他",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "未完成原因分析",
        "备注",
        "产出指标(50分)",
        "数量指标",
        "成本指标",
        "≥9次",
        "≤60000元",
        "＝100%",
        "达成预期指标",
        "部分达成",
        "2024年12月31日前",
        "总分",
        "自评结论",
        "优。",
        "联系人：",
        "-",
        "/",
        "其中：",
        "98.44%",
        "196,876.30",
    ];

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Empty),
            proptest::sample::select(WORDS).prop_map(|w| Value::Text(w.to_string())),
            (-1_000_000i64..1_000_000i64, 0u32..4)
                .prop_map(|(m, e)| Value::Number(rust_decimal::Decimal::new(m, e))),
            ".{0,12}".prop_map(Value::Text),
        ]
    }

    fn text_grid(rows: &[&[&str]]) -> Grid {
        let cells = rows.iter().enumerate().flat_map(|(r, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, t)| !t.is_empty())
                .map(move |(c, t)| {
                    (
                        r as u32,
                        c as u32,
                        Cell {
                            value: Value::Text(t.to_string()),
                            percent: false,
                        },
                    )
                })
        });
        Grid::from_cells("s", cells, Vec::new())
    }

    #[test]
    fn a_sentence_that_mentions_the_form_does_not_start_another() {
        let grid = text_grid(&[
            &["项目支出绩效目标自评表"],
            &["项目名称", "定额公用经费"],
            &["三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            &["水电通讯等保障", "≥9次", "9次", "5", "5"],
            &["总分", "", "", "5", "5"],
            &[
                "自评结论",
                "优。本自评表所填数据真实准确，各项指标均已按计划完成，特此说明并请审核。",
            ],
            &["联系人：何娟"],
        ]);
        let forms = locate(&grid).forms;
        assert_eq!(forms.len(), 1);
        assert!(forms[0].conclusion.text().starts_with("优。本自评表"));
        assert_eq!(forms[0].contact.text(), "何娟");
        assert_eq!(forms[0].indicators.len(), 1);
    }

    fn check(grid: &Grid) -> (Form, Vec<(String, String)>) {
        let mut forms = locate(grid).forms;
        assert_eq!(forms.len(), 1, "one form");
        let form = forms.remove(0);
        let checked = crate::rules::check(&form, &crate::rules::Settings::default());
        // Findings, and the reading notes at the end (their order apart from the rest).
        let (notes, rest): (Vec<_>, Vec<_>) = checked.findings.iter().partition(|f| f.code.is_reading_note());
        let findings = rest
            .into_iter()
            .chain(notes)
            .map(|f| (f.code.as_str().to_string(), f.subject.clone()))
            .collect();
        (form, findings)
    }

    /// A small form: funds in 元 with a 20-point 预算执行率 stated in the score header and no
    /// 分值 column; the indicator header repeated after a page break; a numbered subtotal row.
    fn unseen_template() -> Grid {
        text_grid(&[
            &["项目支出绩效自评表"],
            &["项目名称", "课题研究经费"],
            &[
                "项目资金（元）",
                "年初预算数（A）",
                "全年执行数（B）",
                "执行率（B/A）",
                "得分（20分*执行率）",
            ],
            &["年度资金总额", "100000", "90000", "90%", "18"],
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "得分计算方法",
                "偏差原因分析及改进措施",
            ],
            &["一、产出指标（50分）", "", "", "", "", "50", "50", "", ""],
            &[
                "",
                "数量指标",
                "课题数",
                "≥2个",
                "2个",
                "25",
                "25",
                "完成即得分",
                "",
            ],
            &[
                "",
                "质量指标",
                "验收通过率",
                "≥90%",
                "100%",
                "25",
                "25",
                "按比例",
                "",
            ],
            &["续表"],
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "得分计算方法",
                "偏差原因分析及改进措施",
            ],
            &[
                "效益指标（30分）",
                "社会效益指标",
                "成果采纳",
                "≥1项",
                "1项",
                "30",
                "30",
                "完成即得分",
                "",
            ],
            &["总分", "", "", "", "", "100", "98"],
            &["自评结论", "优"],
        ])
    }

    #[test]
    fn an_unseen_template_reads_what_it_states_and_notes_what_it_does_not() {
        let (form, findings) = check(&unseen_template());
        // `年初预算数（A）` is the budget; the score header states 20 points.
        assert_eq!(
            form.funds.line(FundRow::Total).map(|l| l.budget.text()),
            Some("100000".into())
        );
        assert_eq!(
            form.funds.stated_points.as_ref().map(|s| s.points),
            Some(rust_decimal::Decimal::from(20))
        );
        // Three indicators: the numbered subtotal and the repeated header are no rows of it.
        let counted: Vec<String> = form
            .indicators
            .iter()
            .filter(|i| i.counts())
            .map(|i| i.name.text())
            .collect();
        assert_eq!(counted, ["课题数", "验收通过率", "成果采纳"]);
        assert!(form.indicators.iter().any(|i| i.subtotal));
        // 得分计算方法 is not 得分: noted once, the real 得分 column read.
        assert_eq!(form.reading.unrecognised.len(), 1);
        assert_eq!(form.reading.unrecognised[0].label, "得分计算方法");
        assert!(
            !form.reading.absent.contains(&Column::Reason),
            "{:?}",
            form.reading.absent
        );
        // 90 % of 20 points is 18; 20 points is nonstandard; 50 + 30 + 20 = 100.
        let codes: Vec<&str> = findings.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            codes,
            ["weight-nonstandard", "column-unrecognised"],
            "{findings:?}"
        );
        assert!(findings.contains(&("weight-nonstandard".into(), "weights:预算执行率".into())));
    }

    #[test]
    fn a_missing_points_column_is_one_note_not_a_row_of_errors() {
        let grid = text_grid(&[
            &["项目支出绩效自评表"],
            &["项目名称", "课题研究经费"],
            &["三级指标", "年度指标值", "实际完成值", "得分", "未完成原因分析"],
            &["课题数", "≥2个", "1个", "10", ""],
            &["验收通过率", "≥90%", "100%", "10", ""],
            &["总分", "", "", "21"],
        ]);
        let (form, findings) = check(&grid);
        assert!(
            form.reading.absent.contains(&Column::Weight),
            "{:?}",
            form.reading.absent
        );
        // No per-row missing-field; the unmet 课题数 still lacks a reason; 总分 is still the
        // sum of the 得分 cells (20, not 21).
        assert_eq!(
            findings,
            [
                (
                    "deviation-without-reason".to_string(),
                    "indicator:/课题数".to_string()
                ),
                ("total-score-mismatch".to_string(), "total".to_string()),
                ("column-absent".to_string(), "column:一级指标".to_string()),
                ("column-absent".to_string(), "column:二级指标".to_string()),
                ("column-absent".to_string(), "column:分值".to_string()),
            ]
        );
    }

    #[test]
    fn a_reason_block_below_the_table_explains_every_deviation() {
        let rows: &[&[&str]] = &[
            &["项目支出绩效自评表"],
            &["项目名称", "课题研究经费"],
            &["三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            &["课题数", "≥2个", "1个", "10", "5"],
            &["总分", "", "", "10", "5"],
            &["偏差大或目标未完成原因分析", "课题立项推迟到次年。"],
        ];
        let (form, findings) = check(&text_grid(rows));
        assert_eq!(
            form.reason_block.as_ref().map(Field::text),
            Some("课题立项推迟到次年。".into())
        );
        assert!(
            findings.iter().all(|(c, _)| c != "deviation-without-reason"),
            "{findings:?}"
        );
        assert!(!form.reading.absent.contains(&Column::Reason));
        // Without the block, and without any reason or 备注 column, reasons cannot be read.
        let (form, findings) = check(&text_grid(&rows[..5]));
        assert!(
            form.reading.absent.contains(&Column::Reason),
            "{:?}",
            form.reading.absent
        );
        assert!(
            findings.iter().all(|(c, _)| c != "deviation-without-reason"),
            "{findings:?}"
        );
    }

    #[test]
    fn numbered_rows_that_are_indicators_stay_indicators() {
        let grid = text_grid(&[
            &["项目支出绩效自评表"],
            &["项目名称", "课题研究经费"],
            &[
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "未完成原因分析",
            ],
            &["1.课题数", "≥2个", "2个", "50", "50", ""],
            &["2.验收通过率", "≥90%", "100%", "50", "50", ""],
            &["总分", "", "", "100", "100"],
        ]);
        let (form, findings) = check(&grid);
        assert_eq!(form.indicators.iter().filter(|i| i.counts()).count(), 2);
        assert!(findings.iter().all(|(c, _)| c == "column-absent"), "{findings:?}");
    }

    #[test]
    fn costs_are_compared_only_under_a_unit_that_fits_when_none_is_stated() {
        let form = |cost: &str| {
            text_grid(&[
                &["项目支出绩效自评表"],
                &["项目名称", "课题研究经费"],
                &[
                    "",
                    "年初预算数",
                    "全年预算数（A）",
                    "全年执行数（B）",
                    "分值",
                    "执行率",
                    "得分",
                ],
                &["年度资金总额", "20", "20", "19", "10", "95", "9.5"],
                &[
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "年度指标值",
                    "实际完成值",
                    "分值",
                    "得分",
                    "偏差原因分析及改进措施",
                ],
                &[
                    "产出指标",
                    "成本指标",
                    "设备购置",
                    "≤12万元",
                    "12万元",
                    "45",
                    "45",
                    "",
                ],
                &["产出指标", "成本指标", "劳务费", cost, cost, "45", "45", ""],
                &["总分", "", "", "", "", "100", "99.5"],
            ])
        };
        let codes = |grid: Grid| check(&grid).1.into_iter().map(|(c, _)| c).collect::<Vec<_>>();
        // 12 + 8 = 20 万元 against 19: the amounts fit only as 万元, and exceed it.
        assert!(codes(form("8万元")).contains(&"cost-exceeds-execution".to_string()));
        // 12万元 + 8000元 = 12.8万元 ≤ 19: nothing, whichever way.
        assert!(!codes(form("8000元")).contains(&"cost-exceeds-execution".to_string()));
        // 12万 + 9000万元: no unit makes 9000.12 of the order of 19, so no comparison at all.
        assert!(!codes(form("9000万元")).contains(&"cost-exceeds-execution".to_string()));
    }

    proptest! {
        /// Any grid — label soup, merges overlapping or out of bounds — goes through locate and
        /// the rulebook without a panic.
        #[test]
        fn arbitrary_grids_never_panic(
            cells in proptest::collection::vec((0u32..40, 0u32..12, value(), any::<bool>()), 0..300),
            merges in proptest::collection::vec((0u32..45, 0u32..14, 0u32..8, 0u32..4), 0..30),
        ) {
            let cells = cells.into_iter().map(|(r, c, value, percent)| (r, c, Cell { value, percent }));
            let merges = merges
                .into_iter()
                .map(|(top, left, h, w)| Region { top, left, bottom: top + h, right: left + w })
                .collect();
            let grid = Grid::from_cells("s", cells, merges);
            for form in locate(&grid).forms {
                let checked = crate::rules::check(&form, &crate::rules::Settings::default());
                let _ = crate::rules::check(&checked.corrected, &crate::rules::Settings::default());
            }
        }
    }
}
