//! A folder of real-world junk next to good forms: every file gets its status, the good ones
//! are corrected, nothing the run read is modified, and the run never stops early.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::bin;
use jixiao::report::{Report, Status};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().expect("metadata");
            let bytes = std::fs::read(e.path()).expect("read");
            (e.path().to_path_buf(), (bytes, meta.modified().expect("mtime")))
        })
        .collect()
}

fn fix(inputs: &[&Path], out: &Path) -> (Report, i32) {
    let run = bin()
        .arg("fix")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .output()
        .expect("run fix");
    let code = run.status.code().expect("exit code");
    let json = std::fs::read_to_string(out.join("report.json"))
        .unwrap_or_else(|_| panic!("no report.json; stderr: {}", String::from_utf8_lossy(&run.stderr)));
    (serde_json::from_str(&json).expect("report"), code)
}

#[test]
fn every_input_gets_its_status_and_nothing_is_modified() {
    let before = snapshot(&fixtures());
    let out = tempfile::tempdir().expect("tempdir");
    let (report, code) = fix(&[&fixtures()], out.path());
    assert_eq!(code, 1, "unreadable files count as errors");

    let status: BTreeMap<&str, (Status, Option<&str>)> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), (f.status, f.code.map(|c| c.as_str()))))
        .collect();
    let expected: BTreeMap<&str, (Status, Option<&str>)> = [
        (
            "calamine_cfb_panic.xls",
            (Status::Unreadable, Some("unreadable-file")),
        ),
        ("dup/a.xls", (Status::Findings, None)),
        ("dup/a.xlsx", (Status::Findings, None)),
        ("empty.xls", (Status::Unreadable, Some("unreadable-file"))),
        ("encrypted.xlsx", (Status::Unreadable, Some("unreadable-file"))),
        ("good.xlsx", (Status::Findings, None)),
        ("html_export.xls", (Status::Ok, None)),
        ("no_form.xlsx", (Status::NoForm, Some("no-form-found"))),
        (
            "not_a_spreadsheet.xlsx",
            (Status::Unreadable, Some("unreadable-file")),
        ),
        ("renamed_xlsx.xls", (Status::Findings, None)),
        ("spreadsheetml_2003.xls", (Status::Ok, None)),
        ("stray_cell.xlsx", (Status::Findings, None)),
        ("sub dir 中文/单位一.xlsx", (Status::Findings, None)),
        ("truncated.xlsx", (Status::Unreadable, Some("unreadable-file"))),
        ("zip_bomb.xlsx", (Status::Unreadable, Some("unreadable-file"))),
    ]
    .into_iter()
    .collect();
    assert_eq!(status, expected);
    // The lock file, the hidden file, notes.txt, README.md and make_bad.py are skipped, not
    // listed, and counted.
    assert_eq!(report.summary.skipped, 5);
    assert_eq!(report.summary.unreadable, 6);
    assert_eq!(report.summary.no_form, 1);

    let error = |path: &str| {
        report
            .files
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| f.error.clone())
            .unwrap_or_default()
    };
    assert!(
        error("encrypted.xlsx").contains("加密文件"),
        "{}",
        error("encrypted.xlsx")
    );
    assert!(
        error("zip_bomb.xlsx").contains("压缩炸弹"),
        "{}",
        error("zip_bomb.xlsx")
    );
    assert!(error("empty.xls").contains("空文件"));
    // calamine panics on this truncated OLE file (found by fuzz/read_bytes): the panic is caught,
    // named, and the run goes on.
    assert!(
        error("calamine_cfb_panic.xls").contains("程序出错"),
        "{}",
        error("calamine_cfb_panic.xls")
    );
    assert!(error("calamine_cfb_panic.xls").contains("cfb.rs"));
    assert!(
        error("no_form.xlsx").contains("通讯录"),
        "names the sheets it looked in"
    );

    // Markup exports read to the seed's figures.
    let html = report
        .files
        .iter()
        .find(|f| f.path == "html_export.xls")
        .expect("html");
    assert_eq!(html.forms[0].execution_rate.as_deref(), Some("98.44"));
    assert_eq!(html.forms[0].total.as_deref(), Some("99.84"));

    // Both a.xls and a.xlsx are kept, under distinct names.
    let output = |path: &str| {
        report
            .files
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| f.output.clone())
    };
    assert_eq!(output("dup/a.xls").as_deref(), Some("dup/a.xlsx"));
    assert_eq!(output("dup/a.xlsx").as_deref(), Some("dup/a.xlsx.xlsx"));
    assert_eq!(
        output("sub dir 中文/单位一.xlsx").as_deref(),
        Some("sub dir 中文/单位一.xlsx")
    );
    for file in &report.files {
        if let Some(o) = &file.output {
            assert!(out.path().join(o).is_file(), "{o} written");
        }
    }
    assert!(out.path().join("summary.xlsx").is_file());
    // No temporary file is left behind.
    let leftovers: Vec<_> = snapshot(out.path())
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".jixiao-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    assert_eq!(
        before,
        snapshot(&fixtures()),
        "inputs are never modified (bytes and mtime)"
    );
}

#[test]
fn the_output_folder_inside_the_input_is_never_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixtures().join("good.xlsx"), dir.path().join("good.xlsx")).expect("copy");
    let out = dir.path().join("out");
    let (first, _) = fix(&[dir.path()], &out);
    let (second, _) = fix(&[dir.path()], &out);
    assert_eq!(first.files.len(), 1);
    assert_eq!(
        second.files.len(),
        1,
        "{:?}",
        second.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
}

#[test]
fn fix_refuses_to_write_over_its_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("good.xlsx");
    std::fs::copy(fixtures().join("good.xlsx"), &input).expect("copy");
    let before = std::fs::read(&input).expect("read");
    let run = bin()
        .arg("fix")
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("覆盖输入文件"));
    assert_eq!(std::fs::read(&input).expect("read"), before);
    // A file given directly whose corrected copy would land on itself.
    let run = bin()
        .arg("fix")
        .arg(&input)
        .arg("-o")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read(&input).expect("read"), before);
    // An OUT that is a file is refused too.
    let run = bin()
        .arg("fix")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
}

/// An input reached through a symbolic link that points into OUT, where an earlier output (in
/// walk order) would land on it: refused before anything is written.
#[cfg(unix)]
#[test]
fn fix_refuses_an_output_landing_on_an_input_reached_through_a_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, out) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::copy(fixtures().join("good.xlsx"), input.join("a.xlsx")).expect("copy");
    let target = out.join("a.xlsx");
    std::fs::copy(fixtures().join("good.xlsx"), &target).expect("copy");
    std::os::unix::fs::symlink(&target, input.join("z.xlsx")).expect("symlink");
    let before = std::fs::read(&target).expect("read");
    let run = bin()
        .arg("fix")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("覆盖输入文件"), "{stderr}");
    assert_eq!(std::fs::read(&target).expect("read"), before);
    assert!(!out.join("summary.xlsx").exists());
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixtures().join("good.xlsx"), dir.path().join("good.xlsx")).expect("copy");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).expect("symlink");
    let run = bin()
        .arg("check")
        .arg("--json")
        .arg(dir.path())
        .output()
        .expect("run");
    let report: Report = serde_json::from_slice(&run.stdout).expect("json");
    assert_eq!(run.status.code(), Some(1));
    let lp = report
        .files
        .iter()
        .find(|f| f.path == "loop")
        .expect("loop listed");
    assert_eq!(lp.status, Status::Unreadable);
    assert!(lp.error.as_deref().unwrap_or_default().contains("符号链接循环"));
    assert!(
        report
            .files
            .iter()
            .any(|f| f.path == "good.xlsx" && f.status == Status::Findings)
    );
}

#[test]
fn a_missing_input_is_a_misuse() {
    let run = bin().arg("check").arg("/no/such/folder").output().expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("输入路径不存在"));
}

#[test]
fn a_file_over_the_size_limit_is_unreadable_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("big.xlsx"), vec![0u8; 2 << 20]).expect("write");
    std::fs::copy(fixtures().join("good.xlsx"), dir.path().join("good.xlsx")).expect("copy");
    let run = bin()
        .args(["check", "--json", "--max-file-mb", "1"])
        .arg(dir.path())
        .output()
        .expect("run");
    let report: Report = serde_json::from_slice(&run.stdout).expect("json");
    let big = report
        .files
        .iter()
        .find(|f| f.path == "big.xlsx")
        .expect("listed");
    assert_eq!(big.status, Status::Unreadable);
    assert!(
        big.error.as_deref().unwrap_or_default().contains("文件过大"),
        "{:?}",
        big.error
    );
    assert!(
        report
            .files
            .iter()
            .any(|f| f.path == "good.xlsx" && f.status == Status::Findings)
    );
    // And the tally line closes the run on stderr.
    assert!(String::from_utf8_lossy(&run.stderr).contains("共 2 个文件"));
}

/// More inputs than one chunk of work (256), good and bad interleaved: every report comes out
/// once, in input order, with its own status, in `check --json` and in `fix`'s report.json,
/// whatever the thread count.
#[test]
fn reports_keep_input_order_across_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kinds = ["good.xlsx", "truncated.xlsx", "no_form.xlsx"];
    let mut expected = Vec::new();
    for i in 0..600 {
        let kind = kinds[if i % 7 == 3 {
            1
        } else if i % 11 == 5 {
            2
        } else {
            0
        }];
        let name = format!("{i:03}.xlsx");
        std::fs::copy(fixtures().join(kind), dir.path().join(&name)).expect("copy");
        let status = match kind {
            "good.xlsx" => Status::Findings,
            "truncated.xlsx" => Status::Unreadable,
            _ => Status::NoForm,
        };
        expected.push((name, status));
    }
    let statuses = |report: &Report| -> Vec<(String, Status)> {
        report.files.iter().map(|f| (f.path.clone(), f.status)).collect()
    };
    for jobs in ["1", "2"] {
        let run = bin()
            .args(["check", "--json", "-j", jobs])
            .arg(dir.path())
            .output()
            .expect("run");
        let report: Report = serde_json::from_slice(&run.stdout).expect("json");
        assert_eq!(statuses(&report), expected, "check -j {jobs}");
        assert_eq!(report.summary.files, 600);
    }
    let out = tempfile::tempdir().expect("tempdir");
    let (report, code) = fix(&[dir.path()], out.path());
    assert_eq!(code, 1);
    assert_eq!(statuses(&report), expected);
    let written = std::fs::read_dir(out.path()).expect("out").count();
    let good = expected.iter().filter(|(_, s)| *s == Status::Findings).count();
    assert_eq!(
        written,
        good + 2,
        "one corrected workbook per form-bearing input + summary + report"
    );
}

/// Outputs are ordinary files: readable as a file written by any program in the same place
/// (0644 under the usual umask), not private like the temporary files they start as; corrected
/// workbooks in a sub-folder that did not exist get that folder made.
#[cfg(unix)]
#[test]
fn outputs_get_ordinary_permissions_and_their_folders() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("in").join("部门甲");
    std::fs::create_dir_all(&nested).expect("mkdir");
    std::fs::copy(fixtures().join("good.xlsx"), nested.join("good.xlsx")).expect("copy");
    let out = dir.path().join("out");
    let (report, _) = fix(&[&dir.path().join("in")], &out);
    assert_eq!(report.files[0].output.as_deref(), Some("部门甲/good.xlsx"));
    let plain = dir.path().join("plain");
    std::fs::write(&plain, b"x").expect("write");
    let ordinary = std::fs::metadata(&plain).expect("meta").permissions().mode() & 0o644;
    for name in ["部门甲/good.xlsx", "summary.xlsx", "report.json"] {
        let mode = std::fs::metadata(out.join(name))
            .expect(name)
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, ordinary, "{name}: {mode:o}");
    }
}
