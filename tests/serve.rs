//! `jixiao serve` over HTTP, on a server started on an ephemeral loopback port: the API gives
//! the CLI's outputs byte for byte, and refuses what it must (token, Host, Origin, size, queue,
//! type, time) with a JSON error in Chinese; uploads never leave their private folder, which is
//! gone after each response — also when the client leaves mid-job or mid-download — and a slow
//! client holds no job. Every exchange is bounded in time; nothing leaves loopback.
//!
//! Why ~1,000 lines: one server harness (start, multipart, raw sockets) for every HTTP behaviour;
//! split, each file would repeat it.

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

/// The longest any exchange or wait of these tests may take.
const LIMIT: Duration = Duration::from_secs(120);

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
    let agent = ureq::AgentBuilder::new().timeout(LIMIT).build();
    let mut request = agent.post(&format!("http://{addr}{path}")).set(
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
    // The formats the page accepts are the walk's.
    let extensions: Vec<&str> = info["extensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    let walked: Vec<&str> = jixiao::formats::EXTENSIONS.iter().map(|e| e.ext).collect();
    assert_eq!(extensions, walked);
    assert!(extensions.contains(&"xlsx") && extensions.contains(&"docx") && extensions.contains(&"et"));
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

// ---------- clients that leave, stall or trickle; refusals while a client still sends ----------

/// `n` copies of the seed workbook in ten folders.
fn seeds(n: usize) -> Vec<(String, Vec<u8>)> {
    let seed = std::fs::read(common::samples().join("seed_2024.xlsx")).expect("seed");
    (0..n)
        .map(|i| (format!("单位{}/seed-{i}.xlsx", i % 10), seed.clone()))
        .collect()
}

/// A connection to the server with bounded reads and writes.
fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(LIMIT)).expect("timeout");
    stream.set_write_timeout(Some(LIMIT)).expect("timeout");
    stream
}

/// The head of a multipart POST of `length` bytes.
fn post_head(addr: std::net::SocketAddr, path: &str, length: usize, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n{extra}\r\n"
    )
}

/// Read an answer to its end (the server closes or it has its Content-Length): the status, the
/// head and the body.
fn read_answer(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 65536];
    let mut expected: Option<usize> = None;
    loop {
        if let Some(n) = expected
            && bytes.len() >= n
        {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => panic!("reading the answer failed after {} bytes: {e}", bytes.len()),
        }
        if expected.is_none()
            && let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&bytes[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(length) = length {
                expected = Some(end + 4 + length);
            }
        }
    }
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer head in {:?}", String::from_utf8_lossy(&bytes)));
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, head, bytes[end + 4..].to_vec())
}

/// Wait until `ready` holds, polling; fail after [`LIMIT`].
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + LIMIT;
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "still not so after {LIMIT:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `/api/progress?job=ID`: (total, done) while the job is known.
fn progress_of(addr: std::net::SocketAddr, job: &str) -> Option<(u64, u64)> {
    let response = ureq::get(&format!("http://{addr}/api/progress?job={job}"))
        .timeout(LIMIT)
        .call()
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&response.into_string().ok()?).ok()?;
    Some((v["total"].as_u64()?, v["done"].as_u64()?))
}

fn idle(server: &Running) -> bool {
    server.busy() == serve::Busy { jobs: 0, requests: 0 }
}

#[test]
fn a_client_that_leaves_mid_job_leaves_nothing_behind() {
    for path in ["/api/fix", "/api/check"] {
        let root = tempfile::tempdir().expect("temp");
        let server = server(root.path(), |c| {
            c.jobs = 1;
            c.queue = 2;
        });
        let body = multipart(&seeds(400));
        let mut conn = connect(server.addr);
        let head = post_head(server.addr, &format!("{path}?job=leaver"), body.len(), "");
        conn.write_all(head.as_bytes()).expect("send");
        conn.write_all(&body).expect("send");
        wait_until("the job has started", || {
            progress_of(server.addr, "leaver").is_some_and(|(_, done)| done > 0)
        });
        let (total, done) = progress_of(server.addr, "leaver").expect("running");
        assert!(done < total, "the job is still running when the client leaves");
        assert_eq!(server.busy().jobs, 1, "the job holds its permit while it works");
        drop(conn);
        // The work stops at its next file and takes its folder, its permit, its place and its
        // progress entry with it — though nobody waits for its answer any more.
        wait_until("the job's folder, permit and progress are gone", || {
            empty(root.path()) && idle(&server) && progress_of(server.addr, "leaver").is_none()
        });
        // The server still answers, with its one job.
        let (status, _) = post(server.addr, "/api/check", &seeds(1), None);
        assert_eq!(status, 200, "{path}");
        assert!(empty(root.path()) && idle(&server));
    }
}

#[test]
fn a_client_that_leaves_mid_download_or_stops_reading_leaves_nothing_behind() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |c| c.idle_timeout = Duration::from_secs(1));
    let body = multipart(&seeds(300));
    // Reads the head of the zip, then leaves.
    let mut conn = connect(server.addr);
    conn.write_all(post_head(server.addr, "/api/fix", body.len(), "").as_bytes())
        .expect("send");
    conn.write_all(&body).expect("send");
    let mut first = [0u8; 1024];
    let n = conn.read(&mut first).expect("the answer starts");
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    drop(conn);
    wait_until("the download's folder is gone", || {
        empty(root.path()) && idle(&server)
    });
    // Stays connected but reads nothing: the write times out and the folder goes.
    let mut conn = connect(server.addr);
    conn.write_all(post_head(server.addr, "/api/fix", body.len(), "").as_bytes())
        .expect("send");
    conn.write_all(&body).expect("send");
    wait_until("the unread download's folder is gone", || {
        empty(root.path()) && idle(&server)
    });
    drop(conn);
}

#[test]
fn a_trickling_upload_holds_no_job() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |c| c.jobs = 1);
    // One byte of a large upload every 100 ms, for at most 30 s.
    let mut slow = connect(server.addr);
    slow.write_all(post_head(server.addr, "/api/check", 1_000_000, "").as_bytes())
        .expect("send");
    write!(
        slow,
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.xlsx\"\r\n\r\n"
    )
    .expect("send");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickle = {
        let stop = stop.clone();
        let mut slow = slow.try_clone().expect("clone");
        std::thread::spawn(move || {
            for _ in 0..300 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) || slow.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let (status, body) = post(server.addr, "/api/check", &seeds(2), None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(started.elapsed() < Duration::from_secs(20));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    trickle.join().expect("trickle");
    drop(slow);
    wait_until("the trickled upload's folder is gone", || {
        empty(root.path()) && idle(&server)
    });
}

#[test]
fn stalled_and_endless_uploads_and_headers_time_out() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |c| {
        c.idle_timeout = Duration::from_secs(1);
        c.upload_timeout = Duration::from_secs(3);
    });
    let part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK"
    );
    // Sends part of its upload, then nothing.
    let mut stalled = connect(server.addr);
    stalled
        .write_all(post_head(server.addr, "/api/check", 100_000, "").as_bytes())
        .expect("send");
    stalled.write_all(part.as_bytes()).expect("send");
    let (status, _, body) = read_answer(&mut stalled);
    assert_eq!(status, 408);
    assert!(
        error_of(&body).contains("没有收到任何数据"),
        "{}",
        error_of(&body)
    );
    // Sends a byte every 300 ms: never idle, but never done.
    let mut endless = connect(server.addr);
    endless
        .write_all(post_head(server.addr, "/api/check", 100_000, "").as_bytes())
        .expect("send");
    endless.write_all(part.as_bytes()).expect("send");
    let started = std::time::Instant::now();
    let writer = {
        let mut endless = endless.try_clone().expect("clone");
        std::thread::spawn(move || {
            for _ in 0..100 {
                if endless.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    let (status, _, body) = read_answer(&mut endless);
    assert_eq!(status, 408);
    assert!(error_of(&body).contains("未能传完"), "{}", error_of(&body));
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(endless);
    writer.join().expect("writer");
    // Half a request head, then nothing: the connection is closed.
    let mut half = connect(server.addr);
    half.write_all(b"GET / HTTP/1.1\r\nHost: ").expect("send");
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = half.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed after the header timeout"
    );
    wait_until("the stalled uploads' folders are gone", || {
        empty(root.path()) && idle(&server)
    });
}

#[test]
fn a_refusal_reaches_a_client_still_sending() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |c| {
        c.jobs = 1;
        c.queue = 0;
        c.max_upload_bytes = 8 << 20;
    });
    // Declared larger than the limit: 413 at once, before any of the body is sent.
    let mut big = connect(server.addr);
    big.write_all(post_head(server.addr, "/api/check", 9 << 20, "").as_bytes())
        .expect("send");
    let (status, _, body) = read_answer(&mut big);
    assert_eq!(status, 413);
    assert!(error_of(&body).contains("上限"));
    // The one place is taken by an upload in progress…
    let mut holder = connect(server.addr);
    holder
        .write_all(post_head(server.addr, "/api/check", 100_000, "").as_bytes())
        .expect("send");
    holder.write_all(b"--").expect("send");
    wait_until("the first upload is admitted", || server.busy().requests == 1);
    // …so a client sending 6 MB (all of it, before it reads) hears 503, not a reset.
    let body = multipart(&seeds(1))
        .into_iter()
        .chain(std::iter::repeat_n(b'x', 6 << 20));
    let body: Vec<u8> = body.collect();
    let mut busy = connect(server.addr);
    busy.write_all(post_head(server.addr, "/api/check", body.len(), "").as_bytes())
        .expect("send");
    busy.write_all(&body).expect("the whole body is taken in");
    let (status, _, answer) = read_answer(&mut busy);
    assert_eq!(status, 503);
    assert!(error_of(&answer).contains("繁忙"));
    // The same for a missing token.
    drop(holder);
    let guarded = server_with_token(root.path(), "s3cret");
    let mut refused = connect(guarded.addr);
    refused
        .write_all(post_head(guarded.addr, "/api/check", body.len(), "").as_bytes())
        .expect("send");
    refused.write_all(&body).expect("the whole body is taken in");
    let (status, _, _) = read_answer(&mut refused);
    assert_eq!(status, 401);
    wait_until("nothing is left", || empty(root.path()) && idle(&server));
}

fn server_with_token(root: &Path, token: &str) -> Running {
    server(root, |c| c.token = Some(token.to_string()))
}

#[test]
fn another_sites_page_is_refused() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |_| {});
    let addr = server.addr;
    let tiny = multipart(&[("a.xlsx".to_string(), b"x".to_vec())]);
    let send = |origin: &str| {
        let mut conn = connect(addr);
        conn.write_all(
            post_head(addr, "/api/check", tiny.len(), &format!("Origin: {origin}\r\n")).as_bytes(),
        )
        .expect("send");
        conn.write_all(&tiny).expect("send");
        read_answer(&mut conn)
    };
    for origin in [
        "http://attacker.example",
        "null",
        "http://attacker.example:80",
        "file://",
    ] {
        let (status, _, body) = send(origin);
        assert_eq!(status, 403, "{origin}");
        assert!(error_of(&body).contains("其他网页"), "{origin}");
    }
    // The page's own origin, under any of the server's names.
    for origin in [
        format!("http://{addr}"),
        format!("http://localhost:{}", addr.port()),
    ] {
        let (status, _, _) = send(&origin);
        assert_eq!(status, 200, "{origin}");
    }
    // A page load from another site's link or frame too.
    let response = ureq::get(&format!("http://{addr}/"))
        .set("Origin", "http://attacker.example")
        .call();
    assert!(matches!(response, Err(ureq::Error::Status(403, _))));
    assert!(empty(root.path()));
}

#[test]
fn a_chinese_token_works_as_the_readme_shows() {
    let root = tempfile::tempdir().expect("temp");
    let server = server_with_token(root.path(), "口令");
    let addr = server.addr;
    let tiny = multipart(&seeds(1));
    let send = |authorization: &[u8]| {
        let mut conn = connect(addr);
        let head = post_head(addr, "/api/check", tiny.len(), "");
        let head = head.strip_suffix("\r\n").expect("head");
        conn.write_all(head.as_bytes()).expect("send");
        conn.write_all(b"Authorization: ").expect("send");
        conn.write_all(authorization).expect("send");
        conn.write_all(b"\r\n\r\n").expect("send");
        conn.write_all(&tiny).expect("send");
        read_answer(&mut conn).0
    };
    // As the page sends it (percent-encoded), in any case of the scheme, and as raw UTF-8 bytes.
    assert_eq!(send(b"Bearer %E5%8F%A3%E4%BB%A4"), 200);
    assert_eq!(send(b"bearer %e5%8f%a3%e4%bb%a4"), 200);
    assert_eq!(send(b"BEARER   %E5%8F%A3%E4%BB%A4"), 200);
    assert_eq!(send("Bearer 口令".as_bytes()), 200);
    // Wrong, of any length, or with another scheme.
    assert_eq!(send(b"Bearer %E5%8F%A3"), 401);
    assert_eq!(send(b"Bearer %E5%8F%A3%E4%BB%A4%E4%BB%A4"), 401);
    assert_eq!(send(b"Bearer "), 401);
    assert_eq!(send(b"Basic %E5%8F%A3%E4%BB%A4"), 401);
    // A token whose own text looks encoded is taken as it is, too.
    let odd = server_with_token(root.path(), "a%41+b");
    let (status, _) = post(odd.addr, "/api/check", &seeds(1), Some("a%41+b"));
    assert_eq!(status, 200);
    let (status, _) = post(odd.addr, "/api/check", &seeds(1), Some("a%2541%2Bb"));
    assert_eq!(status, 200);
    // A token the page could not send as typed is refused at start-up.
    let mut config = Config::new("127.0.0.1:0".parse().expect("address"));
    config.token = Some(" 口令".into());
    let Err(e) = serve::start(config) else {
        panic!("a token with a leading space starts")
    };
    assert!(e.to_string().contains("口令"));
    assert!(empty(root.path()));
}

#[test]
fn the_address_printed_is_one_the_server_answers_to() {
    let root = tempfile::tempdir().expect("temp");
    let mut config = Config::new("127.0.0.2:0".parse().expect("address"));
    config.temp_root = root.path().to_path_buf();
    let Ok(server) = serve::start(config) else {
        eprintln!("skipped: 127.0.0.2 is not a loopback address here");
        return;
    };
    let page = ureq::get(&format!("http://{}/", server.addr))
        .timeout(LIMIT)
        .call()
        .expect("the page");
    assert_eq!(page.status(), 200);
    let (status, _) = post(server.addr, "/api/check", &seeds(1), None);
    assert_eq!(status, 200);
}

#[test]
fn every_answer_carries_the_security_headers() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |_| {});
    let page = ureq::get(&format!("http://{}/", server.addr))
        .timeout(LIMIT)
        .call()
        .expect("the page");
    let policy = page
        .header("Content-Security-Policy")
        .expect("a policy")
        .to_string();
    let html = page.into_string().expect("html");
    // Exactly the page's inline script and style may run, by their hashes; nothing else loads.
    for tag in ["script", "style"] {
        let open = format!("<{tag}>");
        let start = html.find(&open).expect("inline") + open.len();
        let end = start + html[start..].find(&format!("</{tag}>")).expect("closed");
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(&html.as_bytes()[start..end]));
        assert!(
            policy.contains(&format!("{tag}-src 'sha256-{hash}'")),
            "{tag} in {policy}"
        );
    }
    for part in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
    ] {
        assert!(policy.contains(part), "{part} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"));
    let info = ureq::get(&format!("http://{}/api/info", server.addr))
        .timeout(LIMIT)
        .call()
        .expect("info");
    let refused = match ureq::get(&format!("http://{}/", server.addr))
        .set("Host", "attacker.example")
        .call()
    {
        Err(ureq::Error::Status(403, r)) => r,
        other => panic!("403 expected, not {other:?}"),
    };
    for response in [&info, &refused] {
        assert_eq!(response.header("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(response.header("X-Frame-Options"), Some("DENY"));
        assert_eq!(response.header("Referrer-Policy"), Some("no-referrer"));
        assert!(
            response
                .header("Content-Security-Policy")
                .is_some_and(|p| p.contains("default-src 'none'") && p.contains("frame-ancestors 'none'"))
        );
    }
}

/// The server, killed when the test ends, also on a failure.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `jixiao serve --listen 127.0.0.1:0` with `flags`, its temporary folders under `root`, and
/// the address it printed; its stderr is left piped for the test to read.
fn jixiao_serve(root: &Path, flags: &[&str]) -> (Killed, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut child = Killed(
        common::bin()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(flags)
            .env("TMPDIR", root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("jixiao serve"),
    );
    let mut stdout = std::io::BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the address line");
    let addr = first
        .trim()
        .trim_start_matches("jixiao serve: http://")
        .trim_end_matches('/')
        .parse()
        .expect("an address");
    (child, addr)
}

#[test]
fn the_log_names_sizes_and_clients_that_left() {
    use std::io::BufRead;
    let root = tempfile::tempdir().expect("temp");
    let (mut child, addr) = jixiao_serve(root.path(), &["--jobs", "1"]);
    let stderr = child.0.stderr.take().expect("stderr");
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().expect("lines").push(line);
            }
        })
    };
    let logged = |prefix: &str| {
        lines
            .lock()
            .expect("lines")
            .iter()
            .find(|l| l.starts_with(prefix))
            .cloned()
    };
    let page = ureq::get(&format!("http://{addr}/"))
        .timeout(LIMIT)
        .call()
        .expect("page")
        .into_string()
        .expect("html");
    wait_until("the page's line", || logged("GET / ").is_some());
    let line = logged("GET / ").expect("line");
    assert!(line.starts_with(&format!("GET / 200 {} ", page.len())), "{line}");
    // A client that leaves mid-check is logged as such.
    let body = multipart(&seeds(300));
    let mut conn = connect(addr);
    conn.write_all(post_head(addr, "/api/check?job=gone", body.len(), "").as_bytes())
        .expect("send");
    conn.write_all(&body).expect("send");
    wait_until("the check has started", || {
        progress_of(addr, "gone").is_some_and(|(_, done)| done > 0)
    });
    drop(conn);
    wait_until("the abandoned check's line", || {
        logged("POST /api/check").is_some()
    });
    let line = logged("POST /api/check").expect("line");
    assert!(line.starts_with("POST /api/check 499 - "), "{line}");
    assert!(line.contains("客户端已断开"), "{line}");
    wait_until("the abandoned check's folder is gone", || empty(root.path()));
    drop(child);
    reader.join().expect("reader");
}

/// `jixiao serve` takes the settings' flags (the same table as `check`): the values every
/// request starts from, shown by `/api/info`; a request may not raise the server's file limit.
#[test]
fn the_server_starts_from_its_own_setting_flags() {
    let root = tempfile::tempdir().expect("temp");
    let flags = [
        "--deviation",
        "20",
        "--excellent",
        "99.9",
        "--severity",
        "grade-mismatch=warning",
    ];
    let (_child, addr) = jixiao_serve(root.path(), &[&flags[..], &["--max-file-mb", "7"]].concat());
    let base = format!("http://{addr}");
    let info: serde_json::Value = ureq::get(&format!("{base}/api/info"))
        .timeout(LIMIT)
        .call()
        .expect("info")
        .into_string()
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .expect("json");
    assert_eq!(info["defaults"]["deviation"], "20", "{info}");
    assert_eq!(info["defaults"]["excellent"], "99.9", "{info}");
    let grade = info["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .find(|c| c["code"] == "grade-mismatch")
        .expect("grade-mismatch")
        .clone();
    assert_eq!(grade["severity"], "warning");
    let body = multipart(&seeds(1));
    let refused = ureq::post(&format!("{base}/api/check?max_file_mb=500"))
        .timeout(LIMIT)
        .set(
            "Content-Type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .send_bytes(&body);
    match refused {
        Err(ureq::Error::Status(400, response)) => {
            let text = response.into_string().expect("body");
            assert!(text.contains("max_file_mb"), "{text}");
        }
        other => panic!("a request raised the server's file limit: {other:?}"),
    }
    // The seed's 99.84 is 良 under 优 from 99.9: its conclusion's 优 is now a warning.
    let report: serde_json::Value = ureq::post(&format!("{base}/api/check"))
        .timeout(LIMIT)
        .set(
            "Content-Type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .send_bytes(&body)
        .expect("check")
        .into_string()
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .expect("report");
    let findings = report["files"][0]["forms"][0]["findings"]
        .as_array()
        .expect("findings")
        .clone();
    let grade = findings
        .iter()
        .find(|f| f["code"] == "grade-mismatch")
        .expect("grade-mismatch");
    assert_eq!(grade["severity"], "warning", "{grade}");
}

/// A folder mixing the four kinds of form, uploaded as an office would: each form typed,
/// the cross-form findings in the batch with both files, exactly as `check --json` gives them.
#[test]
fn the_page_checks_a_projects_forms_against_each_other() {
    let root = tempfile::tempdir().expect("temp");
    let server = server(root.path(), |_| {});
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cycle/projects");
    let department = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/department");
    let mut parts: Vec<(String, Vec<u8>)> = [
        "p3_target_changed_declaration.xlsx",
        "p3_target_changed_self.xlsx",
        "m1_behind_schedule_monitoring.xlsx",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).expect("fixture")))
    .collect();
    let unit = "flat_indicator_score_mismatch.xlsx";
    parts.push((
        unit.to_string(),
        std::fs::read(department.join(unit)).expect("fixture"),
    ));
    let (status, body) = post(server.addr, "/api/check", &parts, None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let report: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let kinds: Vec<(String, String)> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["forms"][0]["form_type"]
                    .as_str()
                    .expect("form_type")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (unit.to_string(), "department-evaluation".to_string()),
            (
                "m1_behind_schedule_monitoring.xlsx".to_string(),
                "monitoring".to_string()
            ),
            (
                "p3_target_changed_declaration.xlsx".to_string(),
                "target-declaration".to_string()
            ),
            (
                "p3_target_changed_self.xlsx".to_string(),
                "self-evaluation".to_string()
            ),
        ]
    );
    let changed: Vec<&serde_json::Value> = report["batch"]
        .as_array()
        .expect("batch")
        .iter()
        .filter(|f| f["code"] == "target-changed")
        .collect();
    assert_eq!(changed.len(), 1, "{report}");
    assert_eq!(
        changed[0]["files"],
        serde_json::json!([
            "p3_target_changed_declaration.xlsx",
            "p3_target_changed_self.xlsx"
        ])
    );
    server.stop();
}
