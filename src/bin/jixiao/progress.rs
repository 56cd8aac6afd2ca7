//! The progress bar on a terminal (files done of the total, forms, errors, rate, time left).

use std::sync::atomic::{AtomicUsize, Ordering};

use jixiao::report::{FileReport, Status};
use jixiao::rules::Severity;
use jixiao::run;

/// The progress bar on a terminal: files done / total, forms, errors, rate, ETA.
pub struct Bar {
    bar: indicatif::ProgressBar,
    forms: AtomicUsize,
    errors: AtomicUsize,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = indicatif::ProgressBar::hidden();
        let style =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} 个文件 {msg} {rate} 剩余 {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(state.per_sec()));
                    },
                );
        bar.set_style(style);
        Bar {
            bar,
            forms: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
        }
    }
}

/// Files a second as a whole number (`473 个/秒`; below one, `不到 1 个/秒`), never indicatif's
/// `472.9251/s`.
fn rate(per_sec: f64) -> String {
    if per_sec.is_finite() && per_sec > 0.0 && per_sec < 0.5 {
        "不到 1 个/秒".to_string()
    } else if per_sec.is_finite() && per_sec >= 0.0 {
        format!("{per_sec:.0} 个/秒")
    } else {
        "0 个/秒".to_string()
    }
}

impl run::Progress for Bar {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn suspend(&self, f: &mut dyn FnMut()) {
        self.bar.suspend(f);
    }

    fn file_done(&self, file: &FileReport) {
        let forms = self.forms.fetch_add(file.forms.len(), Ordering::Relaxed) + file.forms.len();
        let errors = file
            .forms
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.severity == Severity::Error)
            .count()
            + usize::from(matches!(file.status, Status::Unreadable | Status::NoForm));
        let errors = self.errors.fetch_add(errors, Ordering::Relaxed) + errors;
        self.bar.set_message(format!("| {forms} 张表 | 错误 {errors} |"));
        self.bar.inc(1);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
