//! Where `fix` writes: the guard that no output overwrites an input, the output names (one
//! every file system holds, no two alike, never `summary.xlsx` or `report.json`), the corrected
//! workbook of one input (the unit's own file reissued, or the standard template) and the
//! atomic write that puts it in place.

use super::*;

/// `fix` never writes over one of its inputs (an input inside OUT, given directly or reached
/// through a symbolic link). A first pass of the walk looks for inputs inside OUT (usually
/// none) and counts the inputs for the progress display; only if one is found are the output
/// names computed, in a second pass, to see whether one of them takes its place.
/// Returns the number of inputs.
pub(super) fn refuse_overwriting_inputs(
    paths: &[PathBuf],
    out: &Path,
    opts: &Options,
) -> Result<usize, RunError> {
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
pub(super) struct Canonical {
    pub(super) folder: Option<(PathBuf, Option<PathBuf>)>,
}

impl Canonical {
    pub(super) fn of(&mut self, path: &Path) -> Option<PathBuf> {
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
pub(super) struct OutputNames {
    /// Files taken (with the batch's own two), case-folded.
    pub(super) files: HashSet<u64>,
    /// Folders taken, case-folded.
    pub(super) folder_keys: HashSet<u64>,
    /// Each input folder (relative, as walked) and the output folder it maps to.
    pub(super) folders: HashMap<String, String>,
    pub(super) reissue: bool,
}

/// The names `fix` may give one input's corrected workbook, all reserved before it is read.
#[derive(Debug, Clone)]
pub(super) struct Named {
    /// Relative to OUT, `/` separated.
    pub(super) name: String,
    /// Why `name` is not the input's own name with its new extension, in Chinese.
    pub(super) note: Option<String>,
    /// The standard template's name when `name` is a reissued `.xlsm` (which the template,
    /// never macro-enabled, cannot take: `a.xlsm` → `a.xlsm.xlsx`); `name` otherwise.
    pub(super) standard: String,
    pub(super) standard_note: Option<String>,
    /// At the top of OUT, short: where the workbook goes when the system refuses the path of
    /// `name` (longer than it takes), without its extension (`.xlsx` and, for a macro workbook,
    /// `.xlsm` are both reserved).
    pub(super) fallback: String,
}

impl Named {
    /// Every name reserved for the input.
    pub(super) fn all(self) -> Vec<String> {
        vec![
            format!("{}.xlsx", self.fallback),
            format!("{}.xlsm", self.fallback),
            self.name,
            self.standard,
        ]
    }
}

/// A name's case-folded hash.
pub(super) fn name_key(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.to_lowercase().hash(&mut h);
    h.finish()
}

/// `folder/name`, or `name` at the top.
pub(super) fn join_rel(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}

impl OutputNames {
    pub(super) fn new(opts: &Options) -> Self {
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

    pub(super) fn next(&mut self, input: &Input) -> Named {
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
            Some(_)
                if crate::formats::of_name(file).is_some_and(|e| e.document)
                    && has_workbook_sibling(&input.path) =>
            {
                format!("{file}.xlsx")
            }
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
    pub(super) fn free(&self, path: &str) -> bool {
        let key = name_key(path);
        !self.files.contains(&key) && !self.folder_keys.contains(&key)
    }

    /// Take the first free name in `folder`: `first`, else `numbered(1)`, `numbered(2)`…,
    /// each made portable. Returns the path relative to OUT.
    pub(super) fn claim(&mut self, folder: &str, first: &str, numbered: impl Fn(usize) -> String) -> String {
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
    pub(super) fn folder(&mut self, rel: &str) -> String {
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
pub(super) fn rename_note(natural: &str, chosen: &str) -> Option<String> {
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

/// Write one input's corrected workbook at `name` under `dir`; when the system refuses that
/// (a path longer than it takes, a folder it cannot make), at `fallback` (with the name's
/// extension) at the top of `dir`. `Ok(Some((fallback name, why `name` was refused)))` when it
/// went there; an error only when neither could be written. One file's name never stops the
/// run.
pub(super) fn write_output(
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
pub(super) struct Output {
    pub(super) bytes: Vec<u8>,
    pub(super) form: OutputForm,
    /// Why an .xlsx/.xlsm input got the standard template after all.
    pub(super) note: Option<String>,
}

/// Why a file got no corrected workbook: its forms are of kinds the standard template (a 自评表)
/// cannot show, and its own file could not be handed back.
pub(super) const NO_TEMPLATE: &str = "目标申报表、运行监控表和部门整体自评表（清单式）没有标准模板，未生成更正后的工作簿；其问题见 summary.xlsx 与 report.json";

/// The corrected workbook: the unit's own file with the corrected cells changed (.xlsx and
/// .xlsm, unless `--standard`), else the standard template of its 自评表 (and 部门整体 forms laid
/// out like one); `None` when it has none of those.
pub(super) fn output(
    rel: &str,
    bytes: &[u8],
    format: Option<crate::formats::Format>,
    corrected: &[(Form, Vec<rules::Finding>)],
    opts: &Options,
) -> Result<Option<Output>, String> {
    let mut note = None;
    if !opts.standard && format.is_some_and(|f| f.reissuable(rel)) {
        let corrections: Vec<reissue::Correction> = corrected
            .iter()
            .flat_map(|(form, _)| reissue::corrections(form))
            .collect();
        match reissue::reissue(bytes, &corrections) {
            Ok(bytes) => {
                return Ok(Some(Output {
                    bytes,
                    form: OutputForm::Reissued,
                    note: None,
                }));
            }
            Err(e) => {
                note = Some(format!(
                    "该文件的内部结构无法在原表上直接更正（技术细节：{e}），已改用标准模板输出"
                ))
            }
        }
    }
    let drawn: Vec<(Form, Vec<rules::Finding>)> = corrected
        .iter()
        .filter(|(form, _)| form.kind.is_evaluation() && !form.head_only && !rules::is_flat_list(form))
        .cloned()
        .collect();
    if drawn.is_empty() {
        return Ok(None);
    }
    Ok(Some(Output {
        bytes: corrected_bytes(&drawn)?,
        form: OutputForm::Standard,
        note,
    }))
}

pub(super) fn corrected_bytes(corrected: &[(Form, Vec<rules::Finding>)]) -> Result<Vec<u8>, String> {
    let views: Vec<CorrectedForm> = corrected
        .iter()
        .map(|(form, findings)| CorrectedForm { form, findings })
        .collect();
    render::corrected_workbook(&views).map_err(|e| e.to_string())
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
pub(super) fn temp_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
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
pub(super) fn finish_output(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), RunError> {
    tmp.persist(path).map_err(|e| RunError::Write {
        path: path.display().to_string(),
        message: e.error.to_string(),
    })?;
    Ok(())
}
