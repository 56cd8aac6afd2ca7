//! The web page in a real browser: `jixiao serve` on an ephemeral loopback port, headless
//! Chromium driven by chromedriver over the W3C WebDriver protocol (a client of a few dozen
//! lines below, on ureq + serde_json). The test chooses the seed and the files of
//! samples/mistakes/ on the page, waits for the table, checks the seed's two rows and every
//! other row against `jixiao check --json` on the same files, the tally, expanding a row,
//! sorting and a filter, then downloads the zip and the summary and opens them.
//!
//! Without `chromium` and `chromedriver` on the machine the test says it was skipped; with
//! `CI=true` they are required (.ci/run installs the Debian packages chromium and
//! chromium-driver), so CI can never skip it silently — the policy of tests/libreoffice.rs.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, samples};
use jixiao::report::Report;
use serde_json::{Value, json};

/// `name` on PATH (chromium, chromedriver: /usr/bin on Debian).
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// A child process killed (and reaped) when the test ends, also on a panic.
struct Process {
    child: Child,
    name: &'static str,
    /// Where its stderr goes: shown when the test fails.
    log: Option<PathBuf>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking()
            && let Some(log) = &self.log
            && let Ok(text) = std::fs::read_to_string(log)
        {
            eprintln!("--- {} stderr ---\n{}", self.name, text.trim_end());
        }
    }
}

/// A WebDriver session on chromedriver; the browser is closed when it is dropped.
struct Browser {
    agent: ureq::Agent,
    base: String,
    session: String,
    /// The WebDriver, killed after the session is closed (fields drop after `Drop::drop`): killed
    /// first, it would leave the browser running after the test.
    _driver: Process,
}

impl Browser {
    fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Result<Value, String> {
        let request = agent.request(method, url);
        let result = match body {
            Some(b) => request
                .set("Content-Type", "application/json")
                .send_string(&b.to_string()),
            None => request.call(),
        };
        let text = match result {
            Ok(r) => r.into_string().map_err(|e| e.to_string())?,
            Err(ureq::Error::Status(code, r)) => {
                return Err(format!(
                    "{method} {url}: HTTP {code}: {}",
                    r.into_string().unwrap_or_default()
                ));
            }
            Err(e) => return Err(format!("{method} {url}: {e}")),
        };
        let mut value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{method} {url}: {e}: {text}"))?;
        Ok(value["value"].take())
    }

    /// Wait for chromedriver to answer, then open a session with these capabilities.
    fn start(base: String, capabilities: Value, driver: Process) -> Browser {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        let started = Instant::now();
        loop {
            match Browser::call(&agent, "GET", &format!("{base}/status"), None) {
                Ok(v) if v["ready"] == json!(true) => break,
                _ if started.elapsed() > Duration::from_secs(20) => panic!("chromedriver did not start"),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let body = json!({"capabilities": {"alwaysMatch": capabilities}});
        let session = Browser::call(&agent, "POST", &format!("{base}/session"), Some(&body))
            .unwrap_or_else(|e| panic!("cannot start Chromium: {e}"));
        let session = session["sessionId"].as_str().expect("sessionId").to_string();
        Browser {
            agent,
            base,
            session,
            _driver: driver,
        }
    }

    fn session(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        Browser::call(&self.agent, method, &url, body.as_ref()).unwrap_or_else(|e| panic!("WebDriver: {e}"))
    }

    fn goto(&self, url: &str) {
        self.session("POST", "/url", Some(json!({ "url": url })));
    }

    /// The element matching `css` (its WebDriver reference).
    fn find(&self, css: &str) -> String {
        let v = self.session(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let el = self.find(css);
        self.session("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    fn send_keys(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.session(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Run `script` (a function body) in the page; its return value.
    fn js(&self, script: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = Browser::call(&self.agent, "DELETE", &url, None);
    }
}

/// Poll `f` every 100 ms until it gives something, for at most `secs` seconds.
fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "timed out after {secs} s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `jixiao serve --listen 127.0.0.1:0` with `extra` flags, and the port it printed.
fn serve(dir: &Path, extra: &[&str]) -> (Process, u16) {
    let log = dir.join("serve.log");
    let mut child = bin()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start jixiao serve");
    let stdout = child.stdout.take().expect("stdout");
    let process = Process {
        child,
        name: "jixiao serve",
        log: Some(log),
    };
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    let port = loop {
        line.clear();
        if reader.read_line(&mut line).expect("read stdout") == 0 {
            panic!("jixiao serve exited without printing its address");
        }
        if let Some(url) = line.trim().strip_prefix("jixiao serve: ") {
            let port = url
                .trim_end_matches('/')
                .rsplit(':')
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or_else(|| panic!("no port in {url}"));
            break port;
        }
    };
    // Keep reading stdout (nothing more is expected) so the server can never block on it.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    (process, port)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A finished download in `dir` named `name` (Chromium writes `*.crdownload` first).
fn downloaded(dir: &Path, name: &str) -> PathBuf {
    wait_for(60, name, || {
        let path = dir.join(name);
        let partial = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
        (path.is_file() && !partial && std::fs::metadata(&path).ok()?.len() > 0).then_some(path)
    })
}

/// Chromium and chromedriver, or `None` (the test is skipped; in CI it fails instead).
fn browser_programs() -> Option<(PathBuf, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (
        on_path(&["chromium", "chromium-browser"]),
        on_path(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium or chromedriver is missing in CI: .ci/run must install chromium and chromium-driver"
        );
        eprintln!(
            "SKIPPED: chromium and chromedriver (Debian: chromium, chromium-driver) are not installed; this test needs them"
        );
        return None;
    };
    Some((chromium, chromedriver))
}

/// chromedriver and a headless Chromium session on it, its profile under `tmp`, its downloads
/// going to `downloads`. The browser owns the driver: closed, it ends the session, then kills it.
fn open_browser(tmp: &Path, downloads: &Path, (chromium, chromedriver): &(PathBuf, PathBuf)) -> Browser {
    let driver_port = free_port();
    let driver_log = tmp.join("chromedriver.log");
    let driver = Process {
        child: Command::new(chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&driver_log).expect("log"))
            .spawn()
            .expect("start chromedriver"),
        name: "chromedriver",
        log: Some(driver_log),
    };
    Browser::start(
        format!("http://127.0.0.1:{driver_port}"),
        json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", tmp.join("profile").display()),
                    "--window-size=1366,768",
                ],
                "prefs": {
                    "download.default_directory": downloads,
                    "download.prompt_for_download": false,
                },
            },
        }),
        driver,
    )
}

#[test]
fn the_page_checks_the_samples_and_downloads_the_results() {
    let Some(programs) = browser_programs() else {
        return;
    };

    // The seed and the mistakes, and what the CLI says about the same files.
    let mut inputs = vec![samples().join("seed_2024.xlsx")];
    let mut mistakes: Vec<PathBuf> = std::fs::read_dir(samples().join("mistakes"))
        .expect("samples/mistakes")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].contains(&&*e.to_string_lossy()))
        })
        .collect();
    mistakes.sort();
    inputs.extend(mistakes);
    let out = bin()
        .args(["check", "--json"])
        .args(&inputs)
        .output()
        .expect("jixiao check");
    let expected: Report = serde_json::from_slice(&out.stdout).expect("check --json");
    assert_eq!(expected.files.len(), inputs.len());

    let tmp = tempfile::tempdir().expect("tempdir");
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let (_server, port) = serve(tmp.path(), &[]);
    let browser = open_browser(tmp.path(), &downloads, &programs);

    browser.goto(&format!("http://127.0.0.1:{port}/"));
    let title = browser.js("return document.title;");
    assert!(
        title.as_str().is_some_and(|t| t.contains("绩效自评表核查")),
        "title {title}"
    );

    // Choose the files, as a person would in the file dialog of 选择文件.
    let paths: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    browser.send_keys("#files", &paths.join("\n"));
    let outcome = wait_for(60, "the results table", || {
        let v = browser.js("const m = document.getElementById('message');
             if (!m.hidden) return 'error: ' + m.textContent;
             return document.querySelectorAll('#results tr.form-row').length > 0 ? 'ok' : null;");
        v.as_str().map(str::to_string)
    });
    assert_eq!(outcome, "ok", "the page shows an error");

    let rows = browser.js(
        "return Array.from(document.querySelectorAll('#results tr.form-row')).map(r => {
           const c = k => r.querySelector('.' + k).textContent;
           return {path: r.dataset.path, sheet: r.dataset.sheet, project: r.dataset.project,
                   rate: c('rate'), score: c('execution-score'), total_reported: c('total-reported'),
                   total: c('total'), grade_reported: c('grade-reported'), grade: c('grade'),
                   errors: c('errors'), warnings: c('warnings')};
         });",
    );
    let rows = rows.as_array().expect("rows");
    let row = |path: &str, project: &str| {
        rows.iter()
            .find(|r| r["path"] == path && r["project"] == project)
            .unwrap_or_else(|| panic!("no row for {path} [{project}] in {rows:?}"))
    };
    // The seed's two forms, as the issue states them.
    for (project, rate, score, total) in [
        ("定额公用经费", "98.44", "9.84", "99.84"),
        ("项目工作经费", "99.19", "9.92", "99.92"),
    ] {
        let r = row("seed_2024.xlsx", project);
        assert_eq!(r["rate"], rate, "{project}");
        assert_eq!(r["score"], score, "{project}");
        assert_eq!(r["total"], total, "{project}");
        assert_eq!(r["grade"], "优", "{project}");
    }
    // Every form of the CLI's report has its row with the same figures and counts.
    let forms = expected
        .files
        .iter()
        .flat_map(|f| f.forms.iter().map(move |form| (f, form)));
    assert_eq!(rows.len(), forms.clone().count(), "one row per form");
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    for (file, form) in forms {
        let r = rows
            .iter()
            .find(|r| r["path"] == file.path.as_str() && r["sheet"] == form.sheet.as_str())
            .unwrap_or_else(|| panic!("no row for {} [{}]", file.path, form.sheet));
        let what = format!("{} [{}]", file.path, form.sheet);
        assert_eq!(r["rate"], dash(&form.execution_rate), "{what}");
        assert_eq!(r["score"], dash(&form.execution_score), "{what}");
        assert_eq!(r["total_reported"], dash(&form.total_reported), "{what}");
        assert_eq!(r["total"], dash(&form.total), "{what}");
        assert_eq!(r["grade_reported"], dash(&form.grade_reported), "{what}");
        assert_eq!(r["grade"], dash(&form.grade), "{what}");
        let count = |s: &str| {
            form.findings
                .iter()
                .filter(|f| f.severity.as_str() == s)
                .count()
                .to_string()
        };
        assert_eq!(r["errors"], count("error"), "{what}");
        assert_eq!(r["warnings"], count("warning"), "{what}");
    }

    // The tally: the CLI's summary, number for number.
    let tally = browser.js(
        "const t = {};
         document.querySelectorAll('#tally .stat').forEach(s => t[s.dataset.key] = Number(s.querySelector('b').textContent));
         return t;",
    );
    let s = &expected.summary;
    assert!(s.errors + s.warnings > 0, "the samples hold findings");
    for (key, n) in [
        ("files", s.files),
        ("forms", s.forms),
        ("errors", s.errors),
        ("warnings", s.warnings),
        ("unreadable", s.unreadable),
        ("no_form", s.no_form),
    ] {
        assert_eq!(tally[key], json!(n), "tally {key}: {tally}");
    }

    // A row opens its findings with a click and closes with Enter.
    let open = "tr.form-row[data-path=\"total_and_grade.xlsx\"]";
    browser.click(open);
    let shown = browser.js(
        "const r = document.querySelector('tr.form-row[data-path=\"total_and_grade.xlsx\"]');
         const f = r.nextElementSibling;
         return {expanded: r.getAttribute('aria-expanded'),
                 codes: f && f.classList.contains('findings-row')
                   ? Array.from(f.querySelectorAll('tr.finding')).map(x => x.dataset.code) : [],
                 related: f ? Array.from(f.querySelectorAll('.related li code')).map(x => x.textContent) : []};",
    );
    let want: Vec<&str> = expected
        .files
        .iter()
        .find(|f| f.path == "total_and_grade.xlsx")
        .expect("total_and_grade.xlsx in the report")
        .forms[0]
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(shown["expanded"], "true");
    assert_eq!(shown["codes"], json!(want));
    // The findings about several files that name this one are listed under it.
    let related: Vec<&str> = expected
        .batch
        .iter()
        .filter(|f| f.files.iter().any(|p| p == "total_and_grade.xlsx"))
        .map(|f| f.code.as_str())
        .collect();
    assert!(
        !related.is_empty(),
        "the samples send 定额公用经费 more than once"
    );
    assert_eq!(shown["related"], json!(related));
    browser.send_keys(open, "\u{E007}");
    let closed = browser.js(
        "return [document.querySelector('tr.form-row[data-path=\"total_and_grade.xlsx\"]').getAttribute('aria-expanded'),
                 document.querySelectorAll('tr.findings-row').length];",
    );
    assert_eq!(closed, json!(["false", 0]), "Enter closes the row");

    // Sorting by 总分 (核定), then the filter 只看有错误的.
    browser.click("th[data-key=total] button");
    let sorted = browser.js(
        "return [document.querySelector('th[data-key=total]').getAttribute('aria-sort'),
                 Array.from(document.querySelectorAll('#results tr.form-row .total')).map(c => Number(c.textContent))];",
    );
    assert_eq!(sorted[0], "ascending");
    let totals: Vec<f64> = sorted[1]
        .as_array()
        .expect("totals")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(
        totals.windows(2).all(|w| w[0] <= w[1]),
        "sorted ascending: {totals:?}"
    );
    browser.click("#only-errors");
    let with_errors = browser.js(
        "return Array.from(document.querySelectorAll('#results tr.form-row .errors')).map(c => Number(c.textContent));",
    );
    let with_errors = with_errors.as_array().expect("rows");
    let forms_with_errors = expected
        .files
        .iter()
        .flat_map(|f| &f.forms)
        .filter(|f| f.findings.iter().any(|x| x.severity.as_str() == "error"))
        .count();
    assert_eq!(with_errors.len(), forms_with_errors);
    assert!(with_errors.iter().all(|n| n.as_f64() > Some(0.0)));
    browser.click("#only-errors");

    // The zip: every corrected workbook, summary.xlsx and report.json.
    browser.click("#download-zip");
    let zip_path = downloaded(&downloads, "核查结果.zip");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("zip")).expect("a zip archive");
    let names: BTreeSet<String> = zip
        .file_names()
        .map(|n| n.expect("entry name").into_owned())
        .collect();
    let mut want: BTreeSet<String> = inputs
        .iter()
        .map(|p| {
            let stem = p.file_stem().expect("stem").to_string_lossy();
            format!("{stem}.xlsx")
        })
        .collect();
    want.insert("summary.xlsx".into());
    want.insert("report.json".into());
    assert_eq!(names, want, "the files of the zip");
    let mut json = String::new();
    zip.by_name("report.json")
        .expect("report.json")
        .read_to_string(&mut json)
        .expect("read report.json");
    let report: Report = serde_json::from_str(&json).expect("report.json is a report");
    assert_eq!(report.summary.errors, s.errors);
    assert_eq!(report.summary.warnings, s.warnings);

    // The summary alone.
    browser.click("#download-summary");
    let summary = downloaded(&downloads, "summary.xlsx");
    let bytes = std::fs::read(&summary).expect("summary.xlsx");
    assert!(bytes.starts_with(b"PK"), "summary.xlsx is a workbook");
    let no_error = browser.js("return document.getElementById('message').hidden;");
    assert_eq!(no_error, json!(true), "no error on the page");

    // A whole folder, chosen (选择文件夹) and dropped: the paths keep the folder's structure,
    // the files that are not forms are skipped, and the report is the CLI's on the folder.
    let (folder, _) = common::check(&samples());
    let want: BTreeSet<String> = folder
        .files
        .iter()
        .map(|f| format!("samples/{}", f.path))
        .collect();
    let idle = || {
        wait_for(60, "the page to be idle", || {
            (browser.js("return !document.getElementById('choose-files').disabled;") == json!(true))
                .then_some(())
        })
    };
    let paths = || {
        let v = browser.js(
            "return Array.from(document.querySelectorAll('#results tr.form-row, #results tr.file-row'))
               .map(r => r.dataset.path);",
        );
        let v: Vec<String> = serde_json::from_value(v).expect("paths");
        v.into_iter().collect::<BTreeSet<String>>()
    };
    idle();
    browser.send_keys("#folder", &samples().display().to_string());
    wait_for(60, "the folder's results", || (paths() == want).then_some(()));
    let tally = browser.js("return document.querySelector('#tally [data-key=forms]').dataset.value;");
    assert_eq!(tally, json!(folder.summary.forms.to_string()));
    let note = browser.js("return document.querySelector('#tally .note').textContent;");
    let skipped = folder.summary.skipped.to_string();
    assert!(
        note.as_str().is_some_and(|n| n.contains(&skipped)),
        "skipped files noted: {note}"
    );

    // Dropped on the page (Chromium's DevTools drag events through chromedriver): first a single
    // file, then the folder, read through its directory entries.
    idle();
    for (files, want) in [
        (
            vec![inputs[1].clone()],
            BTreeSet::from([inputs[1]
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()]),
        ),
        (vec![samples()], want),
    ] {
        let data = json!({"items": [], "files": files, "dragOperationsMask": 1});
        // A synthetic drag is now and then lost when the machine is busy (nothing reaches the
        // page at all); it is sent again after 15 s without an upload, at most 4 times.
        let dropped = (0..4).any(|_| {
            for kind in ["dragEnter", "dragOver", "drop"] {
                let params = json!({"type": kind, "x": 300, "y": 150, "data": data, "modifiers": 0});
                browser.session(
                    "POST",
                    "/goog/cdp/execute",
                    Some(json!({"cmd": "Input.dispatchDragEvent", "params": params})),
                );
            }
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(15) {
                if paths() == want {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            false
        });
        assert!(
            dropped,
            "the dropped files' results: {:?}, want {want:?}",
            paths()
        );
        idle();
    }
}

/// The README's own `--token 口令`: the page asks for it, sends it (percent-encoded, as a header
/// carries ASCII only) and checks; its inline style and script run under the page's
/// Content-Security-Policy, which allows nothing else.
#[test]
fn the_page_sends_a_chinese_token_under_its_policy() {
    let Some(programs) = browser_programs() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let (_server, port) = serve(tmp.path(), &["--token", "口令"]);
    let browser = open_browser(tmp.path(), &downloads, &programs);
    browser.goto(&format!("http://127.0.0.1:{port}/"));
    wait_for(30, "the token form", || {
        (browser.js("return !document.getElementById('token-form').hidden;") == json!(true)).then_some(())
    });
    // The inline style applies (the token form is laid out as a flex row).
    let display = browser.js("return getComputedStyle(document.getElementById('token-form')).display;");
    assert_eq!(display, json!("flex"));
    browser.send_keys("#token", "口令\u{E007}");
    let seed = samples().join("seed_2024.xlsx");
    browser.send_keys("#files", &seed.display().to_string());
    let outcome = wait_for(60, "the results table", || {
        let v = browser.js("const m = document.getElementById('message');
             if (!m.hidden) return 'error: ' + m.textContent;
             if (!document.getElementById('token-form').hidden && document.getElementById('token-note').textContent)
               return 'asked again: ' + document.getElementById('token-note').textContent;
             return document.querySelectorAll('#results tr.form-row').length > 0 ? 'ok' : null;");
        v.as_str().map(str::to_string)
    });
    assert_eq!(outcome, "ok", "the token is accepted");
    let rows = browser.js("return document.querySelectorAll('#results tr.form-row').length;");
    assert_eq!(rows, json!(2), "the seed's two forms");
}
