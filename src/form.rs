//! The form model: one 项目支出绩效目标自评表 as found on a sheet, independent of where its cells
//! sat. Every field keeps the cell it came from (for findings that name the input cell) and its
//! raw value; `rules` reads it, and writes the corrected copy that `render` lays out in the
//! standard template.
//!
//! Why ~730 lines: the one form model every stage shares (fields, funds, indicators, kinds of form,
//! columns), kept in one place to be read as one.

use crate::codes::Code;
use crate::grid::Pos;
use crate::grid::Value;

/// What `fix` changed in a field: the value the filer wrote and the rule that corrected it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub original: Value,
    pub code: Code,
    /// The original showed with a percent format (a 执行率 of `0.9918` shown as 99.18%).
    pub percent: bool,
}

impl Change {
    /// The note on a corrected cell (the standard template's and the reissued file's alike):
    /// the original value, the new one and the rule. A long text (a 自评结论 paragraph) is shown
    /// by its start, where the grade word is.
    pub fn note(&self, now: &Value) -> String {
        self.note_of(&shown(&self.original), &shown(now))
    }

    /// The note on a corrected 执行率, whose figures are percent points: both values in
    /// percent, the original as it shows in its cell and, for a percent-formatted cell, the
    /// value the cell stores (`原值：89.49%（单元格值 0.894892272727273）` / `更正为：98.44%`),
    /// never a fraction beside points.
    pub fn rate_note(&self, now: &Value, percent_format: bool) -> String {
        let original = Field {
            value: self.original.clone(),
            percent: percent_format,
            ..Field::default()
        };
        let figure = crate::figure::read(&original);
        let was = match (&figure, figure.percent_points()) {
            (
                crate::figure::Figure::Number {
                    percent: crate::figure::Percent::Format,
                    ..
                },
                Some(points),
            ) => format!(
                "{}%（单元格值 {}）",
                crate::num::fmt_plain(crate::num::round2(points)),
                original.text()
            ),
            (crate::figure::Figure::Number { .. }, Some(points)) => {
                format!("{}%", crate::num::fmt_plain(points))
            }
            _ => shown(&self.original),
        };
        let now = match now {
            Value::Number(d) => format!("{}%", crate::num::fmt_plain(*d)),
            other => shown(other),
        };
        self.note_of(&was, &now)
    }

    fn note_of(&self, was: &str, now: &str) -> String {
        format!(
            "原值：{was}\n更正为：{now}\n依据：{} {}",
            self.code.as_str(),
            self.code.title()
        )
    }
}

/// A value as a note shows it: `（空）` when blank, a long text by its start.
fn shown(v: &Value) -> String {
    let t = v.text();
    match t.chars().count() {
        0 => "（空）".to_string(),
        n if n > 24 => format!("{}…", t.chars().take(24).collect::<String>()),
        _ => t,
    }
}

/// One value of the form with the input cell it came from (`None` when the form has no cell
/// for it, e.g. a layout without 年初预算数).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Field {
    pub pos: Option<Pos>,
    pub value: Value,
    /// The input cell's number format shows a percent (`0.9844` displayed as `98.44%`).
    pub percent: bool,
    /// Set on the corrected form when `fix` replaced the value.
    pub change: Option<Change>,
    /// The cell holds a formula whose result could not be had (no usable cached value, and
    /// jixiao could not evaluate it): its value is unknown, and the checks that need it skip.
    pub unknown: bool,
}

impl Field {
    pub fn at(pos: Pos, value: Value) -> Self {
        Field {
            pos: Some(pos),
            value,
            percent: false,
            change: None,
            unknown: false,
        }
    }

    /// The cell reference for findings, `""` when the field has no cell.
    pub fn cell(&self) -> String {
        self.pos.map(|p| p.to_string()).unwrap_or_default()
    }

    /// The trimmed text of the value (numbers in plain notation), `""` when empty.
    pub fn text(&self) -> String {
        self.value.text()
    }

    /// [`Field::text`] borrowed from the value where it holds its text.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        self.value.as_text()
    }

    /// The value is blank or only a placeholder ([`Value::is_placeholder`]).
    pub fn is_placeholder(&self) -> bool {
        self.value.is_placeholder()
    }

    /// Replace the value, remembering the original and the rule that did it.
    pub fn correct(&mut self, value: Value, code: Code) {
        if self.change.is_none() {
            self.change = Some(Change {
                original: self.value.clone(),
                code,
                percent: self.percent,
            });
        }
        self.value = value;
        self.percent = false;
        self.unknown = false;
    }
}

/// Which form of a project's year (or a unit's) a table is, told by its title (or, without
/// one, by the columns only that form has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormType {
    /// 项目支出绩效目标自评表: the year-end self-evaluation.
    #[default]
    SelfEvaluation,
    /// 项目支出绩效目标申报表 / 项目绩效目标表: the targets filed with the budget.
    TargetDeclaration,
    /// 项目支出绩效运行监控表: the mid-year report on execution and targets (1–X月).
    Monitoring,
    /// 部门整体支出绩效自评表: the self-evaluation of a whole unit.
    DepartmentEvaluation,
}

impl FormType {
    pub const ALL: [FormType; 4] = [
        FormType::SelfEvaluation,
        FormType::TargetDeclaration,
        FormType::Monitoring,
        FormType::DepartmentEvaluation,
    ];

    /// Its name in the report (`form_type`).
    pub fn key(self) -> &'static str {
        match self {
            FormType::SelfEvaluation => "self-evaluation",
            FormType::TargetDeclaration => "target-declaration",
            FormType::Monitoring => "monitoring",
            FormType::DepartmentEvaluation => "department-evaluation",
        }
    }

    /// Its name in Chinese, as the summary and the page show it.
    pub fn label(self) -> &'static str {
        match self {
            FormType::SelfEvaluation => "自评表",
            FormType::TargetDeclaration => "目标申报表",
            FormType::Monitoring => "运行监控表",
            FormType::DepartmentEvaluation => "部门整体自评表",
        }
    }

    /// Whether the form reports a year's outcome with scores (the rulebook of the 自评表
    /// applies: a 自评表, or a 部门整体 form laid out like one).
    pub fn is_evaluation(self) -> bool {
        matches!(self, FormType::SelfEvaluation | FormType::DepartmentEvaluation)
    }
}

/// Which published template the form follows (docs/rules.md, `fund-breakdown-mismatch`): the funds rows differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// The seed's rows: 年度资金总额 / 财政拨款 / 本级安排 / 其中：上级补助 / 其他.
    #[default]
    Guizhou,
    /// 财预〔2020〕10号 annex: 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金.
    National,
}

/// The unit the funds block states in its label: `项目资金（元）` or `（万元）`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoneyUnit {
    #[default]
    Yuan,
    WanYuan,
}

impl MoneyUnit {
    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::WanYuan => "万元",
        }
    }
}

/// The rows of the funds block, named as in report subjects (`funds.<row>.<column>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FundRow {
    /// 年度资金总额
    Total,
    /// 财政拨款 / 当年财政拨款 / 本年财政拨款
    Fiscal,
    /// 本级安排
    Local,
    /// 其中：上级补助
    Superior,
    /// 上年结转资金
    Carryover,
    /// 其他 / 其他资金
    Other,
    /// 财政专户管理资金 (Sichuan's template)
    SpecialAccount,
    /// 单位资金 (Sichuan's template)
    UnitFunds,
}

impl FundRow {
    pub fn key(self) -> &'static str {
        match self {
            FundRow::Total => "total",
            FundRow::Fiscal => "fiscal",
            FundRow::Local => "local",
            FundRow::Superior => "superior",
            FundRow::Carryover => "carryover",
            FundRow::Other => "other",
            FundRow::SpecialAccount => "special",
            FundRow::UnitFunds => "unit",
        }
    }

    /// The label printed in the standard template of `layout`.
    pub fn label(self, layout: Layout) -> &'static str {
        match (self, layout) {
            (FundRow::Total, _) => "年度资金总额",
            (FundRow::Fiscal, Layout::Guizhou) => "财政拨款",
            (FundRow::Fiscal, Layout::National) => "其中：当年财政拨款",
            (FundRow::Local, _) => "本级安排",
            (FundRow::Superior, _) => "其中：上级补助",
            (FundRow::Carryover, _) => "上年结转资金",
            (FundRow::Other, Layout::Guizhou) => "其他",
            (FundRow::Other, Layout::National) => "其他资金",
            (FundRow::SpecialAccount, _) => "财政专户管理资金",
            (FundRow::UnitFunds, _) => "单位资金",
        }
    }

    /// The rows of the standard template of `layout`, top to bottom.
    pub fn rows(layout: Layout) -> &'static [FundRow] {
        match layout {
            Layout::Guizhou => &[
                FundRow::Total,
                FundRow::Fiscal,
                FundRow::Local,
                FundRow::Superior,
                FundRow::Other,
            ],
            Layout::National => &[
                FundRow::Total,
                FundRow::Fiscal,
                FundRow::Carryover,
                FundRow::Other,
            ],
        }
    }
}

/// The amount columns of the funds block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FundCol {
    /// 年初预算数
    Initial,
    /// 全年预算数（A）
    Budget,
    /// 全年执行数（B）
    Executed,
}

impl FundCol {
    pub const ALL: [FundCol; 3] = [FundCol::Initial, FundCol::Budget, FundCol::Executed];

    pub fn key(self) -> &'static str {
        match self {
            FundCol::Initial => "initial",
            FundCol::Budget => "budget",
            FundCol::Executed => "executed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FundCol::Initial => "年初预算数",
            FundCol::Budget => "全年预算数（A）",
            FundCol::Executed => "全年执行数（B）",
        }
    }
}

/// One row of the funds block.
#[derive(Debug, Clone, PartialEq)]
pub struct FundLine {
    pub row: FundRow,
    /// The label as printed in the input.
    pub label: String,
    pub initial: Field,
    pub budget: Field,
    pub executed: Field,
    /// 全年预计执行数 (a monitoring form's forecast for the year).
    pub forecast: Field,
}

impl FundLine {
    pub fn new(row: FundRow) -> Self {
        FundLine {
            row,
            label: String::new(),
            initial: Field::default(),
            budget: Field::default(),
            executed: Field::default(),
            forecast: Field::default(),
        }
    }

    pub fn get(&self, col: FundCol) -> &Field {
        match col {
            FundCol::Initial => &self.initial,
            FundCol::Budget => &self.budget,
            FundCol::Executed => &self.executed,
        }
    }

    pub fn get_mut(&mut self, col: FundCol) -> &mut Field {
        match col {
            FundCol::Initial => &mut self.initial,
            FundCol::Budget => &mut self.budget,
            FundCol::Executed => &mut self.executed,
        }
    }
}

/// The funds block: its rows, and the 分值 / 执行率 / 得分 of the 年度资金总额 row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Funds {
    pub unit: MoneyUnit,
    /// Whether the block's labels state the unit (`项目资金（元）`, `单位：万元`); when they do not,
    /// `unit` is 元 by default and amounts are compared across blocks only under a unit that
    /// makes them commensurate.
    pub unit_stated: bool,
    pub lines: Vec<FundLine>,
    /// 分值 of 预算执行率 (normally 10).
    pub points: Field,
    /// 执行率 (percent).
    pub rate: Field,
    /// 预算执行率 得分.
    pub score: Field,
    /// The score follows from the rate rounded to 2 decimals first (an accepted rounding path
    /// that differs from B / A unrounded); the corrected workbook's formula follows it too.
    pub score_via_rate: bool,
    /// The points of 预算执行率 as a label states them (`预算执行情况（20分）`,
    /// `得分（20分*执行率）`, `分值（10分）`): what the 分值 cell and the score are checked against.
    pub stated_points: Option<Stated>,
    /// The 执行率 header defines the rate as the fraction B / A (`执行率（B/A）`): a rate written
    /// as that fraction (`1`, `0.98`) follows the form's own rule.
    pub rate_is_ratio: bool,
    /// The funds block's own reason cell (Sichuan's 原因, beside 年度资金总额), where a template
    /// has one.
    pub reason: Field,
    /// A monitoring form's months: `1-7月执行数` → 7 (the execution column covers January to
    /// that month).
    pub months: Option<u32>,
}

/// Points a label states (`产出指标（50分）`, `年度绩效目标（80分）`), with the label's cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Stated {
    pub points: rust_decimal::Decimal,
    /// The label as printed, whitespace removed.
    pub label: String,
    pub pos: Pos,
}

impl Funds {
    pub fn line(&self, row: FundRow) -> Option<&FundLine> {
        self.lines.iter().find(|l| l.row == row)
    }

    pub fn line_mut(&mut self, row: FundRow) -> Option<&mut FundLine> {
        self.lines.iter_mut().find(|l| l.row == row)
    }
}

/// One 三级指标 row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Indicator {
    /// 一级指标 as printed (e.g. `产出指标(50分)`), carried down from a merged or blank cell.
    pub level1: String,
    /// 二级指标 (e.g. `数量指标`), carried down likewise.
    pub level2: String,
    /// 三级指标.
    pub name: Field,
    /// 年度指标值（A）.
    pub target: Field,
    /// 实际完成值（B）.
    pub actual: Field,
    /// 分值.
    pub weight: Field,
    /// 得分.
    pub score: Field,
    /// 未完成原因分析 / 偏差原因分析及改进措施 (the text of a merged cell covering this row).
    pub reason: Field,
    /// 备注.
    pub remark: Field,
    /// A monitoring form's 全年预计完成情况.
    pub forecast: Field,
    /// A monitoring form's 完成目标可能性 (确定能 / 有可能 / 不可能).
    pub likelihood: Field,
    /// A monitoring form's 完善措施 (相关建议或举措).
    pub measures: Field,
    /// A 部门整体 flat list's 调整指标值 (the target as adjusted during the year).
    pub adjusted: Field,
    /// A 部门整体 flat list's 得分系数 (percent): 指标得分 = 得分系数 × 指标权重.
    pub coefficient: Field,
    /// A `其中` sub-row: its 分值 and 得分 are part of the row above and are not counted again.
    pub sub_row: bool,
    /// A template row left empty (`指标1:` with `/` everywhere): not an indicator, not checked
    /// nor counted, copied unchanged into the corrected form.
    pub template: bool,
    /// A numbered parent row (`一、产出指标`) whose 分值 and 得分 are the sums of the rows it
    /// heads: a subtotal, not an indicator; not checked nor counted, copied unchanged.
    pub subtotal: bool,
    /// The 预算执行率 row of a template that scores budget execution among its indicators (no
    /// 得分 in the funds block, an indicator named 预算执行率 without a target): its 分值 and
    /// 得分 are the funds block's, checked as 预算执行率 得分; counted in its level-1 group's
    /// 分值, and once (as the funds score) in 总分.
    pub funds_row: bool,
}

impl Indicator {
    /// Whether the row's 分值 and 得分 count in the sums (not a sub-row, a subtotal nor a
    /// template row).
    pub fn counts(&self) -> bool {
        !self.sub_row && !self.template && !self.subtotal
    }

    /// Whether the row is an indicator the rules check (not a template row, a subtotal nor the
    /// 预算执行率 row, which the funds rules check).
    pub fn checked(&self) -> bool {
        !self.template && !self.subtotal && !self.funds_row
    }

    /// `indicator:<二级指标>/<三级指标>`, the subject of this row's findings.
    pub fn subject(&self) -> String {
        format!("indicator:{}/{}", self.level2, self.name.text())
    }
}

/// A form as located on a sheet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Form {
    pub sheet: String,
    /// Which form it is (told by its title).
    pub kind: FormType,
    /// Only the head was read: a form of the cycle, told by its title, whose funds and
    /// indicator tables jixiao does not read (no rule but the reading notes runs on it).
    pub head_only: bool,
    pub layout: Layout,
    /// The file told which cells show a percent (xlsx, ods); otherwise a bare fraction is judged
    /// by its magnitude against the recomputed figure.
    pub formats_known: bool,
    /// The title as printed (项目支出绩效目标自评表).
    pub title: Field,
    /// The year line, e.g. `（2024年度）`.
    pub year: Field,
    /// 单位（盖章）
    pub unit_name: Field,
    /// 填报日期
    pub date: Field,
    /// 项目名称
    pub project: Field,
    /// 主管部门及代码
    pub department: Field,
    /// 实施单位
    pub implementer: Field,
    pub funds: Funds,
    /// 年度总体目标: 预期目标 and 实际完成情况.
    pub goal_expected: Field,
    pub goal_actual: Field,
    pub indicators: Vec<Indicator>,
    /// 总分 row: the points (100) and the total score.
    pub total_points: Field,
    pub total: Field,
    /// 自评结论 text, starting with the grade word.
    pub conclusion: Field,
    /// 联系人
    pub contact: Field,
    /// A reason block for the whole form below the indicators (`偏差大或目标未完成原因分析`):
    /// when filled, the stated reason for every row that deviates.
    pub reason_block: Option<Field>,
    /// Points the indicator block's title states (`年度绩效目标（80分）`): the sum its 分值 must
    /// make.
    pub indicators_stated: Option<Stated>,
    /// What the locator could not read with certainty, for the reading notes.
    pub reading: Reading,
    /// On a corrected form: the lowest totals graded 优, 良, 中 under the run's settings, so the
    /// corrected workbook's grade formula follows the same bands.
    pub grade_bands: Option<[rust_decimal::Decimal; 3]>,
}

/// A column of the standard template that some check reads (see [`Reading::absent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// 年初预算数
    Initial,
    /// 全年预算数（A）
    Budget,
    /// 全年执行数（B）
    Executed,
    /// 分值 of 预算执行率, in a column or stated by a label.
    FundsPoints,
    /// 执行率
    Rate,
    /// 得分 of 预算执行率.
    FundsScore,
    /// 一级指标
    Level1,
    /// 二级指标
    Level2,
    /// 年度指标值
    Target,
    /// 实际完成值
    Actual,
    /// 分值 of the indicators.
    Weight,
    /// 得分 of the indicators.
    Score,
    /// 未完成原因分析 / 偏差原因分析及改进措施 (or a reason block for the whole form). Without
    /// it, 备注 alone cannot tell whether a deviation was explained; a template without 备注
    /// but with a reason column (the national one) lacks nothing.
    Reason,
}

impl Column {
    /// The field's name as users know it (and the report's subject, `column:<name>`).
    pub fn label(self) -> &'static str {
        match self {
            Column::Initial => "年初预算数",
            Column::Budget => "全年预算数",
            Column::Executed => "全年执行数",
            Column::FundsPoints => "预算执行率分值",
            Column::Rate => "执行率",
            Column::FundsScore => "预算执行率得分",
            Column::Level1 => "一级指标",
            Column::Level2 => "二级指标",
            Column::Target => "年度指标值",
            Column::Actual => "实际完成值",
            Column::Weight => "分值",
            Column::Score => "得分",
            Column::Reason => "原因分析",
        }
    }

    /// Whether a check of a form of `kind` reads it (a form without it is noted only then: a
    /// declaration has no 实际完成值 by design).
    pub fn needed_by(self, kind: FormType) -> bool {
        match kind {
            FormType::SelfEvaluation | FormType::DepartmentEvaluation => true,
            // The 1–X月 rate and the schedule are all a monitoring form's checks read so far.
            FormType::Monitoring => matches!(self, Column::Budget | Column::Executed | Column::Rate),
            FormType::TargetDeclaration => false,
        }
    }

    /// What was not checked without it, as the note says.
    pub fn skipped(self) -> &'static str {
        match self {
            Column::Initial => "年初预算数的资金构成未核查",
            Column::Budget | Column::Executed => "执行率、预算执行率得分、超预算未核查",
            Column::FundsPoints => "预算执行率得分未核查",
            Column::Rate => "表中没有执行率可核对（执行率仍按执行数 ÷ 预算数计算）",
            Column::FundsScore => "表中没有预算执行率得分可核对",
            Column::Level1 => "各一级指标的分值合计未核查",
            Column::Level2 => "成本指标合计未核查",
            Column::Target | Column::Actual => "指标得分重算、定性指标档次、偏差原因未核查",
            Column::Weight => "指标得分重算、定性指标档次、分值合计未核查（总分仍按得分合计核对）",
            Column::Score => "指标得分、总分、自评等级未核查",
            Column::Reason => "偏差未说明原因未核查",
        }
    }
}

/// A header the locator did not take for any field: its column was not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Unread {
    pub pos: Pos,
    /// The header as printed, whitespace removed.
    pub label: String,
    /// Why, when it is not simply unknown (two columns under the same field name).
    pub why: Option<String>,
}

/// What the locator could not read with certainty on one form: the reading notes
/// (`column-unrecognised`, `column-absent`, `formula-not-evaluated`). The rules skip every check
/// that needs what is listed here, and say so once per form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// Columns under headers that name no field the locator knows.
    pub unrecognised: Vec<Unread>,
    /// Columns the template lacks that some checks need, in [`Column`] order.
    pub absent: Vec<Column>,
    /// Cells of the form holding a formula whose result could not be had (neither cached nor
    /// evaluated): their fields read as unknown.
    pub unevaluated: Vec<(Pos, String)>,
}

impl Reading {
    pub fn lacks(&self, column: Column) -> bool {
        self.absent.contains(&column)
    }
}

impl Form {
    /// Every field `fix` may rewrite (the derived figures and the grade), with whether it is a
    /// rate held in percent points.
    pub fn fixable(&self) -> Vec<(&Field, bool)> {
        let mut out: Vec<(&Field, bool)> = Vec::new();
        for line in &self.funds.lines {
            out.extend(FundCol::ALL.iter().map(|&c| (line.get(c), false)));
        }
        out.push((&self.funds.rate, true));
        out.push((&self.funds.score, false));
        // The 预算执行率 row of a template that scores it among the indicators is the funds score's
        // own cell, listed once (above).
        out.extend(
            self.indicators
                .iter()
                .filter(|i| !i.funds_row)
                .map(|i| (&i.score, false)),
        );
        out.push((&self.total, false));
        out.push((&self.conclusion, false));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_show_a_long_text_by_its_start() {
        let change = Change {
            original: Value::Text(
                "良。自评为良的理由：一是项目年度目标任务设置合理，在项目期限内全面达成预期指标".into(),
            ),
            code: Code::GradeMismatch,
            percent: false,
        };
        let note = change.note(&Value::Text(
            "优。自评为优的理由：一是项目年度目标任务设置合理".into(),
        ));
        assert_eq!(
            note,
            "原值：良。自评为良的理由：一是项目年度目标任务设置合理…\n更正为：优。自评为优的理由：一是项目年度目标任务设置合理\n依据：grade-mismatch 自评等级有误"
        );
        let blank = Change {
            original: Value::Empty,
            code: Code::ExecutionRateMismatch,
            percent: false,
        };
        assert!(
            blank
                .note(&Value::Number(rust_decimal::Decimal::new(9844, 2)))
                .starts_with("原值：（空）\n更正为：98.44\n")
        );
    }

    #[test]
    fn a_rate_note_gives_both_values_in_percent() {
        let d = |n: i64, scale: u32| Value::Number(rust_decimal::Decimal::new(n, scale));
        let change = |original: Value| Change {
            original,
            code: Code::ExecutionRateMismatch,
            percent: false,
        };
        // A fraction in a percent-formatted cell: as shown, and as stored.
        assert!(
            change(d(9918, 4))
                .rate_note(&d(9919, 2), true)
                .starts_with("原值：99.18%（单元格值 0.9918）\n更正为：99.19%\n")
        );
        assert!(
            change(d(894892272727273, 15))
                .rate_note(&d(9844, 2), true)
                .starts_with("原值：89.49%（单元格值 0.894892272727273）\n更正为：98.44%\n")
        );
        // Points, as a number or as text with `%`.
        assert!(
            change(d(9918, 2))
                .rate_note(&d(9919, 2), false)
                .starts_with("原值：99.18%\n更正为：99.19%\n")
        );
        assert!(
            change(Value::Text("99.18%".into()))
                .rate_note(&d(9919, 2), false)
                .starts_with("原值：99.18%\n更正为：99.19%\n")
        );
        assert!(
            change(Value::Empty)
                .rate_note(&d(9919, 2), true)
                .starts_with("原值：（空）\n更正为：99.19%\n")
        );
    }
}
