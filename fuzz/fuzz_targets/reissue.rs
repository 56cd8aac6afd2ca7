//! Reissue over arbitrary packages: the seed workbook with one of its zip parts replaced by the
//! fuzzer's bytes (the workbook, a sheet, the styles, the shared strings, the content types,
//! the relationships — each a part that reissue parses, patches or copies), then `fix`. The
//! reissue patches untrusted XML: nothing may panic, and whatever it writes must be a zip that
//! reads again.
#![no_main]

#[path = "package.rs"]
mod package;

use std::sync::OnceLock;

use jixiao::grid::{Limits, read_bytes};
use jixiao::run::{Options, fix_bytes};
use libfuzzer_sys::fuzz_target;

fn parts() -> &'static [(String, Vec<u8>)] {
    static PARTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PARTS.get_or_init(|| package::parts_of(include_bytes!("../../samples/mistakes/total_and_grade.xlsx")))
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Some((&how, rest)) = rest.split_first() else {
        return;
    };
    let parts = parts();
    let target = usize::from(which) % parts.len();
    // The part replaced whole, or the fuzzer's bytes spliced into it (so deep states of its XML
    // are reached) at an offset the next two bytes choose.
    let at = usize::from(u16::from_le_bytes([how, rest.first().copied().unwrap_or(0)]));
    let Some(workbook) = package::rebuilt(parts, target, |body| {
        if how % 2 == 0 {
            rest.to_vec()
        } else {
            package::spliced(body, at, rest)
        }
    }) else {
        return;
    };
    let (_, written) = fix_bytes("fuzz.xlsx", &workbook, &Options::default());
    if let Some(written) = written {
        // What `fix` writes reads again.
        assert!(
            read_bytes(&written, &Limits::default()).is_ok(),
            "fix wrote a workbook that does not read"
        );
    }
});
