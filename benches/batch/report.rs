//! What the benchmark prints: the machine, each N's table of steps against the floors, and the
//! verdict on the targets docs/performance.md states.

use std::fs;
use std::path::Path;

use crate::Args;
use crate::measure::Sample;
use crate::runs::NResult;

// The targets docs/performance.md states.
const CHECK_RATIO_TARGET: f64 = 1.25;
const FIX_RATIO_TARGET: f64 = 1.5;
const RSS_10K_TARGET_MB: f64 = 150.0;
const RSS_GROWTH_TARGET: f64 = 1.2;

pub(crate) fn print_machine(args: &Args, base: &Path) {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let mem = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("MemTotal")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1048576.0
            })
        })
        .unwrap_or(0.0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("jixiao batch benchmark");
    println!("machine: {cores} core(s), {cpu}, {mem:.1} GiB RAM");
    println!("binary:  {}", args.bin.display());
    println!("corpus under {}", base.display());
    println!("child runs: RLIMIT_NOFILE = {}", args.fd_limit);
}

pub(crate) fn print_table(r: &NResult) {
    let n = r.n as f64;
    let sum = |x: Sample, y: Sample| Sample {
        wall: x.wall + y.wall,
        cpu: x.cpu + y.cpu,
        other: (x.other * x.wall + y.other * y.wall) / (x.wall + y.wall),
    };
    let floor_rw = sum(r.floor_read, r.floor_write);
    let floor_rc = sum(r.floor_read, r.floor_copy);
    let mb = |kb: i64| kb as f64 / 1024.0;
    let [cr, cw, cc] = r.child_floors;
    let dev = &r.builds[0];
    println!();
    println!(
        "{:<33} {:>8} {:>8} {:>9} {:>11} {:>8} {:>7} {:>9} {:>7}",
        "step (in process, median)",
        "total s",
        "µs/wb",
        "CPU µs/wb",
        "workbooks/s",
        "RSS MB",
        "ratio",
        "CPU ratio",
        "others"
    );
    let row = |name: &str, s: Sample, rss: Option<f64>, floor: Option<(f64, Sample)>| {
        println!(
            "{:<33} {:>8.3} {:>8.0} {:>9.0} {:>11.0} {:>8} {:>7} {:>9} {:>7.1}",
            name,
            s.wall,
            s.wall / n * 1e6,
            s.cpu / n * 1e6,
            n / s.wall,
            rss.map_or("-".into(), |m| format!("{m:.1}")),
            floor.map_or("-".into(), |(ratio, _)| format!("{ratio:.2}×")),
            floor.map_or("-".into(), |(_, f)| format!("{:.2}×", s.cpu / f.cpu)),
            s.other,
        )
    };
    row("floor A: calamine read", r.floor_read, Some(mb(cr.rss_kb)), None);
    row(
        "floor B: rust_xlsxwriter write",
        r.floor_write,
        Some(mb(cw.rss_kb)),
        None,
    );
    row("floor C: byte copy", r.floor_copy, Some(mb(cc.rss_kb)), None);
    row("floor A + B", floor_rw, None, None);
    row("floor A + C", floor_rc, None, None);
    row(
        "check / A",
        r.check,
        Some(mb(dev.check.rss_kb)),
        Some((r.check_ratio, r.floor_read)),
    );
    row(
        "fix (reissue) / A + C",
        r.fix,
        Some(mb(dev.fix.rss_kb)),
        Some((r.fix_ratio, floor_rc)),
    );
    row(
        "fix --standard / A + B",
        r.fix_standard,
        Some(mb(dev.fix_standard.rss_kb)),
        Some((r.fix_standard_ratio, floor_rw)),
    );
    println!(
        "(ratio = median over the runs of wall time / the floor's in the same run; CPU ratio = CPU time of \
         the medians / floor's; others = cores other processes kept busy meanwhile; RSS = peak of the same \
         step run as a child process)"
    );
    println!();
    println!(
        "child processes (median wall incl. start-up and output; floors: read {:.3} s, write {:.3} s, copy {:.3} s)",
        cr.wall, cw.wall, cc.wall
    );
    println!(
        "{:<24} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7}",
        "build", "check s", "/ A", "RSS MB", "fix s", "/ A+C", "RSS MB", "std s", "/ A+B", "RSS MB"
    );
    for b in &r.builds {
        println!(
            "{:<24} {:>8.3} {:>7.2}× {:>7.1} {:>8.3} {:>7.2}× {:>7.1} {:>8.3} {:>7.2}× {:>7.1}",
            b.name,
            b.check.wall,
            b.check.wall / cr.wall,
            mb(b.check.rss_kb),
            b.fix.wall,
            b.fix.wall / (cr.wall + cc.wall),
            mb(b.fix.rss_kb),
            b.fix_standard.wall,
            b.fix_standard.wall / (cr.wall + cw.wall),
            mb(b.fix_standard.rss_kb),
        );
    }
    for b in &r.builds[1..] {
        println!(
            "{} against the development build: check {:.2}×, fix {:.2}×, fix --standard {:.2}×",
            b.name,
            b.check.wall / dev.check.wall,
            b.fix.wall / dev.fix.wall,
            b.fix_standard.wall / dev.fix_standard.wall,
        );
    }
    println!(
        "ratios: check / A = {:.2}× (target ≤ {CHECK_RATIO_TARGET}×: {}); fix / (A + C) = {:.2}× \
         (target ≤ {FIX_RATIO_TARGET}×: {}); fix --standard / (A + B) = {:.2}× (target ≤ {FIX_RATIO_TARGET}×: {})",
        r.check_ratio,
        met(r.check_ratio <= CHECK_RATIO_TARGET),
        r.fix_ratio,
        met(r.fix_ratio <= FIX_RATIO_TARGET),
        r.fix_standard_ratio,
        met(r.fix_standard_ratio <= FIX_RATIO_TARGET),
    );
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

pub(crate) fn verdict(results: &[NResult]) {
    println!();
    println!("== targets ==");
    for r in results {
        println!(
            "N = {:>6}: check {:.2}× floor A ({}), fix {:.2}× floor A+C ({}), fix --standard {:.2}× floor A+B ({}), \
             peak RSS check {:.1} MB, fix {:.1} MB",
            r.n,
            r.check_ratio,
            met(r.check_ratio <= CHECK_RATIO_TARGET),
            r.fix_ratio,
            met(r.fix_ratio <= FIX_RATIO_TARGET),
            r.fix_standard_ratio,
            met(r.fix_standard_ratio <= FIX_RATIO_TARGET),
            r.builds[0].check.rss_kb as f64 / 1024.0,
            r.builds[0].fix.rss_kb as f64 / 1024.0,
        );
    }
    let at = |n: usize| results.iter().find(|r| r.n == n);
    if let Some(big) = at(10_000) {
        for (what, kb) in [
            ("check", big.builds[0].check.rss_kb),
            ("fix", big.builds[0].fix.rss_kb),
        ] {
            let mb = kb as f64 / 1024.0;
            println!(
                "peak RSS {what} at 10,000 inputs: {mb:.1} MB (target < {RSS_10K_TARGET_MB} MB: {})",
                met(mb < RSS_10K_TARGET_MB)
            );
        }
        if let Some(small) = at(1_000) {
            for (what, k10, k1) in [
                ("check", big.builds[0].check.rss_kb, small.builds[0].check.rss_kb),
                ("fix", big.builds[0].fix.rss_kb, small.builds[0].fix.rss_kb),
            ] {
                let ratio = k10 as f64 / k1 as f64;
                println!(
                    "peak RSS {what} 10,000 / 1,000 inputs: {ratio:.2}× (target ≤ {RSS_GROWTH_TARGET}×: {})",
                    met(ratio <= RSS_GROWTH_TARGET)
                );
            }
        }
    } else {
        println!("(RSS targets need --n 1000,10000)");
    }
}
