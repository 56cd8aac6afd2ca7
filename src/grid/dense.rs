//! The readers for which calamine builds a dense range of each sheet: .xls, here (its OLE
//! container may hold a Word 97–2003 document or an encrypted OOXML package instead), and .ods
//! (`ods.rs`, which adds what calamine does not tell of it). And what every calamine reader
//! shares: which sheets are worksheets, and calamine's merged regions as [`Region`]s.

use std::collections::HashSet;
use std::io::{Cursor, Read, Seek};

use calamine::{Data, Dimensions, Range, Reader, SheetVisible, Xls, Xlsx};

use super::values::value_of;
use super::{Cell, Grid, ReadError, Region};

/// An OLE container: a legacy .xls is read; a Word 97–2003 document or an encrypted OOXML
/// package is refused with its reason.
pub(super) fn read_cfb(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    // A Word 97–2003 document (.doc, and WPS documents saved in its format) is an OLE container
    // too: its stream `WordDocument` names it.
    let word: Vec<u8> = "WordDocument".encode_utf16().flat_map(u16::to_le_bytes).collect();
    if memchr::memmem::find(bytes, &word).is_some() {
        return Err(ReadError::OldFormat("Word 97–2003 文档（.doc）"));
    }
    // An OLE container is either a legacy .xls or an encrypted OOXML package; calamine's typed
    // Xlsx reader recognises the latter and says so.
    if let Err(calamine::XlsxError::Password) = Xlsx::new(Cursor::new(bytes)) {
        return Err(ReadError::Encrypted);
    }
    let mut xls = match Xls::new(Cursor::new(bytes)) {
        Ok(x) => x,
        Err(calamine::XlsError::Password) => return Err(ReadError::Encrypted),
        Err(e) => return Err(ReadError::Corrupt(e.to_string())),
    };
    // calamine reads no number formats from .xls: no cell is known to show a percent.
    dense_sheets(&mut xls, false, |xls, name| {
        let merges = xls.merge_cells_by_sheet_name(name).unwrap_or_default();
        (regions(&merges), HashSet::new())
    })
}

/// Every worksheet of a reader that builds dense ranges (.xls, .ods) as a grid; `extras` gives a
/// sheet's merged regions and its percent-formatted cells, which the formats expose differently.
pub(super) fn dense_sheets<RS: Read + Seek, R: Reader<RS>>(
    reader: &mut R,
    formats_known: bool,
    mut extras: impl FnMut(&mut R, &str) -> (Vec<Region>, HashSet<(u32, u32)>),
) -> Result<Vec<Grid>, ReadError>
where
    R::Error: std::fmt::Display,
{
    let sheets = visible_sheets(reader.sheets_metadata());
    let mut grids = Vec::new();
    for (name, hidden) in sheets {
        let range = reader
            .worksheet_range(&name)
            .map_err(|e| ReadError::Corrupt(e.to_string()))?;
        let (merges, percents) = extras(reader, &name);
        let mut grid = grid_from_range(&name, &range, merges, |r, c| percents.contains(&(r, c)));
        grid.hidden = hidden;
        grid.formats_known = formats_known;
        grids.push(grid);
    }
    Ok(grids)
}

/// Worksheet names with their hidden flag (chart and macro sheets hold no form).
pub(super) fn visible_sheets(meta: &[calamine::Sheet]) -> Vec<(String, bool)> {
    meta.iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect()
}

/// calamine's merged regions as [`Region`]s.
pub(super) fn regions(dims: &[Dimensions]) -> Vec<Region> {
    dims.iter()
        .map(|d| Region {
            top: d.start.0,
            left: d.start.1,
            bottom: d.end.0,
            right: d.end.1,
        })
        .collect()
}

/// A grid from a dense calamine range; `percent` says which cells show a percent format.
fn grid_from_range(
    name: &str,
    range: &Range<Data>,
    merges: Vec<Region>,
    percent: impl Fn(u32, u32) -> bool,
) -> Grid {
    let cells = range.used_cells().filter_map(|(r, c, data)| {
        let (row, col) = (range.start()?.0 + r as u32, range.start()?.1 + c as u32);
        Some((
            row,
            col,
            Cell {
                value: value_of(data),
                percent: percent(row, col),
            },
        ))
    });
    Grid::from_cells(name, cells, merges)
}
