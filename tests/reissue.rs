//! `fix` on .xlsx/.xlsm inputs reissues the unit's own file: only the corrected cells change.
//!
//! Inputs: the seed-based samples with planted mistakes and the fixtures of other templates in
//! tests/fixtures/reissue (an extra sheet and an image, a formula for 执行率, the filer's notes,
//! a macro workbook, a LibreOffice-saved file, an Excel-style package with shared formulas and a
//! calculation chain, prefixed XML). For each: every zip entry but the edited parts is
//! byte-identical; calamine and openpyxl read every cell, style, merge and sheet the same except
//! the corrected cells, which hold the expected figures; LibreOffice opens the file and
//! recalculates the unit's own formulas to our figures; `check` on it finds nothing `fix` would
//! correct.
//!
//! Why ~830 lines: one test per reissue fixture over shared zip and calamine comparisons.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::libreoffice::{formulas, recalculate, recalculating_profile, same, soffice_or_skip, value};
use common::{bin, check, samples};
use jixiao::report::{OutputForm, Report};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reissue")
}

/// The fixture files and the seed-based samples with planted fixable mistakes.
fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx" || e == "xlsm"))
        .collect();
    files.sort();
    for name in ["total_and_grade.xlsx", "wrong_execution_score.xlsx"] {
        files.push(samples().join("mistakes").join(name));
    }
    files
}

/// One correction as tests/fixtures/reissue/expected.json gives it (worked out by hand).
#[derive(serde::Deserialize, Debug)]
struct Expected {
    file: String,
    sheet: String,
    cell: String,
    code: String,
    expected: String,
    stored_as: String,
    #[serde(default)]
    keeps_formula: Option<bool>,
}

fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

/// `fix` over copies of `files` in one folder: the output folder and the report.
fn fix(files: &[PathBuf], extra: &[&str]) -> (tempfile::TempDir, PathBuf, Report) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).expect("in");
    for f in files {
        std::fs::copy(f, input.join(f.file_name().expect("name"))).expect("copy");
    }
    let out = tmp.path().join("out");
    let status = bin()
        .arg("fix")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .args(extra)
        .status()
        .expect("fix");
    assert_eq!(status.code(), Some(1), "the inputs hold errors");
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report"))
            .expect("json");
    (tmp, out, report)
}

/// The corrections `check` reports for a file: sheet → cell → expected figure.
fn fixed_cells(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let (report, _) = check(path);
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for form in report.files.iter().flat_map(|f| &f.forms) {
        for finding in form.findings.iter().filter(|f| f.fixed) {
            out.entry(form.sheet.clone())
                .or_default()
                .insert(finding.cell.clone(), finding.expected.clone());
        }
    }
    out
}

fn entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).expect("read");
            (f.name().expect("name").to_string(), bytes)
        })
        .collect()
}

/// Parts a reissue may edit or add: the sheets' XML and relationships, styles, the workbook
/// (recalculate on load), content types, the calculation chain, notes and their drawings.
fn editable(name: &str) -> bool {
    name.starts_with("xl/worksheets/")
        || name == "xl/styles.xml"
        || name == "xl/workbook.xml"
        || name == "[Content_Types].xml"
        || name == "xl/calcChain.xml"
        || name.starts_with("xl/comments")
        || (name.starts_with("xl/drawings/") && name.ends_with(".vml"))
}

fn a1(cell: &str) -> (u32, u32) {
    let pos = jixiao::grid::Pos::parse_a1(cell).expect("A1 reference");
    (pos.row, pos.col)
}

/// Every cell of every sheet, values and formulas (calamine).
fn cells(path: &Path) -> BTreeMap<(String, u32, u32), (Data, String)> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let mut out = BTreeMap::new();
    for sheet in wb.sheet_names() {
        let values = wb.worksheet_range(&sheet).expect("values");
        let start = values.start().unwrap_or((0, 0));
        for (r, c, v) in values.used_cells() {
            out.insert(
                (sheet.clone(), start.0 + r as u32, start.1 + c as u32),
                (v.clone(), String::new()),
            );
        }
        let fs = wb.worksheet_formula(&sheet).expect("formulas");
        let start = fs.start().unwrap_or((0, 0));
        for (r, c, f) in fs.used_cells() {
            if !f.is_empty() {
                out.entry((sheet.clone(), start.0 + r as u32, start.1 + c as u32))
                    .or_insert((Data::Empty, String::new()))
                    .1 = f.clone();
            }
        }
    }
    out
}

fn merges(path: &Path) -> BTreeMap<String, Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    wb.sheet_names()
        .into_iter()
        .map(|s| {
            let mut m: Vec<String> = wb
                .merge_cells_by_sheet_name(&s)
                .expect("merges")
                .iter()
                .map(|d| format!("{:?}-{:?}", d.start, d.end))
                .collect();
            m.sort();
            (s, m)
        })
        .collect()
}

fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

#[test]
fn reissued_files_change_only_the_corrected_cells() {
    let files = inputs();
    assert!(files.len() >= 8, "{files:?}");
    let (_tmp, out, report) = fix(&files, &[]);
    let all = expected();
    let mut by_name: HashMap<&str, Vec<&Expected>> = HashMap::new();
    for e in &all {
        by_name.entry(e.file.as_str()).or_default().push(e);
    }
    let mut corrected_total = 0;
    for input in &files {
        let name = input.file_name().unwrap().to_str().unwrap();
        let file = report
            .files
            .iter()
            .find(|f| f.path == name)
            .expect("in the report");
        // The report says which output each input got; the name keeps the extension.
        assert_eq!(
            file.output_form,
            Some(OutputForm::Reissued),
            "{name}: {:?}",
            file.output_note
        );
        assert_eq!(file.output.as_deref(), Some(name));
        let output = out.join(name);

        let fixed = fixed_cells(input);
        assert!(!fixed.is_empty(), "{name} has something to correct");
        // The hand-worked expectations agree with what check reports.
        for e in by_name.get(name).into_iter().flatten() {
            assert_eq!(
                fixed.get(&e.sheet).and_then(|c| c.get(&e.cell)),
                Some(&e.expected),
                "{name} {} {} ({})",
                e.sheet,
                e.cell,
                e.code
            );
        }

        // Zip entries: nothing dropped; all but the edited parts byte-identical.
        let (before, after) = (entries(input), entries(&output));
        for (part, bytes) in &before {
            let now = after
                .get(part)
                .unwrap_or_else(|| panic!("{name}: {part} was dropped"));
            if !editable(part) {
                assert!(now == bytes, "{name}: {part} changed");
            }
        }
        // Only the sheets holding corrections are edited.
        let edited_sheets = before
            .iter()
            .filter(|(p, b)| p.starts_with("xl/worksheets/sheet") && after.get(*p) != Some(*b))
            .count();
        assert_eq!(
            edited_sheets,
            fixed.len(),
            "{name}: one sheet part per corrected sheet"
        );

        // calamine: every cell and formula the same but the corrected ones.
        let (was, now) = (cells(input), cells(&output));
        let corrected: BTreeSet<(String, u32, u32)> = fixed
            .iter()
            .flat_map(|(s, cells)| cells.keys().map(move |c| (s.clone(), a1(c).0, a1(c).1)))
            .collect();
        for (key, value) in &was {
            if corrected.contains(key) {
                continue;
            }
            assert_eq!(now.get(key), Some(value), "{name}: {key:?}");
        }
        for key in now.keys() {
            assert!(
                was.contains_key(key) || corrected.contains(key),
                "{name}: new cell {key:?}"
            );
        }
        assert_eq!(merges(input), merges(&output), "{name}: merged cells");

        // The corrected cells hold the expected figures, in the cell's own convention.
        for (sheet, cells) in &fixed {
            for (cell, figure) in cells {
                let (r, c) = a1(cell);
                let (value, formula) = now
                    .get(&(sheet.clone(), r, c))
                    .cloned()
                    .unwrap_or((Data::Empty, String::new()));
                let hand = by_name
                    .get(name)
                    .and_then(|es| es.iter().find(|e| &e.sheet == sheet && &e.cell == cell));
                let fraction = hand.is_some_and(|e| e.stored_as == "number-fraction");
                let want: f64 = figure
                    .parse::<f64>()
                    .ok()
                    .map_or(f64::NAN, |f| if fraction { f / 100.0 } else { f });
                match number(&value) {
                    Some(got) => assert!((got - want).abs() < 0.000_05, "{name} {cell}: {got} ≠ {want}"),
                    None => assert!(
                        matches!(&value, Data::String(s) if s.starts_with(figure.as_str()) || figure.is_empty()),
                        "{name} {cell}: {value:?} for {figure}"
                    ),
                }
                if let Some(keeps) = hand.and_then(|e| e.keeps_formula) {
                    assert_eq!(!formula.is_empty(), keeps, "{name} {cell}: formula {formula:?}");
                }
                corrected_total += 1;
            }
        }

        // check on the reissued file finds nothing fix would correct.
        assert!(
            fixed_cells(&output).is_empty(),
            "{name}: {:?}",
            fixed_cells(&output)
        );
    }
    assert!(corrected_total >= 15, "{corrected_total} corrected cells checked");
}

/// openpyxl, an independent reader, sees the same workbook but the corrected cells: values,
/// fonts, borders, number formats, fills, merges, widths, validations, names, print settings,
/// images and the filer's notes.
#[test]
fn openpyxl_reads_the_unit_file_unchanged_but_the_corrected_cells() {
    let python = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !python {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with openpyxl is missing in CI: .ci/run must install it"
        );
        eprintln!("SKIPPED: python3 with openpyxl is not installed");
        return;
    }
    let files = inputs();
    let (_tmp, out, _) = fix(&files, &[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reissue_compare.py");
    for input in &files {
        let name = input.file_name().unwrap().to_str().unwrap();
        let cells: BTreeMap<String, Vec<String>> = fixed_cells(input)
            .into_iter()
            .map(|(s, c)| (s, c.into_keys().collect()))
            .collect();
        let result = std::process::Command::new("python3")
            .arg(&script)
            .arg(input)
            .arg(out.join(name))
            .arg(serde_json::to_string(&cells).expect("json"))
            .output()
            .expect("python3");
        assert!(
            result.status.success(),
            "{name}:\n{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
    }
}

/// LibreOffice opens every reissued file, and recalculating it gives the cached value of every
/// formula — the unit's own SUM over corrected scores included, which then equals our figure.
#[test]
fn libreoffice_recalculates_the_units_formulas_to_our_figures() {
    let Some(soffice) = soffice_or_skip() else {
        return;
    };
    let files = inputs();
    let (tmp, out, _) = fix(&files, &[]);
    let profile = recalculating_profile(tmp.path());
    let hand = expected();
    let mut kept = 0;
    for (i, input) in files.iter().enumerate() {
        let name = input.file_name().unwrap().to_str().unwrap();
        let output = out.join(name);
        let dir = tmp.path().join(format!("lo{i}"));
        // Saved as .xlsx whatever the input (LibreOffice names the copy by the input's stem).
        let copy = tmp.path().join(format!("copy{i}.xlsx"));
        std::fs::copy(&output, &copy).expect("copy");
        let recalced = recalculate(&soffice, &profile, &copy, &dir);
        let mut checked = 0;
        for (sheet, row, col, formula) in formulas(&output) {
            let cached = value(&output, &sheet, row, col);
            let fresh = value(&recalced, &sheet, row, col);
            assert!(
                same(&cached, &fresh),
                "{name} [{sheet}] ({row},{col}) ={formula}: cached {cached:?}, LibreOffice {fresh:?}"
            );
            checked += 1;
        }
        for e in hand
            .iter()
            .filter(|e| e.file == name && e.keeps_formula == Some(true))
        {
            let (r, c) = a1(&e.cell);
            let fresh = value(&recalced, &e.sheet, r, c);
            let want: f64 = e.expected.parse().expect("figure");
            assert!(
                same(&fresh, &Data::Float(want)),
                "{name} {}: LibreOffice {fresh:?}, expected {want}",
                e.cell
            );
            kept += 1;
        }
        let _ = checked;
    }
    assert!(kept >= 2, "the unit's SUM formulas over corrected scores: {kept}");
}

/// `--standard` writes the standard template for every input, and formats we cannot write
/// (.ods, .xls) get it without asking; the summary links each file and names its output form.
#[test]
fn standard_template_on_request_and_for_other_formats() {
    let mistakes = samples().join("mistakes");
    let files = vec![
        mistakes.join("wrong_execution_score.xlsx"),
        mistakes.join("wrong_indicator_score.ods"),
        mistakes.join("wrong_rate.xls"),
        fixtures().join("macro.xlsm"),
    ];
    let (_tmp, out, report) = fix(&files, &[]);
    let form = |name: &str| {
        let f = report.files.iter().find(|f| f.path == name).expect(name);
        (f.output.clone().unwrap_or_default(), f.output_form)
    };
    assert_eq!(
        form("wrong_execution_score.xlsx"),
        ("wrong_execution_score.xlsx".into(), Some(OutputForm::Reissued))
    );
    assert_eq!(
        form("macro.xlsm"),
        ("macro.xlsm".into(), Some(OutputForm::Reissued))
    );
    assert_eq!(
        form("wrong_indicator_score.ods"),
        ("wrong_indicator_score.xlsx".into(), Some(OutputForm::Standard))
    );
    assert_eq!(
        form("wrong_rate.xls"),
        ("wrong_rate.xlsx".into(), Some(OutputForm::Standard))
    );
    // The macro part travels with the reissued .xlsm.
    assert!(entries(&out.join("macro.xlsm")).contains_key("xl/vbaProject.bin"));
    let summary = summary_links(&out.join("summary.xlsx"));
    assert!(
        summary.contains(&("原表更正：macro.xlsm".to_string(), "macro.xlsm".to_string())),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(
            "标准模板：wrong_rate.xlsx".to_string(),
            "wrong_rate.xlsx".to_string()
        )),
        "{summary:?}"
    );

    let (_tmp, out, report) = fix(&files, &["--standard"]);
    for f in &report.files {
        assert_eq!(f.output_form, Some(OutputForm::Standard), "{}", f.path);
        assert!(
            f.output.as_deref().is_some_and(|o| o.ends_with(".xlsx")),
            "{:?}",
            f.output
        );
    }
    // The standard template is ours, not the unit's file: its sheets are named by project.
    let wb: Xlsx<_> = open_workbook(out.join("macro.xlsx")).expect("open");
    assert!(!entries(&out.join("macro.xlsx")).contains_key("xl/vbaProject.bin"));
    assert!(!wb.sheet_names().is_empty());
}

/// The 项目汇总 sheet's 更正后的工作簿 cells: (text, link target).
fn summary_links(path: &Path) -> Vec<(String, String)> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let range = wb.worksheet_range("项目汇总").expect("项目汇总");
    let formulas = wb.worksheet_formula("项目汇总").expect("formulas");
    let header = range.rows().next().expect("header");
    let col = header
        .iter()
        .position(|d| matches!(d, Data::String(s) if s == "更正后的工作簿"))
        .expect("更正后的工作簿 column");
    let start = range.start().expect("non-empty");
    let mut out = Vec::new();
    for (r, row) in range.rows().enumerate().skip(1) {
        if let Some(Data::String(text)) = row.get(col) {
            // =HYPERLINK("target","text"), by absolute position (the ranges start apart).
            let at = (start.0 + r as u32, start.1 + col as u32);
            let formula = formulas.get_value(at).cloned().unwrap_or_default();
            let target = formula.split('"').nth(1).unwrap_or_default().to_string();
            out.push((text.clone(), target));
        }
    }
    out
}

/// A package the reissue cannot edit (here a styles part without fills) still gets its
/// corrections: in the standard template, with the reason in the report and the summary.
#[test]
fn a_package_that_cannot_be_edited_falls_back_to_the_standard_template() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = samples().join("mistakes/total_and_grade.xlsx");
    let broken = tmp.path().join("no_fills.xlsx");
    {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&source).expect("open")).expect("zip");
        let mut out = zip::ZipWriter::new(std::fs::File::create(&broken).expect("create"));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("entry");
            let name = f.name().expect("name").to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).expect("read");
            if name == "xl/styles.xml" {
                let text = String::from_utf8(bytes).expect("utf-8");
                let (start, end) = (
                    text.find("<fills").expect("fills"),
                    text.find("</fills>").expect("fills"),
                );
                bytes = format!("{}{}", &text[..start], &text[end + "</fills>".len()..]).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            std::io::Write::write_all(&mut out, &bytes).expect("write");
        }
        out.finish().expect("finish");
    }
    let (_tmp, out, report) = fix(&[broken], &[]);
    let file = &report.files[0];
    assert_eq!(file.output_form, Some(OutputForm::Standard));
    assert!(
        file.output_note
            .as_deref()
            .is_some_and(|n| n.contains("xl/styles.xml") && n.contains("标准模板")),
        "{:?}",
        file.output_note
    );
    // The corrections are in the standard template all the same.
    let fixed = fixed_cells(&out.join("no_fills.xlsx"));
    assert!(fixed.is_empty(), "{fixed:?}");
    let summary = summary_links(&out.join("summary.xlsx"));
    assert_eq!(
        summary,
        vec![("标准模板：no_fills.xlsx".to_string(), "no_fills.xlsx".to_string())]
    );
}

/// The text of the note on `cell` of a package's comments parts (tags dropped).
fn note_on(path: &Path, cell: &str) -> Option<String> {
    let anchor = format!("ref=\"{cell}\"");
    entries(path)
        .into_iter()
        .filter(|(name, _)| name.starts_with("xl/comments"))
        .find_map(|(_, bytes)| {
            let text = String::from_utf8(bytes).ok()?;
            let at = text.find(&anchor)?;
            let start = at + text[at..].find('>')? + 1;
            let end = start + text[start..].find("</comment>")?;
            let mut plain = String::new();
            let mut in_tag = false;
            for c in text[start..end].chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => plain.push(c),
                    _ => {}
                }
            }
            Some(
                plain
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
}

/// A corrected 执行率 in a percent-formatted cell: the note gives both values in percent, and
/// the value the cell stored, never `原值：0.8949 / 更正为：98.44`; the unit's formula is said
/// in percent too.
#[test]
fn the_note_on_a_corrected_rate_states_both_values_in_percent() {
    let file = fixtures().join("rate_formula.xlsx");
    let (_tmp, out, report) = fix(std::slice::from_ref(&file), &[]);
    let output = out.join(report.files[0].output.as_deref().expect("an output"));
    let note = note_on(&output, "G7").expect("a note on G7");
    assert!(
        note.contains("原值：89.49%（单元格值 0.894892272727273）\n更正为：98.44%\n"),
        "{note}"
    );
    assert!(
        note.contains("原公式：=F7/D7，算得 89.49%，与核定值不符"),
        "{note}"
    );
}

/// A copy of the package `source` at `target` with each part passed through `edit` (which
/// returns the new text of a part it changes) and `added` parts put in.
fn edit_package(
    source: &Path,
    target: &Path,
    edit: impl Fn(&str, &str) -> Option<String>,
    added: &[(&str, String)],
) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(source).expect("open")).expect("zip");
    let mut out = zip::ZipWriter::new(std::fs::File::create(target).expect("create"));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let name = f.name().expect("name").to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).expect("read");
        if let Some(text) = std::str::from_utf8(&bytes).ok().and_then(|t| edit(&name, t)) {
            bytes = text.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        std::io::Write::write_all(&mut out, &bytes).expect("write");
    }
    for (name, text) in added {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start");
        std::io::Write::write_all(&mut out, text.as_bytes()).expect("write");
    }
    out.finish().expect("finish");
}

/// `xml` with the `<c>` element of `cell` replaced by what `new` makes of it.
fn replace_cell(xml: &str, cell: &str, new: impl FnOnce(&str) -> String) -> String {
    let start = xml.find(&format!("<c r=\"{cell}\"")).expect("the cell");
    let end = match xml[start..].find('>') {
        Some(gt) if xml[..start + gt].ends_with('/') => start + gt + 1,
        _ => start + xml[start..].find("</c>").expect("end") + 4,
    };
    format!("{}{}{}", &xml[..start], new(&xml[start..end]), &xml[end..])
}

/// The style attribute of a `<c>` element.
fn style_of(cell: &str) -> String {
    cell.split("s=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("0")
        .to_string()
}

/// `total_and_grade.xlsx` with its 自评结论 (B30, corrected from 良 to 优) written as rich text:
/// in the cell (`inline`) or in the shared strings. Runs: a bold red `良。`, then the rest.
fn rich_conclusion(dir: &Path, shared: bool) -> PathBuf {
    let source = samples().join("mistakes/total_and_grade.xlsx");
    let name = if shared {
        "rich_shared.xlsx"
    } else {
        "rich_inline.xlsx"
    };
    let target = dir.join(name);
    // The conclusion's text as the sample has it.
    let sheet = String::from_utf8(
        entries(&source)
            .remove("xl/worksheets/sheet1.xml")
            .expect("sheet"),
    )
    .expect("utf-8");
    let cell = cell_of(&sheet, "B30");
    let text = &cell[cell.find("<t>").expect("<t>") + 3..cell.find("</t>").expect("</t>")];
    let rest = text.strip_prefix("良。").expect("starts with 良。").to_string();
    let runs = format!(
        r#"<r><rPr><b/><sz val="12"/><color rgb="FFFF0000"/><rFont val="宋体"/></rPr><t>良。</t></r><r><rPr><sz val="11"/><rFont val="宋体"/></rPr><t>{rest}</t></r>"#
    );
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si>{runs}</si></sst>"#
    );
    let edit = |name: &str, text: &str| {
        match name {
        "xl/worksheets/sheet1.xml" => Some(replace_cell(text, "B30", |cell| {
            let style = style_of(cell);
            if shared {
                format!(r#"<c r="B30" s="{style}" t="s"><v>0</v></c>"#)
            } else {
                format!(r#"<c r="B30" s="{style}" t="inlineStr"><is>{runs}</is></c>"#)
            }
        })),
        "xl/_rels/workbook.xml.rels" if shared => Some(text.replace(
            "</Relationships>",
            r#"<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        )),
        "[Content_Types].xml" if shared => Some(text.replace(
            "</Types>",
            r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
        )),
        _ => None,
    }
    };
    let added = if shared {
        vec![("xl/sharedStrings.xml", sst)]
    } else {
        Vec::new()
    };
    edit_package(&source, &target, edit, &added);
    target
}

/// The `<c>` element of `cell` in a sheet part's text.
fn cell_of(xml: &str, cell: &str) -> String {
    let start = xml.find(&format!("<c r=\"{cell}\"")).expect("the cell");
    let end = start + xml[start..].find("</c>").expect("end") + 4;
    xml[start..end].to_string()
}

/// The `<c>` element of `cell` in the first sheet of a package.
fn cell_xml(path: &Path, cell: &str) -> String {
    let sheet = entries(path).remove("xl/worksheets/sheet1.xml").expect("sheet1");
    cell_of(&String::from_utf8(sheet).expect("utf-8"), cell)
}

/// A corrected rich-text cell keeps its formatting runs: the bold red `良。` becomes a bold red
/// `优。`, the rest keeps its own font — for runs in the cell and in the shared strings alike.
#[test]
fn a_corrected_rich_text_cell_keeps_its_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    for shared in [false, true] {
        let input = rich_conclusion(dir.path(), shared);
        // The fixture reads as before: 良 is found and corrected.
        assert!(
            fixed_cells(&input)
                .values()
                .any(|cells| cells.get("B30").is_some_and(|e| e.starts_with("优"))),
            "{shared}: {:?}",
            fixed_cells(&input)
        );
        let (_tmp, out, report) = fix(std::slice::from_ref(&input), &[]);
        let file = &report.files[0];
        assert_eq!(
            file.output_form,
            Some(OutputForm::Reissued),
            "{:?}",
            file.output_note
        );
        let output = out.join(file.output.as_deref().expect("output"));
        let xml = cell_xml(&output, "B30");
        assert!(
            xml.contains(r#"<rPr><b/><sz val="12"/><color rgb="FFFF0000"/><rFont val="宋体"/></rPr><t xml:space="preserve">优。</t>"#),
            "shared = {shared}: {xml}"
        );
        assert!(
            xml.contains(r#"<rPr><sz val="11"/><rFont val="宋体"/></rPr><t xml:space="preserve">自评为优"#),
            "shared = {shared}: {xml}"
        );
        // calamine reads the whole corrected text.
        let (value, _) = cells(&output)
            .remove(&("项目工作经费".to_string(), 29, 1))
            .expect("B30");
        assert!(
            matches!(&value, Data::String(s) if s.starts_with("优。自评为优的理由")),
            "{value:?}"
        );
        assert!(fixed_cells(&output).is_empty());
        // openpyxl, an independent reader, sees the runs.
        if let Some(runs) = openpyxl_runs(&output, "项目工作经费", "B30") {
            assert_eq!(
                runs[0],
                ("优。".to_string(), true, "FFFF0000".to_string()),
                "{runs:?}"
            );
            assert!(runs[1].0.starts_with("自评为优") && !runs[1].1, "{runs:?}");
        }
    }
}

/// The runs of a cell as openpyxl reads them (text, bold, colour); `None` without python3
/// and openpyxl (outside CI).
fn openpyxl_runs(path: &Path, sheet: &str, cell: &str) -> Option<Vec<(String, bool, String)>> {
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], rich_text=True)
value = wb[sys.argv[2]][sys.argv[3]].value
runs = []
for part in (value if not isinstance(value, str) else [value]):
    if isinstance(part, str):
        runs.append([part, False, ""])
    else:
        font = part.font
        colour = font.color.rgb if font is not None and font.color is not None else ""
        runs.append([part.text, bool(font is not None and font.b), colour or ""])
print(json.dumps(runs))
"#;
    let available = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with openpyxl is missing in CI"
        );
        eprintln!("SKIPPED: python3 with openpyxl is not installed");
        return None;
    }
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .args([sheet, cell])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("runs"))
}

/// A figure written as rich text whose correction has another length and changes every run
/// (总分 `89.9`, bold `89` then italic `.9`, corrected to `99.92`): the new text takes the first
/// run's formatting, and the note says so.
#[test]
fn rich_text_that_cannot_keep_its_runs_takes_the_first_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("rich_total.xlsx");
    let edit = |name: &str, text: &str| {
        (name == "xl/worksheets/sheet1.xml").then(|| {
            replace_cell(text, "H29", |cell| {
                format!(
                    r#"<c r="H29" s="{}" t="inlineStr"><is><r><rPr><b/></rPr><t>89</t></r><r><rPr><i/></rPr><t>.9</t></r></is></c>"#,
                    style_of(cell)
                )
            })
        })
    };
    edit_package(
        &samples().join("mistakes/total_and_grade.xlsx"),
        &input,
        edit,
        &[],
    );
    assert!(
        fixed_cells(&input)
            .values()
            .any(|cells| cells.get("H29").is_some_and(|e| e == "99.92")),
        "{:?}",
        fixed_cells(&input)
    );
    let (_tmp, out, report) = fix(std::slice::from_ref(&input), &[]);
    let output = out.join(report.files[0].output.as_deref().expect("output"));
    let xml = cell_xml(&output, "H29");
    assert!(
        xml.contains(r#"<is><r><rPr><b/></rPr><t xml:space="preserve">99.92</t></r></is>"#),
        "{xml}"
    );
    let note = note_on(&output, "H29").expect("a note");
    assert!(note.contains("第一段"), "{note}");
    assert!(matches!(
        cells(&output).remove(&("项目工作经费".to_string(), 28, 7)),
        Some((Data::String(s), _)) if s == "99.92"
    ));
}
