//! What a form's field puts into its cell: how its value is read ([`Read`]) and what is written
//! ([`Out`]), the lines composed from a printed label and a field, and the note on a corrected
//! cell.

use rust_decimal::Decimal;
use rust_xlsxwriter::ExcelDateTime;

use crate::figure::{self, Figure, Percent};
use crate::form::Field;
use crate::grid::Value;
use crate::render::RenderError;

/// How a field's value is read for its cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Read {
    /// As the filer wrote it: numbers as numbers, text as text.
    AsWritten,
    /// A figure: text that reads as a plain number (`196,876.30`) is written as that number.
    Figure,
    /// 执行率 in percent points: a fraction shown with a percent format (`0.9844` as 98.44%)
    /// and `98.44%` text become 98.44.
    Rate,
}

/// The value a cell gets.
pub(super) enum Out {
    Blank,
    /// A number; `percent` keeps the input's percent display.
    Number(Decimal, bool),
    Text(String),
    Bool(bool),
    Date(ExcelDateTime),
}

pub(super) fn resolve(field: &Field, read: Read) -> Result<Out, RenderError> {
    let out = match (&field.value, read) {
        (Value::Empty, _) => Out::Blank,
        (Value::Bool(b), _) => Out::Bool(*b),
        (Value::Date(d), _) => {
            let date = u16::try_from(d.year)
                .ok()
                .zip(u8::try_from(d.month).ok())
                .zip(u8::try_from(d.day).ok());
            match date.and_then(|((y, m), d)| ExcelDateTime::from_ymd(y, m, d).ok()) {
                Some(date) => Out::Date(date),
                None => Out::Text(field.text()),
            }
        }
        (Value::Number(d), Read::AsWritten) => Out::Number(*d, field.percent),
        (Value::Text(s), Read::AsWritten) => text_or_blank(s),
        // Figures are read as the rulebook reads them; what is not a number (a placeholder,
        // words, an error) is written back as the filer wrote it.
        (_, Read::Figure) => match figure::read(field) {
            Figure::Number {
                value,
                percent: Percent::Format,
            } => Out::Number(value, true),
            Figure::Number {
                value,
                percent: Percent::No,
            } => Out::Number(value, false),
            _ => text_or_blank(&field.as_text()),
        },
        (_, Read::Rate) => match figure::read(field) {
            Figure::Number {
                value,
                percent: Percent::Format,
            } => Out::Number(percent_points(value)?, false),
            Figure::Number { value, .. } => Out::Number(value, false),
            _ => text_or_blank(&field.as_text()),
        },
        (Value::Error(e) | Value::Unrepresentable(e), _) => Out::Text(e.clone()),
    };
    Ok(out)
}

fn text_or_blank(s: &str) -> Out {
    if s.trim().is_empty() {
        Out::Blank
    } else {
        Out::Text(s.to_string())
    }
}

fn percent_points(d: Decimal) -> Result<Decimal, RenderError> {
    d.checked_mul(Decimal::ONE_HUNDRED).ok_or(RenderError::Number(d))
}

/// A printed label followed by the field's text (`单位（盖章）：…`), unless the text already
/// starts with the label's words.
pub(super) fn labelled(label: &str, field: &Field) -> String {
    let text = field.text();
    let words = label.trim_end_matches(['：', ':']);
    if text.starts_with(words) {
        text
    } else {
        format!("{label}{text}")
    }
}

/// The year line: `（2024年度）` from whatever the form printed, `（    年度）` when blank.
pub(super) fn year_line(field: &Field) -> String {
    let t = field.text();
    if t.is_empty() {
        "（    年度）".to_string()
    } else if t.starts_with(['（', '(']) {
        t
    } else if t.contains("年度") {
        format!("（{t}）")
    } else {
        format!("（{t}年度）")
    }
}

/// The text of the note on a corrected cell; a rate's in percent (its figures are points).
pub(super) fn change_note(field: &Field, read: Read) -> Option<String> {
    let change = field.change.as_ref()?;
    Some(match read {
        Read::Rate => change.rate_note(&field.value, change.percent),
        Read::AsWritten | Read::Figure => change.note(&field.value),
    })
}

/// The percent display of a number written as the input showed it (`0.9` as `90%`).
pub(super) fn percent_format(out: &Out) -> &'static str {
    match out {
        Out::Number(d, _)
            if d.checked_mul(Decimal::ONE_HUNDRED)
                .is_some_and(|p| p.fract().is_zero()) =>
        {
            "0%"
        }
        _ => "0.00%",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        let field = |s: &str| Field {
            value: Value::Text(s.to_string()),
            ..Field::default()
        };
        assert_eq!(year_line(&Field::default()), "（    年度）");
        assert_eq!(year_line(&field("（2024年度）")), "（2024年度）");
        assert_eq!(year_line(&field("2024年度")), "（2024年度）");
        assert_eq!(year_line(&field("2024")), "（2024年度）");
        assert_eq!(labelled("联系人：", &field("何娟")), "联系人：何娟");
        assert_eq!(labelled("联系人：", &field("联系人：何娟")), "联系人：何娟");
        assert_eq!(labelled("填报日期：", &Field::default()), "填报日期：");
    }

    #[test]
    fn rates_read_in_percent_points() {
        let percent = Field {
            value: Value::Number(Decimal::new(9844, 4)),
            percent: true,
            ..Field::default()
        };
        assert!(
            matches!(resolve(&percent, Read::Rate), Ok(Out::Number(d, false)) if d == Decimal::new(9844, 2))
        );
        let text = Field {
            value: Value::Text("98.44%".into()),
            ..Field::default()
        };
        assert!(
            matches!(resolve(&text, Read::Rate), Ok(Out::Number(d, false)) if d == Decimal::new(9844, 2))
        );
        let amount = Field {
            value: Value::Text("196,876.30".into()),
            ..Field::default()
        };
        assert!(
            matches!(resolve(&amount, Read::Figure), Ok(Out::Number(d, false)) if d == Decimal::new(19687630, 2))
        );
        assert!(matches!(resolve(&amount, Read::AsWritten), Ok(Out::Text(_))));
    }

    #[test]
    fn a_corrected_rate_is_noted_in_percent_both_ways() {
        // A percent-formatted 0.9918 (shown 99.18%) corrected to 99.19 points: the note never
        // sets the fraction beside the points.
        let mut rate = Field {
            value: Value::Number(Decimal::new(9918, 4)),
            percent: true,
            ..Field::default()
        };
        rate.correct(
            Value::Number(Decimal::new(9919, 2)),
            crate::rules::Code::ExecutionRateMismatch,
        );
        let note = change_note(&rate, Read::Rate).expect("a note");
        assert!(
            note.starts_with("原值：99.18%（单元格值 0.9918）\n更正为：99.19%\n"),
            "{note}"
        );
        // Another field keeps its values as written.
        let mut score = Field {
            value: Value::Number(Decimal::new(18, 0)),
            ..Field::default()
        };
        score.correct(
            Value::Number(Decimal::new(1984, 2)),
            crate::rules::Code::ExecutionScoreMismatch,
        );
        let note = change_note(&score, Read::Figure).expect("a note");
        assert!(note.starts_with("原值：18\n更正为：19.84\n"), "{note}");
    }
}
