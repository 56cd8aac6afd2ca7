//! The whole pipeline from workbook bytes to the report and the corrected workbook: the seed
//! workbook, rewritten by rust_xlsxwriter with a few of its cells replaced by whatever the
//! fuzzer chooses (any f64 bit pattern, formula errors, text, dates, blanks), then
//! `run::check_bytes` and `run::fix_bytes`. A valid workbook must never be `unreadable`, no
//! form may end in `internal-error`, and nothing may panic.
#![no_main]

use std::sync::OnceLock;

use jixiao::grid::{Grid, Limits, Value, read_bytes};
use jixiao::report::Status;
use jixiao::rules::Code;
use jixiao::run::{Options, check_bytes, fix_bytes};
use libfuzzer_sys::fuzz_target;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Formula, Workbook};

const ERRORS: &[&str] = &["#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NUM!", "#NAME?", "#NULL!"];

fn seed() -> &'static [Grid] {
    static SEED: OnceLock<Vec<Grid>> = OnceLock::new();
    SEED.get_or_init(|| {
        let bytes = include_bytes!("../../samples/seed_2024.xlsx");
        read_bytes(bytes, &Limits::default()).expect("the seed reads")
    })
}

/// One replacement: which cell (by index over the sheet's used area) and what goes in.
fn edit(data: &[u8]) -> Option<(usize, Value)> {
    let (head, rest) = data.split_first_chunk::<3>()?;
    let index = usize::from(u16::from_le_bytes([head[0], head[1]]));
    let value = match head[2] % 6 {
        0 => {
            let bits = rest
                .first_chunk::<8>()
                .map(|b| u64::from_le_bytes(*b))
                .unwrap_or(0);
            let f = f64::from_bits(bits);
            match jixiao::num::from_f64(f) {
                Some(d) => Value::Number(d),
                None => Value::Unrepresentable(format!("{f:E}")),
            }
        }
        1 => Value::Error(ERRORS[usize::from(rest.first().copied().unwrap_or(0)) % ERRORS.len()].into()),
        2 => Value::Text(String::from_utf8_lossy(&rest[..rest.len().min(40)]).into_owned()),
        3 => Value::Empty,
        4 => {
            let n = rest
                .first_chunk::<4>()
                .map(|b| i32::from_le_bytes(*b))
                .unwrap_or(0);
            Value::Number(rust_decimal::Decimal::new(
                i64::from(n),
                u32::from(head[2] / 6 % 29),
            ))
        }
        _ => Value::Bool(head[2] & 0x80 != 0),
    };
    Some((index, value))
}

/// The grid as an xlsx workbook, with `edits` applied.
fn workbook(grid: &Grid, edits: &[(usize, Value)]) -> Option<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&grid.name).ok()?;
    let width = grid.width().max(1);
    let area = usize::try_from(width * grid.height().max(1)).ok()?;
    let mut cells: Vec<(u32, u32, Value)> = Vec::new();
    for row in 0..grid.height() {
        for col in 0..grid.width() {
            cells.push((row, col, grid.value(row, col).clone()));
        }
    }
    for (index, value) in edits {
        let i = index % area.max(1);
        if let Some(cell) = cells.get_mut(i) {
            cell.2 = value.clone();
        }
    }
    for region in &grid.merges {
        let _ = sheet.merge_range(
            region.top,
            region.left as u16,
            region.bottom,
            region.right as u16,
            "",
            &Default::default(),
        );
    }
    for (row, col, value) in cells {
        let col = u16::try_from(col).ok()?;
        let _ = match value {
            Value::Empty => continue,
            Value::Number(d) => sheet.write_number(row, col, d.to_f64().unwrap_or(0.0)),
            Value::Text(s) => sheet.write_string(row, col, s),
            Value::Bool(b) => sheet.write_boolean(row, col, b),
            Value::Date(d) => sheet.write_string(row, col, format!("{}-{:02}-{:02}", d.year, d.month, d.day)),
            Value::Error(e) => sheet.write_formula(row, col, Formula::new("=1/0").set_result(e)),
            Value::Unrepresentable(_) => continue,
        };
    }
    book.save_to_buffer().ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let grids = seed();
    let grid = &grids[usize::from(pick) % grids.len()];
    let edits: Vec<(usize, Value)> = data.chunks(12).take(4).filter_map(edit).collect();
    let Some(bytes) = workbook(grid, &edits) else {
        return;
    };
    let opts = Options::default();
    let report = check_bytes("fuzz.xlsx", &bytes, &opts);
    assert_ne!(report.status, Status::Unreadable, "{:?}", report.error);
    for form in &report.forms {
        assert!(
            form.findings.iter().all(|f| f.code != Code::InternalError),
            "{:#?}",
            form.findings
        );
    }
    let (fixed, output) = fix_bytes("fuzz.xlsx", &bytes, &opts);
    assert_ne!(fixed.status, Status::Unreadable, "{:?}", fixed.error);
    assert_eq!(fixed.forms.len(), report.forms.len());
    if !report.forms.is_empty() {
        assert!(
            output.is_some(),
            "a corrected workbook for every file with a form"
        );
    }
});
