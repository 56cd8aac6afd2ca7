//! Shared by the fuzz targets that rebuild a package: its parts read once, and the package
//! written again with one part's bytes replaced by the fuzzer's, or with them spliced in.

use std::io::{Cursor, Read, Write};

/// The parts of a zip package, in order: (name, bytes).
pub fn parts_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("the fixture is a zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("entry");
            let mut body = Vec::new();
            entry.read_to_end(&mut body).expect("read");
            (entry.name().expect("entry name").to_string(), body)
        })
        .collect()
}

/// The fuzzer's bytes spliced into `body` at `at` (taken modulo its length plus one).
pub fn spliced(body: &[u8], at: usize, data: &[u8]) -> Vec<u8> {
    let at = at % (body.len() + 1);
    let mut out = body[..at].to_vec();
    out.extend_from_slice(data);
    out.extend_from_slice(&body[at..]);
    out
}

/// The package again, with the part `which` made by `replace` from its bytes; `None` when the
/// zip cannot be written.
pub fn rebuilt(
    parts: &[(String, Vec<u8>)],
    which: usize,
    replace: impl Fn(&[u8]) -> Vec<u8>,
) -> Option<Vec<u8>> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (i, (name, body)) in parts.iter().enumerate() {
        let body = if i == which { replace(body) } else { body.clone() };
        out.start_file(name.as_str(), options).ok()?;
        out.write_all(&body).ok()?;
    }
    out.finish().ok().map(Cursor::into_inner)
}
