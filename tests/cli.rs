//! The command line as a user meets it: settings from a file and from flags, clear refusals of
//! bad settings (exit 2, never 1), the template command, the progress bar, and the names `fix`
//! gives its outputs (never the batch's own files' nor another output's, always one every file
//! system holds, a run never stopped by a name; several inputs told apart by their own names).

mod common;

use common::{bin, portable, samples};
use jixiao::report::Report;

fn check_json(args: &[&str], path: &std::path::Path) -> (Option<Report>, i32, String) {
    let out = bin()
        .arg("check")
        .arg("--json")
        .args(args)
        .arg(path)
        .output()
        .expect("run");
    let report = serde_json::from_slice(&out.stdout).ok();
    (
        report,
        out.status.code().expect("exit"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn codes(report: &Report) -> Vec<String> {
    report
        .files
        .iter()
        .flat_map(|f| &f.forms)
        .flat_map(|f| &f.findings)
        .map(|f| f.code.to_string())
        .collect()
}

#[test]
fn a_settings_file_beside_the_inputs_changes_severities_and_thresholds() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        samples().join("mistakes/overachieved_no_reason.xlsx"),
        dir.path().join("a.xlsx"),
    )
    .expect("copy");
    // Default: the 33 % over-achievement is a warning, exit 0.
    let (report, code, _) = check_json(&[], dir.path());
    assert_eq!(code, 0);
    assert_eq!(codes(&report.expect("json")), ["deviation-without-reason"]);
    // jixiao.toml in the input folder makes it an error.
    std::fs::write(
        dir.path().join("jixiao.toml"),
        "[severity]\ndeviation-without-reason = \"error\"\n",
    )
    .expect("write");
    let (report, code, _) = check_json(&[], dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        report.expect("json").files[0].forms[0].findings[0]
            .severity
            .as_str(),
        "error"
    );
    // A flag wins over the file: a 40 % threshold lets 33 % pass.
    let (report, code, _) = check_json(&["--deviation", "40"], dir.path());
    assert_eq!(code, 0);
    assert!(codes(&report.expect("json")).is_empty());
    // --severity CODE=off turns a code off.
    let (report, _, _) = check_json(&["--severity", "deviation-without-reason=off"], dir.path());
    assert!(codes(&report.expect("json")).is_empty());
}

#[test]
fn bad_settings_are_refused_with_exit_2_and_a_clear_message() {
    let seed = samples().join("seed_2024.xlsx");
    let (_, code, err) = check_json(&["--severity", "no-such-code=error"], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("未知的问题代码 `no-such-code`"), "{err}");
    let (_, code, err) = check_json(&["--severity", "grade-mismatch=fatal"], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("未知的严重程度 `fatal`"), "{err}");
    let (_, code, err) = check_json(&["--deviation", "0"], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("偏差阈值"), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "deviation_treshold = 30\n").expect("write");
    let (_, code, err) = check_json(&["--config", config.to_str().expect("utf-8")], &seed);
    assert_eq!(code, 2);
    assert!(
        err.contains("没有这项设置")
            && err.contains("deviation_treshold")
            && err.contains("deviation_threshold"),
        "a misspelt key is refused with the keys there are: {err}"
    );
    std::fs::write(&config, "deviation_threshold = [30]\n").expect("write");
    let (_, code, err) = check_json(&["--config", config.to_str().expect("utf-8")], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("deviation_threshold"), "{err}");
    std::fs::write(&config, "deviation_threshold = 3 0\n").expect("write");
    let (_, code, err) = check_json(&["--config", config.to_str().expect("utf-8")], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("格式有误"), "{err}");
    let (_, code, err) = check_json(&["--excellent", "101"], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("--excellent：") && err.contains("0 到 100"), "{err}");
    std::fs::write(&config, "[grades]\nexcellent = 80\ngood = 90\n").expect("write");
    let (_, code, err) = check_json(&["--config", config.to_str().expect("utf-8")], &seed);
    assert_eq!(code, 2);
    assert!(err.contains("中 < 良 < 优"), "{err}");
    // A misused command line is exit 2 too (clap).
    let out = bin().arg("check").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn grade_bands_are_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("j.toml");
    // With 优 from 99.9, the seed's 99.84 is 良 and its conclusion's 优 is wrong.
    std::fs::write(&config, "[grades]\nexcellent = 99.9\n").expect("write");
    let (report, code, _) = check_json(
        &["--config", config.to_str().expect("utf-8")],
        &samples().join("seed_2024.xlsx"),
    );
    assert_eq!(code, 1);
    let report = report.expect("json");
    let form = &report.files[0].forms[0];
    assert_eq!(form.grade.as_deref(), Some("良"));
    assert!(codes(&report).contains(&"grade-mismatch".to_string()));
}

#[test]
fn the_template_command_writes_the_committed_template_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (layout, committed) in [
        ("guizhou", "templates/guizhou.xlsx"),
        ("national", "templates/national.xlsx"),
    ] {
        let out = dir.path().join(format!("{layout}.xlsx"));
        let status = bin()
            .args(["template", "--layout", layout, "-o"])
            .arg(&out)
            .status()
            .expect("run");
        assert!(status.success());
        let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(committed);
        assert_eq!(
            std::fs::read(&out).expect("written"),
            std::fs::read(&committed).expect("committed"),
            "regenerate with `cargo run -- template --layout {layout} -o {}`",
            committed.display()
        );
    }
}

#[test]
fn fix_output_is_byte_identical_across_runs_and_thread_counts() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    for (out, jobs) in [(a.path(), "1"), (b.path(), "2")] {
        bin()
            .arg("fix")
            .arg(samples())
            .args(["-q", "-j", jobs, "-o"])
            .arg(out)
            .status()
            .expect("run");
    }
    let files = |dir: &std::path::Path| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut v: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(dir).expect("under").to_path_buf(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.len(), 8, "six workbooks, summary, report");
    for ((pa, ba), (pb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{} differs between runs", pa.display());
    }
}

/// The progress display is told how many files there are before the first one is done, and
/// hears of every file once, in `check` and in `fix` alike (the walk is streamed, so the total
/// comes from a counting pass).
#[test]
fn progress_hears_the_total_first_then_every_file() {
    use jixiao::report::FileReport;
    use jixiao::run::{self, Options, Progress};
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Record(Mutex<Vec<String>>);
    impl Progress for Record {
        fn start(&self, total: usize) {
            self.0.lock().unwrap().push(format!("start {total}"));
        }
        fn file_done(&self, file: &FileReport) {
            self.0.lock().unwrap().push(file.path.clone());
        }
    }

    let folder = samples();
    let inputs = std::slice::from_ref(&folder);
    let expected = {
        let (report, _) = common::check(&folder);
        let mut paths: Vec<String> = report.files.iter().map(|f| f.path.clone()).collect();
        paths.sort();
        paths
    };
    assert!(expected.len() >= 6, "{expected:?}");
    let out = tempfile::tempdir().expect("tempdir");
    for fix in [false, true] {
        let record = Arc::new(Record::default());
        let opts = Options {
            progress: Some(record.clone()),
            jobs: Some(2),
            ..Options::default()
        };
        let report = if fix {
            run::fix(inputs, out.path(), &opts).expect("fix")
        } else {
            run::check(inputs, &opts).expect("check")
        };
        let events = record.0.lock().unwrap().clone();
        assert_eq!(events[0], format!("start {}", expected.len()), "fix = {fix}");
        let mut done = events[1..].to_vec();
        done.sort();
        assert_eq!(done, expected, "fix = {fix}");
        assert_eq!(report.files.len(), expected.len());
    }
}

/// A reverse (≤) cost scored 9.30 (`tests/fixtures/real/hb_reverse_mismatch_rate_typed.xlsx`:
/// ≤3,800,000元, actual 4,020,000元, 分值 10): the message shows both conventions; `fix` writes the
/// linear 9.42 by default and the ratio 9.45 with `--reverse-scoring ratio`; a bad word is exit 2.
#[test]
fn reverse_scoring_names_the_score_fix_writes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real/hb_reverse_mismatch_rate_typed.xlsx");
    let finding = |args: &[&str]| {
        let (report, _, stderr) = check_json(args, &path);
        let report = report.unwrap_or_else(|| panic!("a report: {stderr}"));
        report.files[0].forms[0]
            .findings
            .iter()
            .find(|f| f.code.as_str() == "indicator-score-mismatch")
            .cloned()
            .expect("the 9.30 score is flagged")
    };
    let linear = finding(&[]);
    assert_eq!(linear.expected, "9.42");
    assert!(
        linear.message.contains("（线性）") && linear.message.contains("（比例）"),
        "{}",
        linear.message
    );
    assert_eq!(finding(&["--reverse-scoring", "ratio"]).expected, "9.45");
    let (_, exit, stderr) = check_json(&["--reverse-scoring", "steep"], &path);
    assert_eq!(exit, 2, "{stderr}");
    assert!(stderr.contains("linear") && stderr.contains("ratio"), "{stderr}");
}

/// `jixiao rules` lists every code, then how real forms are read, with an example each.
#[test]
fn rules_lists_codes_and_the_reading_conventions() {
    let out = bin().arg("rules").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for code in jixiao::rules::Code::ALL {
        assert!(text.contains(code.as_str()), "{code} listed");
    }
    for (what, example) in jixiao::codes::READING {
        assert!(text.contains(what) && text.contains(example), "{what}");
    }
    assert!(text.contains("═ 100 %") && text.contains("9月前"));
}

/// `jixiao fix INPUTS -o OUT -q`: the report, the exit code and stderr.
fn fix_into(inputs: &[&std::path::Path], out: &std::path::Path) -> (Option<Report>, i32, String) {
    let run = bin()
        .arg("fix")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .output()
        .expect("run");
    let report = std::fs::read(out.join("report.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    (
        report,
        run.status.code().expect("exit"),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// Every output of the report exists, is a workbook, and no two share a name once case is
/// folded (Windows and macOS); none takes the place of summary.xlsx or report.json.
fn outputs_are_distinct(report: &Report, out: &std::path::Path) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut outputs = Vec::new();
    for file in &report.files {
        let output = file
            .output
            .clone()
            .unwrap_or_else(|| panic!("{}: no output ({:?})", file.path, file.output_note));
        let folded = output.to_lowercase();
        assert!(seen.insert(folded.clone()), "{output} given twice");
        let top = folded.split('/').next().unwrap_or_default();
        assert!(
            top != "summary.xlsx" && top != "report.json",
            "{}: {output} takes the batch's own file",
            file.path
        );
        assert!(out.join(&output).is_file(), "{output} was not written");
        let wb: calamine::Xlsx<_> = calamine::open_workbook(out.join(&output)).expect("a workbook");
        assert!(!calamine::Reader::sheet_names(&wb).is_empty());
        outputs.push(output);
    }
    outputs
}

/// A form named `summary.xlsx` (or `Summary.xlsx`, `summary.xls`, `summary.ods`, all written
/// as `summary.xlsx` by a naive namer) and a folder named `report.json`: the batch's own files
/// stay the batch's, and each form's output gets a name of its own, which the report gives.
#[test]
fn forms_named_like_the_summary_or_the_report_get_names_of_their_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("report.json")).expect("mkdir");
    let mistakes = samples().join("mistakes");
    for (from, to) in [
        ("total_and_grade.xlsx", "summary.xlsx"),
        ("wrong_execution_score.xlsx", "Summary.xlsx"),
        ("wrong_rate.xls", "summary.xls"),
        ("wrong_indicator_score.ods", "SUMMARY.ods"),
        ("total_and_grade.xlsx", "report.json/x.xlsx"),
    ] {
        std::fs::copy(mistakes.join(from), input.join(to)).expect("copy");
    }
    let out = dir.path().join("out");
    let (report, code, stderr) = fix_into(&[&input], &out);
    assert_eq!(code, 1, "{stderr}");
    let report = report.expect("report.json is the report");
    assert_eq!(report.files.len(), 5);
    let outputs = outputs_are_distinct(&report, &out);
    // summary.xlsx is the batch summary, not a form.
    let wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("summary.xlsx")).expect("summary");
    assert!(
        calamine::Reader::sheet_names(&wb).contains(&"项目汇总".to_string()),
        "{outputs:?}"
    );
    // A renamed output says so, naming the original.
    let renamed = report
        .files
        .iter()
        .find(|f| f.path == "summary.xlsx")
        .expect("summary.xlsx");
    assert!(
        renamed
            .output_note
            .as_deref()
            .is_some_and(|n| n.contains("summary.xlsx")),
        "{renamed:?}"
    );
}

/// Names the file system cannot hold as outputs — a 255-byte `.xls` name (its `.xlsx` is 256
/// bytes), Windows' device names and forbidden characters, a trailing dot — never stop the
/// run: every form gets an output every file system can hold, and the report names the
/// original.
#[test]
fn names_no_file_system_can_hold_never_stop_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    let long = "绩".repeat(83);
    let mistakes = samples().join("mistakes");
    let names = [
        ("wrong_rate.xls", format!("{long}ab.xls")),
        ("wrong_rate.xls", format!("{long}ac.xls")),
        ("total_and_grade.xlsx", format!("{long}a.xlsx")),
        ("total_and_grade.xlsx", "CON.xlsx".to_string()),
        ("total_and_grade.xlsx", "nul.xlsx".to_string()),
        ("wrong_rate.xls", "aux.xls".to_string()),
        ("total_and_grade.xlsx", "COM1.xlsx".to_string()),
        ("total_and_grade.xlsx", "a:b.xlsx".to_string()),
        ("total_and_grade.xlsx", "a\"b.xlsx".to_string()),
        ("total_and_grade.xlsx", "a<b>c|d?e*.xlsx".to_string()),
        ("total_and_grade.xlsx", "LPT1/x.xlsx".to_string()),
        ("total_and_grade.xlsx", "第一批. /y.xlsx".to_string()),
    ];
    for (from, to) in &names {
        let to = input.join(to);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(mistakes.join(from), to).expect("copy");
    }
    let out = dir.path().join("out");
    let (report, code, stderr) = fix_into(&[&input], &out);
    assert_eq!(code, 1, "{stderr}");
    let report = report.expect("a report");
    assert_eq!(report.files.len(), names.len(), "{report:?}");
    outputs_are_distinct(&report, &out);
    for file in &report.files {
        let output = file.output.as_deref().expect("output");
        assert!(
            output.split('/').all(portable),
            "{}: {output} cannot be held everywhere",
            file.path
        );
        let natural = file
            .path
            .rsplit_once('.')
            .map_or(file.path.clone(), |(s, _)| format!("{s}.xlsx"));
        if output != natural {
            let original = file.path.rsplit('/').next().unwrap_or_default();
            let note = file.output_note.as_deref().unwrap_or_default();
            assert!(
                note.contains(original) || note.contains(&file.path),
                "{}: renamed to {output} without saying so: {note:?}",
                file.path
            );
        }
        if file.path.ends_with(".xls") && file.path.starts_with(&long) {
            assert!(output.ends_with(".xlsx"), "{output}");
            assert!(output.starts_with(&long[..30]), "{output}");
        }
    }
    // A name that fits stays as it is.
    let fits = format!("{long}a.xlsx");
    assert!(
        report
            .files
            .iter()
            .any(|f| f.path == fits && f.output.as_deref() == Some(fits.as_str()))
    );
}

/// An output whose whole path the system refuses (longer than Linux's 4,096-byte limit, under
/// an output folder deeper than the input's) does not stop the run either: it is written at
/// the top of the output folder, and the report says where and why.
#[cfg(target_os = "linux")]
#[test]
fn an_output_path_too_long_for_the_system_is_written_at_the_top() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    // The input's path stays under 4,000 bytes; the output folder's name adds 240.
    let mut deep = input.clone();
    let length = |p: &std::path::Path| p.as_os_str().len();
    let mut level = 0;
    while length(&deep) + 243 + 20 < 3_950 {
        deep.push(format!("{level:02}{}", "层".repeat(80)));
        level += 1;
    }
    deep.push("x".repeat(3_950 - 20 - length(&deep)));
    std::fs::create_dir_all(&deep).expect("a deep folder");
    std::fs::copy(
        samples().join("mistakes/total_and_grade.xlsx"),
        deep.join("表.xlsx"),
    )
    .expect("copy");
    std::fs::copy(samples().join("seed_2024.xlsx"), input.join("seed.xlsx")).expect("copy");
    let out = dir.path().join("out".repeat(80));
    let (report, code, stderr) = fix_into(&[&input], &out);
    assert_eq!(code, 1, "{stderr}");
    let report = report.expect("a report");
    let deep_file = report
        .files
        .iter()
        .find(|f| f.path.ends_with("/表.xlsx"))
        .expect("the deep file");
    let output = deep_file.output.as_deref().expect("written somewhere");
    assert!(!output.contains('/'), "{output}");
    assert!(out.join(output).is_file());
    assert!(
        deep_file
            .output_note
            .as_deref()
            .is_some_and(|n| n.contains(output)),
        "{deep_file:?}"
    );
    outputs_are_distinct(&report, &out);
}

/// Two outputs that differ only in case (`A/x.xlsx`, `a/x.xlsx` on Linux) are one file on
/// Windows and macOS: the second gets a name of its own. An output folder that a file's name
/// already takes (`x.xls` → `x.xlsx`, beside a folder `x.xlsx/`) is renamed too.
#[test]
fn outputs_never_differ_only_in_case_nor_take_a_folders_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    let mistakes = samples().join("mistakes");
    for (from, to) in [
        ("total_and_grade.xlsx", "A/x.xlsx"),
        ("total_and_grade.xlsx", "a/x.xlsx"),
        ("total_and_grade.xlsx", "a/X.XLSX"),
        ("wrong_rate.xls", "x.xls"),
        ("total_and_grade.xlsx", "x.xlsx/y.xlsx"),
        ("total_and_grade.xlsx", "y.xlsx/z.xlsx"),
        ("wrong_rate.xls", "y.xls"),
    ] {
        let to = input.join(to);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(mistakes.join(from), to).expect("copy");
    }
    let out = dir.path().join("out");
    let (report, code, stderr) = fix_into(&[&input], &out);
    assert_eq!(code, 1, "{stderr}");
    let report = report.expect("a report");
    assert_eq!(report.files.len(), 7);
    let outputs = outputs_are_distinct(&report, &out);
    // No output is another's folder, case folded.
    for a in &outputs {
        for b in &outputs {
            assert!(
                !b.to_lowercase().starts_with(&format!("{}/", a.to_lowercase())),
                "{a} is a file and a folder of {b}"
            );
        }
    }
}

/// Several inputs: each file's path starts with its own input's name, so two `x.xlsx` in two
/// folders (or two files of one name given directly) are told apart in the report and in OUT.
#[test]
fn several_inputs_are_told_apart_by_their_own_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("A"), dir.path().join("B"));
    let (d1, d2) = (dir.path().join("d1"), dir.path().join("d2"));
    for d in [&a, &b, &d1, &d2] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::copy(samples().join("seed_2024.xlsx"), a.join("x.xlsx")).expect("copy");
    std::fs::copy(samples().join("mistakes/total_and_grade.xlsx"), b.join("x.xlsx")).expect("copy");
    std::fs::copy(samples().join("seed_2024.xlsx"), d1.join("同名.xlsx")).expect("copy");
    std::fs::copy(
        samples().join("mistakes/total_and_grade.xlsx"),
        d2.join("同名.xlsx"),
    )
    .expect("copy");
    let (f1, f2) = (d1.join("同名.xlsx"), d2.join("同名.xlsx"));
    let inputs: [&std::path::Path; 4] = [&a, &b, &f1, &f2];
    let out = bin()
        .args(["check", "--json"])
        .args(inputs)
        .output()
        .expect("run");
    let report: Report = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["A/x.xlsx", "B/x.xlsx", "d1/同名.xlsx", "d2/同名.xlsx"]);

    let results = dir.path().join("out");
    let (report, code, stderr) = fix_into(&inputs, &results);
    assert_eq!(code, 1, "{stderr}");
    let report = report.expect("report");
    let outputs: Vec<(&str, &str)> = report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.output.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        outputs,
        [
            ("A/x.xlsx", "A/x.xlsx"),
            ("B/x.xlsx", "B/x.xlsx"),
            ("d1/同名.xlsx", "d1/同名.xlsx"),
            ("d2/同名.xlsx", "d2/同名.xlsx"),
        ]
    );
    // One input keeps the paths relative to it, as before.
    let out = bin().args(["check", "--json"]).arg(&a).output().expect("run");
    let report: Report = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report.files[0].path, "x.xlsx");
}

/// The progress bar on a terminal shows its rate as a whole number (`38 个/秒`), never as
/// `37.9251/s`.
#[cfg(target_os = "linux")]
#[test]
#[allow(unsafe_code)]
fn the_progress_bar_shows_a_whole_number_rate() {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..60 {
        std::fs::copy(
            samples().join("seed_2024.xlsx"),
            dir.path().join(format!("{i:02}.xlsx")),
        )
        .expect("copy");
    }
    // SAFETY: plain libc calls; each descriptor is checked and then owned by one File.
    let (mut master, terminal) = unsafe {
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
    };
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends with EIO once the program and this test hold no end of the terminal.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let status = bin()
        .args(["check", "-j", "1"])
        .arg(dir.path())
        .env_remove("CI")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::from(terminal))
        .status()
        .expect("run");
    assert_eq!(status.code(), Some(0));
    let shown = reader.join().expect("reader");
    let start: String = shown.chars().take(400).collect();
    assert!(shown.contains("个文件"), "no progress bar drawn: {start:?}");
    let fractional = shown
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/'))
        .any(|w| w.ends_with("/s") && w.contains('.'));
    assert!(!fractional, "a fractional rate: {start:?}");
    assert!(shown.contains("个/秒"), "{start:?}");
}

/// The summary's rows streamed out of memory go to the output folder, not the system's
/// temporary folder: `fix` works where that folder is missing (a locked-down or misconfigured
/// machine), and leaves nothing of its own behind in the output folder.
#[test]
fn fix_needs_no_system_temporary_folder() {
    let out = tempfile::tempdir().expect("tempdir");
    let missing = out.path().join("no-such-temp");
    let run = bin()
        .arg("fix")
        .arg("-q")
        .arg(samples())
        .arg("-o")
        .arg(out.path().join("out"))
        .env("TMPDIR", &missing)
        .env("TMP", &missing)
        .env("TEMP", &missing)
        .output()
        .expect("run");
    // The samples hold errors: exit 1, not the 2 of a failed run.
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = out.path().join("out/summary.xlsx");
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&summary).expect("summary.xlsx");
    use calamine::Reader;
    let projects = workbook.worksheet_range("项目汇总").expect("项目汇总");
    // A header row and one row per form of the samples (7 forms).
    assert_eq!(projects.height(), 8, "{projects:?}");
    let mut names: Vec<String> = std::fs::read_dir(out.path().join("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["mistakes", "report.json", "seed_2024.xlsx", "summary.xlsx"]
    );
    assert!(!missing.exists());
}
