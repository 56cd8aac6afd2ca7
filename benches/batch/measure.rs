//! Measuring in this process: wall and CPU time of a step, how many cores other processes kept
//! busy meanwhile (the machine is shared), and the medians over the runs.

use std::fs;
use std::time::Instant;

use crate::spawner::ChildRun;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sample {
    pub(crate) wall: f64,
    /// User + system CPU seconds of this process (all threads) over the measurement.
    pub(crate) cpu: f64,
    /// Cores kept busy by other processes on the machine meanwhile (from /proc/stat): the
    /// noise of this measurement.
    pub(crate) other: f64,
}

/// Busy CPU seconds of the whole machine so far (all but idle and iowait in /proc/stat).
pub(crate) fn machine_busy_seconds() -> f64 {
    let stat = fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().next() else {
        return 0.0;
    };
    let f: Vec<f64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() < 5 {
        return 0.0;
    }
    // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait.
    let busy: f64 = f.iter().sum::<f64>() - f[3] - f[4];
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    busy / hz
}

fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

pub(crate) fn measure<T>(f: impl FnOnce() -> T) -> (T, Sample) {
    let (m0, c0, t0) = (machine_busy_seconds(), cpu_seconds(), Instant::now());
    let out = f();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    let other = ((machine_busy_seconds() - m0 - cpu) / wall).max(0.0);
    (out, Sample { wall, cpu, other })
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub(crate) fn median_sample(v: &[Sample]) -> Sample {
    Sample {
        wall: median(v.iter().map(|s| s.wall).collect()),
        cpu: median(v.iter().map(|s| s.cpu).collect()),
        other: median(v.iter().map(|s| s.other).collect()),
    }
}

pub(crate) fn median_child(v: &[ChildRun]) -> ChildRun {
    ChildRun {
        wall: median(v.iter().map(|c| c.wall).collect()),
        rss_kb: median(v.iter().map(|c| c.rss_kb as f64).collect()) as i64,
        code: v.iter().map(|c| c.code).max().unwrap_or(0),
        cpu: median(v.iter().map(|c| c.cpu).collect()),
        other: median(v.iter().map(|c| c.other).collect()),
    }
}
