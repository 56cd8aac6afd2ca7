//! The committed blank templates (`templates/*.xlsx`) are what `jixiao template` writes today:
//! same cell values, same merged regions. When the template layout changes on purpose,
//! regenerate them with the commands in [`regenerate`].

use std::io::Cursor;
use std::path::PathBuf;

use calamine::{Data, Dimensions, Range, Reader, Xlsx};

use jixiao::form::Layout;

/// One sheet of a workbook: its name, values and merged regions.
#[derive(Debug, PartialEq)]
struct Sheet {
    name: String,
    cells: Vec<((u32, u32), Data)>,
    merges: Vec<Dimensions>,
}

fn sheets(bytes: Vec<u8>, what: &str) -> Vec<Sheet> {
    let mut xlsx =
        Xlsx::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{what} is not a readable xlsx: {e}"));
    let mut out = Vec::new();
    for name in xlsx.sheet_names() {
        let range: Range<Data> = xlsx
            .worksheet_range(&name)
            .unwrap_or_else(|e| panic!("{what}, sheet {name}: {e}"));
        let start = range.start().unwrap_or((0, 0));
        let cells = range
            .used_cells()
            .map(|(r, c, d)| ((start.0 + r as u32, start.1 + c as u32), d.clone()))
            .collect();
        let mut merges = xlsx
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_else(|e| panic!("{what}, sheet {name}: {e}"));
        merges.sort_by_key(|d| (d.start, d.end));
        out.push(Sheet { name, cells, merges });
    }
    out
}

fn committed(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("templates")
        .join(file)
}

fn regenerate(layout: Layout) -> &'static str {
    match layout {
        Layout::Guizhou => "cargo run -- template -o templates/guizhou.xlsx",
        Layout::National => "cargo run -- template -o templates/national.xlsx --layout national",
    }
}

fn file_of(layout: Layout) -> &'static str {
    match layout {
        Layout::Guizhou => "guizhou.xlsx",
        Layout::National => "national.xlsx",
    }
}

fn rendered(layout: Layout) -> Vec<Sheet> {
    let bytes = jixiao::render::template(layout).expect("the template renders");
    sheets(bytes, "the rendered template")
}

fn assert_matches_committed(layout: Layout) {
    let file = file_of(layout);
    let path = committed(file);
    let hint = format!(
        "templates/{file} differs from what `jixiao template` writes now; if the change is \
         intended, regenerate it with `{}` and commit it",
        regenerate(layout)
    );
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}; {hint}", path.display()));
    let on_disk = sheets(bytes, &format!("templates/{file}"));
    let now = rendered(layout);
    assert_eq!(
        on_disk.iter().map(|s| &s.name).collect::<Vec<_>>(),
        now.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "sheet names: {hint}"
    );
    for (old, new) in on_disk.iter().zip(&now) {
        // Name the first differing cell rather than dumping both grids.
        for (a, b) in old.cells.iter().zip(&new.cells) {
            assert_eq!(a, b, "sheet {}, first differing cell: {hint}", old.name);
        }
        assert_eq!(
            old.cells.len(),
            new.cells.len(),
            "sheet {}, number of filled cells: {hint}",
            old.name
        );
        assert_eq!(
            old.merges, new.merges,
            "sheet {}, merged regions: {hint}",
            old.name
        );
    }
}

#[test]
fn committed_guizhou_template_is_current() {
    assert_matches_committed(Layout::Guizhou);
}

#[test]
fn committed_national_template_is_current() {
    assert_matches_committed(Layout::National);
}

fn text_at(sheet: &Sheet, row: u32, col: u32) -> Option<&str> {
    sheet.cells.iter().find_map(|(pos, d)| match d {
        Data::String(s) if *pos == (row, col) => Some(s.as_str()),
        _ => None,
    })
}

fn row_of(sheet: &Sheet, label: &str) -> Option<u32> {
    sheet.cells.iter().find_map(|((r, _), d)| match d {
        Data::String(s) if s == label => Some(*r),
        _ => None,
    })
}

#[test]
fn labels_are_where_a_user_looks() {
    for layout in [Layout::Guizhou, Layout::National] {
        let sheets = rendered(layout);
        let sheet = &sheets[0];
        assert_eq!(
            text_at(sheet, 0, 0),
            Some("项目支出绩效目标自评表"),
            "title in A1"
        );
        assert!(
            sheet.merges.iter().any(|m| m.start == (0, 0) && m.end == (0, 9)),
            "title merged over A1:J1"
        );
        assert_eq!(text_at(sheet, 1, 0), Some("（    年度）"));
        assert_eq!(text_at(sheet, 3, 0), Some("项目名称"));
        assert_eq!(text_at(sheet, 5, 0), Some("项目资金\n（元）"));
        assert_eq!(text_at(sheet, 5, 4), Some("全年预算数（A）"));
        assert_eq!(row_of(sheet, "年度资金总额"), Some(6), "年度资金总额 on row 7");
        assert_eq!(text_at(sheet, 6, 6), None, "分值 is a number");
        let total = row_of(sheet, "总分").expect("总分 present");
        assert!(
            sheet
                .cells
                .iter()
                .any(|(pos, d)| *pos == (total, 6) && *d == Data::Float(100.0)),
            "总分 row carries 100"
        );
        assert!(row_of(sheet, "产出指标(50分)").is_some());
        assert!(row_of(sheet, "服务对象满意度指标").is_some());
        assert!(row_of(sheet, "自评\n结论").is_some());
        assert!(row_of(sheet, "联系人：").is_some());
    }
}

#[test]
fn the_layouts_differ_in_funds_rows_and_reason_header() {
    let guizhou = &rendered(Layout::Guizhou)[0];
    let national = &rendered(Layout::National)[0];
    assert_eq!(text_at(guizhou, 7, 1), Some("财政拨款"));
    assert_eq!(text_at(guizhou, 10, 1), Some("其他"));
    assert_eq!(text_at(national, 7, 1), Some("其中：当年财政拨款"));
    assert_eq!(text_at(national, 8, 1), Some("上年结转资金"));
    assert_eq!(text_at(national, 9, 1), Some("其他资金"));
    assert!(row_of(guizhou, "未完成原因分析").is_some());
    assert!(row_of(national, "偏差原因分析及改进措施").is_some());
}

#[test]
fn the_template_is_deterministic() {
    for layout in [Layout::Guizhou, Layout::National] {
        assert_eq!(
            jixiao::render::template(layout).expect("renders"),
            jixiao::render::template(layout).expect("renders")
        );
    }
}
