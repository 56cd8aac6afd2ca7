//! The pipeline for `check` and `fix`: walk → read → locate → check → (render) → report.
//!
//! Each input file is processed on its own, in parallel, inside `catch_unwind`: whatever goes
//! wrong with one file becomes that file's status and the run goes on. Results are collected in
//! input order, so the report and the outputs do not depend on the number of threads.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::form::Form;
use crate::grid::{self, Limits};
use crate::locate;
use crate::names;
use crate::num::{fmt_plain, round2};
use crate::reissue;
use crate::render::{self, CorrectedForm};
use crate::report::{FileReport, FormReport, JsonStream, OutputForm, Report, Status, Summary, join_notes};
use crate::rules::{self, Code, Settings};
use crate::walk::{self, Input, Walker};

mod isolate;
mod outputs;

use isolate::*;
pub use outputs::write_atomic;
use outputs::*;

/// How a run is configured.
#[derive(Clone, Default)]
pub struct Options {
    pub settings: Settings,
    pub limits: Limits,
    /// Worker threads; `None` = all cores.
    pub jobs: Option<usize>,
    /// Told of each file as it is done (the CLI's progress bar); `None` = silent.
    pub progress: Option<Arc<dyn Progress>>,
    /// `fix` writes every form in the standard template, even for .xlsx/.xlsm inputs that it
    /// would otherwise reissue (their own file with the corrected cells changed).
    pub standard: bool,
    /// Inputs that reached the run under another name than their own (an upload the web page
    /// saved under a name the file system holds): path as reported → the note saying so, put
    /// on the file's report as `name_note`.
    pub renamed: std::collections::BTreeMap<String, String>,
    /// Last year's forms (`--previous DIR`): read for the comparison of a project's targets with
    /// the year before (`target-lowered`), not reported, counted or corrected.
    pub previous: Vec<PathBuf>,
}

/// Hears of a run's progress. Called from worker threads, in completion order.
pub trait Progress: Send + Sync {
    /// The inputs were counted (before any is read): `total` files will be processed.
    fn start(&self, total: usize);
    /// One file is done.
    fn file_done(&self, file: &FileReport);
    /// Run `f` (which prints to the terminal) with the progress display out of its way.
    fn suspend(&self, f: &mut dyn FnMut()) {
        f();
    }
    /// Whether the run is to stop (the web page's client left): asked before each file starts;
    /// once true, no further file starts and the run ends with [`RunError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
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
    #[error("输出会覆盖输入文件 {0}：请另选一个输出目录")]
    WouldOverwrite(String),
    #[error("无法启动并行处理：{0}")]
    Threads(String),
    #[error("输入路径不存在：{0}")]
    Inputs(String),
    #[error("已取消")]
    Cancelled,
}

/// `jixiao check`: validate every workbook under `paths`.
pub fn check(paths: &[PathBuf], opts: &Options) -> Result<Report, RunError> {
    let mut files = Vec::new();
    let summary = check_each(paths, opts, |file| {
        files.push(file);
        Ok(())
    })?;
    Ok(Report::of(files, summary))
}

/// `jixiao check`, streamed: each file's report goes to `each` in input order as soon as its
/// chunk is done and is then dropped, so memory does not grow with the number of inputs.
/// Returns the tallies.
pub fn check_each(
    paths: &[PathBuf],
    opts: &Options,
    mut each: impl FnMut(FileReport) -> Result<(), RunError>,
) -> Result<Summary, RunError> {
    fail_on_missing(paths)?;
    let total = opts.progress.as_ref().map(|_| Walker::new(paths, None).count());
    let mut walker = Walker::new(paths, None);
    let mut summary = Summary::default();
    let mut index = rules::BatchIndex::default();
    index_previous(&mut index, opts)?;
    process_chunks(&mut walker, total, opts, None, |mut file| {
        summary.add(&file);
        file.index.drain(..).for_each(|f| index.push(f));
        each(file)
    })?;
    summary.skipped = walker.skipped;
    for file in walk_failures(&walker) {
        summary.add(&file);
        each(file)?;
    }
    summary.add_batch(index.check(&opts.settings));
    Ok(summary)
}

/// `jixiao fix`: validate, then write the corrected workbooks, `summary.xlsx` and
/// `report.json` under `out`. Each file is read, checked, rendered and written in one pass, so
/// only its report entry stays in memory.
pub fn fix(paths: &[PathBuf], out: &Path, opts: &Options) -> Result<Report, RunError> {
    let mut files = Vec::new();
    let summary = fix_each(paths, out, opts, |file| {
        files.push(file.clone());
        Ok(())
    })?;
    Ok(Report::of(files, summary))
}

/// `jixiao fix`, streamed: each file is read, checked, rendered and written in one pass; its
/// report goes into `summary.xlsx` and `report.json` as its chunk completes, then to `each`, and
/// is dropped — memory does not grow with the number of inputs. Returns the tallies.
pub fn fix_each(
    paths: &[PathBuf],
    out: &Path,
    opts: &Options,
    mut each: impl FnMut(&FileReport) -> Result<(), RunError>,
) -> Result<Summary, RunError> {
    if out.is_file() {
        return Err(RunError::OutIsFile(out.display().to_string()));
    }
    std::fs::create_dir_all(out).map_err(|source| RunError::CreateOut {
        path: out.display().to_string(),
        source,
    })?;
    let out_canonical = out.canonicalize().ok();
    if paths
        .iter()
        .any(|p| p.is_dir() && p.canonicalize().ok() == out_canonical)
    {
        return Err(RunError::WouldOverwrite(format!(
            "{}（输出目录就是输入目录）",
            out.display()
        )));
    }
    fail_on_missing(paths)?;
    let total = refuse_overwriting_inputs(paths, out, opts)?;

    let summary_err = |e: render::RenderError| RunError::Write {
        path: "summary.xlsx".into(),
        message: e.to_string(),
    };
    let json_path = out.join("report.json");
    let json_err = |e: std::io::Error| RunError::Write {
        path: json_path.display().to_string(),
        message: e.to_string(),
    };
    let mut sheet = render::SummaryBuilder::new(Some(out)).map_err(summary_err)?;
    let tmp = temp_in(out).map_err(json_err)?;
    let mut json = JsonStream::new(std::io::BufWriter::new(tmp));
    let mut summary = Summary::default();
    let mut index = rules::BatchIndex::default();
    index_previous(&mut index, opts)?;
    let mut take = |mut file: FileReport| -> Result<(), RunError> {
        summary.add(&file);
        file.index.drain(..).for_each(|f| index.push(f));
        sheet.add(&file).map_err(summary_err)?;
        json.file(&file).map_err(json_err)?;
        each(&file)
    };
    let mut walker = Walker::new(paths, Some(out));
    process_chunks(&mut walker, Some(total), opts, Some(out), &mut take)?;
    for file in walk_failures(&walker) {
        take(file)?;
    }
    summary.skipped = walker.skipped;
    summary.add_batch(index.check(&opts.settings));
    sheet.add_batch(&summary.batch).map_err(summary_err)?;
    sheet.add_cycle(index.cycle_rows());
    let summary_path = out.join("summary.xlsx");
    let mut tmp = temp_in(out).map_err(|e| RunError::Write {
        path: summary_path.display().to_string(),
        message: e.to_string(),
    })?;
    sheet.finish_into(tmp.as_file_mut()).map_err(summary_err)?;
    finish_output(tmp, &summary_path)?;
    let tmp = json
        .finish(&summary)
        .map_err(json_err)?
        .into_inner()
        .map_err(|e| json_err(e.into_error()))?;
    finish_output(tmp, &json_path)?;
    Ok(summary)
}

/// A workbook input of the same stem in the same folder as `path`.
fn has_workbook_sibling(path: &Path) -> bool {
    ["xlsx", "xlsm", "xls", "ods"]
        .iter()
        .any(|ext| path.with_extension(ext).is_file())
}

fn pool(opts: &Options) -> Result<rayon::ThreadPool, RunError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.jobs {
        builder = builder.num_threads(n);
    }
    builder.build().map_err(|e| RunError::Threads(e.to_string()))
}

/// Where `fix` writes one input's corrected workbook: OUT and the names under it.
type Dest<'a> = Option<(&'a Path, &'a Named)>;

/// Files are processed this many at a time (in parallel within a chunk) and handed on in input
/// order, so only one chunk of reports is held at once, whatever the number of inputs.
const CHUNK: usize = 256;

/// Process every input the walk yields, giving each report to `each` in input order. `total`
/// (the number of inputs, when a first pass counted them) is for the progress display.
///
/// A producer thread walks the inputs a chunk at a time and has the pool process each chunk in
/// parallel; meanwhile this thread hands the previous chunk's reports to `each` (printing, the
/// summary, report.json). The channel holds one finished chunk, so at most three chunks of
/// reports exist at once. If `each` fails, the producer stops at its next chunk.
fn process_chunks(
    inputs: &mut Walker,
    total: Option<usize>,
    opts: &Options,
    out: Option<&Path>,
    mut each: impl FnMut(FileReport) -> Result<(), RunError>,
) -> Result<(), RunError> {
    let pool = pool(opts)?;
    if let (Some(p), Some(total)) = (&opts.progress, total) {
        p.start(total);
    }
    let (send, receive) = std::sync::mpsc::sync_channel::<Result<Vec<FileReport>, RunError>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut namer = OutputNames::new(opts);
            loop {
                let chunk: Vec<Input> = inputs.by_ref().take(CHUNK).collect();
                if chunk.is_empty() {
                    return;
                }
                // Output names in input order, whatever the thread count.
                let names: Vec<Named> = match out {
                    Some(_) => chunk.iter().map(|i| namer.next(i)).collect(),
                    None => Vec::new(),
                };
                let reports = pool.install(|| {
                    chunk
                        .par_iter()
                        .enumerate()
                        .map(|(i, input)| {
                            if opts.progress.as_ref().is_some_and(|p| p.cancelled()) {
                                return Err(RunError::Cancelled);
                            }
                            let dest = out.and_then(|dir| names.get(i).map(|n| (dir, n)));
                            let file = process_isolated(input, opts, dest)?;
                            if let Some(p) = &opts.progress {
                                p.file_done(&file);
                            }
                            Ok(file)
                        })
                        .collect::<Result<Vec<_>, RunError>>()
                });
                let failed = reports.is_err();
                if send.send(reports).is_err() || failed {
                    return;
                }
            }
        });
        for reports in receive {
            for report in reports? {
                each(report)?;
            }
        }
        Ok(())
    })
}

/// Process one file; a panic becomes that file's error instead of ending the run.
fn process_isolated(input: &Input, opts: &Options, dest: Dest) -> Result<FileReport, RunError> {
    let mut file =
        contained(|| process(input, opts, dest)).unwrap_or_else(|what| Ok(panicked(&input.rel(), &what)))?;
    file.name_note = opts.renamed.get(&file.path).cloned();
    Ok(file)
}

/// The report of a file that holds no form to check: its status and error from the file's
/// finding (`unreadable-file`, `no-form-found`).
fn failed(rel: &str, finding: rules::Finding) -> FileReport {
    let status = match finding.code {
        Code::NoFormFound => Status::NoForm,
        _ => Status::Unreadable,
    };
    FileReport {
        code: Some(finding.code),
        error: Some(finding.message),
        ..FileReport::new(rel, status)
    }
}

/// Read, locate, check and (for `fix`) render and write one input.
fn process(input: &Input, opts: &Options, dest: Dest) -> Result<FileReport, RunError> {
    let bytes = match grid::load(&input.path, &opts.limits) {
        Ok(b) => b,
        Err(e) => return Ok(failed(&input.rel(), rules::unreadable_file(&e.to_string()))),
    };
    let examined = examine(&input.rel(), &bytes, opts);
    let mut report = examined.report;
    let modified = std::fs::metadata(&input.path).and_then(|m| m.modified()).ok();
    for entry in &mut report.index {
        entry.modified = modified;
    }
    if let Some((dir, named)) = dest
        && !examined.corrected.is_empty()
    {
        let output =
            output(&input.rel(), &bytes, examined.format, &examined.corrected, opts).map_err(|message| {
                RunError::Write {
                    path: named.name.clone(),
                    message,
                }
            })?;
        let Some(output) = output else {
            report.output_note = Some(NO_TEMPLATE.to_string());
            return Ok(report);
        };
        // A macro workbook that could not be reissued gets the standard template, which is
        // never macro-enabled: `a.xlsm` → `a.xlsm.xlsx`.
        let (name, note) = match output.form {
            OutputForm::Standard => (&named.standard, &named.standard_note),
            OutputForm::Reissued => (&named.name, &named.note),
        };
        let written = write_output(dir, name, &named.fallback, &output.bytes);
        report.output_note = match written {
            Ok(Some((fallback, refused))) => {
                let moved = format!(
                    "无法按“{name}”写入更正后的工作簿（{refused}），已改存为输出文件夹顶层的“{fallback}”"
                );
                report.output = Some(fallback);
                report.output_form = Some(output.form);
                join_notes([Some(moved), output.note])
            }
            Ok(None) => {
                report.output = Some(name.clone());
                report.output_form = Some(output.form);
                join_notes([note.clone(), output.note])
            }
            Err(message) => join_notes([
                Some(format!("无法写入更正后的工作簿“{name}”：{message}")),
                output.note,
            ]),
        };
    }
    Ok(report)
}

/// `check` on one workbook held in memory, named `rel` in the report: the library's entry for
/// front ends that receive bytes (the web page) and for the whole-pipeline fuzz target.
pub fn check_bytes(rel: &str, bytes: &[u8], opts: &Options) -> FileReport {
    isolated(rel, || examine(rel, bytes, opts).report)
}

/// `fix` on one workbook held in memory: its report and, when it holds a form, the corrected
/// workbook's bytes.
pub fn fix_bytes(rel: &str, bytes: &[u8], opts: &Options) -> (FileReport, Option<Vec<u8>>) {
    isolated(rel, || {
        let examined = examine(rel, bytes, opts);
        let mut report = examined.report;
        if examined.corrected.is_empty() {
            return (report, None);
        }
        match output(rel, bytes, examined.format, &examined.corrected, opts) {
            Ok(Some(output)) => {
                report.output_form = Some(output.form);
                report.output_note = output.note;
                (report, Some(output.bytes))
            }
            Ok(None) => {
                report.output_note = Some(NO_TEMPLATE.to_string());
                (report, None)
            }
            Err(message) => {
                report.status = Status::Unreadable;
                report.code = Some(Code::UnreadableFile);
                report.error = Some(format!("无法生成更正后的工作簿：{message}"));
                (report, None)
            }
        }
    })
}

/// One input read and checked: its report and, for each form, the corrected form and its
/// findings (what the corrected workbook is drawn from).
struct Examined {
    report: FileReport,
    /// What the file is, by its content (`None`: it could not be read).
    format: Option<crate::formats::Format>,
    corrected: Vec<(Form, Vec<rules::Finding>)>,
}

fn examine(rel: &str, bytes: &[u8], opts: &Options) -> Examined {
    let (format, grids) = match grid::read_input(bytes, rel, &opts.limits) {
        Ok(read) => read,
        Err(e) => {
            return Examined {
                report: failed(rel, rules::unreadable_file(&e.to_string())),
                format: None,
                corrected: Vec::new(),
            };
        }
    };
    let mut forms = Vec::new();
    let mut corrected = Vec::new();
    let mut hidden_sheets = Vec::new();
    let mut index = Vec::new();
    for grid in &grids {
        let located = locate::locate(grid);
        if grid.hidden && !located.forms.is_empty() {
            hidden_sheets.push(grid.name.clone());
        }
        for form in located.forms {
            let checked = check_contained(&form, |f| rules::check(f, &opts.settings));
            let report = form_report(&form, &checked);
            index.push(rules::FormIndex::of(
                rel,
                &form,
                &checked,
                key_figures(&form, &report),
            ));
            forms.push(report);
            corrected.push((checked.corrected, checked.findings));
        }
    }
    if forms.is_empty() {
        let sheets: Vec<&str> = grids.iter().map(|g| g.name.as_str()).collect();
        let finding = if format.is_document() {
            rules::no_form_in_document()
        } else {
            rules::no_form_found(&sheets)
        };
        let mut report = failed(rel, finding);
        report.format = format.reported().map(str::to_string);
        return Examined {
            report,
            format: Some(format),
            corrected,
        };
    }
    let status = if forms.iter().all(|f| f.findings.is_empty()) {
        Status::Ok
    } else {
        Status::Findings
    };
    Examined {
        report: FileReport {
            format: format.reported().map(str::to_string),
            hidden_sheets,
            forms,
            index,
            ..FileReport::new(rel, status)
        },
        format: Some(format),
        corrected,
    }
}

/// Read last year's forms (`Options::previous`) into the batch index only: their targets are
/// compared with this year's (`target-lowered`); nothing of theirs is reported.
fn index_previous(index: &mut rules::BatchIndex, opts: &Options) -> Result<(), RunError> {
    if opts.previous.is_empty() {
        return Ok(());
    }
    fail_on_missing(&opts.previous)?;
    let quiet = Options {
        progress: None,
        previous: Vec::new(),
        ..opts.clone()
    };
    let mut walker = Walker::new(&opts.previous, None);
    process_chunks(&mut walker, None, &quiet, None, |mut file| {
        file.index.drain(..).for_each(|f| index.push_previous(f));
        Ok(())
    })
}

fn fail_on_missing(paths: &[PathBuf]) -> Result<(), RunError> {
    let missing = walk::missing(paths);
    if missing.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
    Err(RunError::Inputs(list.join("；")))
}

/// Entries the walk could not read (permission denied, a symlink loop) are reported as
/// unreadable files, after the files that were read.
fn walk_failures(walked: &Walker) -> Vec<FileReport> {
    walked
        .errors
        .iter()
        .map(|(path, reason)| {
            let input = Input::new(PathBuf::from(path), Path::new(""));
            failed(&input.rel(), rules::unreadable_file(reason))
        })
        .collect()
}

/// The figures of a form as filed, for telling duplicates apart (`duplicate-form`): numbers
/// as they read (a percent-formatted 执行率 in percent points), anything else as written.
fn key_figures(form: &Form, report: &FormReport) -> Vec<(&'static str, String)> {
    let shown = |field: &crate::form::Field, percent: bool| {
        let f = crate::figure::read(field);
        let n = if percent { f.percent_points() } else { f.number() };
        n.map(fmt_plain).unwrap_or_else(|| field.text())
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        ("全年预算数", text(&report.budget)),
        ("全年执行数", text(&report.executed)),
        ("执行率", shown(&form.funds.rate, true)),
        ("预算执行率得分", shown(&form.funds.score, false)),
        ("总分", shown(&form.total, false)),
        ("等级", text(&report.grade_reported)),
    ]
}

fn form_report(form: &Form, checked: &rules::Checked) -> FormReport {
    let fig = &checked.figures;
    let dec = |d: Option<rust_decimal::Decimal>| d.map(fmt_plain);
    FormReport {
        sheet: form.sheet.clone(),
        form_type: form.kind,
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
        reading: crate::report::reading_line(&checked.findings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_bytes() -> Vec<u8> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("samples")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
            .collect();
        files.sort();
        std::fs::read(&files[0]).expect("a sample workbook")
    }

    #[test]
    fn a_panic_in_the_rulebook_costs_one_form_not_the_file() {
        let bytes = seed_bytes();
        let grids = grid::read_bytes(&bytes, &Limits::default()).expect("sample reads");
        let form = grids
            .iter()
            .flat_map(|g| locate::locate(g).forms)
            .next()
            .expect("a form");
        let checked = check_contained(&form, |_| panic!("simulated fault"));
        assert_eq!(checked.findings.len(), 1);
        let finding = &checked.findings[0];
        assert_eq!(finding.code, Code::InternalError);
        assert!(finding.message.contains("simulated fault"), "{}", finding.message);
        assert_eq!(checked.corrected, form, "written back as read");
        // The next form on this thread is checked normally.
        let normal = check_contained(&form, |f| rules::check(f, &Settings::default()));
        assert!(normal.findings.iter().all(|f| f.code != Code::InternalError));
    }

    #[test]
    fn bytes_in_memory_check_like_a_file() {
        let report = check_bytes("seed.xlsx", &seed_bytes(), &Options::default());
        assert_eq!(report.path, "seed.xlsx");
        assert!(matches!(report.status, Status::Ok | Status::Findings));
        assert!(!report.forms.is_empty());
        let (fixed, workbook) = fix_bytes("seed.xlsx", &seed_bytes(), &Options::default());
        assert_eq!(fixed.forms.len(), report.forms.len());
        assert!(workbook.is_some_and(|b| b.starts_with(b"PK")));
        let garbage = check_bytes("x.xlsx", b"not a workbook", &Options::default());
        assert_eq!(garbage.status, Status::Unreadable);
        assert_eq!(garbage.code, Some(Code::UnreadableFile));
    }
}
