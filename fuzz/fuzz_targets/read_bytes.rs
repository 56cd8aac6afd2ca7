//! Arbitrary bytes as a workbook: sniff, read (xlsx, xls, ods, HTML, SpreadsheetML), locate,
//! check. Nothing may panic or allocate without bound.
#![no_main]

use jixiao::grid::{Limits, read_bytes};
use jixiao::locate::locate;
use jixiao::rules::{Settings, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(grids) = read_bytes(data, &Limits::default()) else {
        return;
    };
    for grid in &grids {
        for form in locate(grid).forms {
            let _ = check(&form, &Settings::default());
        }
    }
});
