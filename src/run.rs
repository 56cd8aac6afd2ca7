//! The pipeline for `check` and `fix`: walk → read → locate → check → (render) → report.
//!
//! Each input file is processed on its own, in parallel, inside `catch_unwind`: whatever goes
//! wrong with one file becomes that file's status and the run goes on. Results are collected in
//! input order, so the report and the outputs do not depend on the number of threads.

use std::collections::HashSet;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::form::Form;
use crate::grid::{self, Limits};
use crate::locate;
use crate::num::{fmt_plain, round2};
use crate::render::{self, CorrectedForm};
use crate::report::{FileReport, FormReport, Report, Status};
use crate::rules::{self, Finding, Settings};
use crate::walk::{self, Input};

/// How a run is configured.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub settings: Settings,
    pub limits: Limits,
    /// Worker threads; `None` = all cores.
    pub jobs: Option<usize>,
}

/// Failures of the run itself (exit 2), as opposed to findings in the files.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("输出目录 {0} 是一个文件，不能作为输出目录")]
    OutIsFile(String),
    #[error("无法创建输出目录 {path}：{source}")]
    CreateOut { path: String, source: std::io::Error },
    #[error("无法写入 {path}：{message}")]
    Write { path: String, message: String },
    #[error("无法启动并行处理：{0}")]
    Threads(String),
    #[error("以下输入路径无法读取：{0}")]
    Inputs(String),
}

/// One processed input: its report entry and, for `fix`, the corrected forms.
struct Processed {
    file: FileReport,
    corrected: Vec<(Form, Vec<Finding>)>,
}

/// `jixiao check`: validate every workbook under `paths`.
pub fn check(paths: &[PathBuf], opts: &Options) -> Result<Report, RunError> {
    let walked = walk::walk(paths, None);
    fail_on_walk_errors(&walked)?;
    let processed = process_all(&walked.inputs, opts)?;
    Ok(Report::new(
        processed.into_iter().map(|p| p.file).collect(),
        walked.skipped,
    ))
}

/// `jixiao fix`: validate, then write the corrected workbooks, `summary.xlsx` and
/// `report.json` under `out`.
pub fn fix(paths: &[PathBuf], out: &Path, opts: &Options) -> Result<Report, RunError> {
    if out.is_file() {
        return Err(RunError::OutIsFile(out.display().to_string()));
    }
    std::fs::create_dir_all(out).map_err(|source| RunError::CreateOut {
        path: out.display().to_string(),
        source,
    })?;
    let walked = walk::walk(paths, Some(out));
    fail_on_walk_errors(&walked)?;
    let outputs = output_names(&walked.inputs);
    let mut processed = process_all(&walked.inputs, opts)?;
    let pool = pool(opts)?;
    let written: Vec<Result<(), RunError>> = pool.install(|| {
        processed
            .par_iter_mut()
            .zip(outputs.par_iter())
            .map(|(p, name)| {
                if p.corrected.is_empty() {
                    return Ok(());
                }
                let forms: Vec<CorrectedForm> = p
                    .corrected
                    .iter()
                    .map(|(form, findings)| CorrectedForm { form, findings })
                    .collect();
                let bytes = render::corrected_workbook(&forms).map_err(|e| RunError::Write {
                    path: name.clone(),
                    message: e.to_string(),
                })?;
                write_atomic(&out.join(name), &bytes)?;
                p.file.output = Some(name.clone());
                Ok(())
            })
            .collect()
    });
    written.into_iter().collect::<Result<Vec<()>, RunError>>()?;
    let report = Report::new(processed.into_iter().map(|p| p.file).collect(), walked.skipped);
    let summary = render::summary(&report).map_err(|e| RunError::Write {
        path: "summary.xlsx".into(),
        message: e.to_string(),
    })?;
    write_atomic(&out.join("summary.xlsx"), &summary)?;
    write_atomic(&out.join("report.json"), report.to_json().as_bytes())?;
    Ok(report)
}

fn fail_on_walk_errors(walked: &walk::Walk) -> Result<(), RunError> {
    if walked.errors.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = walked.errors.iter().map(|(p, e)| format!("{p}（{e}）")).collect();
    Err(RunError::Inputs(list.join("；")))
}

/// The corrected workbook's name under OUT for each input: the same relative path with the
/// extension `.xlsx`; when two inputs would collide (`a.xls` and `a.xlsx`), the later one keeps
/// its original extension in the name (`a.xls.xlsx`).
fn output_names(inputs: &[Input]) -> Vec<String> {
    let mut used = HashSet::new();
    inputs
        .iter()
        .map(|input| {
            let plain = match input.rel.rsplit_once('.') {
                Some((stem, _)) => format!("{stem}.xlsx"),
                None => format!("{}.xlsx", input.rel),
            };
            let mut name = plain.clone();
            let mut n = 1;
            while !used.insert(name.to_lowercase()) {
                name = if n == 1 {
                    format!("{}.xlsx", input.rel)
                } else {
                    format!("{}（{n}）.xlsx", input.rel)
                };
                n += 1;
            }
            name
        })
        .collect()
}

fn pool(opts: &Options) -> Result<rayon::ThreadPool, RunError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.jobs {
        builder = builder.num_threads(n);
    }
    builder.build().map_err(|e| RunError::Threads(e.to_string()))
}

fn process_all(inputs: &[Input], opts: &Options) -> Result<Vec<Processed>, RunError> {
    let pool = pool(opts)?;
    Ok(pool.install(|| {
        inputs
            .par_iter()
            .map(|input| process_isolated(input, opts))
            .collect()
    }))
}

/// Process one file; a panic becomes that file's error instead of ending the run.
fn process_isolated(input: &Input, opts: &Options) -> Processed {
    match panic::catch_unwind(AssertUnwindSafe(|| process(input, opts))) {
        Ok(p) => p,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            failed(
                input,
                Status::Unreadable,
                format!("处理该文件时出现内部错误（请报告此问题）：{what}"),
            )
        }
    }
}

fn failed(input: &Input, status: Status, error: String) -> Processed {
    Processed {
        file: FileReport {
            path: input.rel.clone(),
            status,
            error: Some(error),
            output: None,
            hidden_sheets: Vec::new(),
            forms: Vec::new(),
        },
        corrected: Vec::new(),
    }
}

fn process(input: &Input, opts: &Options) -> Processed {
    let grids = match grid::read_workbook(&input.path, &opts.limits) {
        Ok(g) => g,
        Err(e) => return failed(input, Status::Unreadable, e.to_string()),
    };
    let mut forms = Vec::new();
    let mut corrected = Vec::new();
    let mut hidden_sheets = Vec::new();
    for grid in &grids {
        let located = locate::locate(grid);
        if grid.hidden && !located.forms.is_empty() {
            hidden_sheets.push(grid.name.clone());
        }
        for form in located.forms {
            let checked = rules::check(&form, &opts.settings);
            forms.push(form_report(&form, &checked));
            corrected.push((checked.corrected, checked.findings));
        }
    }
    if forms.is_empty() {
        let sheets: Vec<&str> = grids.iter().map(|g| g.name.as_str()).collect();
        return failed(
            input,
            Status::NoForm,
            format!(
                "在工作表（{}）中均未找到自评表：未找到“全年预算数”或“三级指标”等表头",
                sheets.join("、")
            ),
        );
    }
    let status = if forms.iter().all(|f| f.findings.is_empty()) {
        Status::Ok
    } else {
        Status::Findings
    };
    Processed {
        file: FileReport {
            path: input.rel.clone(),
            status,
            error: None,
            output: None,
            hidden_sheets,
            forms,
        },
        corrected,
    }
}

fn form_report(form: &Form, checked: &rules::Checked) -> FormReport {
    let fig = &checked.figures;
    let dec = |d: Option<rust_decimal::Decimal>| d.map(fmt_plain);
    FormReport {
        sheet: form.sheet.clone(),
        project: form.project.text(),
        department: form.department.text(),
        unit: form.funds.unit.label().to_string(),
        anchor: form
            .title
            .pos
            .or(form.project.pos)
            .map(|p| p.to_string())
            .unwrap_or_default(),
        budget: dec(fig.budget),
        executed: dec(fig.executed),
        execution_rate: dec(fig.execution_rate.map(round2)),
        execution_score: dec(fig.execution_score.map(round2)),
        total_reported: dec(fig.total_reported),
        total: dec(fig.total),
        grade_reported: fig.grade_reported.clone(),
        grade: fig.grade.clone(),
        findings: checked.findings.clone(),
    }
}

/// Write `bytes` to `path` through a temporary file in the same folder, renamed into place, so
/// an interrupted run never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let err = |message: String| RunError::Write {
        path: path.display().to_string(),
        message,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".jixiao-")
        .tempfile_in(dir)
        .map_err(|e| err(e.to_string()))?;
    tmp.write_all(bytes).map_err(|e| err(e.to_string()))?;
    // A temporary file is private (0600); an output is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::Permissions::from_mode(0o644);
        tmp.as_file()
            .set_permissions(perms)
            .map_err(|e| err(e.to_string()))?;
    }
    tmp.persist(path).map_err(|e| err(e.error.to_string()))?;
    Ok(())
}
