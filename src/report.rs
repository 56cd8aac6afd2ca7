//! Stage 6: the report — the same findings rendered as JSON for machines (docs/rules.md "Findings", the field
//! names are a contract) and as text for people at a terminal.
//!
//! Shape: `files[]` → `forms[]` → `findings[]`, plus `summary` tallies. Decimals are strings
//! (`"98.44"`), so no reader loses a cent to binary floating point. Figures that could not be
//! established are `null`. Fields may be added; the documented fields are never renamed.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::form::FormType;
use crate::rules::{BatchFinding, Code, Finding, FormIndex, Severity};

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// Findings about the batch as a whole (docs/rules.md: `duplicate-form`, `year-mismatch`,
    /// `copied-indicators`); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batch: Vec<BatchFinding>,
    pub summary: Summary,
}

impl Report {
    /// The report of a run whose files were kept: the batch findings are the summary's.
    pub fn of(files: Vec<FileReport>, summary: Summary) -> Report {
        Report {
            files,
            batch: summary.batch.clone(),
            summary,
        }
    }
}

/// Which corrected workbook `fix` wrote for an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputForm {
    /// The input itself with only the corrected cells changed (.xlsx, .xlsm).
    Reissued,
    /// The form in the standard template (other formats, or `--standard`).
    Standard,
}

/// The status of one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No finding at all.
    Ok,
    /// At least one finding (warnings included).
    Findings,
    /// Could not be opened: corrupt, encrypted, not a spreadsheet, too large.
    Unreadable,
    /// Opens, but no sheet holds a form.
    NoForm,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "无问题",
            Status::Findings => "有问题",
            Status::Unreadable => "无法读取",
            Status::NoForm => "未找到自评表",
        }
    }
}

/// One input workbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileReport {
    /// Relative to the input argument it was found under (a file given directly: its name).
    pub path: String,
    pub status: Status,
    /// Only when unreadable or no-form: `unreadable-file` or `no-form-found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// Only when unreadable or no-form: what went wrong, in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `fix` only: the corrected workbook, relative to OUT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// `fix` only: whether `output` is the unit's own file reissued or the standard template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_form: Option<OutputForm>,
    /// `fix` only, in Chinese: why `output` is not the input's own name with its new extension
    /// (a name no file system holds as it is, or one another output or summary.xlsx or
    /// report.json has: the natural name and the reason), why it went to the top of OUT (the
    /// system refused its path), and why an .xlsx/.xlsm input got the standard template (its
    /// package could not be edited); `；` between them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_note: Option<String>,
    /// In Chinese, when the file reached jixiao under another name than the one its owner gave
    /// it (the web page saves an upload named `CON.xlsx` as `_CON.xlsx`): both names and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_note: Option<String>,
    /// `docx` for a form read from a Word document (absent for workbooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// What the batch rules need of each form; not part of the JSON.
    #[serde(skip)]
    pub index: Vec<FormIndex>,
    /// Hidden sheets that were read (a form on a hidden sheet is still checked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_sheets: Vec<String>,
    pub forms: Vec<FormReport>,
}

/// The notes present, `；` between them; `None` when there is none.
pub fn join_notes<S: AsRef<str>>(notes: impl IntoIterator<Item = Option<S>>) -> Option<String> {
    let notes: Vec<String> = notes
        .into_iter()
        .flatten()
        .map(|n| n.as_ref().to_string())
        .collect();
    (!notes.is_empty()).then(|| notes.join("；"))
}

/// One form: the key figures as reported and as recomputed, and its findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FormReport {
    pub sheet: String,
    /// Which form it is: `self-evaluation`, `target-declaration`, `monitoring` or
    /// `department-evaluation`.
    #[serde(default)]
    pub form_type: FormType,
    pub project: String,
    pub department: String,
    /// The money unit of `budget` and `executed`: `元` or `万元`, as the funds label states.
    #[serde(default)]
    pub unit: String,
    /// The A1 cell where the form's title (or first label) sits.
    #[serde(default)]
    pub anchor: String,
    pub budget: Option<String>,
    pub executed: Option<String>,
    pub execution_rate: Option<String>,
    pub execution_score: Option<String>,
    pub total_reported: Option<String>,
    pub total: Option<String>,
    pub grade_reported: Option<String>,
    pub grade: Option<String>,
    pub findings: Vec<Finding>,
    /// What jixiao could not read of this form, in one line (the reading notes among
    /// `findings`, said shortly); absent when it read everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// Tallies over the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub files: usize,
    pub forms: usize,
    pub unreadable: usize,
    #[serde(default)]
    pub no_form: usize,
    /// Files skipped by the walk (lock files, hidden files); not listed in `files`.
    #[serde(default)]
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    /// The batch findings, counted above; written as the report's top-level `batch`.
    #[serde(skip)]
    pub batch: Vec<BatchFinding>,
}

impl Report {
    /// Build the report from per-file results, computing the summary.
    pub fn new(files: Vec<FileReport>, skipped: usize) -> Report {
        let mut summary = Summary {
            skipped,
            ..Summary::default()
        };
        for file in &files {
            summary.add(file);
        }
        Report {
            files,
            batch: Vec::new(),
            summary,
        }
    }

    /// True when any error-severity finding (or an unreadable / form-less file) is present:
    /// the run exits 1.
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }

    pub fn to_json(&self) -> String {
        let mut json =
            serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        json.push('\n');
        json
    }

    /// The one-line tally every run ends with.
    pub fn tally(&self) -> String {
        self.summary.tally()
    }

    /// The human rendering: one block per file, one line per finding, then the tally.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for file in &self.files {
            out.push_str(&file.to_text());
        }
        let _ = writeln!(out, "{}", self.tally());
        out
    }
}

impl Summary {
    /// Count one file's status and findings.
    pub fn add(&mut self, file: &FileReport) {
        self.files += 1;
        match file.status {
            Status::Unreadable => {
                self.unreadable += 1;
                self.errors += 1;
            }
            Status::NoForm => {
                self.no_form += 1;
                self.errors += 1;
            }
            _ => {}
        }
        self.forms += file.forms.len();
        for finding in file.forms.iter().flat_map(|f| &f.findings) {
            self.count(finding.severity);
        }
    }

    /// Count one finding of `severity`.
    fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => {}
        }
    }

    /// Record the batch findings and count them like any other of their severity.
    pub fn add_batch(&mut self, batch: Vec<BatchFinding>) {
        for finding in &batch {
            self.count(finding.severity);
        }
        self.batch = batch;
    }

    /// The human rendering of the batch findings: a heading and a line each (nothing when
    /// there are none).
    pub fn batch_text(&self) -> String {
        let mut out = String::new();
        if self.batch.is_empty() {
            return out;
        }
        let _ = writeln!(out, "本批文件整体：");
        for f in &self.batch {
            let _ = writeln!(
                out,
                "  {} {} [{}] {}",
                f.finding.severity.label(),
                f.finding.code,
                f.finding.subject,
                f.finding.message
            );
        }
        out
    }

    /// The one-line tally every run ends with.
    pub fn tally(&self) -> String {
        format!(
            "共 {} 个文件，{} 张表：错误 {} 个，提示 {} 个；无法读取 {} 个，未找到自评表 {} 个，跳过 {} 个",
            self.files, self.forms, self.errors, self.warnings, self.unreadable, self.no_form, self.skipped
        )
    }
}

impl FileReport {
    /// A file's report with its path and status and nothing else yet.
    pub fn new(path: impl Into<String>, status: Status) -> FileReport {
        FileReport {
            path: path.into(),
            status,
            code: None,
            error: None,
            output: None,
            output_form: None,
            output_note: None,
            name_note: None,
            format: None,
            index: Vec::new(),
            hidden_sheets: Vec::new(),
            forms: Vec::new(),
        }
    }

    /// The human rendering of one file: a line per form with its key figures, a line per
    /// finding; or the reason it could not be read.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if matches!(self.status, Status::Unreadable | Status::NoForm) {
            let _ = writeln!(
                out,
                "{}: {}：{}",
                self.path,
                self.status.label(),
                self.error.as_deref().unwrap_or("")
            );
            return out;
        }
        for form in &self.forms {
            // Another form than a 自评表 says which it is before its project.
            let kind = match form.form_type {
                FormType::SelfEvaluation => String::new(),
                other => format!("（{}）", other.label()),
            };
            let _ = writeln!(
                out,
                "{} [{}] {kind}{}：执行率 {}，预算执行率得分 {}，总分 {}，等级 {}",
                self.path,
                form.sheet,
                form.project,
                form.execution_rate.as_deref().unwrap_or("-"),
                form.execution_score.as_deref().unwrap_or("-"),
                form.total.as_deref().unwrap_or("-"),
                form.grade.as_deref().unwrap_or("-"),
            );
            if let Some(line) = &form.reading {
                let _ = writeln!(out, "  读取说明：{line}");
            }
            for f in form.findings.iter().filter(|f| !f.code.is_reading_note()) {
                let _ = writeln!(
                    out,
                    "  {} {} {} [{}]{} {}",
                    f.severity.label(),
                    if f.cell.is_empty() { "-" } else { &f.cell },
                    f.code,
                    f.subject,
                    if f.fixed { " (可修正)" } else { "" },
                    f.message
                );
            }
        }
        out
    }
}

/// The reading notes among a form's findings in one line, for people: which columns were not
/// read, which the template lacks, which formulas had no result — and so which checks did not
/// run. `None` when the form was read in full.
pub fn reading_line(findings: &[Finding]) -> Option<String> {
    // Each name once (two columns both headed `得分计算方法` are one thing to look at).
    let of = |code: Code| -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for f in findings.iter().filter(|f| f.code == code) {
            if !names.contains(&f.reported.as_str()) {
                names.push(&f.reported);
            }
        }
        names
    };
    let mut parts = Vec::new();
    let unknown = of(Code::ColumnUnrecognised);
    if !unknown.is_empty() {
        parts.push(format!("未读取的栏目 {}", unknown.join("、")));
    }
    let absent = of(Code::ColumnAbsent);
    if !absent.is_empty() {
        parts.push(format!("表中没有 {}，相关检查未进行", absent.join("、")));
    }
    let formulas = of(Code::FormulaNotEvaluated);
    if !formulas.is_empty() {
        parts.push(format!("公式无计算结果 {}，相关检查未进行", formulas.join("、")));
    }
    (!parts.is_empty()).then(|| parts.join("；"))
}

/// Writes the JSON report one file at a time, so a run of any size holds one chunk of files in
/// memory: `{"files": [` … `], "summary": {…}}` — the same document `Report` serialises to.
pub struct JsonStream<W: std::io::Write> {
    out: W,
    /// Files written so far; the opening `{"files": [` is written with the first (or at the
    /// end), so a run that fails before any file prints nothing.
    written: usize,
}

impl<W: std::io::Write> JsonStream<W> {
    pub fn new(out: W) -> Self {
        JsonStream { out, written: 0 }
    }

    pub fn file(&mut self, file: &FileReport) -> std::io::Result<()> {
        self.out.write_all(if self.written == 0 {
            b"{\n  \"files\": [\n"
        } else {
            b",\n"
        })?;
        self.written += 1;
        serde_json::to_writer_pretty(&mut self.out, file).map_err(std::io::Error::other)
    }

    pub fn finish(mut self, summary: &Summary) -> std::io::Result<W> {
        self.out.write_all(if self.written == 0 {
            b"{\n  \"files\": [],\n"
        } else {
            b"\n  ],\n"
        })?;
        if !summary.batch.is_empty() {
            self.out.write_all(b"  \"batch\": ")?;
            serde_json::to_writer_pretty(&mut self.out, &summary.batch).map_err(std::io::Error::other)?;
            self.out.write_all(b",\n")?;
        }
        self.out.write_all(b"  \"summary\": ")?;
        serde_json::to_writer_pretty(&mut self.out, summary).map_err(std::io::Error::other)?;
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, status: Status) -> FileReport {
        FileReport::new(path, status)
    }

    #[test]
    fn the_streamed_json_is_the_report() {
        let files = vec![file("a.xlsx", Status::Ok), file("b/c.xls", Status::Findings)];
        let report = Report::new(files.clone(), 3);
        let mut stream = JsonStream::new(Vec::new());
        for f in &files {
            stream.file(f).expect("write");
        }
        let bytes = stream.finish(&report.summary).expect("finish");
        let parsed: Report = serde_json::from_slice(&bytes).expect("valid JSON");
        assert_eq!(parsed, report);
        let empty = JsonStream::new(Vec::new())
            .finish(&Summary::default())
            .expect("finish");
        let parsed: Report = serde_json::from_slice(&empty).expect("valid JSON");
        assert!(parsed.files.is_empty());
    }
}
