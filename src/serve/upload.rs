//! Uploads in and the zip out: each part of a multipart upload is streamed to a file under the
//! job's private folder, at a name made safe (no `..`, no absolute path, no drive letter: such
//! parts are flattened into the folder, never written outside it) and one every file system
//! can hold ([`crate::names::portable`]; a file and a folder of one name, or two names the file
//! system takes for one, are numbered apart), so no name turns the upload into an error or
//! loses a file; the `fix` output folder is zipped in a fixed order, to a file beside it.

use std::path::{Component, Path, PathBuf};

use axum::extract::Multipart;
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

/// Why an upload was refused, with its HTTP status.
pub struct UploadError {
    pub status: StatusCode,
    pub message: String,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> UploadError {
    UploadError {
        status,
        message: message.into(),
    }
}

/// What an upload brought: the files saved under another name than the one
/// the browser sent (saved path relative to the folder, `/`-separated → the note saying so, in
/// Chinese), so the report can tell the user which of their files each entry is.
#[derive(Debug, Default)]
pub struct Received {
    pub renamed: std::collections::BTreeMap<String, String>,
}

/// Stream every file part into `dir`. At most `max_files` files.
pub async fn receive(
    mut multipart: Multipart,
    dir: &Path,
    max_files: usize,
) -> Result<Received, UploadError> {
    let io = |e: std::io::Error| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法保存上传的文件：{e}"),
        )
    };
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let mut count = 0usize;
    let mut renamed = std::collections::BTreeMap::new();
    let mut taken = Taken::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e)),
        };
        let Some(name) = field.file_name().map(str::to_string) else {
            continue; // a plain form field, not a file
        };
        count += 1;
        if count > max_files {
            return Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("一次最多上传 {max_files} 个文件"),
            ));
        }
        let rel = safe_relative(&name, count);
        let at = place(dir, &rel, &mut taken);
        let (mut file, at) = match create(&at).await {
            Ok(file) => (file, at),
            // The system refused the path (longer than it takes, a folder it cannot make): the
            // file goes to the top of the folder, by its own name.
            Err(_) => {
                let own = rel
                    .file_name()
                    .map_or_else(|| PathBuf::from(format!("file-{count}")), PathBuf::from);
                let at = place(dir, &own, &mut taken);
                (create(&at).await.map_err(io)?, at)
            }
        };
        let saved = slash_path(at.strip_prefix(dir).unwrap_or(&at));
        if let Some(note) = rename_note(&name, &rel, &saved) {
            renamed.insert(saved, note);
        }
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => file.write_all(&bytes).await.map_err(io)?,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e)),
            }
        }
        file.flush().await.map_err(io)?;
    }
    if count == 0 {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "没有收到文件：请选择或拖入自评表文件",
        ));
    }
    Ok(Received { renamed })
}

/// `rel`'s components joined by `/`.
fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Why the upload `sent` was saved as `saved` (`rel` is its [`safe_relative`] path), in
/// Chinese; `None` when it kept its name (separators and `./` aside).
fn rename_note(sent: &str, rel: &Path, saved: &str) -> Option<String> {
    let parts: Vec<&str> = sent
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.join("/") == saved {
        return None;
    }
    let mut reasons: Vec<&str> = Vec::new();
    for part in &parts {
        for change in crate::names::portable(part).changes {
            if !reasons.contains(&change.reason()) {
                reasons.push(change.reason());
            }
        }
    }
    if parts.contains(&"..") || parts.first().is_some_and(|p| p.ends_with(':')) {
        reasons.push("含有上级目录（..）或盘符，已去掉");
    }
    if slash_path(rel) != saved {
        reasons.push("与同一次上传的另一文件或文件夹重名（不分大小写），或路径过长");
    }
    if reasons.is_empty() {
        reasons.push("不是可用的文件名");
    }
    Some(format!(
        "上传时的文件名「{sent}」{}，已改为「{saved}」",
        reasons.join("、")
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> UploadError {
    let status = e.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "上传内容超过大小上限：请分批上传".to_string()
    } else {
        format!("上传内容无法读取：{}", e.body_text())
    };
    refuse(status, message)
}

/// A new file at `path`, its folders made.
async fn create(path: &Path) -> std::io::Result<tokio::fs::File> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    tokio::fs::File::create(path).await
}

/// A relative path that stays inside the folder, each component one every file system can
/// hold: `/` and `\` separate components; empty, `.` and `..` components and a leading drive
/// (`C:`) are dropped; each other component is trimmed and made portable
/// ([`crate::names::portable`]: `a:b.xlsx` → `a_b.xlsx`, `CON.xlsx` → `_CON.xlsx`, a name
/// beyond 255 bytes shortened); nothing left gives `file-N`.
pub fn safe_relative(name: &str, n: usize) -> PathBuf {
    let mut out = PathBuf::new();
    for (i, part) in name.split(['/', '\\']).enumerate() {
        let part = part.trim();
        let drive =
            i == 0 && part.len() == 2 && part.ends_with(':') && part.as_bytes()[0].is_ascii_alphabetic();
        if part.is_empty() || part == "." || part == ".." || drive {
            continue;
        }
        let part = crate::names::portable(part).name;
        let component = Path::new(&part);
        if component.components().all(|c| matches!(c, Component::Normal(_))) {
            out.push(part);
        }
    }
    if out.as_os_str().is_empty() {
        out.push(format!("file-{n}"));
    }
    out
}

/// The names this upload has placed, case-folded, relative to its folder: so that two names
/// that differ only in case are numbered apart on every file system, as Windows and macOS
/// would have them.
#[derive(Default)]
struct Taken {
    files: std::collections::HashSet<String>,
    folders: std::collections::HashSet<String>,
}

/// Where the upload `rel` goes under `dir`: each folder one that is a folder or is not there
/// yet (where a file has the name, the folder is numbered: `x.xlsx/` → `x-2.xlsx/`), the file a
/// name nothing has (`-2`, `-3`… before the extension). Names are compared without case,
/// whatever the file system does (`A.xlsx`, `a.xlsx` → `a-2.xlsx`).
fn place(dir: &Path, rel: &Path, taken: &mut Taken) -> PathBuf {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some((file, folders)) = parts.split_last() else {
        return dir.join("file");
    };
    let key = |p: &Path| {
        let rel = p.strip_prefix(dir).unwrap_or(p);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_lowercase())
            .collect();
        parts.join("/")
    };
    // Numbered names until `fits` takes one; bounded, so a file system that answers oddly
    // cannot keep it going.
    let first_fit = |at: &Path, name: &str, fits: &dyn Fn(&Path) -> bool| -> PathBuf {
        (1..10_000)
            .map(|n| match n {
                1 => at.join(name),
                n => at.join(crate::names::with_suffix(name, &format!("-{n}"))),
            })
            .find(|p| fits(p))
            .unwrap_or_else(|| at.join(name))
    };
    let mut at = dir.to_path_buf();
    for folder in folders {
        at = first_fit(&at, folder, &|p| {
            !taken.files.contains(&key(p)) && std::fs::symlink_metadata(p).map_or(true, |m| m.is_dir())
        });
        taken.folders.insert(key(&at));
    }
    let path = first_fit(&at, file, &|p| {
        let k = key(p);
        !taken.files.contains(&k) && !taken.folders.contains(&k) && std::fs::symlink_metadata(p).is_err()
    });
    taken.files.insert(key(&path));
    path
}

/// Every file under `dir` in one zip written to `into`, by relative path in sorted order (`/`
/// separated). Each file is copied from disk, so memory does not grow with the output; `stop`
/// is asked before each file (the client left) and ends the zip with an error.
pub fn zip_folder(dir: &Path, into: std::fs::File, stop: &dyn Fn() -> bool) -> std::io::Result<()> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(into));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for path in files {
        if stop() {
            return Err(std::io::Error::other("已取消"));
        }
        let rel = path.strip_prefix(dir).map_err(std::io::Error::other)?;
        let name: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        zip.start_file(name.join("/"), options)
            .map_err(std::io::Error::other)?;
        std::io::copy(&mut std::fs::File::open(&path)?, &mut zip)?;
    }
    zip.finish()
        .map_err(std::io::Error::other)?
        .into_inner()
        .map(drop)
        .map_err(|e| e.into_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_leave_the_folder() {
        assert_eq!(safe_relative("../../etc/x.xlsx", 1), PathBuf::from("etc/x.xlsx"));
        assert_eq!(safe_relative("C:\\x.xlsx", 1), PathBuf::from("x.xlsx"));
        assert_eq!(safe_relative("/abs/a.xlsx", 1), PathBuf::from("abs/a.xlsx"));
        assert_eq!(
            safe_relative("收件箱/子目录\\b.xls", 1),
            PathBuf::from("收件箱/子目录/b.xls")
        );
        assert_eq!(safe_relative("..", 7), PathBuf::from("file-7"));
        assert_eq!(safe_relative("a\0b.xlsx", 3), PathBuf::from("a_b.xlsx"));
    }

    #[test]
    fn names_are_ones_every_file_system_holds() {
        assert_eq!(safe_relative("a:b.xlsx", 1), PathBuf::from("a_b.xlsx"));
        assert_eq!(
            safe_relative("项目:2024.xlsx", 1),
            PathBuf::from("项目_2024.xlsx")
        );
        assert_eq!(safe_relative("a\"b.xlsx", 1), PathBuf::from("a_b.xlsx"));
        assert_eq!(safe_relative("CON.xlsx", 1), PathBuf::from("_CON.xlsx"));
        assert_eq!(safe_relative("nul/aux.xlsx", 1), PathBuf::from("_nul/_aux.xlsx"));
        assert_eq!(
            safe_relative("第二批. /t.xlsx", 1),
            PathBuf::from("第二批_/t.xlsx")
        );
        let long = format!("{}.xlsx", "报".repeat(90));
        let short = safe_relative(&long, 1);
        let name = short.to_str().expect("utf-8");
        assert!(name.len() <= 255 && name.ends_with(".xlsx"), "{name}");
    }

    #[test]
    fn a_file_and_a_folder_of_one_name_are_told_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut taken = Taken::default();
        let root = dir.path();
        let mut place = |rel: &str| place(root, Path::new(rel), &mut taken);
        let file = place("x.xlsx");
        std::fs::write(&file, b"a").expect("write");
        // A folder where a file is: numbered.
        let inner = place("x.xlsx/y.xlsx");
        assert_eq!(inner, root.join("x-2.xlsx/y.xlsx"));
        std::fs::create_dir_all(inner.parent().expect("parent")).expect("mkdir");
        std::fs::write(&inner, b"b").expect("write");
        // A file where a folder is: numbered; a folder that is a folder: joined.
        std::fs::create_dir(root.join("z.xlsx")).expect("mkdir");
        assert_eq!(place("z.xlsx"), root.join("z-2.xlsx"));
        assert_eq!(place("z.xlsx/w.xlsx"), root.join("z.xlsx/w.xlsx"));
        // A name taken: numbered before the extension, past the folder `x-2.xlsx/`.
        assert_eq!(place("x.xlsx"), root.join("x-3.xlsx"));
        // Names that differ only in case, whatever the file system.
        assert_eq!(place("X.XLSX"), root.join("X-4.XLSX"));
        assert_eq!(place("Z.xlsx/W.xlsx"), root.join("Z.xlsx/W-2.xlsx"));
    }
}
