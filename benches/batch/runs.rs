//! The two runs of the benchmark: one N (the four steps timed in process, interleaved in every
//! run, then each run as a child process for its peak RSS), and the completion run at scale
//! (`--huge`: the binary's check and fix once each, every input accounted for).

use std::fs;
use std::path::Path;

use jixiao::run::{self, Options};

use crate::corpus::{generate, list_files, make_dirs, output_paths};
use crate::floors::{Template, floor_copy, floor_read, floor_write, pool};
use crate::measure::{Sample, measure, median, median_child, median_sample};
use crate::report::print_table;
use crate::spawner::{ChildRun, Spawner};
use crate::{Args, Error};

pub(crate) struct NResult {
    pub(crate) n: usize,
    pub(crate) floor_read: Sample,
    pub(crate) floor_write: Sample,
    pub(crate) floor_copy: Sample,
    pub(crate) check: Sample,
    /// `fix` as a user runs it: each unit's own workbook reissued.
    pub(crate) fix: Sample,
    /// `fix --standard`: every form drawn into the standard template.
    pub(crate) fix_standard: Sample,
    /// Median over the runs of each run's own ratio (check / A, fix / (A + C), fix --standard /
    /// (A + B)): the steps of one run are interleaved within a minute, so a slow spell of the
    /// shared machine slows floor and jixiao alike and cancels out of that run's ratio.
    pub(crate) check_ratio: f64,
    pub(crate) fix_ratio: f64,
    pub(crate) fix_standard_ratio: f64,
    /// The floors as child processes (peak RSS, wall time with start-up): A, B, C.
    pub(crate) child_floors: [ChildRun; 3],
    /// Each build as child processes, the one benchmarked (`--bin`) first.
    pub(crate) builds: Vec<BuildRun>,
}

/// One build's child runs (medians).
pub(crate) struct BuildRun {
    pub(crate) name: String,
    pub(crate) check: ChildRun,
    pub(crate) fix: ChildRun,
    pub(crate) fix_standard: ChildRun,
}

pub(crate) fn bench_n(args: &Args, spawner: &mut Spawner, base: &Path, n: usize) -> Result<NResult, Error> {
    let root = base.join(format!("n{n}"));
    let input = root.join("in");
    println!();
    println!(
        "== N = {n} workbooks, {} thread(s), median of {} run(s) ==",
        args.jobs, args.runs
    );
    let (files, made) = measure(|| generate(args.corpus, &input, n));
    let files = files?;
    let template = Template::read(&files[0])?;
    let bytes: u64 = fs::metadata(&files[0])?.len();
    println!(
        "corpus: {}\n        {} sheet(s), {} non-empty cells, {} merged regions, {} bytes per file; generated in {:.1} s",
        args.corpus.describe(),
        template.sheets.len(),
        template.cells(),
        template.merges(),
        bytes,
        made.wall
    );

    let pool = pool(args.jobs);
    let opts = Options {
        jobs: Some(args.jobs),
        ..Options::default()
    };
    let standard = Options {
        standard: true,
        ..opts.clone()
    };
    let inputs = [input.clone()];
    let write_dir = root.join("floor-write");
    let write_targets = output_paths(&write_dir, n);
    let copy_dir = root.join("floor-copy");
    let copy_targets = output_paths(&copy_dir, n);
    let out = root.join("out");
    let expected_forms = n * args.corpus.forms_per_file();

    let fix_into = |opts: &Options| -> Result<(), Error> {
        let _ = fs::remove_dir_all(&out);
        let report = run::fix(&inputs, &out, opts)?;
        sanity("fix", &report.summary, n, expected_forms)?;
        let written = report.files.iter().filter(|f| f.output.is_some()).count();
        if written != n {
            return Err(format!("fix wrote {written} corrected workbooks for {n} inputs").into());
        }
        Ok(())
    };
    let (mut a, mut b, mut cp, mut c, mut f, mut fs_) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for run_no in 1..=args.runs {
        // Floor A.
        let (cells, s) = measure(|| floor_read(&pool, &files));
        cells?;
        a.push(s);
        // Floor B (into a fresh folder tree).
        let _ = fs::remove_dir_all(&write_dir);
        make_dirs(&write_targets)?;
        let (r, s) = measure(|| floor_write(&pool, &template, &write_targets));
        r?;
        b.push(s);
        // Floor C (into a fresh folder tree).
        let _ = fs::remove_dir_all(&copy_dir);
        make_dirs(&copy_targets)?;
        let (r, s) = measure(|| floor_copy(&pool, &files, &copy_targets));
        r?;
        cp.push(s);
        // check.
        let (report, s) = measure(|| run::check(&inputs, &opts));
        let report = report?;
        sanity("check", &report.summary, n, expected_forms)?;
        drop(report);
        c.push(s);
        // fix (reissue) and fix --standard, each into a fresh OUT.
        let (r, s) = measure(|| fix_into(&opts));
        r?;
        f.push(s);
        let (r, s) = measure(|| fix_into(&standard));
        r?;
        fs_.push(s);
        let i = run_no - 1;
        println!(
            "  run {run_no}: floors read {:.2} s, write {:.2} s, copy {:.2} s; check {:.2} s ({:.2}×), \
             fix {:.2} s ({:.2}×), fix --standard {:.2} s ({:.2}×) (other processes kept {:.1} cores busy)",
            a[i].wall,
            b[i].wall,
            cp[i].wall,
            c[i].wall,
            c[i].wall / a[i].wall,
            f[i].wall,
            f[i].wall / (a[i].wall + cp[i].wall),
            fs_[i].wall,
            fs_[i].wall / (a[i].wall + b[i].wall),
            [&a[i], &b[i], &cp[i], &c[i], &f[i], &fs_[i]]
                .iter()
                .map(|s| s.other)
                .fold(0.0, f64::max),
        );
    }

    // Child processes: peak RSS (and wall time including start-up and printing the report), the
    // floors and every build interleaved in each run.
    let exe = std::env::current_exe()?;
    let jobs = args.jobs.to_string();
    let log = |name: &str| {
        (
            root.join(format!("{name}.stdout")),
            root.join(format!("{name}.stderr")),
        )
    };
    let mut child =
        |what: &str, name: &str, argv: Vec<&std::ffi::OsStr>, max_ok: i32| -> Result<ChildRun, Error> {
            let (so, se) = log(name);
            let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
            expect_ok(what, spawner.run(&argv, args.fd_limit, &so, &se)?, &se, max_ok)
        };
    let builds: Vec<(&str, &Path)> = std::iter::once(("development build", args.bin.as_path()))
        .chain(
            args.also
                .iter()
                .map(|(name, path)| (name.as_str(), path.as_path())),
        )
        .collect();
    let mut floors: [Vec<ChildRun>; 3] = Default::default();
    let mut runs: Vec<[Vec<ChildRun>; 3]> = builds.iter().map(|_| Default::default()).collect();
    for _ in 0..args.runs {
        floors[0].push(child(
            "floor read (child)",
            "child-read",
            vec![
                exe.as_os_str(),
                "--child-read".as_ref(),
                input.as_os_str(),
                jobs.as_ref(),
            ],
            0,
        )?);
        for (k, (mode, dir)) in [("--child-write", &write_dir), ("--child-copy", &copy_dir)]
            .into_iter()
            .enumerate()
        {
            let _ = fs::remove_dir_all(dir);
            floors[k + 1].push(child(
                "floor (child)",
                &mode[2..],
                vec![
                    exe.as_os_str(),
                    mode.as_ref(),
                    input.as_os_str(),
                    dir.as_os_str(),
                    jobs.as_ref(),
                ],
                0,
            )?);
        }
        for (b, &(name, bin)) in builds.iter().enumerate() {
            let common: [&std::ffi::OsStr; 3] = ["-j".as_ref(), jobs.as_ref(), "-q".as_ref()];
            let mut argv = vec![bin.as_os_str(), "check".as_ref(), input.as_os_str()];
            argv.extend(common);
            runs[b][0].push(child(&format!("{name}: jixiao check"), "check", argv, 1)?);
            for (k, standard) in [(1, false), (2, true)] {
                let _ = fs::remove_dir_all(&out);
                let mut argv = vec![
                    bin.as_os_str(),
                    "fix".as_ref(),
                    input.as_os_str(),
                    "-o".as_ref(),
                    out.as_os_str(),
                ];
                argv.extend(common);
                if standard {
                    argv.push("--standard".as_ref());
                }
                runs[b][k].push(child(&format!("{name}: jixiao fix"), "fix", argv, 1)?);
                child_fix_sanity(&out, n, expected_forms)?;
            }
        }
    }
    let tally = last_line(&log("check").0);

    let ratio = |num: &[Sample], den: &[&[Sample]]| {
        median(
            (0..num.len())
                .map(|i| num[i].wall / den.iter().map(|d| d[i].wall).sum::<f64>())
                .collect(),
        )
    };
    let res = NResult {
        n,
        floor_read: median_sample(&a),
        floor_write: median_sample(&b),
        floor_copy: median_sample(&cp),
        check: median_sample(&c),
        fix: median_sample(&f),
        fix_standard: median_sample(&fs_),
        check_ratio: ratio(&c, &[&a]),
        fix_ratio: ratio(&f, &[&a, &cp]),
        fix_standard_ratio: ratio(&fs_, &[&a, &b]),
        child_floors: floors.map(|v| median_child(&v)),
        builds: builds
            .iter()
            .zip(runs)
            .map(|(&(name, _), [check, fix, fix_standard])| BuildRun {
                name: name.to_string(),
                check: median_child(&check),
                fix: median_child(&fix),
                fix_standard: median_child(&fix_standard),
            })
            .collect(),
    };
    print_table(&res);
    println!("jixiao check (child, the last build) said: {tally}");
    if !args.keep {
        let _ = fs::remove_dir_all(&root);
    }
    Ok(res)
}

fn sanity(what: &str, s: &jixiao::report::Summary, n: usize, forms: usize) -> Result<(), Error> {
    if s.files != n || s.forms != forms || s.unreadable != 0 || s.no_form != 0 {
        return Err(format!(
            "{what}: expected {n} files and {forms} forms, got {} files, {} forms, {} unreadable, {} without a form",
            s.files, s.forms, s.unreadable, s.no_form
        )
        .into());
    }
    Ok(())
}

fn child_fix_sanity(out: &Path, n: usize, forms: usize) -> Result<(), Error> {
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json"))?)?;
    let s = &json["summary"];
    let get = |k: &str| s[k].as_u64().unwrap_or(u64::MAX) as usize;
    if get("files") != n || get("forms") != forms || get("unreadable") != 0 {
        return Err(format!("jixiao fix (child): report.json summary {s} for {n} inputs").into());
    }
    Ok(())
}

/// A child run must end with an exit code ≤ `max_ok` (check/fix exit 1 on error findings).
fn expect_ok(what: &str, run: ChildRun, stderr: &Path, max_ok: i32) -> Result<ChildRun, Error> {
    if run.code < 0 || run.code > max_ok {
        let err = fs::read_to_string(stderr).unwrap_or_default();
        return Err(format!("{what} exited with {}: {}", run.code, err.trim()).into());
    }
    Ok(run)
}

fn last_line(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

/// Generate `n` files and run the binary's check and fix once each (low open-file limit):
/// both must finish and account for every input.
pub(crate) fn huge(args: &Args, spawner: &mut Spawner, base: &Path, n: usize) -> Result<(), Error> {
    let input = base.join("in");
    let out = base.join("out");
    println!();
    println!(
        "== completion: N = {n} workbooks, {} thread(s), one run each ==",
        args.jobs
    );
    println!("corpus: {}", args.corpus.describe());
    let (files, made) = measure(|| generate(args.corpus, &input, n));
    files?;
    println!("generated in {:.1} s", made.wall);
    let forms = n * args.corpus.forms_per_file();
    let jobs = args.jobs.to_string();
    let (so, se) = (base.join("check.stdout"), base.join("check.stderr"));
    let argv: Vec<std::ffi::OsString> = vec![
        args.bin.clone().into(),
        "check".into(),
        input.clone().into(),
        "-j".into(),
        jobs.clone().into(),
        "-q".into(),
    ];
    let c = expect_ok(
        "jixiao check",
        spawner.run(&argv, args.fd_limit, &so, &se)?,
        &se,
        1,
    )?;
    println!(
        "jixiao check: {:.1} s ({:.0} µs/workbook, {:.0} CPU µs/workbook, {:.0} workbooks/s), peak RSS {:.1} MB, \
         exit {}; other processes kept {:.1} cores busy\n  {}",
        c.wall,
        c.wall / n as f64 * 1e6,
        c.cpu / n as f64 * 1e6,
        n as f64 / c.wall,
        c.rss_kb as f64 / 1024.0,
        c.code,
        c.other,
        last_line(&so)
    );
    let (so, se) = (base.join("fix.stdout"), base.join("fix.stderr"));
    let argv: Vec<std::ffi::OsString> = vec![
        args.bin.clone().into(),
        "fix".into(),
        input.clone().into(),
        "-o".into(),
        out.clone().into(),
        "-j".into(),
        jobs.into(),
        "-q".into(),
    ];
    let f = expect_ok("jixiao fix", spawner.run(&argv, args.fd_limit, &so, &se)?, &se, 1)?;
    child_fix_sanity(&out, n, forms)?;
    let written = list_files(&out)?.len();
    println!(
        "jixiao fix:   {:.1} s ({:.0} µs/workbook, {:.0} CPU µs/workbook, {:.0} workbooks/s), peak RSS {:.1} MB, \
         exit {}, {} files under OUT; other processes kept {:.1} cores busy",
        f.wall,
        f.wall / n as f64 * 1e6,
        f.cpu / n as f64 * 1e6,
        n as f64 / f.wall,
        f.rss_kb as f64 / 1024.0,
        f.code,
        written,
        f.other
    );
    println!(
        "completed: every input accounted for in report.json (files = {n}, forms = {forms}, unreadable = 0)"
    );
    Ok(())
}
