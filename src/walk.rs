//! Stage 1: expand the command-line inputs into the workbooks to read, in a stable order.
//!
//! Folders are walked recursively for `.xlsx .xlsm .xls .ods .docx` (and `.doc .et .wps`, to
//! report them: they are read when their content allows, else `unreadable`); Office lock files (`~$*`) and
//! hidden files are skipped and counted. Each input keeps the path relative to the argument it
//! was found under, which is how the report and the output folder name it; when several
//! arguments are given, that path starts with the argument's own name (`A/x.xlsx`,
//! `B/x.xlsx`), so that no two inputs share a name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

/// One workbook to read. Its name relative to the argument it was found under is derived
/// from the path, not stored beside it: a walk of 100,000 files keeps one string per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// How many leading components of `path` belong to the argument (the root).
    root_components: usize,
    /// The argument's own name, which starts `rel` when several arguments are given (shared by
    /// every input under that argument).
    label: Option<Arc<str>>,
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
            label: None,
        }
    }

    /// An input found under the argument `root` named `label` (a file given directly: `root`
    /// is the file itself, and `label` its whole name).
    fn labelled(path: PathBuf, root: &Path, label: Option<Arc<str>>) -> Input {
        match label {
            Some(label) => Input {
                root_components: if path.starts_with(root) {
                    root.components().count()
                } else {
                    0
                },
                path,
                label: Some(label),
            },
            None => Input::new(path, root),
        }
    }

    /// Relative to the argument it was found under (a file given directly: its file name),
    /// with `/` separators: the name the report and the output folder use. With several
    /// arguments, it starts with the argument's own name.
    pub fn rel(&self) -> String {
        let parts: Vec<_> = self
            .path
            .components()
            .skip(self.root_components)
            .map(|c| c.as_os_str().to_string_lossy())
            .collect();
        join_label(self.label.as_deref(), &parts.join("/"))
    }
}

/// `label/rest`, or either alone when the other is empty.
fn join_label(label: Option<&str>, rest: &str) -> String {
    match label {
        Some(l) if rest.is_empty() => l.to_string(),
        Some(l) => format!("{l}/{rest}"),
        None => rest.to_string(),
    }
}

/// The names that start each argument's paths when several are given: the argument's own name
/// (`.` and `..` by the folder they stand for), with as many of its parent folders as it takes
/// to tell it from the others (`d1/x.xlsx`, `d2/x.xlsx`), compared without case; the same
/// argument given twice gets `（2）`. `None` for a single argument.
fn labels(roots: &[PathBuf]) -> Vec<Option<Arc<str>>> {
    if roots.len() < 2 {
        return vec![None; roots.len()];
    }
    // Each argument's components, last first.
    let names: Vec<Vec<String>> = roots
        .iter()
        .map(|root| {
            let full = root
                .canonicalize()
                .or_else(|_| std::path::absolute(root))
                .unwrap_or_else(|_| root.clone());
            let mut parts: Vec<String> = full
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            parts.reverse();
            if parts.is_empty() {
                parts.push("_".to_string()); // the root of a file system
            }
            parts
        })
        .collect();
    let label = |i: usize, depth: usize| -> String {
        let parts = &names[i];
        let take = depth.min(parts.len());
        let mut chosen: Vec<&str> = parts[..take].iter().map(String::as_str).collect();
        chosen.reverse();
        chosen.join("/")
    };
    let folded: Vec<Vec<String>> = names
        .iter()
        .map(|parts| parts.iter().map(|p| p.to_lowercase()).collect())
        .collect();
    let mut depth = vec![1usize; roots.len()];
    // Deepen the labels that clash until none does or no argument has more to give. Labels
    // are grouped by their case-folded text; a group that holds arguments of different paths
    // deepens (the same argument given twice, or in another case, is numbered below: deeper
    // names would not tell it apart).
    loop {
        let mut groups: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        for (i, &d) in depth.iter().enumerate() {
            groups.entry(label(i, d).to_lowercase()).or_default().push(i);
        }
        let mut grew = false;
        for members in groups.values() {
            if members.iter().all(|&i| folded[i] == folded[members[0]]) {
                continue;
            }
            for &i in members {
                if depth[i] < names[i].len() {
                    depth[i] += 1;
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    let mut taken = std::collections::HashSet::new();
    (0..roots.len())
        .map(|i| {
            let base = label(i, depth[i]);
            // The number goes before the extension of a file's name (`x（2）.xlsx`): the
            // extension says how the file is read.
            let last = base.rfind('/').map_or(0, |at| at + 1);
            let (head, ext) = match base[last..].rfind('.') {
                Some(dot) if dot > 0 => base.split_at(last + dot),
                _ => (base.as_str(), ""),
            };
            let mut chosen = base.clone();
            let mut n = 2;
            while !taken.insert(chosen.to_lowercase()) {
                chosen = format!("{head}（{n}）{ext}");
                n += 1;
            }
            Some(Arc::from(chosen))
        })
        .collect()
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
    /// Each argument's name in the paths, when several are given (see [`labels`]).
    labels: Vec<Option<Arc<str>>>,
    /// The next argument to walk.
    next_root: usize,
    current: Option<(PathBuf, Option<Arc<str>>, Entries)>,
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
            labels: labels(paths),
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
        let (root, label, entries) = self.current.as_mut()?;
        let entry = match entries.next()? {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
                let path = join_label(label.as_deref(), &path);
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
        Some(Some(Input::labelled(entry.into_path(), root, label.clone())))
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
            let label = self.labels.get(self.next_root).cloned().flatten();
            self.next_root += 1;
            if root.is_file() {
                return Some(match label {
                    // Named by its label alone.
                    Some(label) => Input::labelled(root.clone(), &root, Some(label)),
                    None => {
                        let folder = root.parent().unwrap_or(Path::new("")).to_path_buf();
                        Input::new(root, &folder)
                    }
                });
            }
            if root.exists() {
                let entries = self.entries(&root);
                self.current = Some((root, label, entries));
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

/// A name of one of the formats jixiao takes ([`crate::formats::EXTENSIONS`]).
fn has_workbook_extension(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| crate::formats::of_name(n).is_some())
}

/// `path` relative to the argument `root` it was found under, with `/` separators.
fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(roots: &[PathBuf]) -> Vec<String> {
        labels(roots)
            .into_iter()
            .map(|l| l.as_deref().unwrap_or("-").to_string())
            .collect()
    }

    #[test]
    fn several_arguments_are_named_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for sub in ["A", "B", "d1/x", "d2/x", "D1/y"] {
            std::fs::create_dir_all(d.join(sub)).expect("mkdir");
        }
        std::fs::write(d.join("d1/f.xlsx"), b"").expect("write");
        std::fs::write(d.join("d2/f.xlsx"), b"").expect("write");
        assert_eq!(labelled(&[d.join("A")]), ["-"]);
        assert_eq!(labelled(&[d.join("A"), d.join("B")]), ["A", "B"]);
        assert_eq!(labelled(&[d.join("d1/x"), d.join("d2/x")]), ["d1/x", "d2/x"]);
        assert_eq!(
            labelled(&[d.join("d1/f.xlsx"), d.join("d2/f.xlsx"), d.join("A")]),
            ["d1/f.xlsx", "d2/f.xlsx", "A"]
        );
        // The same argument twice; a `.`; names that differ only in case.
        assert_eq!(
            labelled(&[d.join("d1/f.xlsx"), d.join("d1/f.xlsx")]),
            ["f.xlsx", "f（2）.xlsx"]
        );
        assert_eq!(labelled(&[d.join("A/."), d.join("B")]), ["A", "B"]);
        assert_eq!(labelled(&[d.join("d1"), d.join("D1")]), ["d1", "D1（2）"]);
    }

    #[test]
    fn paths_start_with_the_arguments_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for sub in ["A/sub", "B"] {
            std::fs::create_dir_all(d.join(sub)).expect("mkdir");
        }
        std::fs::write(d.join("A/sub/x.xlsx"), b"").expect("write");
        std::fs::write(d.join("B/x.xlsx"), b"").expect("write");
        let rels: Vec<String> = Walker::new(&[d.join("A"), d.join("B/x.xlsx")], None)
            .map(|i| i.rel())
            .collect();
        assert_eq!(rels, ["A/sub/x.xlsx", "x.xlsx"]);
        let rels: Vec<String> = Walker::new(&[d.join("A")], None).map(|i| i.rel()).collect();
        assert_eq!(rels, ["sub/x.xlsx"]);
    }
}
