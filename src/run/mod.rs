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
    let batch = summary.batch.clone();
    Ok(Report {
        files,
        batch,
        summary,
    })
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
    let batch = summary.batch.clone();
    Ok(Report {
        files,
        batch,
        summary,
    })
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
    let mut sheet = render::SummaryBuilder::new().map_err(summary_err)?;
    let tmp = temp_in(out).map_err(json_err)?;
    let mut json = JsonStream::new(std::io::BufWriter::new(tmp));
    let mut summary = Summary::default();
    let mut index = rules::BatchIndex::default();
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

/// `fix` never writes over one of its inputs (an input inside OUT, given directly or reached
/// through a symbolic link). A first pass of the walk looks for inputs inside OUT (usually
/// none) and counts the inputs for the progress display; only if one is found are the output
/// names computed, in a second pass, to see whether one of them takes its place.
/// Returns the number of inputs.
fn refuse_overwriting_inputs(paths: &[PathBuf], out: &Path, opts: &Options) -> Result<usize, RunError> {
    let walk = || Walker::new(paths, Some(out));
    let Ok(out) = out.canonicalize() else {
        return Ok(walk().count());
    };
    let mut inside: HashMap<String, PathBuf> = HashMap::new();
    let mut total = 0;
    let mut canonical = Canonical::default();
    for input in walk() {
        total += 1;
        let Some(path) = canonical.of(&input.path) else {
            continue;
        };
        let Ok(under) = path.strip_prefix(&out) else {
            continue;
        };
        let name: Vec<_> = under
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect();
        inside.insert(name.join("/"), path.clone());
    }
    if inside.is_empty() {
        return Ok(total);
    }
    let mut names = OutputNames::new(opts);
    let reserved = ["summary.xlsx".to_string(), "report.json".to_string()];
    for name in walk().flat_map(|i| names.next(&i).all()).chain(reserved) {
        if let Some(path) = inside.get(&name) {
            return Err(RunError::WouldOverwrite(path.display().to_string()));
        }
    }
    Ok(total)
}

/// Canonical paths of inputs that come folder by folder: each folder is resolved once, a file
/// itself only when it is a symbolic link (one `lstat` per input instead of a `readlink` per
/// path component).
#[derive(Default)]
struct Canonical {
    folder: Option<(PathBuf, Option<PathBuf>)>,
}

impl Canonical {
    fn of(&mut self, path: &Path) -> Option<PathBuf> {
        if std::fs::symlink_metadata(path).ok()?.file_type().is_symlink() {
            return path.canonicalize().ok();
        }
        let name = path.file_name()?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if self.folder.as_ref().is_none_or(|(p, _)| p != parent) {
            self.folder = Some((parent.to_path_buf(), parent.canonicalize().ok()));
        }
        Some(self.folder.as_ref()?.1.as_ref()?.join(name))
    }
}

/// Names the corrected workbooks under OUT, input by input in input order: the same relative
/// path with the extension `.xlsx` (`.xlsm` for a reissued macro workbook, which must keep
/// it); when two inputs would collide (`a.xls` and `a.xlsx`), the later one keeps its original
/// extension in the name (`a.xls.xlsx`), then is numbered (`a.xls（2）.xlsx`).
///
/// Every name is one every file system can hold ([`names::portable`] on each component: at
/// most 255 bytes, no character Windows forbids, no device name), and no two outputs share a
/// name once case is folded (Windows and macOS fold it), nor take the place of `summary.xlsx`
/// or `report.json`, nor of a folder another output needs (a file `x.xlsx` and a folder
/// `x.xlsx/`): the later one is renamed, and the report's `output_note` says from what.
/// Names taken so far are kept case-folded as 64-bit hashes, a few bytes per input: a hash
/// collision only renames an output that needed no renaming. Folders are kept by name (there
/// are few).
struct OutputNames {
    /// Files taken (with the batch's own two), case-folded.
    files: HashSet<u64>,
    /// Folders taken, case-folded.
    folder_keys: HashSet<u64>,
    /// Each input folder (relative, as walked) and the output folder it maps to.
    folders: HashMap<String, String>,
    reissue: bool,
}

/// The names `fix` may give one input's corrected workbook, all reserved before it is read.
#[derive(Debug, Clone)]
struct Named {
    /// Relative to OUT, `/` separated.
    name: String,
    /// Why `name` is not the input's own name with its new extension, in Chinese.
    note: Option<String>,
    /// The standard template's name when `name` is a reissued `.xlsm` (which the template,
    /// never macro-enabled, cannot take: `a.xlsm` → `a.xlsm.xlsx`); `name` otherwise.
    standard: String,
    standard_note: Option<String>,
    /// At the top of OUT, short: where the workbook goes when the system refuses the path of
    /// `name` (longer than it takes), without its extension (`.xlsx` and, for a macro workbook,
    /// `.xlsm` are both reserved).
    fallback: String,
}

impl Named {
    /// Every name reserved for the input.
    fn all(self) -> Vec<String> {
        vec![
            format!("{}.xlsx", self.fallback),
            format!("{}.xlsm", self.fallback),
            self.name,
            self.standard,
        ]
    }
}

/// A name's case-folded hash.
fn name_key(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.to_lowercase().hash(&mut h);
    h.finish()
}

/// `folder/name`, or `name` at the top.
fn join_rel(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}

impl OutputNames {
    fn new(opts: &Options) -> Self {
        OutputNames {
            files: ["summary.xlsx", "report.json"]
                .iter()
                .map(|n| name_key(n))
                .collect(),
            folder_keys: HashSet::new(),
            folders: HashMap::new(),
            reissue: !opts.standard,
        }
    }

    fn next(&mut self, input: &Input) -> Named {
        let rel = input.rel();
        let (folder, file) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
        let out_folder = self.folder(folder);
        let ext = match file.rsplit_once('.') {
            Some((_, e)) if self.reissue && e.eq_ignore_ascii_case("xlsm") => "xlsm",
            _ => "xlsx",
        };
        let base = match file.rsplit_once('.') {
            // A Word form keeps its extension in the name when a workbook of the same name
            // sits beside it (`a.docx` next to `a.xlsx` → `a.docx.xlsx`).
            Some(_) if is_word(file) && has_workbook_sibling(&input.path) => format!("{file}.xlsx"),
            Some((stem, _)) => format!("{stem}.{ext}"),
            None => format!("{file}.xlsx"),
        };
        let natural = join_rel(folder, &base);
        let name = self.claim(&out_folder, &base, |n| match n {
            1 if ext == "xlsx" => format!("{file}.xlsx"),
            n => names::with_suffix(&format!("{file}.{ext}"), &format!("（{n}）")),
        });
        let note = rename_note(&natural, &name);
        let (standard, standard_note) = if ext == "xlsx" {
            (name.clone(), note.clone())
        } else {
            let file_name = name.rsplit('/').next().unwrap_or_default().to_string();
            let standard = self.claim(&out_folder, &format!("{file_name}.xlsx"), |n| {
                names::with_suffix(&format!("{file_name}.xlsx"), &format!("（{n}）"))
            });
            let note = rename_note(&format!("{natural}.xlsx"), &standard);
            (standard, note)
        };
        // The fallback: the file's first characters and a hash of its whole path.
        let stem: String = base
            .rsplit_once('.')
            .map_or(base.as_str(), |(s, _)| s)
            .chars()
            .take(16)
            .collect();
        let mut fallback = names::portable(&format!("{stem}~{:016x}", name_key(&rel))).name;
        let mut n = 2;
        while !(self.free(&format!("{fallback}.xlsx")) && self.free(&format!("{fallback}.xlsm"))) {
            fallback = names::portable(&format!("{stem}~{:016x}-{n}", name_key(&rel))).name;
            n += 1;
        }
        for ext in ["xlsx", "xlsm"] {
            self.files.insert(name_key(&format!("{fallback}.{ext}")));
        }
        Named {
            name,
            note,
            standard,
            standard_note,
            fallback,
        }
    }

    /// Whether a file may take `path`: no file nor folder has it, case folded.
    fn free(&self, path: &str) -> bool {
        let key = name_key(path);
        !self.files.contains(&key) && !self.folder_keys.contains(&key)
    }

    /// Take the first free name in `folder`: `first`, else `numbered(1)`, `numbered(2)`…,
    /// each made portable. Returns the path relative to OUT.
    fn claim(&mut self, folder: &str, first: &str, numbered: impl Fn(usize) -> String) -> String {
        let mut name = names::portable(first).name;
        let mut n = 1;
        loop {
            let path = join_rel(folder, &name);
            if self.free(&path) {
                self.files.insert(name_key(&path));
                return path;
            }
            name = names::portable(&numbered(n)).name;
            n += 1;
        }
    }

    /// The output folder of the input folder `rel`: each component portable, and renamed
    /// (`x.xlsx（2）`) when an output file already has its name.
    fn folder(&mut self, rel: &str) -> String {
        if rel.is_empty() {
            return String::new();
        }
        if let Some(done) = self.folders.get(rel) {
            return done.clone();
        }
        let (parent, last) = rel.rsplit_once('/').unwrap_or(("", rel));
        let parent = self.folder(parent);
        let own = names::portable(last).name;
        let mut path = join_rel(&parent, &own);
        let mut n = 2;
        while self.files.contains(&name_key(&path)) {
            path = join_rel(&parent, &names::with_suffix(&own, &format!("（{n}）")));
            n += 1;
        }
        self.folder_keys.insert(name_key(&path));
        self.folders.insert(rel.to_string(), path.clone());
        path
    }
}

/// The `output_note` of an output that could not take its natural name, in Chinese: the
/// natural name and why (each component's reasons from [`names::portable`], or a clash).
fn rename_note(natural: &str, chosen: &str) -> Option<String> {
    if natural == chosen {
        return None;
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut push = |r: String| {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    };
    let mut portable_path = Vec::new();
    for component in natural.split('/') {
        let p = names::portable(component);
        if p.changed() {
            push(p.reasons());
        }
        portable_path.push(p.name);
    }
    if portable_path.join("/") != chosen {
        let top = natural.split('/').next().unwrap_or_default().to_lowercase();
        push(match top.as_str() {
            "summary.xlsx" => "与汇总表 summary.xlsx 同名".to_string(),
            "report.json" => "与核查报告 report.json 同名".to_string(),
            _ => "与另一份输出文件或文件夹同名（Windows 和 macOS 的文件名不区分大小写）".to_string(),
        });
    }
    Some(format!(
        "更正后的工作簿按原名应为“{natural}”，但该名称{}，已改名为“{chosen}”",
        reasons.join("；")
    ))
}

/// A Word document, by its name.
fn is_word(rel: &str) -> bool {
    rel.rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case("docx"))
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

thread_local! {
    /// The message and location of the last panic on this thread, for the file's error.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// This thread is processing one file inside `catch_unwind`.
    static IN_FILE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A panic inside one file's processing is reported in that file's entry, not printed over the
/// progress bar: the hook records it for `process_isolated` instead. Panics anywhere else go to
/// the previous hook as usual. Installed once.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_FILE.with(|f| f.get()) {
                return previous(info);
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            // The crate and file, not the whole registry path: `calamine-0.38.0/src/cfb.rs:320`.
            let location = info
                .location()
                .map(|l| {
                    let parts: Vec<&str> = l.file().rsplit('/').take(3).collect();
                    let short: Vec<&str> = parts.into_iter().rev().collect();
                    format!("（{}:{}）", short.join("/"), l.line())
                })
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{location}")));
        }));
    });
}

fn failed(rel: &str, status: Status, error: String) -> FileReport {
    let (code, error) = match status {
        Status::NoForm => (Code::NoFormFound, error),
        _ => rules::unreadable_file(&error),
    };
    FileReport {
        path: rel.to_string(),
        status,
        code: Some(code),
        error: Some(error),
        output: None,
        output_form: None,
        output_note: None,
        name_note: None,
        format: is_word(rel).then(|| "docx".to_string()),
        hidden_sheets: Vec::new(),
        forms: Vec::new(),
        index: Vec::new(),
    }
}

/// Read, locate, check and (for `fix`) render and write one input.
fn process(input: &Input, opts: &Options, dest: Dest) -> Result<FileReport, RunError> {
    let bytes = match grid::load(&input.path, &opts.limits) {
        Ok(b) => b,
        Err(e) => return Ok(failed(&input.rel(), Status::Unreadable, e.to_string())),
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
            output(&input.rel(), &bytes, &examined.corrected, opts).map_err(|message| RunError::Write {
                path: named.name.clone(),
                message,
            })?;
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

/// Write one input's corrected workbook at `name` under `dir`; when the system refuses that
/// (a path longer than it takes, a folder it cannot make), at `fallback` (with the name's
/// extension) at the top of `dir`. `Ok(Some((fallback name, why `name` was refused)))` when it
/// went there; an error only when neither could be written. One file's name never stops the
/// run.
fn write_output(
    dir: &Path,
    name: &str,
    fallback: &str,
    bytes: &[u8],
) -> Result<Option<(String, String)>, String> {
    let message = |e: RunError| match e {
        RunError::Write { message, .. } => message,
        other => other.to_string(),
    };
    let first = match write_atomic(&dir.join(name), bytes) {
        Ok(()) => return Ok(None),
        Err(e) => message(e),
    };
    let ext = name.rsplit_once('.').map_or("xlsx", |(_, e)| e);
    let fallback = format!("{fallback}.{ext}");
    match write_atomic(&dir.join(&fallback), bytes) {
        Ok(()) => Ok(Some((fallback, first))),
        Err(e) => Err(format!("{first}；改存为“{fallback}”也失败：{}", message(e))),
    }
}

/// The corrected workbook of one input and which form it took.
struct Output {
    bytes: Vec<u8>,
    form: OutputForm,
    /// Why an .xlsx/.xlsm input got the standard template after all.
    note: Option<String>,
}

/// The corrected workbook: the unit's own file with the corrected cells changed (.xlsx and
/// .xlsm, unless `--standard`), else the standard template.
fn output(
    rel: &str,
    bytes: &[u8],
    corrected: &[(Form, Vec<rules::Finding>)],
    opts: &Options,
) -> Result<Output, String> {
    let mut note = None;
    if !opts.standard && reissue::can_reissue(rel, bytes) {
        let corrections: Vec<reissue::Correction> = corrected
            .iter()
            .flat_map(|(form, _)| reissue::corrections(form))
            .collect();
        match reissue::reissue(bytes, &corrections) {
            Ok(bytes) => {
                return Ok(Output {
                    bytes,
                    form: OutputForm::Reissued,
                    note: None,
                });
            }
            Err(e) => {
                note = Some(format!(
                    "该文件的内部结构无法在原表上直接更正（技术细节：{e}），已改用标准模板输出"
                ))
            }
        }
    }
    Ok(Output {
        bytes: corrected_bytes(corrected)?,
        form: OutputForm::Standard,
        note,
    })
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
        match output(rel, bytes, &examined.corrected, opts) {
            Ok(output) => {
                report.output_form = Some(output.form);
                report.output_note = output.note;
                (report, Some(output.bytes))
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

/// Run `f` for the file `rel` with panics contained (see [`process_isolated`]).
fn isolated<T: From<FileReport>>(rel: &str, f: impl FnOnce() -> T) -> T {
    contained(f).unwrap_or_else(|what| T::from(panicked(rel, &what)))
}

impl From<FileReport> for (FileReport, Option<Vec<u8>>) {
    fn from(report: FileReport) -> Self {
        (report, None)
    }
}

/// One input read and checked: its report and, for each form, the corrected form and its
/// findings (what the corrected workbook is drawn from).
struct Examined {
    report: FileReport,
    corrected: Vec<(Form, Vec<rules::Finding>)>,
}

fn examine(rel: &str, bytes: &[u8], opts: &Options) -> Examined {
    let grids = match grid::read_named(bytes, rel, &opts.limits) {
        Ok(g) => g,
        Err(e) => {
            return Examined {
                report: failed(rel, Status::Unreadable, e.to_string()),
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
            index.push(rules::FormIndex::of(rel, &form, key_figures(&form, &report)));
            forms.push(report);
            corrected.push((checked.corrected, checked.findings));
        }
    }
    if forms.is_empty() {
        let sheets: Vec<&str> = grids.iter().map(|g| g.name.as_str()).collect();
        let (_, error) = if is_word(rel) {
            (
                Code::NoFormFound,
                "该 Word 文档中没有自评表表格（只有正文或其他表格）：请确认自评表以表格形式填在文档中"
                    .to_string(),
            )
        } else {
            rules::no_form_found(&sheets)
        };
        return Examined {
            report: failed(rel, Status::NoForm, error),
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
            path: rel.to_string(),
            status,
            code: None,
            error: None,
            output: None,
            output_form: None,
            output_note: None,
            name_note: None,
            format: is_word(rel).then(|| "docx".to_string()),
            hidden_sheets,
            forms,
            index,
        },
        corrected,
    }
}

/// The rulebook on one form, with a panic contained to that form: it then has one
/// `internal-error` finding and is written back unchanged, and the file's other forms stand.
fn check_contained(form: &Form, check: impl FnOnce(&Form) -> rules::Checked) -> rules::Checked {
    contained(|| check(form)).unwrap_or_else(|what| rules::Checked {
        findings: vec![rules::internal_error(form, &what)],
        corrected: form.clone(),
        figures: rules::Figures::default(),
    })
}

/// Run `f`, turning a panic into its message and location (the panic hook keeps it off the
/// terminal, where it would break the progress display).
fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    quiet_panics();
    let was = IN_FILE.with(|flag| flag.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    IN_FILE.with(|flag| flag.set(was));
    outcome.map_err(|_| LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())
}

fn panicked(rel: &str, what: &str) -> FileReport {
    failed(
        rel,
        Status::Unreadable,
        format!("读取或处理该文件时程序出错（已跳过该文件，请报告此问题）：{what}"),
    )
}

fn corrected_bytes(corrected: &[(Form, Vec<rules::Finding>)]) -> Result<Vec<u8>, String> {
    let views: Vec<CorrectedForm> = corrected
        .iter()
        .map(|(form, findings)| CorrectedForm { form, findings })
        .collect();
    render::corrected_workbook(&views).map_err(|e| e.to_string())
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
            failed(&input.rel(), Status::Unreadable, reason.clone())
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

/// Write `bytes` to `path` through a temporary file in the same folder, renamed into place, so
/// an interrupted run never leaves a half-written file. The folder is made when missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let err = |message: String| RunError::Write {
        path: path.display().to_string(),
        message,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = match temp_in(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            temp_in(dir)
        }
        other => other,
    }
    .map_err(|e| err(e.to_string()))?;
    tmp.write_all(bytes).map_err(|e| err(e.to_string()))?;
    finish_output(tmp, path)
}

/// A temporary file in `dir` for an output, created with an ordinary file's permissions (0644
/// less the umask; a temporary file would otherwise stay private, 0600).
fn temp_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".jixiao-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

/// Rename a finished temporary file into place.
fn finish_output(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), RunError> {
    tmp.persist(path).map_err(|e| RunError::Write {
        path: path.display().to_string(),
        message: e.error.to_string(),
    })?;
    Ok(())
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
