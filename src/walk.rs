//! Stage 1: expand the command-line inputs into the workbooks to read, in a stable order.
//!
//! Folders are walked recursively for `.xlsx .xlsm .xls .ods`; Office lock files (`~$*`) and
//! hidden files are skipped and counted. Each input keeps the path relative to the argument it
//! was found under, which is how the report and the output folder name it.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Extensions read as workbooks.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

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

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walk {
    pub inputs: Vec<Input>,
    /// Lock files, hidden files and other extensions passed over.
    pub skipped: usize,
    /// Entries that could not be walked (permission denied, a symlink loop): the path relative
    /// to its argument, and the reason. They are reported as unreadable, not fatal.
    pub errors: Vec<(String, String)>,
    /// Arguments that do not exist (a misuse: the run stops).
    pub missing: Vec<PathBuf>,
}

fn is_hidden_or_lock(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$")
}

fn has_workbook_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Walk the given paths. `exclude` (the output folder) is never read back as input.
pub fn walk(paths: &[PathBuf], exclude: Option<&Path>) -> Walk {
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    let mut out = Walk::default();
    for root in paths {
        if root.is_file() {
            let folder = root.parent().unwrap_or(Path::new(""));
            out.inputs.push(Input::new(root.clone(), folder));
            continue;
        }
        if !root.exists() {
            out.missing.push(root.clone());
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let hidden = e.depth() > 0 && is_hidden_or_lock(&e.file_name().to_string_lossy());
                let excluded = exclude
                    .as_ref()
                    .is_some_and(|x| e.path().canonicalize().is_ok_and(|p| &p == x));
                !(e.file_type().is_dir() && (hidden || excluded))
            });
        for entry in walker {
            let entry = match entry {
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
                    out.errors.push((path, reason));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if is_hidden_or_lock(&name) || !has_workbook_extension(entry.path()) {
                out.skipped += 1;
                continue;
            }
            out.inputs.push(Input::new(entry.into_path(), root));
        }
    }
    out
}

/// `path` relative to the argument `root` it was found under, with `/` separators.
fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
