//! Reissue over arbitrary packages: the seed workbook with one of its zip parts replaced by the
//! fuzzer's bytes (the workbook, a sheet, the styles, the shared strings, the content types,
//! the relationships — each a part that reissue parses, patches or copies), then `fix`. The
//! reissue patches untrusted XML: nothing may panic, and whatever it writes must be a zip that
//! reads again.
#![no_main]

use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

use jixiao::grid::{Limits, read_bytes};
use jixiao::run::{Options, fix_bytes};
use libfuzzer_sys::fuzz_target;

/// The seed's parts, in package order: (name, bytes).
fn parts() -> &'static [(String, Vec<u8>)] {
    static PARTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PARTS.get_or_init(|| {
        let bytes = include_bytes!("../../samples/mistakes/total_and_grade.xlsx");
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).expect("the sample is a zip");
        (0..zip.len())
            .map(|i| {
                let mut entry = zip.by_index(i).expect("entry");
                let mut body = Vec::new();
                entry.read_to_end(&mut body).expect("read");
                (entry.name().expect("entry name").to_string(), body)
            })
            .collect()
    })
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
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (i, (name, body)) in parts.iter().enumerate() {
        let body: Vec<u8> = if i != target {
            body.clone()
        } else if how % 2 == 0 {
            // The part replaced whole.
            rest.to_vec()
        } else {
            // The fuzzer's bytes spliced into the real part, so deep states of the XML are
            // reached: at an offset the first two bytes choose.
            let at =
                usize::from(u16::from_le_bytes([how, rest.first().copied().unwrap_or(0)])) % (body.len() + 1);
            let mut spliced = body[..at].to_vec();
            spliced.extend_from_slice(rest);
            spliced.extend_from_slice(&body[at..]);
            spliced
        };
        if out.start_file(name.as_str(), options).is_err() || out.write_all(&body).is_err() {
            return;
        }
    }
    let Ok(package) = out.finish().map(Cursor::into_inner) else {
        return;
    };
    let (_, written) = fix_bytes("fuzz.xlsx", &package, &Options::default());
    if let Some(written) = written {
        // What `fix` writes reads again.
        assert!(
            read_bytes(&written, &Limits::default()).is_ok(),
            "fix wrote a workbook that does not read"
        );
    }
});
