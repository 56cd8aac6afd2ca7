//! The command line as a user meets it: settings from a file and from flags, clear refusals of
//! bad settings (exit 2, never 1), and the template command.

mod common;

use common::{bin, samples};
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
        err.contains("格式有误") && err.contains("deviation_treshold"),
        "{err}"
    );
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
