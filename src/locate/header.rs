//! What a table's header says: which field each column holds, decided by what its header
//! MEANS, not by a word it happens to contain.
//!
//! A header is read in three steps ([`classify`]):
//! 1. marks in brackets are set apart: `全年预算数（A）` is `全年预算数` marked A, `得分（20分*执行率）`
//!    is `得分` with a stated rule. In the funds table the mark decides: the column marked `（A）`
//!    is the budget whatever its name, `（B）` the execution, `（B/A）` the rate.
//! 2. one synonym table ([`SYNONYMS`]) names the field of the rest (`调整后预算数` = 全年预算数,
//!    `权重` = 分值, `完成值` = 实际完成值 …);
//! 3. a header that names a field and then qualifies it as a method, rule, explanation, source
//!    or note (`得分计算方法`, `指标值说明`, `执行数来源`) is not that field: it is an unknown
//!    column, like any header no template uses.
//!
//! Unknown columns are not read and do not move their neighbours; two columns that claim the
//! same field equally are both left unread (which one holds it cannot be told). Both are said
//! once per form (`column-unrecognised`). Row labels, block titles and row numbers are neutral:
//! they name no column and are not reported.
//!
//! Why ~800 lines: one synonym table and the header-band logic that reads it, which share their
//! types; their tests are in `locate/tests.rs`.

use std::cell::RefCell;
use std::collections::HashMap;

use rust_decimal::Decimal;

use super::Area;
use crate::form::FormType;
use crate::grid::{Pos, Value};

/// Which table a header band heads. A monitoring form's tables know its own columns too
/// (全年预计执行数, 完成目标可能性…), named by the entries of [`SYNONYMS`] for them, which come
/// first; every other form's tables never read those words as a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Funds,
    Indicators,
    MonitoringFunds,
    MonitoringIndicators,
    DeclarationIndicators,
    DepartmentIndicators,
}

impl Table {
    /// Every table, in the order of their slots in the remembered headers.
    pub(super) const ALL: [Table; 6] = [
        Table::Funds,
        Table::Indicators,
        Table::MonitoringFunds,
        Table::MonitoringIndicators,
        Table::DeclarationIndicators,
        Table::DepartmentIndicators,
    ];

    /// The table of the 自评表 this one extends.
    pub(super) fn base(self) -> Table {
        match self {
            Table::Funds | Table::MonitoringFunds => Table::Funds,
            Table::Indicators
            | Table::MonitoringIndicators
            | Table::DeclarationIndicators
            | Table::DepartmentIndicators => Table::Indicators,
        }
    }

    /// The funds table of a form of `kind`.
    pub(super) fn funds(kind: FormType) -> Table {
        match kind {
            FormType::Monitoring => Table::MonitoringFunds,
            _ => Table::Funds,
        }
    }

    /// The indicator table of a form of `kind`.
    pub(super) fn indicators(kind: FormType) -> Table {
        match kind {
            FormType::Monitoring => Table::MonitoringIndicators,
            FormType::TargetDeclaration => Table::DeclarationIndicators,
            FormType::DepartmentEvaluation => Table::DepartmentIndicators,
            _ => Table::Indicators,
        }
    }
}

/// What a column of a table holds, named by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
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
    /// 全年预计执行数 (funds), 全年预计完成情况 (indicators): a monitoring form's forecast.
    Forecast,
    /// 完成目标可能性.
    Likelihood,
    /// 完善措施 / 相关建议或举措.
    Measures,
    /// A declaration's 中期指标值 (the target for the whole project period, beside the year's).
    MidTerm,
    /// A 部门整体 flat list's 调整指标值.
    Adjusted,
    /// A 部门整体 flat list's 得分系数.
    Coefficient,
    /// A 部门整体 flat list's 是否核心指标.
    Core,
}

/// How a header word is matched (on the header without its bracketed marks).
#[derive(Debug, Clone, Copy)]
enum Words {
    Starts(&'static str),
    Contains(&'static str),
}

impl Words {
    /// Where the word ends in `head`, when it fits.
    fn end_in(self, head: &str) -> Option<usize> {
        match self {
            Words::Starts(w) => head.starts_with(w).then_some(w.len()),
            Words::Contains(w) => head.find(w).map(|at| at + w.len()),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Words::Starts(w) | Words::Contains(w) => w,
        }
    }
}

/// The one table of header synonyms, per table, in order of precedence: the national and
/// Guizhou templates, Sichuan's (调整后预算数, 预算执行数, 权重, 指标性质 / 指标值 / 度量单位, 完成值),
/// Yunnan's and the 2019 central one (全年实际值). A header matches the first entry it fits;
/// where two columns claim a field, the one matched by the earlier (more specific) entry has it.
#[rustfmt::skip]
const SYNONYMS: &[(Table, Role, Words)] = &[
    // A monitoring form's own columns (黄石 2019, the vendor systems' 双监控 tables): the
    // forecasts, 1-X月执行情况 / 半年度指标执行情况 / 当前完成值 as what is done so far,
    // 完成目标可能性, and the measures beside the reason. Written as whole headers, so that a
    // data row of words (`确定能`, `预计完成`, an indicator named `预算执行情况`) never reads as
    // one.
    (Table::MonitoringFunds, Role::Forecast, Words::Contains("全年预计")),
    (Table::MonitoringFunds, Role::Forecast, Words::Contains("预计全年")),
    (Table::MonitoringIndicators, Role::Forecast, Words::Contains("全年预计")),
    (Table::MonitoringIndicators, Role::Forecast, Words::Contains("预计全年")),
    (Table::MonitoringIndicators, Role::Likelihood, Words::Contains("目标可能性")),
    (Table::MonitoringIndicators, Role::Reason, Words::Contains("原因")),
    (Table::MonitoringIndicators, Role::Actual, Words::Contains("月执行情况")),
    (Table::MonitoringIndicators, Role::Actual, Words::Contains("指标执行情况")),
    (Table::MonitoringIndicators, Role::Actual, Words::Starts("执行情况")),
    (Table::MonitoringIndicators, Role::Actual, Words::Contains("当前完成值")),
    (Table::MonitoringIndicators, Role::Measures, Words::Starts("完善措施")),
    (Table::MonitoringIndicators, Role::Measures, Words::Starts("改进措施")),
    (Table::MonitoringIndicators, Role::Measures, Words::Contains("建议或举措")),
    (Table::MonitoringIndicators, Role::Level3, Words::Starts("指标名称")),
    // A declaration's: 中期 beside 年度指标值 (财预〔2015〕88号's annex), and the 三级指标 as
    // 指标内容 / 指标名称 (宁乡's and 佳县's templates).
    (Table::DeclarationIndicators, Role::MidTerm, Words::Starts("中期指标")),
    (Table::DeclarationIndicators, Role::Level3, Words::Starts("指标内容")),
    (Table::DeclarationIndicators, Role::Level3, Words::Starts("指标名称")),
    // A 部门整体 flat list's (重庆): 指标名称, 年初指标值 beside 调整指标值, 得分系数 × 指标权重 =
    // 指标得分, 是否核心指标.
    (Table::DepartmentIndicators, Role::Level3, Words::Starts("指标名称")),
    (Table::DepartmentIndicators, Role::Adjusted, Words::Starts("调整指标值")),
    (Table::DepartmentIndicators, Role::Target, Words::Starts("年初指标值")),
    (Table::DepartmentIndicators, Role::Coefficient, Words::Contains("得分系数")),
    (Table::DepartmentIndicators, Role::Points, Words::Contains("指标权重")),
    (Table::DepartmentIndicators, Role::Score, Words::Contains("指标得分")),
    (Table::DepartmentIndicators, Role::Core, Words::Contains("核心指标")),
    (Table::Funds, Role::Score, Words::Contains("执行率得分")),
    (Table::Funds, Role::Points, Words::Contains("执行率权重")),
    (Table::Funds, Role::Points, Words::Contains("执行率分值")),
    (Table::Funds, Role::Initial, Words::Contains("年初预算")),
    (Table::Funds, Role::Rate, Words::Contains("执行率")),
    (Table::Funds, Role::Executed, Words::Contains("执行数")),
    (Table::Funds, Role::Executed, Words::Contains("实际支出")),
    (Table::Funds, Role::Budget, Words::Starts("全年预算")),
    (Table::Funds, Role::Budget, Words::Contains("调整后预算")),
    (Table::Funds, Role::Budget, Words::Contains("预算数")),
    (Table::Funds, Role::Points, Words::Contains("分值")),
    (Table::Funds, Role::Points, Words::Starts("权重")),
    (Table::Funds, Role::Score, Words::Starts("得分")),
    (Table::Funds, Role::Reason, Words::Contains("原因")),
    (Table::Funds, Role::Remark, Words::Starts("备注")),
    (Table::Indicators, Role::Level1, Words::Starts("一级指标")),
    (Table::Indicators, Role::Level2, Words::Starts("二级指标")),
    (Table::Indicators, Role::Level3, Words::Starts("三级指标")),
    (Table::Indicators, Role::Kind, Words::Starts("指标性质")),
    (Table::Indicators, Role::Unit, Words::Starts("度量单位")),
    (Table::Indicators, Role::Unit, Words::Starts("计量单位")),
    (Table::Indicators, Role::Actual, Words::Contains("实际完成")),
    (Table::Indicators, Role::Actual, Words::Contains("完成值")),
    (Table::Indicators, Role::Actual, Words::Contains("实际值")),
    (Table::Indicators, Role::Target, Words::Contains("指标值")),
    (Table::Indicators, Role::Target, Words::Contains("目标值")),
    (Table::Indicators, Role::Points, Words::Contains("分值")),
    (Table::Indicators, Role::Points, Words::Starts("权重")),
    (Table::Indicators, Role::Score, Words::Starts("得分")),
    (Table::Indicators, Role::Reason, Words::Contains("原因")),
    (Table::Indicators, Role::Remark, Words::Starts("备注")),
];

/// Words that, after a field's name, make the header a description of the field rather than the
/// field: `得分计算方法`, `评分标准`, `指标值说明`, `数据来源`.
const QUALIFIERS: &[&str] = &[
    "方法", "标准", "说明", "依据", "来源", "公式", "口径", "解释", "释义", "规则", "方式", "要求", "细则",
];

/// Headers that name no column of their own: row numbers, a block's side label or title, the
/// parent label over 一级/二级/三级指标.
const NEUTRAL: &[&str] = &[
    "序号",
    "编号",
    "行次",
    "项目",
    "指标",
    "绩效指标",
    "年度绩效指标",
    "绩效目标",
    "年度绩效目标",
    "绩效指标完成情况",
    "预算执行情况",
];

/// How a header reads in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// Names a field: its role, the rank of the synonym that matched (lower is more specific)
    /// and whether the header is exactly that synonym.
    Field { role: Role, rank: usize, exact: bool },
    /// Names no column: empty, a mark under its parent (`（A）` in the indicator table), a
    /// sentence, a row number, a block's side label (`项目资金（元）`).
    Neutral,
    /// A header jixiao does not know, or one that describes a field (`得分计算方法`).
    Unknown,
}

/// How many [`Table`]s there are (the slots of a remembered header).
const TABLES: usize = Table::ALL.len();
const _: () = assert!(Table::DepartmentIndicators as usize + 1 == TABLES);

thread_local! {
    /// How the headers seen on this thread read, per table: a batch's forms repeat the same few
    /// dozen headers, and reading one is a pass over the synonym table. A function of the label
    /// and the table alone, so remembering it changes nothing but the time.
    static CLASSES: RefCell<HashMap<Box<str>, [Option<Class>; TABLES]>> = RefCell::new(HashMap::new());
}

/// Headers remembered per thread before the memory is cleared (a few hundred in a real batch).
const REMEMBERED_HEADERS: usize = 4096;

/// How `label` (normalised) reads as a header of `table`.
pub(super) fn classify(label: &str, table: Table) -> Class {
    // A sentence reads as no header at once; it is not worth remembering.
    if label.len() > 16 * 4 {
        return classify_label(label, table);
    }
    let slot = table as usize;
    CLASSES.with(|cache| {
        if let Some(class) = cache.borrow().get(label).and_then(|slots| slots[slot]) {
            return class;
        }
        let class = classify_label(label, table);
        let mut cache = cache.borrow_mut();
        if cache.len() >= REMEMBERED_HEADERS {
            cache.clear();
        }
        match cache.get_mut(label) {
            Some(slots) => slots[slot] = Some(class),
            None => {
                let mut slots = [None; TABLES];
                slots[slot] = Some(class);
                cache.insert(label.into(), slots);
            }
        }
        class
    })
}

/// [`classify`] itself, without the memory.
pub(super) fn classify_label(label: &str, table: Table) -> Class {
    // Longer than any header: a sentence (a template's instructions merged over a column, a
    // note beside the form).
    if label.is_empty() || label.chars().count() > 16 {
        return Class::Neutral;
    }
    let (head, marks) = split_marks(label);
    let named = name_class(&head, table);
    // In the funds table a column mark decides between the amount columns: `年初预算数（A）` is
    // the budget, `（B）` alone the execution.
    let amount = |class: Class| {
        matches!(class, Class::Neutral) && head.is_empty()
            || matches!(
                class,
                Class::Field {
                    role: Role::Initial | Role::Budget | Role::Executed | Role::Rate,
                    ..
                }
            )
    };
    if table.base() == Table::Funds
        && amount(named)
        && let Some(role) = marks.iter().find_map(|m| mark_role(m))
    {
        return Class::Field {
            role,
            rank: 0,
            exact: true,
        };
    }
    // In the indicator table `（A）` marks the target and `（B）` the actual
    // (`预期指标值（A）`, `实际完成指标值（B）`).
    let value = matches!(
        named,
        Class::Field {
            role: Role::Target | Role::Actual,
            ..
        }
    ) || (head.is_empty() && matches!(named, Class::Neutral));
    if table.base() == Table::Indicators
        && value
        && let Some(role) = marks.iter().find_map(|m| match mark_role(m) {
            Some(Role::Budget) => Some(Role::Target),
            Some(Role::Executed) => Some(Role::Actual),
            _ => None,
        })
    {
        return Class::Field {
            role,
            rank: 0,
            exact: true,
        };
    }
    named
}

/// How a header without its bracketed marks reads.
fn name_class(head: &str, table: Table) -> Class {
    if head.is_empty() || NEUTRAL.contains(&head) || is_column_mark(head) {
        return Class::Neutral;
    }
    if table.base() == Table::Funds && head.contains("资金") {
        return Class::Neutral;
    }
    let found = SYNONYMS
        .iter()
        .enumerate()
        .filter(|(_, (t, _, _))| *t == table || *t == table.base())
        .find_map(|(rank, &(_, role, words))| words.end_in(head).map(|end| (rank, role, words, end)));
    let Some((rank, role, words, end)) = found else {
        return Class::Unknown;
    };
    let rest = &head[end..];
    let describes =
        !matches!(role, Role::Reason | Role::Remark) && QUALIFIERS.iter().any(|q| rest.contains(q));
    if describes {
        return Class::Unknown;
    }
    Class::Field {
        role,
        rank,
        exact: head == words.word(),
    }
}

/// The field a header of `table` names, if any.
pub(super) fn role_of(label: &str, table: Table) -> Option<Role> {
    match classify(label, table) {
        Class::Field { role, .. } => Some(role),
        _ => None,
    }
}

/// A label without its bracketed parts, and those parts: `全年预算数(A)` → (`全年预算数`, [`A`]).
fn split_marks(label: &str) -> (String, Vec<String>) {
    let mut head = String::with_capacity(label.len());
    let mut marks = Vec::new();
    let mut depth = 0u32;
    let mut mark = String::new();
    for c in label.chars() {
        match c {
            '(' | '[' | '<' | '〈' | '《' => {
                depth = depth.saturating_add(1);
                if depth == 1 {
                    mark.clear();
                }
            }
            ')' | ']' | '>' | '〉' | '》' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    marks.push(std::mem::take(&mut mark));
                }
            }
            _ if depth > 0 => mark.push(c),
            _ => head.push(c),
        }
    }
    (head, marks)
}

/// The funds field a column mark names: `A` the budget, `B` the execution, `B/A` the rate.
fn mark_role(mark: &str) -> Option<Role> {
    let m: String = mark
        .chars()
        .map(crate::num::halfwidth)
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let m = m
        .trim_end_matches('%')
        .trim_end_matches("100")
        .trim_end_matches(['×', '*', 'X'])
        .to_string();
    match m.as_str() {
        "A" => Some(Role::Budget),
        "B" => Some(Role::Executed),
        "B/A" | "B÷A" => Some(Role::Rate),
        _ => None,
    }
}

/// A column mark under a split label: `(A)`, `(B)`, `A`, `B/A`.
pub(super) fn is_column_mark(label: &str) -> bool {
    let t = label.trim_start_matches('(').trim_end_matches(')');
    !t.is_empty() && t.chars().count() <= 4 && t.chars().all(|c| c.is_ascii_uppercase() || c == '/')
}

/// The points a label states in brackets: `预算执行情况（20分）`, `得分（20分*执行率）`,
/// `分值（10分）`, `年度绩效目标（80分）` → 80. The number must be followed by 分.
pub(super) fn stated_points(label: &str) -> Option<Decimal> {
    let (_, marks) = split_marks(label);
    marks.iter().find_map(|m| {
        let digits: String = m
            .chars()
            .map(crate::num::halfwidth)
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let rest = &m[m
            .char_indices()
            .nth(digits.chars().count())
            .map_or(m.len(), |(i, _)| i)..];
        (!digits.is_empty() && rest.trim_start().starts_with('分'))
            .then(|| crate::num::parse_number(&digits))
            .flatten()
    })
}

/// One column of a header band: its column, the cells of the labels stacked over it (top
/// down) and how the deepest one that is not neutral reads, with its cell.
type Stacked = (u32, Vec<(u32, u32)>, Option<(Class, Pos)>);

/// A header band: the columns it names, the headers it could not take, and its last row.
#[derive(Debug, Default)]
pub(super) struct Band {
    pub columns: Vec<BandColumn>,
    /// Headers of columns that were not read: unknown, describing a field, or one of two that
    /// claim the same field equally.
    pub unread: Vec<crate::form::Unread>,
    pub bottom: u32,
}

#[derive(Debug)]
pub(super) struct BandColumn {
    pub col: u32,
    pub role: Role,
    /// The rank of the synonym that named it (see [`SYNONYMS`]).
    rank: usize,
    exact: bool,
    /// Every label stacked over the column, top down, joined.
    pub text: String,
    /// The cell of the label that named it.
    pub origin: Pos,
}

impl Band {
    /// The column of a role: the most specific header's (an exact synonym before one with other
    /// words); `None` when there is none, or two that cannot be told apart.
    pub fn col(&self, role: Role) -> Option<u32> {
        self.best(role).map(|c| c.col)
    }

    fn best(&self, role: Role) -> Option<&BandColumn> {
        let mut claims: Vec<&BandColumn> = self.columns.iter().filter(|c| c.role == role).collect();
        claims.sort_by_key(|c| (c.rank, !c.exact, c.col));
        match claims.as_slice() {
            [] => None,
            [one] => Some(one),
            [first, second, ..] if (first.rank, first.exact) != (second.rank, second.exact) => Some(first),
            _ => None,
        }
    }

    /// Whether the column of `role` is marked as the fraction B / A (`执行率（B/A）`).
    pub fn marked_ratio(&self, role: Role) -> bool {
        self.best(role).is_some_and(|c| {
            let (_, marks) = split_marks(&c.text);
            marks.iter().any(|m| mark_role(m) == Some(Role::Rate))
        })
    }

    /// Points stated in the headers of the given roles (`得分（20分*执行率）`, `分值（10分）`).
    pub fn stated(&self, roles: &[Role]) -> Option<(Decimal, String, Pos)> {
        self.columns
            .iter()
            .filter(|c| roles.contains(&c.role))
            .find_map(|c| stated_points(&c.text).map(|p| (p, c.text.clone(), c.origin)))
    }

    /// Move to `unread` every column that lost its field to another or tied with one, so what
    /// was not read is said.
    fn settle(&mut self) {
        let roles: Vec<Role> = self.columns.iter().map(|c| c.role).collect();
        let mut keep = Vec::new();
        let mut unread = Vec::new();
        for (i, c) in self.columns.iter().enumerate() {
            match self.best(roles[i]) {
                Some(best) if best.col == c.col => keep.push(i),
                Some(_) => unread.push((i, None)),
                None => unread.push((i, Some(format!("与其他栏同为“{}”，无法确定哪一栏", c.text)))),
            }
        }
        let mut columns = std::mem::take(&mut self.columns);
        for (i, why) in unread.into_iter().rev() {
            let c = columns.remove(i);
            self.unread.push(crate::form::Unread {
                pos: c.origin,
                label: c.text,
                why,
            });
        }
        let _ = keep;
        self.unread.sort_by_key(|u| (u.pos.col, u.pos.row));
        self.columns = columns;
    }
}

impl Area<'_> {
    /// The header band that starts at `top`: up to three rows of labels, a parent label merged
    /// over its children (`指标值` over `年度指标值（A）` and `实际完成值（B）`), or a label split over
    /// two rows (`全年预算数` over `（A）`). Each column gets the field its deepest label names;
    /// a neutral label (a mark, nothing) defers to its parent, an unknown one makes the column
    /// unread. Data starts below the band.
    pub(super) fn header_band(&self, top: u32, table: Table) -> Band {
        let width = self.grid.width();
        // The band starts higher where column labels are merged down into the row found
        // (`分值` over rows 16–17 beside `三级指标` in row 17).
        let top = (0..width)
            .map(|c| self.grid.shown(top, c))
            .filter(|&(r, c, _)| r < top && top - r <= 2 && role_of(self.labels.at(r, c), table).is_some())
            .map(|(r, _, _)| r)
            .min()
            .unwrap_or(top)
            .max(self.top);
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
        // Each column's stack of labels, and how its deepest non-neutral label reads.
        let mut read: Vec<Stacked> = Vec::new();
        for col in 0..width {
            let mut stack: Vec<(u32, u32)> = Vec::new();
            for row in top..=bottom {
                let (r, c, _) = self.grid.shown(row, col);
                // A block's side label merged down from above the band heads no column.
                if r >= top && !self.labels.at(r, c).is_empty() && stack.last() != Some(&(r, c)) {
                    stack.push((r, c));
                }
            }
            // A label merged down past the band into the data rows is the block's side label
            // (`项目预算执行情况（10分）`, `绩效指标`), not a column header.
            let side = |r: u32, c: u32| self.grid.merge_at(r, c).is_some_and(|m| m.bottom > bottom);
            let class = stack
                .iter()
                .rev()
                .filter(|&&(r, c)| !side(r, c))
                .map(|&(r, c)| (classify(self.labels.at(r, c), table), Pos::new(r, c)))
                .find(|(class, _)| *class != Class::Neutral);
            read.push((col, stack, class));
        }
        // A column under a parent label (`指标值` merged over its children) that has no label of
        // its own, while its siblings do, is no field of the parent: it is left unread, unnoted.
        let deepest: Vec<Option<(u32, u32)>> =
            read.iter().map(|(_, stack, _)| stack.last().copied()).collect();
        for (col, stack, class) in read.iter_mut() {
            let Some(&(r, c)) = stack.last() else { continue };
            let Some(m) = self.grid.merge_at(r, c).filter(|m| m.right > m.left) else {
                continue;
            };
            let sibling_deeper = (m.left..=m.right).filter(|&other| other != *col).any(|other| {
                deepest
                    .get(other as usize)
                    .copied()
                    .flatten()
                    .is_some_and(|(dr, _)| dr > r)
            });
            if sibling_deeper {
                *class = None;
            }
        }
        // The table is the run of columns headed by short labels that holds most of the named
        // ones, with every run within three blank header cells of it (a column inserted without
        // a header, a header cell merged oddly). A sentence beside the form (a note) heads no
        // column.
        let named = |col: u32| {
            read.get(col as usize)
                .is_some_and(|(_, _, class)| matches!(class, Some((Class::Field { .. }, _))))
        };
        let headed = |col: u32| {
            read.get(col as usize)
                .is_some_and(|(_, stack, _)| stack.iter().any(|&(r, c)| is_short_label(self.labels.at(r, c))))
        };
        let mut runs: Vec<(u32, u32, usize)> = Vec::new();
        for col in 0..width {
            if !headed(col) {
                continue;
            }
            match runs.last_mut() {
                Some((_, end, count)) if *end + 1 == col => {
                    *end = col;
                    *count += usize::from(named(col));
                }
                _ => runs.push((col, col, usize::from(named(col)))),
            }
        }
        let Some(main) = (0..runs.len()).max_by_key(|&i| (runs[i].2, std::cmp::Reverse(i))) else {
            return Band {
                bottom,
                ..Band::default()
            };
        };
        if runs[main].2 == 0 {
            return Band {
                bottom,
                ..Band::default()
            };
        }
        let close = |a: &(u32, u32, usize), b: &(u32, u32, usize)| b.0 - a.1 <= 4;
        let (mut lo, mut hi) = (main, main);
        while lo > 0 && close(&runs[lo - 1], &runs[lo]) {
            lo -= 1;
        }
        while hi + 1 < runs.len() && close(&runs[hi], &runs[hi + 1]) {
            hi += 1;
        }
        let (left, right) = (runs[lo].0, runs[hi].1);
        let mut band = Band {
            bottom,
            ..Band::default()
        };
        let mut seen: Vec<Pos> = Vec::new();
        for (col, stack, class) in read {
            if col < left || col > right {
                continue;
            }
            let text: String = stack.iter().map(|&(r, c)| self.labels.at(r, c)).collect();
            match class {
                // A label merged over several columns names the first of them.
                Some((_, origin)) if seen.contains(&origin) => {}
                Some((Class::Field { role, rank, exact }, origin)) => {
                    seen.push(origin);
                    band.columns.push(BandColumn {
                        col,
                        role,
                        rank,
                        exact,
                        text,
                        origin,
                    });
                }
                Some((_, origin)) => {
                    seen.push(origin);
                    band.unread.push(crate::form::Unread {
                        pos: origin,
                        label: self.labels.at(origin.row, origin.col).to_string(),
                        why: None,
                    });
                }
                None => {}
            }
        }
        band.settle();
        // A single budget column is A, whatever its name (`年初预算数` alone).
        if table.base() == Table::Funds
            && band.col(Role::Budget).is_none()
            && let [only] = band
                .columns
                .iter_mut()
                .filter(|c| c.role == Role::Initial)
                .collect::<Vec<_>>()
                .as_mut_slice()
        {
            only.role = Role::Budget;
        }
        band
    }

    /// A row of header labels only: some cell that starts in it names a column, and none is a
    /// figure or a funds row label.
    pub(super) fn is_header_row(&self, row: u32, table: Table) -> bool {
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
                    if super::funds::fund_row_of(t).is_some() || !super::is_short(t) {
                        return false;
                    }
                    names |= role_of(t, table).is_some() || is_column_mark(t);
                }
                _ => {}
            }
        }
        names
    }

    /// A row that repeats the table's header (a page break in a form converted from PDF or
    /// retyped from print): at least two of its cells name the field of the column they stand
    /// in, and none holds a figure.
    pub(super) fn repeats_header(&self, row: u32, band: &Band, table: Table) -> bool {
        // A figure in the row: an indicator (the common case, told cheaply).
        let figure = band.columns.iter().any(|c| {
            let (r, _, value) = self.grid.shown(row, c.col);
            r == row && matches!(value, Value::Number(_) | Value::Date(_))
        });
        if figure {
            return false;
        }
        let matches = band
            .columns
            .iter()
            .filter(|c| {
                let (r, cc, _) = self.grid.shown(row, c.col);
                let label = self.labels.at(r, cc);
                !label.is_empty()
                    && ((c.text.contains(label) && label.chars().count() >= 2)
                        || (matches!(c.role, Role::Budget | Role::Executed | Role::Rate)
                            && is_column_mark(label))
                        || role_of(label, table) == Some(c.role))
            })
            .count();
        matches >= 2
    }
}

/// A header-sized label (not a sentence: a note beside the form, instructions).
fn is_short_label(label: &str) -> bool {
    !label.is_empty() && label.chars().count() <= 16
}

/// A line a page break leaves in a converted or retyped form: `续表`, `第 1 页 共 2 页`, `- 2 -`.
/// `t` is a normalised label.
pub(super) fn is_page_line(t: &str) -> bool {
    if t.starts_with("续表") || t == "续" {
        return true;
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| crate::num::halfwidth(c).is_ascii_digit());
    let page = t
        .strip_prefix('第')
        .and_then(|s| s.split_once('页'))
        .is_some_and(|(n, rest)| {
            digits(n)
                && (rest.is_empty()
                    || rest
                        .strip_prefix('共')
                        .and_then(|r| r.strip_suffix('页'))
                        .is_some_and(digits))
        });
    let dashed = t
        .strip_prefix('-')
        .and_then(|s| s.strip_suffix('-'))
        .is_some_and(digits);
    let slash = t.split_once('/').is_some_and(|(a, b)| digits(a) && digits(b));
    page || dashed || slash || t.starts_with("共") && t.ends_with("页")
}
