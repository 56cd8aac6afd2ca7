//! Stage 3: find every form on a grid by its labels and lift it into a [`Form`].
//!
//! Nothing here depends on fixed coordinates. A form starts at its title (or its 项目名称
//! label when the title is missing) and ends where the next one starts. Inside it, each block is
//! found by the label that heads it (docs/rules.md, "Forms as people fill them") and its table is read by the columns its header
//! row names, so blank rows and columns, extra or missing columns, other column orders and
//! merged cells all read the same.

use crate::form::{Field, Form, FundLine, FundRow, Indicator, Layout, MoneyUnit};
use crate::grid::Pos;
use crate::grid::{Grid, Value};
use crate::text::{norm, push_norm};

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
    let project_rows = labels.rows_with(|t| t.starts_with("项目名称") && t.chars().count() <= 40);
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
        let end = self.cells.partition_point(|l| l.row < bottom);
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
        let funds_header = self.find(|t| {
            is_short(t)
                && (t.starts_with("全年预算数") || t.contains("预算数(A)") || t.starts_with("调整后预算"))
        });
        let indicator_header = self.find(|t| is_short(t) && t.starts_with("三级指标"));
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
        if let Some((r, c, _)) = self.find(|t| t.starts_with("项目名称")) {
            form.project = self.value_after(r, c, "项目名称");
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("主管部门")) {
            form.department = self.value_after(r, c, "主管部门");
        }
        if let Some((r, c, _)) = self.find(|t| t.starts_with("实施单位")) {
            form.implementer = self.value_after(r, c, "实施单位");
        }
        if let Some((r, c, _)) = funds_header {
            self.read_funds(&mut form, r, c);
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
        let after_table = match indicator_header {
            Some((r, _, _)) => self.read_indicators(&mut form, r),
            None => self.top,
        };
        self.read_total(&mut form, after_table);
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
        Some(form)
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

    /// The header band that starts at `top`: up to three rows of labels, a parent label merged
    /// over its children (`指标值` over `年度指标值（A）` and `实际完成值（B）`), or a label split over
    /// two rows (`全年预算数` over `（A）`). Each column gets the role its deepest label names, or
    /// else its parent's (one synonym table, [`role_of`]); data starts below the band.
    fn header_band(&self, top: u32, table: Table) -> Band {
        let width = self.grid.width();
        // The band reaches at least as deep as the column labels merged down from its top row
        // (not a block's side label, `项目资金（元）`, merged down beside the whole table)…
        let mut bottom = (0..width)
            .filter(|&c| role_of(self.labels.at(top, c), table).is_some())
            .filter_map(|c| {
                self.grid
                    .merge_at(top, c)
                    .filter(|m| m.top == top)
                    .map(|m| m.bottom)
            })
            .max()
            .unwrap_or(top)
            .clamp(top, top + 2);
        // …and over the rows below that hold only header labels (never a figure or a funds row).
        while bottom < top + 2 && bottom + 1 < self.bottom && self.is_header_row(bottom + 1, table) {
            bottom += 1;
        }
        let mut columns = Vec::new();
        for col in 0..width {
            let mut stack: Vec<(u32, u32)> = Vec::new();
            for row in top..=bottom {
                let (r, c, _) = self.grid.shown(row, col);
                if !self.labels.at(r, c).is_empty() && stack.last() != Some(&(r, c)) {
                    stack.push((r, c));
                }
            }
            // Deepest label first: a child names the column better than its parent.
            let role = stack
                .iter()
                .rev()
                .find_map(|&(r, c)| ranked_role_of(self.labels.at(r, c), table));
            let text: String = stack.iter().map(|&(r, c)| self.labels.at(r, c)).collect();
            if let Some((rank, role)) = role {
                columns.push(BandColumn {
                    col,
                    role,
                    rank,
                    text,
                });
            }
        }
        Band { columns, bottom }
    }

    /// A row of header labels only: some cell that starts in it names a column, and none is a
    /// figure or a funds row label.
    fn is_header_row(&self, row: u32, table: Table) -> bool {
        let mut names = false;
        for col in 0..self.grid.width() {
            let (r, c, value) = self.grid.shown(row, col);
            if r != row {
                continue;
            }
            match value {
                Value::Number(_) | Value::Date(_) | Value::Bool(_) => return false,
                Value::Text(_) => {
                    let t = self.labels.at(r, c);
                    if fund_row_of(t).is_some() || !is_short(t) {
                        return false;
                    }
                    names |= role_of(t, table).is_some() || is_column_mark(t);
                }
                _ => {}
            }
            let _ = c;
        }
        names
    }

    fn read_funds(&self, form: &mut Form, header_row: u32, _header_col: u32) {
        let band = self.header_band(header_row, Table::Funds);
        let cols = FundCols {
            initial: band.col(Role::Initial),
            budget: band.col(Role::Budget),
            executed: band.col(Role::Executed),
            points: band.col(Role::Points),
            rate: band.col(Role::Rate),
            score: band.col(Role::Score),
        };
        // Amounts in 万元 when the funds header or the block's label says so.
        let in_wan = band.columns.iter().any(|c| c.text.contains("万元"))
            || self
                .labels()
                .take_while(|(r, _, _)| *r <= band.bottom)
                .any(|(_, _, t)| {
                    t.contains("万元") && (t.contains("资金") || t.contains("预算")) && is_short(t)
                });
        if in_wan {
            form.funds.unit = MoneyUnit::WanYuan;
        }
        let first_amount = [cols.initial, cols.budget, cols.executed]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.grid.width());
        let mut row = band.bottom + 1;
        let mut seen_any = false;
        while row < self.bottom {
            let label = (0..first_amount).find_map(|c| {
                let (r, cc, v) = self.grid.shown(row, c);
                let t = self.labels.at(r, cc);
                // Only a label that starts in this row (not the block's side label).
                (r == row
                    || self
                        .grid
                        .merge_at(row, c)
                        .is_some_and(|m| m.top == row && m.left == cc))
                .then(|| fund_row_of(t).map(|fr| (fr, v.text())))
                .flatten()
            });
            match label {
                Some((fund_row, text)) => {
                    seen_any = true;
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
                        }
                        form.funds.lines.push(line);
                    }
                }
                None if seen_any => break,
                None => {}
            }
            row += 1;
            if !seen_any && row > band.bottom + 3 {
                break;
            }
        }
    }

    /// Read the indicator rows under the header at `header_row`; returns the first row after the
    /// table.
    fn read_indicators(&self, form: &mut Form, header_row: u32) -> u32 {
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
        let mut row = band.bottom + 1;
        let (mut level1, mut level2) = (String::new(), String::new());
        while row < self.bottom {
            if self.is_table_end(row) {
                break;
            }
            let pick = |c: Option<u32>| c.map(|c| self.field(row, c)).unwrap_or_default();
            // A value merged down from a row above belongs to that row (a tall indicator row):
            // only the reason and remark columns legitimately span several indicators.
            let own = |c: Option<u32>| match c {
                Some(c) if self.grid.shown(row, c).0 != row => Field::at(Pos::new(row, c), Value::Empty),
                other => pick(other),
            };
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
                }
            } else {
                form.indicators.push(indicator);
            }
            row += 1;
        }
        row
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

    /// The 总分 row: its label, then the 分值 (100) and the total score to its right.
    fn read_total(&self, form: &mut Form, from: u32) {
        let Some((row, col, _)) = self
            .labels()
            .find(|(r, _, t)| *r >= from.saturating_sub(1) && (t.starts_with("总分") || *t == "合计"))
        else {
            return;
        };
        // Prefer the columns the indicator header named; fall back to the first two values
        // to the right of the label.
        let mut values = Vec::new();
        let mut c = self.grid.right_edge(row, col) + 1;
        while c < self.grid.width() && values.len() < 2 {
            let field = self.field(row, c);
            if !field.value.is_blank() {
                values.push(field);
            }
            c = self.grid.right_edge(row, c) + 1;
        }
        let header_row = self
            .find(|t| is_short(t) && t.starts_with("三级指标"))
            .map(|(r, _, _)| r);
        let by_header = header_row.map(|hr| {
            let band = self.header_band(hr, Table::Indicators);
            (band.col(Role::Points), band.col(Role::Score))
        });
        match by_header {
            Some((Some(w), Some(s))) => {
                form.total_points = self.field(row, w);
                form.total = self.field(row, s);
            }
            _ => {
                let mut it = values.into_iter();
                form.total_points = it.next().unwrap_or_default();
                form.total = it.next().unwrap_or_default();
            }
        }
    }
}

/// Which table a header band heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Funds,
    Indicators,
}

/// What a column of a table holds, named by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Initial,
    Budget,
    Executed,
    Rate,
    Points,
    Score,
    Level1,
    Level2,
    Level3,
    Kind,
    Target,
    Unit,
    Actual,
    Reason,
    Remark,
}

/// How a header label is matched (on its normalised text).
#[derive(Debug, Clone, Copy)]
enum Words {
    Starts(&'static str),
    Contains(&'static str),
}

/// The one table of header synonyms, per table, in order of precedence: the national and
/// Guizhou templates, Sichuan's (调整后预算数, 预算执行数, 权重, 指标性质 / 指标值 / 度量单位, 完成值),
/// Yunnan's and the 2019 central one (全年实际值). A label matches the first entry it fits; where
/// two columns claim a role, the one matched by the earlier (more specific) entry has it
/// (`调整后预算数` over a label column's `年度预算数（万元）`).
const SYNONYMS: &[(Table, Role, Words)] = &[
    (Table::Funds, Role::Initial, Words::Contains("年初预算")),
    (Table::Funds, Role::Rate, Words::Contains("执行率")),
    (Table::Funds, Role::Executed, Words::Contains("执行数")),
    (Table::Funds, Role::Executed, Words::Contains("实际支出")),
    (Table::Funds, Role::Budget, Words::Starts("全年预算")),
    (Table::Funds, Role::Budget, Words::Contains("调整后预算")),
    (Table::Funds, Role::Budget, Words::Contains("预算数(A)")),
    (Table::Funds, Role::Budget, Words::Contains("预算数")),
    (Table::Funds, Role::Points, Words::Starts("分值")),
    (Table::Funds, Role::Points, Words::Starts("权重")),
    (Table::Funds, Role::Score, Words::Starts("得分")),
    (Table::Indicators, Role::Level1, Words::Starts("一级指标")),
    (Table::Indicators, Role::Level2, Words::Starts("二级指标")),
    (Table::Indicators, Role::Level3, Words::Starts("三级指标")),
    (Table::Indicators, Role::Kind, Words::Starts("指标性质")),
    (Table::Indicators, Role::Unit, Words::Starts("度量单位")),
    (Table::Indicators, Role::Unit, Words::Starts("计量单位")),
    (Table::Indicators, Role::Actual, Words::Contains("实际完成值")),
    (Table::Indicators, Role::Actual, Words::Contains("完成值")),
    (Table::Indicators, Role::Actual, Words::Contains("实际值")),
    (Table::Indicators, Role::Target, Words::Contains("指标值")),
    (Table::Indicators, Role::Target, Words::Contains("目标值")),
    (Table::Indicators, Role::Points, Words::Starts("分值")),
    (Table::Indicators, Role::Points, Words::Starts("权重")),
    (Table::Indicators, Role::Score, Words::Starts("得分")),
    (Table::Indicators, Role::Reason, Words::Contains("原因")),
    (Table::Indicators, Role::Remark, Words::Starts("备注")),
];

/// The role a header label names in `table`, if any. Labels are short; a sentence (a
/// template's instructions merged over a column) names nothing.
fn role_of(label: &str, table: Table) -> Option<Role> {
    ranked_role_of(label, table).map(|(_, role)| role)
}

/// [`role_of`] with the rank of the synonym that matched (lower is more specific).
fn ranked_role_of(label: &str, table: Table) -> Option<(usize, Role)> {
    if label.is_empty() || !is_short(label) {
        return None;
    }
    SYNONYMS.iter().enumerate().find_map(|(rank, &(t, role, words))| {
        let fits = match words {
            Words::Starts(w) => label.starts_with(w),
            Words::Contains(w) => label.contains(w),
        };
        (t == table && fits).then_some((rank, role))
    })
}

/// A column mark under a split label: `(A)`, `(B)`, `A`, `B=A×…`.
fn is_column_mark(label: &str) -> bool {
    let t = label.trim_start_matches('(').trim_end_matches(')');
    t.chars().count() <= 3 && t.chars().all(|c| c.is_ascii_uppercase())
}

/// A header band: the columns it names and its last row.
#[derive(Debug)]
struct Band {
    columns: Vec<BandColumn>,
    bottom: u32,
}

#[derive(Debug)]
struct BandColumn {
    col: u32,
    role: Role,
    /// The rank of the synonym that named it (see [`SYNONYMS`]).
    rank: usize,
    /// Every label stacked over the column, top down, joined.
    text: String,
}

impl Band {
    /// The column of a role: the most specific label's, then the leftmost.
    fn col(&self, role: Role) -> Option<u32> {
        self.columns
            .iter()
            .filter(|c| c.role == role)
            .min_by_key(|c| (c.rank, c.col))
            .map(|c| c.col)
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
