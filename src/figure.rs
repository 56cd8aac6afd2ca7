//! How a field reads as a figure, decided once for every stage: the rulebook checks what this
//! returns and the renderer writes what it returns, so a value accepted in one is accepted in
//! the other (docs/rules.md, "Numbers and rounding").

use rust_decimal::Decimal;

use crate::form::Field;
use crate::grid::Value;
use crate::num;
use crate::text::is_placeholder;

/// Where a percent came from, when a figure is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Percent {
    /// A plain number.
    No,
    /// The cell's number format shows a percent: the value is a fraction (`0.9844` shown as
    /// `98.44%`).
    Format,
    /// The text says `%`: the value is in percent points (`98.44%` reads as 98.44).
    Written,
}

/// A field read as a figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Empty, white space or a placeholder (`/`, `-`, `—`, `无`).
    Blank,
    /// A number: a numeric cell, or text such as `196,876.30`, `98.44%`, `５`.
    Number { value: Decimal, percent: Percent },
    /// A cached formula error, as Excel shows it (`#DIV/0!`).
    Error(String),
    /// A number the cell holds that no decimal can (`1E+300`).
    Unrepresentable(String),
    /// Anything else: words, a date, a boolean.
    Text(String),
}

/// The largest magnitude computed with: 10¹⁵. Figures whose magnitude lies outside these bounds are not computed with: a product or
/// quotient of two of them could leave the decimal range, and no real form holds them
/// (docs/rules.md, `unparseable-value`: "数值超出可核算范围").
const LARGEST: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);
/// The smallest non-zero magnitude computed with: 10⁻¹⁰.
const SMALLEST: Decimal = Decimal::from_parts(1, 0, 0, false, 10);

/// Whether a figure can enter a computation: zero, or a magnitude in [10⁻¹⁰, 10¹⁵].
pub fn computable(value: Decimal) -> bool {
    let m = value.abs();
    m.is_zero() || (m >= SMALLEST && m <= LARGEST)
}

/// Read a field as a figure.
pub fn read(field: &Field) -> Figure {
    match &field.value {
        Value::Empty => Figure::Blank,
        Value::Number(d) => Figure::Number {
            value: *d,
            percent: if field.percent {
                Percent::Format
            } else {
                Percent::No
            },
        },
        Value::Text(s) => read_text(s),
        Value::Error(e) => Figure::Error(e.clone()),
        Value::Unrepresentable(e) => Figure::Unrepresentable(e.clone()),
        Value::Bool(_) | Value::Date(_) => Figure::Text(field.text()),
    }
}

/// Text as a figure: a number, a number with `%`, a placeholder, or words.
pub fn read_text(s: &str) -> Figure {
    if is_placeholder(s) {
        return Figure::Blank;
    }
    let t = num::trim_blank(s);
    if let Some(value) = num::parse_number(t) {
        return Figure::Number {
            value,
            percent: Percent::No,
        };
    }
    match t.strip_suffix(['%', '％']).and_then(num::parse_number) {
        Some(value) => Figure::Number {
            value,
            percent: Percent::Written,
        },
        None => Figure::Text(t.to_string()),
    }
}

impl Figure {
    /// The number, whatever its percent (for figures that are never percents).
    pub fn number(&self) -> Option<Decimal> {
        match self {
            Figure::Number { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// The number in percent points: a percent-formatted `0.9844` is 98.44, `98.44%` and a bare
    /// `98.44` are 98.44. `None` when it is not a number or overflows.
    pub fn percent_points(&self) -> Option<Decimal> {
        match self {
            Figure::Number {
                value,
                percent: Percent::Format,
            } => value.checked_mul(Decimal::ONE_HUNDRED),
            Figure::Number { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// A value the file holds but no one can compute with: a formula error or a number beyond
    /// a decimal's range, as Excel shows it.
    pub fn unusable(&self) -> Option<&str> {
        match self {
            Figure::Error(e) | Figure::Unrepresentable(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_blank(&self) -> bool {
        matches!(self, Figure::Blank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn text(s: &str) -> Figure {
        read(&Field {
            value: Value::Text(s.into()),
            ..Field::default()
        })
    }

    #[test]
    fn bounds_are_the_documented_powers_of_ten() {
        assert_eq!(LARGEST, Decimal::from_str("1000000000000000").unwrap());
        assert_eq!(SMALLEST, Decimal::from_str("0.0000000001").unwrap());
        assert!(computable(Decimal::from_str("999999999999999.99").unwrap()));
        assert!(!computable(Decimal::from_str("1e16").unwrap_or(Decimal::MAX)));
        assert!(!computable(Decimal::from_str("0.00000000000000000001").unwrap()));
        assert!(computable(Decimal::ZERO));
    }

    #[test]
    fn one_reading_of_text() {
        let n = |v: &str, percent| Figure::Number {
            value: Decimal::from_str(v).unwrap(),
            percent,
        };
        assert_eq!(text("196,876.30"), n("196876.30", Percent::No));
        assert_eq!(text("98.44%"), n("98.44", Percent::Written));
        assert_eq!(text(" ９８．４４％ "), n("98.44", Percent::Written));
        for blank in ["", " ", "/", "—", "-", "无", "——"] {
            assert_eq!(text(blank), Figure::Blank, "{blank:?}");
        }
        assert_eq!(text("约10"), Figure::Text("约10".into()));
    }

    #[test]
    fn errors_and_huge_numbers_are_kept_as_shown() {
        let f = |v: Value| {
            read(&Field {
                value: v,
                ..Field::default()
            })
        };
        assert_eq!(f(Value::Error("#DIV/0!".into())).unusable(), Some("#DIV/0!"));
        assert_eq!(
            f(Value::Unrepresentable("1E+300".into())).unusable(),
            Some("1E+300")
        );
        let pct = read(&Field {
            value: Value::Number(Decimal::from_str("0.9844").unwrap()),
            percent: true,
            ..Field::default()
        });
        assert_eq!(pct.percent_points(), Some(Decimal::from_str("98.44").unwrap()));
    }
}
