//! Uploaded names the file system cannot hold, over HTTP on a server started on an ephemeral
//! loopback port: a name longer than 255 bytes, a file and a folder of the same name, Windows'
//! forbidden characters and device names, names of the batch's own files. None of them turns
//! the upload into an error or loses a file: each is stored under a name every file system can
//! hold, checked and corrected, and the zip holds every output beside the batch's own
//! summary.xlsx and report.json.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use calamine::Reader;
use common::portable;
use jixiao::report::Report;
use jixiao::serve::{self, Config, Running};

fn server(root: &Path) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().expect("address"));
    config.temp_root = root.to_path_buf();
    serve::start(config).expect("the server starts")
}

const BOUNDARY: &str = "----jixiao-names-boundary";

/// A multipart body with one `file` part per (name, bytes); a `"` in a name is escaped as
/// `\"` in its header.
fn multipart(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in parts {
        let name = name.replace('"', "\\\"");
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .expect("write");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").expect("write");
    body
}

fn post(addr: std::net::SocketAddr, path: &str, parts: &[(String, Vec<u8>)]) -> (u16, Vec<u8>) {
    let request = ureq::post(&format!("http://{addr}{path}")).set(
        "Content-Type",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    let response = match request.send_bytes(&multipart(parts)) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = response.status();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).expect("body");
    (status, body)
}

/// The names of the upload: each a copy of a form with a mistake to correct.
fn names() -> Vec<String> {
    let long = "报".repeat(90);
    [
        format!("{long}.xlsx"),
        format!("{long}2.xlsx"),
        "x.xlsx".to_string(),
        "x.xlsx/y.xlsx".to_string(),
        "z.xlsx/w.xlsx".to_string(),
        "z.xlsx".to_string(),
        "a:b.xlsx".to_string(),
        "项目:2024.xlsx".to_string(),
        "a\"b.xlsx".to_string(),
        "CON.xlsx".to_string(),
        "NUL.xlsx".to_string(),
        "aux.xlsx".to_string(),
        "COM1.xlsx".to_string(),
        "CON/x.xlsx".to_string(),
        "a|b?c*<d>.xlsx".to_string(),
        "summary.xlsx".to_string(),
        "Summary.xlsx".to_string(),
        "report.json/x.xlsx".to_string(),
        "第二批. /t.xlsx".to_string(),
        "C:\\drive.xlsx".to_string(),
    ]
    .into()
}

#[test]
fn every_uploaded_name_is_stored_checked_and_corrected() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path());
    let form = std::fs::read(common::samples().join("mistakes/total_and_grade.xlsx")).expect("form");
    let parts: Vec<(String, Vec<u8>)> = names().into_iter().map(|n| (n, form.clone())).collect();

    let (status, body) = post(server.addr, "/api/check", &parts);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let report: Report = serde_json::from_slice(&body).expect("report");
    assert_eq!(
        report.files.len(),
        parts.len(),
        "every upload is checked: {report:?}"
    );
    let paths: HashSet<String> = report.files.iter().map(|f| f.path.to_lowercase()).collect();
    assert_eq!(paths.len(), parts.len(), "{paths:?}");
    for file in &report.files {
        assert!(file.path.split('/').all(portable), "{}", file.path);
        assert!(!file.forms.is_empty(), "{}: {:?}", file.path, file.error);
    }
    // Each entry says which upload it is: a file saved under another name carries the name it
    // was sent under and why; one that kept its name carries nothing.
    let sent: HashSet<String> = report
        .files
        .iter()
        .map(|f| match &f.name_note {
            Some(note) => note
                .strip_prefix("上传时的文件名「")
                .and_then(|rest| rest.split_once('」'))
                .map(|(name, _)| name.to_string())
                .unwrap_or_else(|| panic!("{}: {note}", f.path)),
            None => f.path.clone(),
        })
        .collect();
    assert_eq!(sent, names().into_iter().collect::<HashSet<_>>());
    let note_of = |path: &str| {
        report
            .files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path} not reported"))
            .name_note
            .clone()
    };
    let con = note_of("_CON.xlsx").expect("CON.xlsx renamed");
    assert!(
        con.contains("设备名") && con.ends_with("已改为「_CON.xlsx」"),
        "{con}"
    );
    assert!(note_of("a_b.xlsx").expect("a:b").contains("不允许的字符"));
    assert!(note_of("x-2.xlsx/y.xlsx").expect("x.xlsx/").contains("重名"));
    assert!(note_of("drive.xlsx").expect("C:").contains("盘符"));
    assert_eq!(note_of("x.xlsx"), None);
    assert_eq!(note_of("summary.xlsx"), None);

    let (status, body) = post(server.addr, "/api/fix", &parts);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip");
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).expect("read");
        entries.insert(f.name().expect("name").to_string(), bytes);
    }
    let report: Report = serde_json::from_slice(&entries["report.json"]).expect("report.json");
    assert_eq!(report.files.len(), parts.len());
    let mut outputs = HashSet::new();
    for file in &report.files {
        let output = file
            .output
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no output", file.path));
        assert!(outputs.insert(output.to_lowercase()), "{output} twice");
        assert!(output.split('/').all(portable), "{output}");
        let bytes = entries
            .get(output)
            .unwrap_or_else(|| panic!("{output} is not in the zip"));
        assert!(bytes.starts_with(b"PK"), "{output}");
    }
    // summary.xlsx is the batch's: it lists every file.
    let mut summary: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(entries["summary.xlsx"].clone())).expect("summary");
    assert!(summary.sheet_names().contains(&"项目汇总".to_string()));
    let listed = summary
        .worksheet_range("项目汇总")
        .expect("项目汇总")
        .rows()
        .count();
    assert!(listed > parts.len(), "{listed} rows for {} files", parts.len());
    let rows: Vec<String> = summary
        .worksheet_range("项目汇总")
        .expect("项目汇总")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|"))
        .collect();
    assert!(
        rows.iter()
            .any(|r| r.contains("_CON.xlsx") && r.contains("上传时的文件名「CON.xlsx」")),
        "the summary's 说明 gives the name sent: {rows:?}"
    );
    assert_eq!(entries.len(), parts.len() + 2, "{:?}", entries.keys());
    server.stop();
}
