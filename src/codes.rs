//! The one table of finding codes: each code's name, default severity and one-line meaning.
//! `jixiao rules` prints it, and `docs/rules.md` has a section per code (a test checks that).
//! Beside it, [`READING`]: how forms as people fill them are read, which `jixiao rules` prints
//! after the codes.

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A wrong figure.
    Error,
    /// Needs a person's judgement.
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// The word shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提示",
            Severity::Info => "信息",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal, $meaning:literal;)*) => {
        /// A finding code (docs/rules.md, "Findings"). Its kebab-case name is stable: reports and settings use it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in the order of docs/rules.md.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The default severity.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// A short Chinese title, used in the summary workbook.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// One line of what the rule checks.
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => $meaning,)* }
            }
        }
    };
}

codes! {
    ExecutionRateMismatch = "execution-rate-mismatch", Error, "执行率有误",
        "执行率 ≠ 全年执行数 ÷ 全年预算数 × 100（年度资金总额行）";
    ExecutionScoreMismatch = "execution-score-mismatch", Error, "预算执行率得分有误",
        "预算执行率得分 ≠ 分值 × min(执行数 ÷ 预算数, 1)";
    FundBreakdownMismatch = "fund-breakdown-mismatch", Error, "资金构成不平衡",
        "资金来源各项之和 ≠ 年度资金总额（年初预算数、全年预算数、全年执行数各列）";
    Overspend = "overspend", Warning, "超预算支出",
        "全年执行数大于全年预算数";
    BudgetAdjustedWithoutReason = "budget-adjusted-without-reason", Warning, "预算调整未说明原因",
        "年初预算数与全年（调整后）预算数不同，而资金栏的原因栏为空或只有模板的提示语";
    IndicatorScoreMismatch = "indicator-score-mismatch", Error, "指标得分有误",
        "定量指标的得分 ≠ 按指标值与实际完成值重算的得分";
    QualitativeScoreOutOfBand = "qualitative-score-out-of-band", Error, "定性指标得分超出档次",
        "定性指标得分占分值的比例不在其完成档次内（达成 80–100%，部分达成 60–80%，未达成 0–60%）";
    ScoreOutOfRange = "score-out-of-range", Error, "得分超出范围",
        "得分小于 0 或大于分值";
    WeightSumMismatch = "weight-sum-mismatch", Error, "分值合计有误",
        "一级指标下各项分值之和 ≠ 其标明的分值，或全部分值（含预算执行率）之和 ≠ 100";
    WeightNonstandard = "weight-nonstandard", Warning, "分值权重非标准",
        "一级指标分值不同于产出 50、效益 30、满意度 10、预算执行率 10";
    TotalScoreMismatch = "total-score-mismatch", Error, "总分有误",
        "总分 ≠ 各项（更正后）得分之和";
    GradeMismatch = "grade-mismatch", Error, "自评等级有误",
        "自评结论的等级与更正后总分对应的等级不一致（优 ≥ 90，良 80–90，中 60–80，差 < 60）";
    DeviationWithoutReason = "deviation-without-reason", Warning, "偏差未说明原因",
        "指标未完成，或超出指标值达到偏差阈值（默认 30%），但未填写原因";
    CostExceedsExecution = "cost-exceeds-execution", Warning, "成本指标超过执行数",
        "成本指标实际支出金额合计大于全年执行数";
    BehindSchedule = "behind-schedule", Warning, "执行进度滞后",
        "（运行监控表）1–X月执行率低于序时进度（X ÷ 12）× schedule_ratio（默认 60%）";
    MonitoringRiskWithoutReason = "monitoring-risk-without-reason", Warning, "目标风险未说明",
        "（运行监控表）完成目标可能性不是“确定能”，但偏差原因分析或完善措施为空";
    ForecastOutOfRange = "forecast-out-of-range", Warning, "全年预计执行数不合理",
        "（运行监控表）全年预计执行数小于 1–X月执行数，或大于调整后预算数";
    NoCostIndicator = "no-cost-indicator", Warning, "缺少成本指标",
        "2021 年度起的项目绩效指标中没有成本指标";
    NoSatisfactionIndicator = "no-satisfaction-indicator", Warning, "缺少满意度指标",
        "指标表明项目服务于群众或特定对象，但没有满意度指标";
    DuplicateIndicator = "duplicate-indicator", Warning, "指标重复设置",
        "同一三级指标在表中设置两次（如同时设在产出和效益下）";
    IndicatorMisfiled = "indicator-misfiled", Info, "指标归类不当",
        "数量指标衡量的是资金支出（支付率、拨付率、预算执行率），或金额类指标设在效益指标下";
    VagueTargets = "vague-targets", Info, "指标值定性过多",
        "定性描述的指标值超过 qualitative_share（默认 50%）";
    UnparseableValue = "unparseable-value", Error, "数值无法识别",
        "指标值、实际完成值、分值、得分或金额无法按应有的格式识别";
    MissingField = "missing-field", Error, "缺少必填项",
        "只有填报单位能提供的内容为空：项目名称、预算数、执行数、指标值、完成值、分值、定性指标得分";
    DuplicateForm = "duplicate-form", Warning, "重复报送",
        "（批次）同一部门同一年度的同一项目出现在多个文件中（如修改后重报）";
    YearMismatch = "year-mismatch", Warning, "年度不符",
        "（批次）自评表的年度不同于本批大多数表的年度，或不同于设置的年度";
    CopiedIndicators = "copied-indicators", Info, "指标照抄",
        "（批次）两个不同项目的绩效指标（三级指标、指标值、完成值）完全相同";
    TargetChanged = "target-changed", Warning, "指标值被调整",
        "（批次）自评表的年度指标值与同一项目申报表（或监控表）的不同（比较解析后的指标值，写法不同不算）";
    IndicatorDropped = "indicator-dropped", Warning, "指标被删除",
        "（批次）申报表（或监控表）设定的指标在同一项目的自评表中没有";
    IndicatorAdded = "indicator-added", Info, "指标被增加",
        "（批次）自评表中有同一项目申报表（或监控表）没有设定的指标";
    ForecastMissed = "forecast-missed", Info, "预计执行数偏离",
        "（批次）运行监控表的全年预计执行数与自评表的全年执行数相差超过偏差阈值";
    MonitoringContradicted = "monitoring-contradicted", Warning, "监控判断与结果不符",
        "（批次）运行监控表判断“确定能”完成的指标，自评表中未完成且未说明原因";
    TargetLowered = "target-lowered", Info, "指标值逐年降低",
        "（批次）同一项目上年自评表的指标值更高（反向指标更低），而本年预算未减少";
    ColumnUnrecognised = "column-unrecognised", Info, "表头未识别",
        "表中有 jixiao 不认识的栏目（或与某项名称相近、实为说明的栏目）：该栏未读取，其余栏目照常核查";
    ColumnAbsent = "column-absent", Info, "缺少栏目",
        "模板没有某些检查所需的栏目（如分值、得分、原因分析）：这些检查对本表未进行，不逐行报缺项";
    FormulaNotEvaluated = "formula-not-evaluated", Info, "公式未能计算",
        "工作簿要求打开时重算、公式没有可用的结果，jixiao 也无法计算该公式：依赖该单元格的检查未进行";
    InternalError = "internal-error", Error, "程序内部错误",
        "检查该表时程序出错：该表只报告出错前的结果，请把该文件报告给 jixiao 的维护者";
    UnreadableFile = "unreadable-file", Error, "文件无法读取",
        "文件损坏、加密、不是电子表格或超过大小限制";
    NoFormFound = "no-form-found", Error, "未找到自评表",
        "工作簿可以打开，但没有任何工作表含有自评表";
}

impl Code {
    /// A reading note: what jixiao could not read of a form (a column it does not know, one the
    /// template lacks, a formula without a result), said once per form. Shown apart from the
    /// findings: one line under the form.
    pub fn is_reading_note(self) -> bool {
        matches!(
            self,
            Code::ColumnUnrecognised | Code::ColumnAbsent | Code::FormulaNotEvaluated
        )
    }

    /// A finding about several files of the batch (in the report's `batch` list), not about
    /// one form.
    pub fn is_batch(self) -> bool {
        matches!(
            self,
            Code::DuplicateForm
                | Code::YearMismatch
                | Code::CopiedIndicators
                | Code::TargetChanged
                | Code::IndicatorDropped
                | Code::IndicatorAdded
                | Code::ForecastMissed
                | Code::MonitoringContradicted
                | Code::TargetLowered
        )
    }

    /// The code named `name` (kebab-case), if any.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Code::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown finding code `{name}`")))
    }
}

/// How jixiao reads forms as people really fill them (docs/rules.md, "Forms as people fill
/// them"): what it accepts, with an example each. None of these is a finding in itself.
pub const READING: &[(&str, &str)] = &[
    (
        "形似的比较符和空格照常识别（═ ﹦ ＝ == ≧ ≦），数字后的任何单位词都算单位",
        "“═ 100 %”即 =100%；“﹦ 72890 元”即 =72890元；“≥100百分比”即 ≥100%；“3宗”“12栋”“0起”",
    ),
    (
        "定性指标的完成值复述指标值（去掉空格标点后相同，或包含指标值）即为达成；其他文字不分档、不报错",
        "指标值“显著提升”、完成值“明显提升，群众满意”：不分档；完成值“显著提升，群众满意”：达成",
    ),
    (
        "只写月份的时限按本表年度理解（取自“（2024年度）”，或填报日期年份减一）；逾期即未达成，需说明原因",
        "指标值“9月前”、完成值“7月”：达成；指标值“6月底前”、完成值“8月”：未达成",
    ),
    (
        "指标值、完成值、分值、得分均为空或占位符（/ - — 无）的模板行不是指标：不报错、不计分，原样保留",
        "三级指标“指标1:”，其余各栏均为“/”",
    ),
    (
        "表头可跨两三行（上级标题合并在下级标题之上），标题中的空格、换行、（A）（B）不影响识别",
        "“指标值”合并在“年度指标值（A）”“实际完成值（B）”之上；“全 年 预 算 数（换行）（A）”",
    ),
    (
        "各省模板按含义识别：调整后预算数=全年预算数，预算执行数=全年执行数，权重=分值，完成值/全年实际值=实际完成值，指标性质+指标值+度量单位合为一个指标值，合计=总分，评价结论=自评结论",
        "四川：指标性质“≤”、指标值“60000”、度量单位“元”即 ≤60000元；资金行 总额 = 财政资金 + 财政专户管理资金 + 单位资金 + 其他资金",
    ),
    (
        "反向指标（≤）超出指标值时，线性得分 分值×(2−实际÷指标值) 与比例得分 分值×指标值÷实际 均认可；fix 按设置 reverse_scoring 写入（默认 linear）",
        "≤3,800,000元、实际 4,020,000元、分值 10：9.42（线性）与 9.45（比例）均无问题，9.30 有误",
    ),
];
