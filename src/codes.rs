//! The one table of finding codes: each code's name, default severity and one-line meaning.
//! `jixiao rules` prints it, and `docs/rules.md` has a section per code (a test checks that).

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
    UnparseableValue = "unparseable-value", Error, "数值无法识别",
        "指标值、实际完成值、分值、得分或金额无法按应有的格式识别";
    MissingField = "missing-field", Error, "缺少必填项",
        "只有填报单位能提供的内容为空：项目名称、预算数、执行数、指标值、完成值、分值、定性指标得分";
    InternalError = "internal-error", Error, "程序内部错误",
        "检查该表时程序出错：该表只报告出错前的结果，请把该文件报告给 jixiao 的维护者";
    UnreadableFile = "unreadable-file", Error, "文件无法读取",
        "文件损坏、加密、不是电子表格或超过大小限制";
    NoFormFound = "no-form-found", Error, "未找到自评表",
        "工作簿可以打开，但没有任何工作表含有自评表";
}

impl Code {
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
