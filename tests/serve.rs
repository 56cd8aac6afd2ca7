//! `jixiao serve` over HTTP, on a server started on an ephemeral loopback port: the API gives
//! the CLI's outputs byte for byte, and refuses what it must (token, Host, size, queue, type)
//! with a JSON error in Chinese; uploads never leave their private folder, which is gone after
//! each response.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jixiao::serve::{self, Config, Running};

/// A server on 127.0.0.1:0 whose temporary folders go under `root`.
fn server(root: &Path, tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().expect("address"));
    config.temp_root = root.to_path_buf();
    tweak(&mut config);
    serve::start(config).expect("the server starts")
}

/// Every file under `dir` (recursively), with its path relative to `dir`, `/` separated.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("under dir");
            let name: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            (name.join("/"), e.path().to_path_buf())
        })
        .collect();
    out.sort();
    out
}

const BOUNDARY: &str = "----jixiao-test-boundary";

/// A multipart body with one `file` part per (name, bytes).
fn multipart(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in parts {
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

fn read_parts(files: &[(String, PathBuf)]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(name, path)| (name.clone(), std::fs::read(path).expect("readable")))
        .collect()
}

/// POST an upload; the status and the body.
fn post(
    addr: std::net::SocketAddr,
    path: &str,
    parts: &[(String, Vec<u8>)],
    token: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut request = ureq::post(&format!("http://{addr}{path}")).set(
        "Content-Type",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(t) = token {
        request = request.set("Authorization", &format!("Bearer {t}"));
    }
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

fn error_of(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).expect("a JSON error");
    v["error"].as_str().expect("an error text").to_string()
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("temp root").next().is_none()
}

#[test]
fn check_and_fix_over_http_equal_the_cli() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |_| {});
    let samples = common::samples();
    let parts = read_parts(&files_under(&samples));

    let (status, body) = post(server.addr, "/api/check", &parts, None);
    assert_eq!(status, 200);
    let cli = common::bin()
        .args(["check", "--json", "-q"])
        .arg(&samples)
        .output()
        .expect("cli");
    assert_eq!(
        String::from_utf8_lossy(&body),
        String::from_utf8_lossy(&cli.stdout),
        "the report is the CLI's, byte for byte"
    );
    assert!(empty(root.path()), "the upload folder is gone after the response");

    let (status, zip_bytes) = post(server.addr, "/api/fix", &parts, None);
    assert_eq!(status, 200);
    let out = tempfile::tempdir().expect("temp");
    let fixed = common::bin()
        .args(["fix", "-q", "-o"])
        .arg(out.path())
        .arg(&samples)
        .status()
        .expect("cli");
    assert!(fixed.code().is_some());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("a zip");
    let mut names: Vec<String> = (0..zip.len())
        .map(|i| {
            zip.by_index(i)
                .expect("entry")
                .name()
                .expect("a name")
                .to_string()
        })
        .collect();
    names.sort();
    let written: Vec<String> = files_under(out.path()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, written, "the zip holds exactly what fix writes");
    for name in &names {
        let mut entry = zip.by_name(name).expect("entry");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        assert_eq!(
            bytes,
            std::fs::read(out.path().join(name)).expect("written"),
            "{name} is the same file"
        );
    }
    assert!(empty(root.path()));

    let (status, summary) = post(server.addr, "/api/fix?part=summary", &parts, None);
    assert_eq!(status, 200);
    assert_eq!(
        summary,
        std::fs::read(out.path().join("summary.xlsx")).expect("summary")
    );

    // `?standard=1` is `fix --standard`: the .xlsx inputs come back in the standard template.
    let (status, zip_bytes) = post(server.addr, "/api/fix?standard=1", &parts, None);
    assert_eq!(status, 200);
    let standard = tempfile::tempdir().expect("temp");
    common::bin()
        .args(["fix", "-q", "--standard", "-o"])
        .arg(standard.path())
        .arg(&samples)
        .status()
        .expect("cli");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("a zip");
    let name = "mistakes/wrong_execution_score.xlsx";
    let mut bytes = Vec::new();
    zip.by_name(name)
        .expect("entry")
        .read_to_end(&mut bytes)
        .expect("read");
    assert_eq!(bytes, std::fs::read(standard.path().join(name)).expect("written"));
    assert_ne!(
        bytes,
        std::fs::read(out.path().join(name)).expect("written"),
        "the standard template, not the reissued file"
    );
}

#[test]
fn settings_come_from_the_query_like_the_flags() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |_| {});
    let seed = common::samples().join("seed_2024.xlsx");
    let parts = vec![("seed_2024.xlsx".to_string(), std::fs::read(&seed).expect("seed"))];
    let (status, body) = post(
        server.addr,
        "/api/check?severity=cost-exceeds-execution=error&deviation=20",
        &parts,
        None,
    );
    assert_eq!(status, 200);
    let cli = common::bin()
        .args([
            "check",
            "--json",
            "-q",
            "--severity",
            "cost-exceeds-execution=error",
            "--deviation",
            "20",
        ])
        .arg(&seed)
        .output()
        .expect("cli");
    assert_eq!(body, cli.stdout);
    let (status, body) = post(
        server.addr,
        "/api/check?severity=no-such-code=error",
        &parts,
        None,
    );
    assert_eq!(status, 400);
    assert!(error_of(&body).contains("no-such-code"));
}

#[test]
fn a_token_is_required_beyond_loopback() {
    let root = tempfile::tempdir().expect("temp");
    let mut config = Config::new("0.0.0.0:0".parse().expect("address"));
    config.temp_root = root.path().to_path_buf();
    assert!(
        serve::start(config.clone()).is_err(),
        "no token, no listening beyond loopback"
    );
    config.token = Some("s3cret".into());
    let server = serve::start(config).expect("starts with a token");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", server.addr.port()).parse().expect("addr");
    let parts = vec![(
        "seed_2024.xlsx".to_string(),
        std::fs::read(common::samples().join("seed_2024.xlsx")).expect("seed"),
    )];
    // Refused before the body is read (a small upload, so the client finishes sending it).
    let tiny = vec![("a.xlsx".to_string(), b"x".to_vec())];
    let (status, body) = post(addr, "/api/check", &tiny, None);
    assert_eq!(status, 401);
    assert!(error_of(&body).contains("口令"));
    assert_eq!(post(addr, "/api/check", &tiny, Some("wrong")).0, 401);
    assert!(empty(root.path()), "nothing read without the token");
    assert_eq!(post(addr, "/api/check", &parts, Some("s3cret")).0, 200);
    // The page itself loads without it (it then asks for the token).
    let page = ureq::get(&format!("http://{addr}/")).call().expect("page");
    assert_eq!(page.status(), 200);
    let info = ureq::get(&format!("http://{addr}/api/info"))
        .call()
        .expect("info")
        .into_string()
        .expect("text");
    let info: serde_json::Value = serde_json::from_str(&info).expect("json");
    assert_eq!(info["token_required"], true);
    // The page names codes by their Chinese titles and shows the server's defaults.
    let codes = info["codes"].as_array().expect("codes");
    assert_eq!(codes.len(), jixiao::rules::Code::ALL.len());
    assert!(
        codes
            .iter()
            .any(|c| c["code"] == "total-score-mismatch" && c["title"] == "总分有误")
    );
    assert_eq!(info["defaults"]["deviation"], "30");
}

#[test]
fn refusals_are_json_in_chinese_with_the_right_status() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |c| c.max_upload_bytes = 4096);
    let seed = std::fs::read(common::samples().join("seed_2024.xlsx")).expect("seed");
    // Over the upload limit.
    let (status, body) = post(
        server.addr,
        "/api/check",
        &[("seed.xlsx".into(), seed.clone())],
        None,
    );
    assert_eq!(status, 413);
    assert!(error_of(&body).contains("上限"));
    // Not multipart.
    let response = ureq::post(&format!("http://{}/api/check", server.addr))
        .set("Content-Type", "application/json")
        .send_string("{}");
    let Err(ureq::Error::Status(415, r)) = response else {
        panic!("415 expected")
    };
    assert!(r.into_string().expect("body").contains("multipart"));
    // A Host that is not the address served (DNS rebinding).
    let response = ureq::get(&format!("http://{}/", server.addr))
        .set("Host", "attacker.example:80")
        .call();
    let Err(ureq::Error::Status(403, r)) = response else {
        panic!("403 expected")
    };
    assert!(
        r.header("Access-Control-Allow-Origin").is_none(),
        "no CORS header"
    );
    // Nothing uploaded.
    let (status, body) = post(server.addr, "/api/check", &[], None);
    assert_eq!(status, 400);
    assert!(error_of(&body).contains("没有收到文件"));
    assert!(empty(root.path()));
}

#[test]
fn uploaded_names_never_leave_the_folder_and_bad_files_are_report_entries() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |_| {});
    let seed = std::fs::read(common::samples().join("seed_2024.xlsx")).expect("seed");
    let parts = vec![
        ("../../etc/jixiao-escape.xlsx".to_string(), seed.clone()),
        ("C:\\jixiao-drive.xlsx".to_string(), seed),
        ("broken.xlsx".to_string(), b"not a workbook".to_vec()),
    ];
    let (status, body) = post(server.addr, "/api/check", &parts, None);
    assert_eq!(status, 200, "a bad file is a report entry, not an HTTP error");
    let report: jixiao::report::Report = serde_json::from_slice(&body).expect("report");
    let mut paths: Vec<(&str, jixiao::report::Status)> =
        report.files.iter().map(|f| (f.path.as_str(), f.status)).collect();
    paths.sort_by_key(|p| p.0);
    assert_eq!(
        paths,
        vec![
            ("broken.xlsx", jixiao::report::Status::Unreadable),
            ("etc/jixiao-escape.xlsx", jixiao::report::Status::Findings),
            ("jixiao-drive.xlsx", jixiao::report::Status::Findings),
        ]
    );
    assert!(!Path::new("/etc/jixiao-escape.xlsx").exists());
    assert!(
        !root
            .path()
            .parent()
            .expect("parent")
            .join("etc/jixiao-escape.xlsx")
            .exists()
    );
    assert!(empty(root.path()));
}

#[test]
fn a_full_queue_answers_503() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |c| {
        c.jobs = 1;
        c.queue = 0;
    });
    // Hold the one job: an upload whose body never finishes.
    let mut slow = TcpStream::connect(server.addr).expect("connect");
    write!(
        slow,
        "POST /api/check HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 100000\r\n\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK",
        server.addr
    )
    .expect("send");
    slow.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    let parts = vec![("b.xlsx".to_string(), b"x".to_vec())];
    let (status, body) = post(server.addr, "/api/check", &parts, None);
    assert_eq!(status, 503);
    assert!(error_of(&body).contains("繁忙"));
    drop(slow);
}
