//! Every value a real file can hold, in any one field of the seed forms: the rulebook never
//! panics, and a value it cannot use is named by a finding on its cell (docs/rules.md,
//! `unparseable-value`; a derived figure's own mismatch code for 执行率, 得分 and 总分).
//!
//! Cases: 10,000 by default; set `JIXIAO_PROPTEST_CASES` for more.

mod common;

use jixiao::figure;
use jixiao::form::{Field, Form};
use jixiao::grammar::Date;
use jixiao::grid::{self, Cell, Grid, Limits, Pos, Value};
use jixiao::locate;
use jixiao::num;
use jixiao::rules::{Code, Settings, check};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The seed workbook's grids (each holds one form).
fn seed_grids() -> Vec<Grid> {
    let path = common::samples().join("seed_2024.xlsx");
    grid::read_workbook(&path, &Limits::default()).expect("the seed reads")
}

/// The cells of every field the rules read as a figure or a target/actual.
fn field_cells(form: &Form) -> Vec<Pos> {
    let mut fields: Vec<&Field> = vec![
        &form.funds.points,
        &form.funds.rate,
        &form.funds.score,
        &form.total,
    ];
    for line in &form.funds.lines {
        fields.extend([&line.initial, &line.budget, &line.executed]);
    }
    for ind in &form.indicators {
        fields.extend([&ind.target, &ind.actual, &ind.weight, &ind.score]);
    }
    fields.into_iter().filter_map(|f| f.pos).collect()
}

/// A copy of `grid` with one cell's value replaced.
fn with_value(grid: &Grid, at: Pos, value: Value) -> Grid {
    let mut cells = Vec::new();
    for row in 0..grid.height() {
        for col in 0..grid.width() {
            let cell = grid.cell(row, col);
            if (row, col) == (at.row, at.col) {
                cells.push((
                    row,
                    col,
                    Cell {
                        value: value.clone(),
                        percent: false,
                    },
                ));
            } else if !cell.value.is_blank() {
                cells.push((row, col, cell.clone()));
            }
        }
    }
    let mut out = Grid::from_cells(grid.name.clone(), cells, grid.merges.clone());
    out.formats_known = grid.formats_known;
    out
}

/// A float as a spreadsheet reader turns it into a value: a decimal when one can hold it.
fn float(f: f64) -> Value {
    match num::from_f64(f) {
        Some(d) => Value::Number(d),
        None => Value::Unrepresentable(format!("{f:E}")),
    }
}

fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>().prop_map(float),
        prop_oneof![
            Just(1e28),
            Just(-1e28),
            Just(1e-28),
            Just(1e-22),
            Just(7.9e28),
            Just(1e300),
            Just(-1e300),
            Just(f64::MAX),
            Just(1e15),
            Just(1e16),
            Just(0.0),
            Just(-5.0),
        ]
        .prop_map(float),
        (-1_000_000_000i64..1_000_000_000, 0u32..=28).prop_map(|(m, s)| Value::Number(Decimal::new(m, s))),
        prop::sample::select(vec![
            "#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NUM!", "#NAME?", "#NULL!"
        ])
        .prop_map(|e| Value::Error(e.to_string())),
        (1900i32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| Value::Date(Date {
            year: y,
            month: m,
            day: d
        })),
        "[0-9０-９,.%％≥≤=═﹦ 次元万个]{0,12}".prop_map(Value::Text),
        "\\PC{0,300}".prop_map(Value::Text),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Empty),
        Just(Value::Text("1e28".into())),
        Just(Value::Text("≥0.00000000000000000001次".into())),
        Just(Value::Text("10000000000000000000000000000次".into())),
    ]
}

/// A value no rule can compute with: it must be named by a finding on its cell.
fn unusable(value: &Value) -> bool {
    let field = Field {
        value: value.clone(),
        ..Field::default()
    };
    match figure::read(&field) {
        figure::Figure::Error(_) | figure::Figure::Unrepresentable(_) => true,
        figure::Figure::Number { value, .. } => !figure::computable(value),
        _ => false,
    }
}

fn cases() -> u32 {
    std::env::var("JIXIAO_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn one_arbitrary_value_in_any_field(pick in any::<prop::sample::Index>(), cell in any::<prop::sample::Index>(), value in any_value()) {
        let grids = seed_grids_cached();
        let (grid, cells) = pick.get(grids);
        let at = *cell.get(cells);
        let changed = with_value(grid, at, value.clone());
        let forms = locate::locate(&changed).forms;
        prop_assert!(!forms.is_empty(), "the form is still found");
        for form in &forms {
            let checked = check(form, &Settings::default());
            // Fixing is stable too: the corrected form checks without new fixes.
            let again = check(&checked.corrected, &Settings::default());
            prop_assert!(again.findings.iter().all(|f| f.code != Code::InternalError));
            if unusable(&value) {
                let named = checked.findings.iter().any(|f| f.cell == at.to_string());
                prop_assert!(named, "{:?} in {} is named by a finding: {:#?}", value, at, checked.findings);
            }
        }
    }
}

/// The seed's grids with their field cells, read once for all cases.
fn seed_grids_cached() -> &'static [(Grid, Vec<Pos>)] {
    static GRIDS: std::sync::OnceLock<Vec<(Grid, Vec<Pos>)>> = std::sync::OnceLock::new();
    GRIDS.get_or_init(|| {
        seed_grids()
            .into_iter()
            .filter_map(|g| {
                let form = locate::locate(&g).forms.into_iter().next()?;
                let cells = field_cells(&form);
                Some((g, cells))
            })
            .collect()
    })
}

/// Absurd figures real files hold, each on the seed with a wrong 总分 beside it: the bad cell is
/// `unparseable-value`, and the form's other finding stands.
#[test]
fn named_absurd_figures_are_unparseable_on_their_cells() {
    let (grid, _) = &seed_grids_cached()[0];
    let form = locate::locate(grid).forms.remove(0);
    let actual = form.indicators[0].actual.pos.expect("actual cell");
    let target = form.indicators[0].target.pos.expect("target cell");
    let budget = form.funds.lines[0].budget.pos.expect("budget cell");
    let total = form.total.pos.expect("总分 cell");
    // A second, unrelated mistake that must still be reported.
    let grid = &with_value(grid, total, Value::Number(Decimal::from(50)));
    for (at, value) in [
        (
            actual,
            Value::Number(Decimal::from_i128_with_scale(10i128.pow(28), 0)),
        ),
        (target, Value::Text("≥0.00000000000000000001次".into())),
        (budget, Value::Number(Decimal::new(1, 22))),
        (actual, Value::Unrepresentable("1E+300".into())),
        (target, Value::Error("#DIV/0!".into())),
        (actual, Value::Error("#REF!".into())),
    ] {
        let changed = with_value(grid, at, value.clone());
        let form = locate::locate(&changed).forms.remove(0);
        let checked = check(&form, &Settings::default());
        let on_cell: Vec<_> = checked
            .findings
            .iter()
            .filter(|f| f.cell == at.to_string())
            .collect();
        assert!(
            checked
                .findings
                .iter()
                .any(|f| f.code == Code::TotalScoreMismatch && f.cell == total.to_string()),
            "the 总分 finding stands beside {value:?}: {:#?}",
            checked.findings
        );
        assert_eq!(on_cell.len(), 1, "{value:?} at {at}: {:#?}", checked.findings);
        assert_eq!(on_cell[0].code, Code::UnparseableValue, "{value:?}");
        if let Value::Error(e) | Value::Unrepresentable(e) = &value {
            assert_eq!(&on_cell[0].reported, e, "reported as Excel shows it");
        }
        assert!(checked.findings.iter().all(|f| f.code != Code::InternalError));
    }
}
