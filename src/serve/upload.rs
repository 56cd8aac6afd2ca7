//! Uploads in and the zip out: each part of a multipart upload is streamed to a file under the
//! job's private folder, at a name made safe (no `..`, no absolute path, no drive letter, no
//! NUL: such parts are flattened into the folder, never written outside it); the `fix` output
//! folder is zipped in a fixed order.

use std::io::Write;
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

/// Stream every file part into `dir`. At most `max_files` files.
pub async fn receive(mut multipart: Multipart, dir: &Path, max_files: usize) -> Result<usize, UploadError> {
    let io = |e: std::io::Error| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法保存上传的文件：{e}"),
        )
    };
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let mut count = 0usize;
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
        let path = unique(dir, &safe_relative(&name, count));
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        let mut file = tokio::fs::File::create(&path).await.map_err(io)?;
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
    Ok(count)
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

/// A relative path that stays inside the folder: `/` and `\` separate components; empty, `.`,
/// `..` and components with a drive colon or a NUL are dropped; nothing left gives `file-N`.
pub fn safe_relative(name: &str, n: usize) -> PathBuf {
    let mut out = PathBuf::new();
    for part in name.split(['/', '\\']) {
        let part = part.trim();
        if part.is_empty() || part == "." || part == ".." || part.contains(':') || part.contains('\0') {
            continue;
        }
        let component = Path::new(part);
        if component.components().all(|c| matches!(c, Component::Normal(_))) {
            out.push(part);
        }
    }
    if out.as_os_str().is_empty() {
        out.push(format!("file-{n}"));
    }
    out
}

/// `dir/rel`, or with `-2`, `-3`… before the extension when that is taken.
fn unique(dir: &Path, rel: &Path) -> PathBuf {
    let first = dir.join(rel);
    if !first.exists() {
        return first;
    }
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = rel
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    (2..)
        .map(|i| first.with_file_name(format!("{stem}-{i}{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Every file under `dir` in one zip, by relative path in sorted order (`/` separated).
pub fn zip_folder(dir: &Path) -> std::io::Result<Vec<u8>> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for path in files {
        let rel = path.strip_prefix(dir).map_err(std::io::Error::other)?;
        let name: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        zip.start_file(name.join("/"), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(&std::fs::read(&path)?)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
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
        assert_eq!(safe_relative("a\0b.xlsx", 3), PathBuf::from("file-3"));
    }
}
