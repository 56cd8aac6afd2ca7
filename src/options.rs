//! Every setting of a run, from every source, through one table.
//!
//! A setting is known by one name in every place a person can give it: the command-line flag
//! (`--max-file-mb`), the web page's query parameter (`max_file_mb`) and its key in
//! `jixiao.toml` (`max_file_mb`, or `[grades] excellent`, or `[severity] code = "level"`).
//! [`SETTINGS`] lists them once, each with the one function that applies its value; the front
//! ends only hand over `(name, value)` pairs (from clap, from the query string) or a file, and
//! [`from_file`], [`from_flags`] and [`for_request`] layer them onto a [`crate::run::Options`]:
//! defaults, then the settings file, then the flags (or, on the page, the server's options,
//! then the request's parameters). A new setting is one row of [`SETTINGS`].

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::rules::settings::{ReverseScoring, SettingsError};
use crate::run::Options;

/// One setting: its names, its help and how its value is applied.
pub struct Setting {
    /// The query parameter and the key in `jixiao.toml` (also the flag's clap id).
    pub name: &'static str,
    /// The command-line flag, without `--`.
    pub flag: &'static str,
    /// Where it sits in `jixiao.toml`: a top-level key, `table.key`, or `table.*` for a table
    /// whose every `key = value` is one value `key=value` (the severities).
    pub toml: &'static str,
    /// The value's placeholder in the help (`PERCENT`).
    pub value_name: &'static str,
    /// The help line, Chinese then English.
    pub help: &'static str,
    /// May be given more than once (each value applied in turn).
    pub repeatable: bool,
    /// A request to the web page may set it (the rest are the server's own).
    pub per_request: bool,
    set: fn(&mut Options, &str) -> Result<(), SettingsError>,
    /// Its value now, as the page shows it (`None`: not set or not shown).
    get: fn(&Options) -> Option<String>,
}

/// Where a value came from, for the message when it is refused.
#[derive(Debug, Clone)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// A query parameter of the web page.
    Query,
    /// A settings file.
    File(PathBuf),
}

/// A value refused, said with where it came from (`--deviation：…`,
/// `设置文件 jixiao.toml 中的 grades.excellent：…`, `参数 deviation：…`).
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("设置文件 {path} 无法读取：{source}")]
    Io { path: String, source: std::io::Error },
    #[error("设置文件 {path} 格式有误：{message}")]
    Parse { path: String, message: String },
    #[error("{place}：{source}")]
    Value { place: String, source: SettingsError },
    #[error("{place}：没有这项设置（可设置的有：{known}）")]
    Unknown { place: String, known: String },
    #[error("参数 {0} 不能由网页设置，只能在启动 jixiao serve 时给出")]
    NotPerRequest(String),
    #[error("{0}")]
    Invalid(SettingsError),
}

impl Source {
    /// Where `name` was given: the flag, the parameter, or the key in the file (the setting's
    /// place there, when `name` is a setting's).
    fn place(&self, name: &str) -> String {
        match self {
            Source::Flag => format!("--{}", name.replace('_', "-")),
            Source::Query => format!("参数 {name}"),
            Source::File(path) => {
                let key = setting(name).map_or(name, |s| s.toml.trim_end_matches(".*"));
                format!("设置文件 {} 中的 {key}", path.display())
            }
        }
    }
}

/// Every setting. The flags are made from this table, the page's defaults read from it, and
/// `docs/rules.md` ("Settings") documents the same names.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "deviation",
        flag: "deviation",
        toml: "deviation_threshold",
        value_name: "PERCENT",
        help: "偏差阈值（百分比，默认 30）/ Deviation threshold in percent (default 30)",
        repeatable: false,
        per_request: true,
        set: |o, v| o.settings.set_deviation_percent(decimal(v)?),
        get: |o| {
            o.settings
                .deviation_threshold
                .checked_mul(Decimal::ONE_HUNDRED)
                .map(crate::num::fmt_plain)
        },
    },
    Setting {
        name: "excellent",
        flag: "excellent",
        toml: "grades.excellent",
        value_name: "SCORE",
        help: "“优”的最低总分（默认 90）/ Lowest total graded 优 (default 90)",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            o.settings.grade_excellent = score(v)?;
            Ok(())
        },
        get: |o| Some(crate::num::fmt_plain(o.settings.grade_excellent)),
    },
    Setting {
        name: "good",
        flag: "good",
        toml: "grades.good",
        value_name: "SCORE",
        help: "“良”的最低总分（默认 80）/ Lowest total graded 良 (default 80)",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            o.settings.grade_good = score(v)?;
            Ok(())
        },
        get: |o| Some(crate::num::fmt_plain(o.settings.grade_good)),
    },
    Setting {
        name: "fair",
        flag: "fair",
        toml: "grades.fair",
        value_name: "SCORE",
        help: "“中”的最低总分（默认 60）/ Lowest total graded 中 (default 60)",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            o.settings.grade_fair = score(v)?;
            Ok(())
        },
        get: |o| Some(crate::num::fmt_plain(o.settings.grade_fair)),
    },
    Setting {
        name: "severity",
        flag: "severity",
        toml: "severity.*",
        value_name: "CODE=LEVEL",
        help: "调整某条规则的严重程度（可重复）/ Set a code's severity: CODE=error|warning|info|off \
               (repeatable)",
        repeatable: true,
        per_request: true,
        set: |o, v| {
            let (code, level) = v.split_once('=').ok_or_else(|| {
                SettingsError::Invalid(format!(
                    "应写作 CODE=LEVEL，例如 cost-exceeds-execution=error，而不是 `{v}`"
                ))
            })?;
            o.settings.set_severity(code.trim(), level.trim())
        },
        get: |_| None,
    },
    Setting {
        name: "reverse_scoring",
        flag: "reverse-scoring",
        toml: "reverse_scoring",
        value_name: "linear|ratio",
        help: "反向指标超标时 fix 写入的得分：linear（线性，默认）或 ratio（指标值÷实际值×分值）/ \
               The score `fix` writes for a reverse (≤) indicator over its target",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            o.settings.reverse_scoring = ReverseScoring::from_name(v.trim())?;
            Ok(())
        },
        get: |o| {
            Some(
                match o.settings.reverse_scoring {
                    ReverseScoring::Linear => "linear",
                    ReverseScoring::Ratio => "ratio",
                }
                .to_string(),
            )
        },
    },
    Setting {
        name: "year",
        flag: "year",
        toml: "year",
        value_name: "YEAR",
        help: "本次核查的年度（与之不同的表报 year-mismatch）/ The year the batch is for",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            let year = v
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=2999).contains(y))
                .ok_or_else(|| SettingsError::Invalid(format!("年度应为四位年份，而不是 `{v}`")))?;
            o.settings.year = Some(year);
            Ok(())
        },
        get: |o| o.settings.year.map(|y| y.to_string()),
    },
    Setting {
        name: "schedule_ratio",
        flag: "schedule-ratio",
        toml: "schedule_ratio",
        value_name: "RATIO",
        help: "运行监控表执行进度的最低比例：执行率应不低于序时进度 × 此值（默认 0.6）/ A monitoring \
               form is behind schedule below the time elapsed × this (default 0.6)",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            let ratio = decimal(v)?;
            if ratio <= Decimal::ZERO || ratio > Decimal::ONE {
                return Err(SettingsError::Invalid(format!(
                    "序时进度比例应大于 0 且不超过 1，而不是 {v}"
                )));
            }
            o.settings.schedule_ratio = ratio;
            Ok(())
        },
        get: |o| Some(crate::num::fmt_plain(o.settings.schedule_ratio)),
    },
    Setting {
        name: "qualitative_share",
        flag: "qualitative-share",
        toml: "qualitative_share",
        value_name: "RATIO",
        help: "定性指标值所占比例的上限，超过即提示 vague-targets（默认 0.5）/ The share of qualitative \
               targets beyond which vague-targets is raised (default 0.5)",
        repeatable: false,
        per_request: true,
        set: |o, v| {
            let share = decimal(v)?;
            if share < Decimal::ZERO || share > Decimal::ONE {
                return Err(SettingsError::Invalid(format!(
                    "比例应在 0 到 1 之间，而不是 {v}"
                )));
            }
            o.settings.qualitative_share = share;
            Ok(())
        },
        get: |o| Some(crate::num::fmt_plain(o.settings.qualitative_share)),
    },
    Setting {
        name: "max_file_mb",
        flag: "max-file-mb",
        toml: "max_file_mb",
        value_name: "MB",
        help: "单个文件大小上限（MB，默认 50）/ Largest input file read, in MB (default 50)",
        repeatable: false,
        per_request: false,
        set: |o, v| {
            let mb = v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|mb| *mb > 0)
                .ok_or_else(|| SettingsError::Invalid(format!("应为大于 0 的整数，而不是 `{v}`")))?;
            o.limits.max_file_bytes = mb.saturating_mul(1 << 20);
            Ok(())
        },
        get: |o| Some((o.limits.max_file_bytes >> 20).to_string()),
    },
];

fn decimal(v: &str) -> Result<Decimal, SettingsError> {
    Decimal::from_str(v.trim())
        .or_else(|_| Decimal::from_scientific(v.trim()))
        .map_err(|_| SettingsError::Invalid(format!("应为数字，而不是 `{v}`")))
}

/// A grade line: a number from 0 to 100.
fn score(v: &str) -> Result<Decimal, SettingsError> {
    let d = decimal(v)?;
    if d < Decimal::ZERO || d > Decimal::ONE_HUNDRED {
        return Err(SettingsError::Invalid(format!(
            "分数线应在 0 到 100 之间，而不是 {v}"
        )));
    }
    Ok(d)
}

/// The setting of that name.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

fn known() -> String {
    SETTINGS.iter().map(|s| s.name).collect::<Vec<_>>().join("、")
}

/// Apply `(name, value)` pairs from one source, then check the whole (the grade lines in
/// order). Names the table does not hold are refused.
pub fn apply<N, V>(
    opts: &mut Options,
    source: &Source,
    pairs: impl IntoIterator<Item = (N, V)>,
) -> Result<(), OptionsError>
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    for (name, value) in pairs {
        let (name, value) = (name.as_ref(), value.as_ref());
        let s = setting(name).ok_or_else(|| OptionsError::Unknown {
            place: source.place(name),
            known: known(),
        })?;
        if matches!(source, Source::Query) && !s.per_request {
            return Err(OptionsError::NotPerRequest(name.to_string()));
        }
        (s.set)(opts, value).map_err(|e| OptionsError::Value {
            place: source.place(name),
            source: e,
        })?;
    }
    let s = &opts.settings;
    if !(s.grade_fair < s.grade_good && s.grade_good < s.grade_excellent) {
        return Err(OptionsError::Invalid(SettingsError::Invalid(format!(
            "等级分数线应满足 中 < 良 < 优，而不是 {} / {} / {}",
            s.grade_fair, s.grade_good, s.grade_excellent
        ))));
    }
    Ok(())
}

/// The `(name, value)` pairs of a `jixiao.toml`, each key found in [`SETTINGS`] by its place
/// in the file; a key no setting has is refused with the names there are.
pub fn file_pairs(path: &Path) -> Result<Vec<(&'static str, String)>, OptionsError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| OptionsError::Io {
        path: shown.clone(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| OptionsError::Parse {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let source = Source::File(path.to_path_buf());
    let unknown = |key: &str| OptionsError::Unknown {
        place: source.place(key),
        known: SETTINGS.iter().map(|s| s.toml).collect::<Vec<_>>().join("、"),
    };
    let by_place = |place: &str| SETTINGS.iter().find(|s| s.toml == place);
    let mut pairs = Vec::new();
    for (key, value) in &table {
        match value {
            toml::Value::Table(inner) => {
                let whole = by_place(&format!("{key}.*"));
                for (k, v) in inner {
                    let text = scalar(v).ok_or_else(|| unknown(&format!("{key}.{k}")))?;
                    match (whole, by_place(&format!("{key}.{k}"))) {
                        (Some(s), _) => pairs.push((s.name, format!("{k}={text}"))),
                        (None, Some(s)) => pairs.push((s.name, text)),
                        (None, None) => return Err(unknown(&format!("{key}.{k}"))),
                    }
                }
            }
            v => {
                let s = by_place(key).ok_or_else(|| unknown(key))?;
                pairs.push((s.name, scalar(v).ok_or_else(|| unknown(key))?));
            }
        }
    }
    Ok(pairs)
}

/// A TOML value as the text a flag would give (`30`, `30.5`, `ratio`, `true`).
fn scalar(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Apply a settings file onto `opts`.
pub fn from_file(opts: &mut Options, path: &Path) -> Result<(), OptionsError> {
    let pairs = file_pairs(path)?;
    apply(opts, &Source::File(path.to_path_buf()), pairs)
}

/// The options of `check` and `fix`: the defaults, then the settings file (`config`, or
/// `jixiao.toml` inside the first input folder), then the flags' `(name, value)` pairs.
pub fn from_flags(
    config: Option<&Path>,
    inputs: &[PathBuf],
    flags: &[(&'static str, String)],
) -> Result<Options, OptionsError> {
    let mut opts = Options::default();
    let found = inputs
        .iter()
        .find(|p| p.is_dir())
        .map(|d| d.join("jixiao.toml"))
        .filter(|p| p.is_file());
    if let Some(path) = config.map(Path::to_path_buf).or(found) {
        from_file(&mut opts, &path)?;
    }
    apply(&mut opts, &Source::Flag, flags.iter().map(|(n, v)| (*n, v)))?;
    Ok(opts)
}

/// A web request's options: the server's, with the request's query parameters that name a
/// setting on top (empty ones are left unset; other parameters are the page's own).
pub fn for_request(base: &Options, query: &[(String, String)]) -> Result<Options, OptionsError> {
    let mut opts = base.clone();
    let pairs = query
        .iter()
        .filter(|(k, v)| !v.is_empty() && setting(k).is_some());
    apply(&mut opts, &Source::Query, pairs.map(|(k, v)| (k, v)))?;
    Ok(opts)
}

/// The values the page shows as its defaults: every per-request setting that has one.
pub fn defaults(opts: &Options) -> Vec<(&'static str, String)> {
    SETTINGS
        .iter()
        .filter(|s| s.per_request)
        .filter_map(|s| Some((s.name, (s.get)(opts)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("jixiao.toml");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    #[test]
    fn a_file_then_flags_layer_onto_the_defaults() {
        let (_dir, path) = file(
            "deviation_threshold = 20\nmax_file_mb = 8\nyear = 2024\n[grades]\nexcellent = 95\n\
             [severity]\nweight-nonstandard = \"off\"\n",
        );
        let flags = [("deviation", "25.5".to_string()), ("good", "85".to_string())];
        let opts = from_flags(Some(&path), &[], &flags).expect("options");
        let s = &opts.settings;
        assert_eq!(s.deviation_threshold, Decimal::new(255, 3));
        assert_eq!(s.grade_excellent, Decimal::from(95));
        assert_eq!(s.grade_good, Decimal::from(85));
        assert_eq!(s.year, Some(2024));
        assert_eq!(s.severity(crate::codes::Code::WeightNonstandard), None);
        assert_eq!(opts.limits.max_file_bytes, 8 << 20);
    }

    fn refused(r: Result<Options, OptionsError>) -> String {
        match r {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_refused_value_names_its_source() {
        let (_dir, path) = file("[grades]\nexcellent = 120\n");
        let e = refused(from_flags(Some(&path), &[], &[]));
        assert!(
            e.contains("jixiao.toml 中的 grades.excellent") && e.contains("0 到 100"),
            "{e}"
        );
        let (_dir, path) = file("deviation = 30\n");
        let e = refused(from_flags(Some(&path), &[], &[]));
        assert!(
            e.contains("没有这项设置") && e.contains("deviation_threshold"),
            "{e}"
        );
        let e = refused(from_flags(None, &[], &[("severity", "x".into())]));
        assert!(e.starts_with("--severity：应写作 CODE=LEVEL"), "{e}");
        let e = refused(from_flags(None, &[], &[("fair", "85".into())]));
        assert!(e.contains("中 < 良 < 优"), "{e}");
    }

    #[test]
    fn a_request_sets_its_own_settings_only() {
        let base = Options::default();
        let query = [
            ("deviation".to_string(), "40".to_string()),
            ("excellent".to_string(), String::new()),
            ("job".to_string(), "abc".to_string()),
            ("severity".to_string(), "grade-mismatch=warning".to_string()),
        ];
        let opts = for_request(&base, &query).expect("options");
        assert_eq!(opts.settings.deviation_threshold, Decimal::new(40, 2));
        assert_eq!(opts.settings.grade_excellent, Decimal::from(90));
        assert_eq!(
            opts.settings.severity(crate::codes::Code::GradeMismatch),
            Some(crate::codes::Severity::Warning)
        );
        let limit = [("max_file_mb".to_string(), "1".to_string())];
        assert!(matches!(
            for_request(&base, &limit),
            Err(OptionsError::NotPerRequest(_))
        ));
        let shown = defaults(&base);
        assert!(shown.contains(&("deviation", "30".to_string())), "{shown:?}");
        assert!(shown.contains(&("excellent", "90".to_string())), "{shown:?}");
    }

    #[test]
    fn every_setting_has_distinct_names_and_a_place_in_the_file() {
        for (i, a) in SETTINGS.iter().enumerate() {
            assert_eq!(a.flag, a.name.replace('_', "-"), "{}", a.name);
            for b in &SETTINGS[i + 1..] {
                assert!(a.name != b.name && a.toml != b.toml, "{} / {}", a.name, b.name);
            }
        }
    }
}
