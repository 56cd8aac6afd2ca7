//! Settings of the rulebook: the deviation threshold, the grade bands and each code's severity
//! (or `off`). Defaults are those of docs/rules.md, "Settings"; an office overrides them with `jixiao.toml`, flags or the page's
//! parameters, all through [`crate::options`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Code, Severity};

/// What the rulebook may be told.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Over-achievement that needs a reason, as a fraction of the target (0.30 = 30 %).
    pub deviation_threshold: Decimal,
    /// Lowest total graded 优 / 良 / 中 (below `grade_fair` is 差).
    pub grade_excellent: Decimal,
    pub grade_good: Decimal,
    pub grade_fair: Decimal,
    /// Per-code severity overrides; `None` turns the code off.
    pub severities: BTreeMap<Code, Option<Severity>>,
    /// Which score of a reverse (≤) indicator `fix` writes; both are accepted when checking.
    pub reverse_scoring: ReverseScoring,
    /// The year the batch is for (`year-mismatch`); `None`: the batch's most common year.
    pub year: Option<i32>,
    /// The share of the time elapsed a monitoring form's execution must reach
    /// (`behind-schedule`): 0.6 = by the end of July, 7/12 × 60 % = 35 %.
    pub schedule_ratio: Decimal,
    /// The share of a form's targets that may be qualitative before `vague-targets` (0.5).
    pub qualitative_share: Decimal,
}

/// The two published conventions for scoring a reverse (≤ target) indicator that exceeded its
/// target (docs/rules.md, `indicator-score-mismatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReverseScoring {
    /// 分值 × (2 − 实际 ÷ 指标值): the loss grows with the overrun, zero at double the target.
    #[default]
    Linear,
    /// 分值 × 指标值 ÷ 实际 (the central departments' 填表说明).
    Ratio,
}

impl ReverseScoring {
    /// From its setting word, `linear` or `ratio`.
    pub fn from_name(name: &str) -> Result<ReverseScoring, SettingsError> {
        match name {
            "linear" => Ok(ReverseScoring::Linear),
            "ratio" => Ok(ReverseScoring::Ratio),
            other => Err(SettingsError::Invalid(format!(
                "反向指标计分方式应为 linear（线性）或 ratio（比例），而不是 `{other}`"
            ))),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            deviation_threshold: Decimal::new(30, 2),
            grade_excellent: Decimal::from(90),
            grade_good: Decimal::from(80),
            grade_fair: Decimal::from(60),
            severities: BTreeMap::new(),
            reverse_scoring: ReverseScoring::Linear,
            year: None,
            schedule_ratio: Decimal::new(6, 1),
            qualitative_share: Decimal::new(5, 1),
        }
    }
}

/// Why settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("未知的问题代码 `{0}`（可用 `jixiao rules` 查看全部代码）")]
    UnknownCode(String),
    #[error("未知的严重程度 `{0}`：应为 error、warning、info 或 off")]
    UnknownSeverity(String),
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// The severity a code reports with, `None` when turned off.
    pub fn severity(&self, code: Code) -> Option<Severity> {
        match self.severities.get(&code) {
            Some(choice) => *choice,
            None => Some(code.severity()),
        }
    }

    /// Set a code's severity from its name and a word (`error`, `warning`, `info`, `off`).
    pub fn set_severity(&mut self, code: &str, word: &str) -> Result<(), SettingsError> {
        let code = Code::from_name(code).ok_or_else(|| SettingsError::UnknownCode(code.into()))?;
        if matches!(
            code,
            Code::UnreadableFile | Code::NoFormFound | Code::InternalError
        ) {
            return Err(SettingsError::Invalid(format!(
                "`{code}` 是文件状态，不能调整其严重程度：无法读取或未找到自评表的文件总是计为错误"
            )));
        }
        let severity = match word {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "off" => None,
            other => return Err(SettingsError::UnknownSeverity(other.into())),
        };
        self.severities.insert(code, severity);
        Ok(())
    }

    /// Set the deviation threshold from a percent (`30` = 30 %).
    pub fn set_deviation_percent(&mut self, percent: Decimal) -> Result<(), SettingsError> {
        if percent <= Decimal::ZERO || percent > Decimal::from(10_000) {
            return Err(SettingsError::Invalid(format!(
                "偏差阈值应大于 0 且不超过 10000（百分比），而不是 {percent}"
            )));
        }
        self.deviation_threshold = percent
            .checked_div(Decimal::ONE_HUNDRED)
            .unwrap_or(self.deviation_threshold);
        Ok(())
    }
}
