//! The Word reader over arbitrary documents: a .docx whose `word/document.xml` is the seed form's
//! with the fuzzer's bytes spliced in (or replaced whole), read into a grid, located and checked.
//! Tables, spans, vertical merges, grid widths and moved borders all come from untrusted XML:
//! nothing may panic or allocate without bound.
#![no_main]

use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

use jixiao::grid::{Limits, read_bytes};
use jixiao::locate::locate;
use jixiao::rules::{Settings, check};
use libfuzzer_sys::fuzz_target;

/// The seed document's parts: (name, bytes).
fn parts() -> &'static [(String, Vec<u8>)] {
    static PARTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PARTS.get_or_init(|| {
        let bytes = include_bytes!("../../tests/fixtures/word/seed_dinge_moved.docx");
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).expect("the fixture is a zip");
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
    let Some((head, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, body) in parts() {
        let body: Vec<u8> = if name != "word/document.xml" {
            body.clone()
        } else if head[0] == 0xff {
            rest.to_vec()
        } else {
            let at = usize::from(u16::from_le_bytes(*head)) * 7 % (body.len() + 1);
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
    let Ok(grids) = read_bytes(&package, &Limits::default()) else {
        return;
    };
    for grid in &grids {
        for form in locate(grid).forms {
            let _ = check(&form, &Settings::default());
        }
    }
});
