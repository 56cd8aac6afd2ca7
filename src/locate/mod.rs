//! Stage 3: find every form on a grid by its labels and lift it into a [`Form`].
//!
//! Nothing here depends on fixed coordinates. A form starts at its title (or its 项目名称
//! label when the title is missing) and ends where the next one starts. Inside it, each block is
//! found by the label that heads it (docs/rules.md, "Forms as people fill them") and its table is read by the columns its header
//! row names, so blank rows and columns, extra or missing columns, other column orders and
//! merged cells all read the same.

use crate::form::{Field, Form, FormType, FundRow, Layout};
use crate::grid::Pos;
use crate::grid::{Grid, Value};
use crate::text::{norm, push_norm};

mod funds;
mod header;
mod indicators;

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
    let mut starts: Vec<u32> = labels.rows_with(|t| title_kind(t).is_some());
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
        let mut area = Area {
            grid,
            labels: &labels,
            top: start,
            bottom: end,
            kind: FormType::SelfEvaluation,
            titled: false,
        };
        let titled = area
            .labels()
            .take_while(|(r, _, _)| *r <= start + 1)
            .find_map(|(_, _, t)| title_kind(t));
        area.kind = match titled {
            // A scoring table of the older 决策 / 管理 / 绩效 framework: no form to check.
            Some(Title::NotAForm) => continue,
            Some(Title::Form(kind)) => {
                area.titled = true;
                kind
            }
            None => area.untitled_kind(),
        };
        if let Some(form) = area.read_form() {
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

/// The rows `top..bottom` of a grid that hold one form, and which form it is.
struct Area<'a> {
    grid: &'a Grid,
    labels: &'a Labels,
    top: u32,
    bottom: u32,
    kind: FormType,
    /// The form's title names its kind (not told from its columns).
    titled: bool,
}

/// What a title says a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Title {
    Form(FormType),
    /// A table with a form's name that is none of the forms: the scoring table of the older
    /// 部门决策 / 部门管理 / 部门绩效 framework (`部门整体支出绩效评价得分表`, `评分表`).
    NotAForm,
}

/// The form a title names: short (a title, not a sentence that mentions a form), with the
/// form's name in it. `部门整体…自评表` is the unit's own; `…申报表` and `…绩效目标表` the targets
/// filed with the budget; `…监控表` the mid-year report; any other `…自评表` a project's.
fn title_kind(t: &str) -> Option<Title> {
    // Every title ends in 表: most labels are told apart by that alone.
    if !t.contains('表') || t.len() > 120 || t.chars().count() > 30 {
        return None;
    }
    if (t.contains("得分表") || t.contains("评分表")) && !t.contains("自评表") {
        return t.contains("绩效").then_some(Title::NotAForm);
    }
    let kind = if t.contains("监控表") || t.contains("监控情况表") {
        FormType::Monitoring
    } else if t.contains("申报表") || t.contains("绩效目标表") {
        FormType::TargetDeclaration
    } else if t.contains("自评表") && t.contains("部门整体") {
        FormType::DepartmentEvaluation
    } else if t.contains("自评表") {
        FormType::SelfEvaluation
    } else {
        return None;
    };
    Some(Title::Form(kind))
}

impl Area<'_> {
    /// The form a table without a title is, by the columns only one form has: a monitoring
    /// form's `1-X月执行数`, 全年预计执行数 or 完成目标可能性; else a 自评表.
    fn untitled_kind(&self) -> FormType {
        let monitoring = self.labels().any(|(_, _, t)| {
            is_short(t)
                && (t.contains("完成目标可能性")
                    || t.contains("全年预计执行")
                    || (t.starts_with("1") && funds::months_of(t).is_some() && t.contains("执行数")))
        });
        if monitoring {
            FormType::Monitoring
        } else {
            FormType::SelfEvaluation
        }
    }

    /// The label the indicator table is found by: `三级指标`, or what the form's kind calls it
    /// (`指标内容` on a declaration, `指标名称` on a monitoring form or a unit's flat list); on a
    /// declaration in the table of the year's indicators where it has one for the whole period
    /// too (`长期绩效指标` above `年度绩效指标`).
    fn indicator_header(&self) -> Option<(u32, u32, &str)> {
        let table = Table::indicators(self.kind);
        // Every name of the 三级指标 column has 指标 in it: other labels are passed over cheaply.
        let names_level3 =
            |t: &str| is_short(t) && t.contains("指标") && header::role_of(t, table) == Some(Role::Level3);
        let from = match self.kind {
            FormType::TargetDeclaration => self
                .find(|t| is_short(t) && t.starts_with("年度绩效指标"))
                .map_or(self.top, |(r, _, _)| r),
            _ => self.top,
        };
        self.labels()
            .filter(|(r, _, _)| *r >= from)
            .find(|(_, _, t)| names_level3(t))
    }

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
                if is_header_label(&norm(&field.as_text())) {
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
        let indicator_header = self.indicator_header();
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
                // A lone budget column heads the funds of a form with an indicator table, or of
                // a monitoring form (`年初预算数 | 1-6月执行数 | 全年预计执行数`).
                if indicator_header.is_none() && self.kind != FormType::Monitoring {
                    return None;
                }
                self.find(|t| {
                    is_short(t)
                        && matches!(
                            header::role_of(t, Table::Funds),
                            Some(Role::Budget | Role::Initial)
                        )
                })
            });
        // A table titled as another form of the cycle whose tables jixiao does not read is
        // still that form (its kind and head are reported, nothing is checked), never `no-form`.
        let head_only = self.titled && self.kind != FormType::SelfEvaluation;
        if funds_header.is_none() && indicator_header.is_none() && !head_only {
            return None;
        }
        let mut form = Form {
            sheet: self.grid.name.clone(),
            kind: self.kind,
            formats_known: self.grid.formats_known,
            ..Form::default()
        };
        for field in HEAD_FIELDS {
            self.read_head_field(&mut form, field, self.top);
        }
        if let Some((r, _, _)) = funds_header {
            self.read_funds(&mut form, r);
        } else if self.kind == FormType::TargetDeclaration {
            self.read_declared_funds(&mut form);
        }
        // A 全年预算数 column without any funds row under it and no indicator table is a list
        // that mentions the label (a summary of forms, jixiao's own summary.xlsx), not a form.
        if indicator_header.is_none() && form.funds.lines.is_empty() {
            if !head_only {
                return None;
            }
            form.head_only = true;
        }
        let (after_table, columns) = match indicator_header {
            Some((r, _, _)) => {
                let (after, points, score) = self.read_indicators(&mut form, r);
                // A 部门整体 table with neither targets nor results is the scoring table of an
                // evaluation (规划 / 执行 / 效果 or 决策 / 管理 / 绩效, with 指标解释 and 评分标准),
                // not the unit's self-evaluation form.
                let absent = &form.reading.absent;
                if self.kind == FormType::DepartmentEvaluation
                    && absent.contains(&crate::form::Column::Target)
                    && absent.contains(&crate::form::Column::Actual)
                {
                    return None;
                }
                (after, Some((points, score)))
            }
            None => (self.top, None),
        };
        self.read_total(&mut form, after_table, columns);
        if indicator_header.is_some() {
            self.read_stated_and_reasons(&mut form, after_table);
        }
        // The conclusion is read below the table (a 填表说明 above it may name the label).
        self.read_head_field(&mut form, &CONCLUSION, after_table);
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

    /// Read one field of the form's head by its label, searching from row `from` on.
    fn read_head_field(&self, form: &mut Form, field: &HeadField, from: u32) {
        let Some((r, c, label)) = self
            .labels()
            .filter(|(r, _, _)| *r >= from)
            .find_map(|(r, c, t)| (field.label)(t).map(|label| (r, c, label)))
        else {
            return;
        };
        let value = match field.read {
            Reads::Cell => self.field(r, c),
            Reads::After => self.value_after(r, c, label),
            Reads::Below => self.text_below(r, c),
        };
        (field.set)(form, value);
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
}

/// How a field of the form's head is read from its label's cell.
#[derive(Clone, Copy)]
enum Reads {
    /// The label's cell is the field (the title, the year line).
    Cell,
    /// The text after the label's colon, else the next value to its right.
    After,
    /// The first value below it (a goals text).
    Below,
}

/// A field of the form's head: the label that introduces it (the label's normalised text →
/// the prefix to split its own value from, `None` when it is not this label), how its value is
/// read, and where it goes. One table for every such field, in the order they are read.
struct HeadField {
    label: fn(&str) -> Option<&'static str>,
    read: Reads,
    set: fn(&mut Form, Field),
}

const HEAD_FIELDS: &[HeadField] = &[
    // A title, not a sentence that mentions the form.
    HeadField {
        label: |t| title_kind(t).is_some().then_some(""),
        read: Reads::Cell,
        set: |f, v| f.title = v,
    },
    HeadField {
        label: |t| {
            (t.contains("年度") && t.chars().any(|c| c.is_ascii_digit()) && t.len() <= 30).then_some("")
        },
        read: Reads::Cell,
        set: |f, v| f.year = v,
    },
    HeadField {
        label: |t| ["单位(盖章)", "填报单位"].into_iter().find(|l| t.starts_with(l)),
        read: Reads::After,
        set: |f, v| f.unit_name = v,
    },
    HeadField {
        label: |t| t.contains("填报日期").then_some("填报日期"),
        read: Reads::After,
        set: |f, v| f.date = v,
    },
    HeadField {
        label: project_label,
        read: Reads::After,
        set: |f, v| f.project = v,
    },
    HeadField {
        label: |t| t.starts_with("主管部门").then_some("主管部门"),
        read: Reads::After,
        set: |f, v| f.department = v,
    },
    HeadField {
        label: |t| t.starts_with("实施单位").then_some("实施单位"),
        read: Reads::After,
        set: |f, v| f.implementer = v,
    },
    HeadField {
        label: |t| t.starts_with("预期目标").then_some("预期目标"),
        read: Reads::Below,
        set: |f, v| f.goal_expected = v,
    },
    HeadField {
        label: |t| t.starts_with("实际完成情况").then_some("实际完成情况"),
        read: Reads::Below,
        set: |f, v| f.goal_actual = v,
    },
    HeadField {
        label: |t| t.starts_with("联系人").then_some("联系人"),
        read: Reads::After,
        set: |f, v| f.contact = v,
    },
];

/// 自评结论 (or 评价结论), read from the end of the indicator table on.
const CONCLUSION: HeadField = HeadField {
    label: |t| ["自评结论", "评价结论"].into_iter().find(|l| t.starts_with(l)),
    read: Reads::After,
    set: |f, v| f.conclusion = v,
};

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

#[cfg(test)]
mod tests;
