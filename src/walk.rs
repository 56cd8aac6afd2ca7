//! Stage 1: expand the command-line inputs into the workbooks to read, in a stable order.
//!
//! Folders are walked recursively for `.xlsx .xlsm .xls .ods .docx` (and `.doc .et .wps`, to
//! report them: they are read when their content allows, else `unreadable`); Office lock files (`~$*`) and
//! hidden files are skipped and counted. Each input keeps the path relative to the argument it
//! was found under, which is how the report and the output folder name it.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Extensions read as workbooks (or Word documents), and the older formats reported.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "docx", "doc", "et", "wps"];

/// One workbook to read. Its name relative to the argument it was found under is derived
/// from the path, not stored beside it: a walk of 100,000 files keeps one string per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// How many leading components of `path` belong to the argument (the root).
    root_components: usize,
}

impl Input {
    /// An input found under `root` (for a file given directly, `root` is its folder).
    pub fn new(path: PathBuf, root: &Path) -> Input {
        let root_components = if path.starts_with(root) {
            root.components().count()
        } else {
            0
        };
        Input {
            path,
            root_components,
        }
    }

    /// Relative to the argument it was found under (a file given directly: its file name),
    /// with `/` separators: the name the report and the output folder use.
    pub fn rel(&self) -> String {
        let parts: Vec<_> = self
            .path
            .components()
            .skip(self.root_components)
            .map(|c| c.as_os_str().to_string_lossy())
            .collect();
        parts.join("/")
    }
}

/// Arguments that do not exist (a misuse: the run stops before anything is read).
pub fn missing(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().filter(|p| !p.exists()).cloned().collect()
}

/// The walk, streamed: yields the workbooks under the given paths one at a time, in a stable
/// order (arguments in the order given, each folder sorted by file name), so a run over 100,000
/// files never holds their list. What it passes over is tallied as it goes: read `skipped` and
/// `errors` once it is exhausted. Arguments that do not exist are passed over (see [`missing`]).
pub struct Walker {
    roots: Vec<PathBuf>,
    /// The next argument to walk.
    next_root: usize,
    current: Option<(PathBuf, Entries)>,
    /// The output folder, canonical: never read back as input.
    exclude: Option<PathBuf>,
    /// Lock files, hidden files and other extensions passed over.
    pub skipped: usize,
    /// Entries that could not be walked (permission denied, a symlink loop): the path relative
    /// to its argument, and the reason. They are reported as unreadable, not fatal.
    pub errors: Vec<(String, String)>,
}

type Entries = Box<dyn Iterator<Item = walkdir::Result<walkdir::DirEntry>> + Send>;

impl Walker {
    /// Walk `paths`; `exclude` (the output folder) is never entered.
    pub fn new(paths: &[PathBuf], exclude: Option<&Path>) -> Walker {
        Walker {
            roots: paths.to_vec(),
            next_root: 0,
            current: None,
            exclude: exclude.and_then(|p| p.canonicalize().ok()),
            skipped: 0,
            errors: Vec::new(),
        }
    }

    fn entries(&self, root: &Path) -> Entries {
        let exclude = self.exclude.clone();
        Box::new(
            WalkDir::new(root)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(move |e| {
                    // Only folders are pruned here (files are judged in `next_in_folder`), and
                    // only a folder needs its canonical path compared with OUT.
                    if !e.file_type().is_dir() {
                        return true;
                    }
                    let hidden = e.depth() > 0 && is_hidden_or_lock(&e.file_name().to_string_lossy());
                    let excluded = || {
                        exclude
                            .as_ref()
                            .is_some_and(|x| e.path().canonicalize().is_ok_and(|p| &p == x))
                    };
                    !hidden && !excluded()
                }),
        )
    }

    /// The next entry of the folder being walked: `Some(Some(input))` for a workbook,
    /// `Some(None)` for anything passed over, `None` when the folder is done.
    fn next_in_folder(&mut self) -> Option<Option<Input>> {
        let (root, entries) = self.current.as_mut()?;
        let entry = match entries.next()? {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
                let reason = match (e.loop_ancestor(), e.io_error()) {
                    (Some(_), _) => "符号链接循环".to_string(),
                    (None, Some(io)) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                        format!("没有读取权限（{io}）")
                    }
                    _ => format!("无法访问（{e}）"),
                };
                self.errors.push((path, reason));
                return Some(None);
            }
        };
        if !entry.file_type().is_file() {
            return Some(None);
        }
        let name = entry.file_name().to_string_lossy();
        if is_hidden_or_lock(&name) || !has_workbook_extension(entry.path()) || is_own_summary(entry.path()) {
            self.skipped += 1;
            return Some(None);
        }
        Some(Some(Input::new(entry.into_path(), root)))
    }
}

impl Iterator for Walker {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        loop {
            match self.next_in_folder() {
                Some(Some(input)) => return Some(input),
                Some(None) => continue,
                None => self.current = None,
            }
            let root = self.roots.get(self.next_root)?.clone();
            self.next_root += 1;
            if root.is_file() {
                let folder = root.parent().unwrap_or(Path::new("")).to_path_buf();
                return Some(Input::new(root, &folder));
            }
            if root.exists() {
                let entries = self.entries(&root);
                self.current = Some((root, entries));
            }
        }
    }
}

fn is_hidden_or_lock(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$")
}

/// jixiao's own `summary.xlsx` in a `fix` output folder (beside its `report.json`): a list of
/// forms, not a form, so a re-check of the results folder skips it.
fn is_own_summary(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "summary.xlsx") && path.with_file_name("report.json").is_file()
}

fn has_workbook_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// `path` relative to the argument `root` it was found under, with `/` separators.
fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
