//! The actions without a command: `jixiao PATH...` — a folder or files dropped on the
//! program's icon — is `fix PATH... -o <PATH>-核查结果` beside the first input (`-2`, `-3`… when
//! that exists), with the exit code of `fix`; `jixiao` alone shows the help on a terminal and
//! starts the web page from a desktop.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::{bin, samples};
use jixiao::report::Report;

/// `samples/` copied to `<tmp>/收件箱`.
fn inbox(dir: &Path) -> PathBuf {
    let inbox = dir.join("收件箱");
    copy_tree(&samples(), &inbox);
    inbox
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn drop_on(paths: &[&Path]) -> Output {
    let mut cmd = bin();
    cmd.args(paths).stdin(Stdio::null());
    finish_cmd(&mut cmd, Duration::from_secs(120))
}

/// Run `cmd` with its output captured; killed after `limit` (a default action that waits or
/// serves instead of finishing is a failure).
fn finish_cmd(cmd: &mut std::process::Command, limit: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jixiao");
    finish(child, limit)
}

/// Wait for `child`, killed after `limit`. Its output is small: the pipes never fill.
fn finish(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("jixiao did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// Every file under `dir`, relative, sorted, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push((
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_dropped_folder_is_fixed_into_a_results_folder_beside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox(dir.path());
    let results = dir.path().join("收件箱-核查结果");

    let run = drop_on(&[&inbox]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(1),
        "the samples hold errors, so exit 1 as `fix`\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(results.join("summary.xlsx").is_file());
    assert!(results.join("seed_2024.xlsx").is_file());
    assert!(results.join("mistakes/wrong_rate.xlsx").is_file());
    assert!(results.join("mistakes/wrong_indicator_score.xlsx").is_file());
    let report: Report =
        serde_json::from_slice(&std::fs::read(results.join("report.json")).expect("report")).expect("json");
    assert_eq!(report.summary.files, 6, "{report:?}");
    assert!(report.summary.errors > 0);
    // A few lines in Chinese: where the results are, and the tally.
    assert!(
        stdout.contains(&format!("结果在：{}", results.display())),
        "{stdout}"
    );
    assert!(stdout.contains("核查完成：共 6 个文件"), "{stdout}");
    assert!(stdout.contains("summary.xlsx"), "{stdout}");

    // Exactly what `fix` writes for the same folder, byte for byte.
    let fixed = dir.path().join("fix-out");
    let status = bin()
        .arg("fix")
        .arg(&inbox)
        .arg("-o")
        .arg(&fixed)
        .arg("-q")
        .status()
        .expect("fix");
    assert_eq!(status.code(), Some(1));
    assert_eq!(tree(&results), tree(&fixed));

    // A second drop leaves the first results alone and writes `-2`, then `-3`.
    let first = tree(&results);
    let again = drop_on(&[&inbox]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(tree(&dir.path().join("收件箱-核查结果-2")), first);
    assert_eq!(tree(&results), first);
    let third = drop_on(&[&inbox]);
    assert_eq!(third.status.code(), Some(1));
    assert!(dir.path().join("收件箱-核查结果-3/report.json").is_file());
    // The input folder is untouched: no results inside it, no file changed.
    assert_eq!(tree(&inbox), tree(&samples()));
}

#[test]
fn a_dropped_file_without_errors_exits_0_and_names_the_folder_after_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed_2024.xlsx");
    std::fs::copy(samples().join("seed_2024.xlsx"), &seed).expect("copy");
    let run = drop_on(&[&seed]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results = dir.path().join("seed_2024-核查结果");
    assert!(results.join("seed_2024.xlsx").is_file());
    assert!(results.join("summary.xlsx").is_file());
    assert!(String::from_utf8_lossy(&run.stdout).contains("未发现错误"));

    // Several files: the results are named after the first.
    let other = dir.path().join("其他 单位.xlsx");
    std::fs::copy(samples().join("mistakes/total_and_grade.xlsx"), &other).expect("copy");
    let run = drop_on(&[&other, &seed]);
    assert_eq!(run.status.code(), Some(1));
    let results = dir.path().join("其他 单位-核查结果");
    assert!(results.join("其他 单位.xlsx").is_file());
    assert!(results.join("seed_2024.xlsx").is_file());
}

/// Two folders dropped together: the results are named after the first, and each form keeps
/// its folder's name in front of its path, so two `seed_2024.xlsx` stay apart.
#[test]
fn two_dropped_folders_keep_their_names_in_the_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, second) = (dir.path().join("一处"), dir.path().join("二处"));
    for (folder, form) in [
        (&first, "seed_2024.xlsx"),
        (&second, "mistakes/total_and_grade.xlsx"),
    ] {
        std::fs::create_dir_all(folder).expect("mkdir");
        std::fs::copy(samples().join(form), folder.join("seed_2024.xlsx")).expect("copy");
    }
    let run = drop_on(&[&first, &second]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results = dir.path().join("一处-核查结果");
    let report: Report =
        serde_json::from_slice(&std::fs::read(results.join("report.json")).expect("report")).expect("json");
    let files: Vec<(&str, Option<&str>)> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.output.as_deref()))
        .collect();
    assert_eq!(
        files,
        [
            ("一处/seed_2024.xlsx", Some("一处/seed_2024.xlsx")),
            ("二处/seed_2024.xlsx", Some("二处/seed_2024.xlsx")),
        ]
    );
    assert!(results.join("一处/seed_2024.xlsx").is_file());
    assert!(results.join("二处/seed_2024.xlsx").is_file());
}

#[test]
fn a_dot_is_the_current_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = inbox(dir.path());
    let mut cmd = bin();
    cmd.arg(".").current_dir(&inbox).stdin(Stdio::null());
    let run = finish_cmd(&mut cmd, Duration::from_secs(120));
    assert_eq!(run.status.code(), Some(1));
    assert!(dir.path().join("收件箱-核查结果/report.json").is_file());
}

#[test]
fn a_missing_path_is_a_misuse_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = drop_on(&[&dir.path().join("没有这个文件夹")]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("输入路径不存在"));
    assert_eq!(std::fs::read_dir(dir.path()).expect("read_dir").count(), 0);
}

#[test]
fn commands_and_flags_still_go_to_clap() {
    // A mistyped command is explained, not taken for a path.
    let out = bin().arg("chekc").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("check"), "{stderr}");
    let out = bin().arg("--version").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("jixiao "));
    // The help names the actions without a command.
    let out = bin().arg("--help").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("-核查结果"));
}

/// No argument, not from a terminal (a desktop double-click): the web page starts (and the
/// browser is asked to open it; with no browser on PATH it says to open the address by hand).
#[test]
fn no_argument_from_a_desktop_starts_the_web_page() {
    let empty = tempfile::tempdir().expect("tempdir");
    let mut child = bin()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("PATH", empty.path())
        .env_remove("JIXIAO_TOKEN")
        .spawn()
        .expect("run");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("jixiao serve: ") {
                let _ = tx.send(url.to_string());
                break;
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60));
    let page = url.as_ref().ok().map(|url| match ureq::get(url).call() {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    });
    let _ = child.kill();
    let _ = child.wait();
    let url = url.expect("the serve line on stdout");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let (status, body) = page.expect("requested");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<html"), "{body}");
}

/// No argument on a terminal: the help, then exit 0 (never a server waiting on a terminal).
#[cfg(unix)]
#[test]
fn no_argument_on_a_terminal_prints_the_help() {
    let (_master, terminal) = pseudo_terminal();
    let child = bin()
        .stdin(Stdio::from(terminal))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let out = finish(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Usage: jixiao"), "{stdout}");
    assert!(stdout.contains("-核查结果"), "{stdout}");
}

/// A pseudo-terminal: (master, slave); the slave is a terminal for `isatty`.
#[cfg(unix)]
#[allow(unsafe_code)]
fn pseudo_terminal() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain libc calls; each descriptor is checked and then owned by one File.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "posix_openpt");
        let master_file = std::fs::File::from_raw_fd(master);
        assert_eq!(libc::grantpt(master), 0, "grantpt");
        assert_eq!(libc::unlockpt(master), 0, "unlockpt");
        let name = libc::ptsname(master);
        assert!(!name.is_null(), "ptsname");
        let slave = libc::open(name, libc::O_RDWR | libc::O_NOCTTY);
        assert!(slave >= 0, "open the slave");
        (master_file, std::fs::File::from_raw_fd(slave))
    }
}

/// A folder whose name is not UTF-8 (GBK names unpacked from a Windows zip on Linux): the
/// results folder keeps the name's bytes.
#[cfg(unix)]
#[test]
fn a_folder_name_that_is_not_utf8_keeps_its_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let gbk = std::ffi::OsStr::from_bytes(b"\xca\xd5\xbc\xfe\xcf\xe4"); // 收件箱 in GBK
    let inbox = dir.path().join(gbk);
    std::fs::create_dir(&inbox).expect("mkdir");
    std::fs::copy(samples().join("seed_2024.xlsx"), inbox.join("seed_2024.xlsx")).expect("copy");
    let run = drop_on(&[&inbox]);
    assert_eq!(run.status.code(), Some(0));
    let mut name = gbk.to_os_string();
    name.push("-核查结果");
    assert!(dir.path().join(name).join("report.json").is_file());
}

/// The input's folder cannot be written (a read-only share): the results go to the desktop
/// folder of the user's home. Root writes anywhere, so this only runs as another user.
#[cfg(unix)]
#[test]
#[allow(unsafe_code)]
fn a_read_only_folder_sends_the_results_to_the_desktop() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: a plain libc call.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("SKIPPED: running as root, which writes into read-only folders");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let share = dir.path().join("share");
    let inbox = share.join("收件箱");
    std::fs::create_dir_all(&inbox).expect("mkdir");
    std::fs::copy(samples().join("seed_2024.xlsx"), inbox.join("seed_2024.xlsx")).expect("copy");
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("Desktop")).expect("mkdir");
    std::fs::set_permissions(&share, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let mut cmd = bin();
    cmd.arg(&inbox).env("HOME", &home).stdin(Stdio::null());
    let run = finish_cmd(&mut cmd, Duration::from_secs(120));
    std::fs::set_permissions(&share, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(home.join("Desktop/收件箱-核查结果/report.json").is_file());
    assert!(String::from_utf8_lossy(&run.stderr).contains("改写到"));
}
