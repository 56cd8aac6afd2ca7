//! calamine's cell values as [`Value`]s: a float through [`num::from_f64`] (the numeric boundary),
//! kept as Excel shows it (`1E+300`) when no decimal can hold it; a date-formatted serial as a
//! calendar date.

use calamine::{Data, DataRef};
use rust_decimal::Decimal;

use super::Value;
use crate::grammar::Date;
use crate::num;

pub(super) fn value_of(data: &Data) -> Value {
    match data {
        Data::Empty => Value::Empty,
        Data::Int(i) => Value::Number(Decimal::from(*i)),
        Data::Float(f) => float(*f),
        Data::String(s) => Value::Text(s.clone()),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => excel_date(dt.as_f64(), dt.is_datetime()),
        Data::DateTimeIso(s) => Value::Text(s.clone()),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    }
}

pub(super) fn value_of_ref(data: &DataRef<'_>) -> Value {
    match data {
        DataRef::Empty => Value::Empty,
        DataRef::Int(i) => Value::Number(Decimal::from(*i)),
        DataRef::Float(f) => float(*f),
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) => Value::Text((*s).to_string()),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) => excel_date(dt.as_f64(), dt.is_datetime()),
        DataRef::DateTimeIso(s) => Value::Text(s.clone()),
        DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::Error(e) => Value::Error(e.to_string()),
    }
}

fn float(f: f64) -> Value {
    match num::from_f64(f) {
        Some(d) => Value::Number(d),
        None => Value::Unrepresentable(excel_scientific(f)),
    }
}

/// A float in Excel's scientific display: `1E+300`, `-2.5E+40`.
fn excel_scientific(f: f64) -> String {
    if !f.is_finite() {
        return "#NUM!".to_string();
    }
    let s = format!("{f:E}");
    match s.split_once('E') {
        Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}E+{exp}"),
        _ => s,
    }
}

/// A date-formatted serial (1900 date system) as a calendar date; a duration stays a number.
fn excel_date(serial: f64, is_date: bool) -> Value {
    if !is_date || !(1.0..2_958_466.0).contains(&serial) {
        return float(serial);
    }
    // Serial 1 is 1900-01-01 and Excel counts a 1900-02-29 that never was: days since
    // 1899-12-30 are right from 1900-03-01 on.
    let days = serial.floor() as i64 + if serial < 61.0 { 1 } else { 0 };
    let (year, month, day) = civil_from_days(days - 25_569);
    Value::Date(Date { year, month, day })
}

/// Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serial_dates() {
        assert_eq!(
            excel_date(45657.0, true),
            Value::Date(Date {
                year: 2024,
                month: 12,
                day: 31
            })
        );
        assert_eq!(
            excel_date(45699.0, true),
            Value::Date(Date {
                year: 2025,
                month: 2,
                day: 11
            })
        );
        assert_eq!(
            excel_date(61.0, true),
            Value::Date(Date {
                year: 1900,
                month: 3,
                day: 1
            })
        );
    }
}
