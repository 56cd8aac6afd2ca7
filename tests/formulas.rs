//! Formulas saved without their results (openpyxl and other non-calculating writers): the cell
//! reads blank, and the finding says it is a formula whose result was never stored.
//! Fixture: `tests/fixtures/formulas/make_uncached.py`.

mod common;

use std::path::Path;

use common::{check, form};

#[test]
fn a_formula_without_a_cached_result_is_named_in_the_finding() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formulas/uncached_formulas.xlsx");
    let (report, code) = check(&path);
    assert_eq!(code, 1);
    let f = form(&report, "定额公用经费");
    let got: Vec<(&str, &str, &str)> = f
        .findings
        .iter()
        .map(|x| (x.code.as_str(), x.cell.as_str(), x.reported.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("execution-rate-mismatch", "H7", ""),
            ("total-score-mismatch", "H29", "")
        ]
    );
    assert!(
        f.findings[0].message.contains("公式 =ROUND(F7/E7*100,2)"),
        "{}",
        f.findings[0].message
    );
    assert!(f.findings[0].message.contains("没有保存计算结果"));
    // fix fills them: the figures are derived.
    assert!(f.findings.iter().all(|x| x.fixed));
    assert_eq!(f.total.as_deref(), Some("99.84"));
}
