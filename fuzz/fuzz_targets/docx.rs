//! The Word reader over arbitrary documents: a .docx whose `word/document.xml` is the seed form's
//! with the fuzzer's bytes spliced in (or replaced whole), read into a grid, located and checked.
//! Tables, spans, vertical merges, grid widths and moved borders all come from untrusted XML:
//! nothing may panic or allocate without bound.
#![no_main]

#[path = "package.rs"]
mod package;

use std::sync::OnceLock;

use jixiao::grid::{Limits, read_bytes};
use jixiao::locate::locate;
use jixiao::rules::{Settings, check};
use libfuzzer_sys::fuzz_target;

fn parts() -> &'static [(String, Vec<u8>)] {
    static PARTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PARTS.get_or_init(|| package::parts_of(include_bytes!("../../tests/fixtures/word/seed_dinge_moved.docx")))
}

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let parts = parts();
    let Some(document) = parts.iter().position(|(name, _)| name == "word/document.xml") else {
        return;
    };
    let at = usize::from(u16::from_le_bytes(*head)) * 7;
    let Some(docx) = package::rebuilt(parts, document, |body| {
        if head[0] == 0xff {
            rest.to_vec()
        } else {
            package::spliced(body, at, rest)
        }
    }) else {
        return;
    };
    let Ok(grids) = read_bytes(&docx, &Limits::default()) else {
        return;
    };
    for grid in &grids {
        for form in locate(grid).forms {
            let _ = check(&form, &Settings::default());
        }
    }
});
