//! Load test of `jixiao serve`, bounded and on loopback only: the release binary's
//! server as a child process, C clients each posting U uploads of 20 forms (ten copies of the
//! seed workbook, two forms each) to `/api/check`, every answer compared with the report the CLI
//! prints for the same files; then the figures: requests, failures, wall time, requests and
//! forms a second, latency percentiles, and the server's peak RSS (VmHWM).
//!
//! ```sh
//! cargo build --release && cargo bench --bench serve_load            # 8 clients × 20 uploads
//! cargo bench --bench serve_load -- --clients 4 --uploads 10 --jobs 2
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BOUNDARY: &str = "----jixiao-load";
const COPIES: usize = 10;

struct Args {
    clients: usize,
    uploads: usize,
    jobs: Option<usize>,
    bin: PathBuf,
}

fn args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        clients: 8,
        uploads: 20,
        jobs: None,
        bin: root.join("target/release/jixiao"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--clients" => a.clients = value().parse().unwrap_or(a.clients),
            "--uploads" => a.uploads = value().parse().unwrap_or(a.uploads),
            "--jobs" => a.jobs = value().parse().ok(),
            "--bin" => a.bin = PathBuf::from(value()),
            _ => {}
        }
    }
    a
}

/// The server as a child; killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &Args) -> Server {
    let mut cmd = Command::new(&args.bin);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--queue", "64"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(j) = args.jobs {
        cmd.args(["--jobs", &j.to_string()]);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e} (cargo build --release first)", args.bin.display()));
    let mut out = child.stdout.take().expect("stdout");
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&line).into_owned();
    let addr = line
        .trim()
        .trim_start_matches("jixiao serve: http://")
        .trim_end_matches('/')
        .to_string();
    Server { child, addr }
}

fn body(seed: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..COPIES {
        let _ = write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"单位{i:02}/定额公用经费.xlsx\"\r\n\r\n"
        );
        body.extend_from_slice(seed);
        body.extend_from_slice(b"\r\n");
    }
    let _ = write!(body, "--{BOUNDARY}--\r\n");
    body
}

/// The report the CLI prints for the same files.
fn expected(args: &Args, seed: &Path) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp");
    for i in 0..COPIES {
        let d = dir.path().join(format!("单位{i:02}"));
        std::fs::create_dir_all(&d).expect("dir");
        std::fs::copy(seed, d.join("定额公用经费.xlsx")).expect("copy");
    }
    Command::new(&args.bin)
        .args(["check", "--json", "-q"])
        .arg(dir.path())
        .output()
        .expect("cli")
        .stdout
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let args = args();
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/seed_2024.xlsx");
    let upload = body(&std::fs::read(&seed).expect("seed"));
    let want = expected(&args, &seed);
    let server = start(&args);
    let url = format!("http://{}/api/check", server.addr);
    let idle = peak_rss_kib(server.child.id());
    let started = Instant::now();
    let results: Vec<(usize, Vec<Duration>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.clients)
            .map(|_| {
                s.spawn(|| {
                    let mut failures = 0;
                    let mut times = Vec::new();
                    for _ in 0..args.uploads {
                        let t = Instant::now();
                        let answer = ureq::post(&url)
                            .set(
                                "Content-Type",
                                &format!("multipart/form-data; boundary={BOUNDARY}"),
                            )
                            .timeout(Duration::from_secs(300))
                            .send_bytes(&upload);
                        let ok = match answer {
                            Ok(r) => {
                                let mut got = Vec::new();
                                r.into_reader().read_to_end(&mut got).is_ok() && got == want
                            }
                            Err(_) => false,
                        };
                        times.push(t.elapsed());
                        if !ok {
                            failures += 1;
                        }
                    }
                    (failures, times)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client")).collect()
    });
    let wall = started.elapsed();
    let peak = peak_rss_kib(server.child.id());
    let failures: usize = results.iter().map(|r| r.0).sum();
    let mut times: Vec<Duration> = results.into_iter().flat_map(|r| r.1).collect();
    times.sort();
    let n = times.len();
    let pct = |p: usize| {
        times
            .get((n * p / 100).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let forms = n * COPIES * 2;
    println!(
        "jixiao serve load: {} clients × {} uploads of {} forms ({} KiB each)",
        args.clients,
        args.uploads,
        COPIES * 2,
        upload.len() / 1024
    );
    println!("  requests        {n}, wrong or failed {failures}");
    println!("  wall            {:.2} s", wall.as_secs_f64());
    println!(
        "  throughput      {:.1} requests/s, {:.0} forms/s",
        n as f64 / wall.as_secs_f64(),
        forms as f64 / wall.as_secs_f64()
    );
    println!(
        "  latency         p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        pct(50).as_secs_f64() * 1e3,
        pct(90).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "  server RSS      idle {} MiB, peak {} MiB",
        idle.unwrap_or(0) / 1024,
        peak.unwrap_or(0) / 1024
    );
    assert_eq!(failures, 0, "every request answered with the CLI's report");
}
