//! The one numeric boundary: every figure of a form enters the crate here and becomes a
//! [`Decimal`], and leaves it here as text.
//!
//! Spreadsheet readers hand over binary floats (`274.65999999999997`) and filers type numbers
//! as text (`196,876.30`, full-width `１２３`). The rulebook demands exact decimal arithmetic
//! with Excel's rounding, so a float is converted exactly once, through its 15-significant-digit
//! representation (what Excel displays), and text numbers are read by the same rules everywhere.
//! Nothing else in the crate may hold a figure as `f64`.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// Significant digits Excel shows for a number, and the precision we keep from a float.
const EXCEL_SIGNIFICANT_DIGITS: usize = 15;

/// Converts a spreadsheet float to a decimal through 15 significant digits, as Excel displays
/// it: `274.65999999999997` → `274.66`, `0.8700000000000001` → `0.87`.
///
/// Returns `None` for NaN, infinities and magnitudes a [`Decimal`] cannot hold. Values smaller
/// than a `Decimal` can represent round to zero. The result is normalized (no trailing zeros,
/// no negative zero).
pub fn from_f64(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    if x == 0.0 {
        return Some(Decimal::ZERO);
    }
    // Whole numbers below 10^15 are exact in an f64 and have at most 15 digits: no rounding to do.
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return Some(Decimal::from(x as i64));
    }
    // Rust formats floats exactly and rounds correctly, so this is the 15-digit display value:
    // `-2.74660000000000e2`.
    let text = format!("{:.*e}", EXCEL_SIGNIFICANT_DIGITS - 1, x);
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut coefficient: i128 = digits.parse().ok()?;
    // value = coefficient × 10^power
    let mut power = exponent - (EXCEL_SIGNIFICANT_DIGITS as i32 - 1);
    while coefficient != 0 && coefficient % 10 == 0 {
        coefficient /= 10;
        power += 1;
    }
    let max_scale = Decimal::MAX_SCALE as i32;
    let magnitude = if power >= 0 {
        if power > max_scale {
            return None;
        }
        let scaled = coefficient.checked_mul(10i128.checked_pow(power.unsigned_abs())?)?;
        Decimal::try_from_i128_with_scale(scaled, 0).ok()?
    } else {
        let mut scale = -power;
        if scale > max_scale {
            // Below a Decimal's resolution: keep what fits, rounding half away from zero.
            let dropped = scale - max_scale;
            coefficient = match 10i128.checked_pow(dropped.unsigned_abs()) {
                Some(divisor) => (coefficient + divisor / 2) / divisor,
                None => 0,
            };
            scale = max_scale;
        }
        Decimal::try_from_i128_with_scale(coefficient, scale.unsigned_abs()).ok()?
    };
    let value = if negative { -magnitude } else { magnitude };
    Some(value.normalize())
}

/// Rounds to 2 decimals, half away from zero, like Excel's `ROUND(x, 2)`:
/// `2.345` → `2.35`, `-2.345` → `-2.35`.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Reads a plain number written as text: `196,876.30`, `１２３`, `-5`, `＋0.5`.
///
/// Surrounding blanks (including the ideographic space U+3000 and the no-break space) are
/// ignored; full-width digits, signs, point and comma are accepted; thousands separators must
/// form groups of three (`1,234`, not `1,2`). Units, `%` and anything else make it `None`.
pub fn parse_number(s: &str) -> Option<Decimal> {
    let text: String = s.chars().map(halfwidth).collect();
    let text = trim_blank(&text);
    match scan_number(text) {
        Some((value, len)) if len == text.len() => Some(value),
        _ => None,
    }
}

/// Formats an amount with thousands separators and exactly two decimals, after [`round2`]:
/// `196876.3` → `196,876.30`, `-1234.5` → `-1,234.50`, `0` → `0.00`.
pub fn fmt_amount(d: Decimal) -> String {
    let rounded = round2(d);
    let plain = rounded.abs().to_string();
    let (int_part, frac_part) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    let mut out = String::with_capacity(plain.len() + plain.len() / 3 + 4);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        out.push('-');
    }
    let len = int_part.len();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push('.');
    let mut frac: String = frac_part.chars().take(2).collect();
    while frac.len() < 2 {
        frac.push('0');
    }
    out.push_str(&frac);
    out
}

/// Formats a number in its shortest plain form, without trailing zeros or separators:
/// `98.440` → `98.44`, `200000.00` → `200000`, `-0` → `0`. Used for the JSON report.
pub fn fmt_plain(d: Decimal) -> String {
    if d.is_zero() {
        return "0".to_string();
    }
    d.normalize().to_string()
}

/// Maps a full-width form (U+FF01–U+FF5E) to its ASCII twin and the ideographic space,
/// no-break space and the minus sign U+2212 to their ASCII forms; other characters pass through.
pub(crate) fn halfwidth(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        '\u{2212}' => '-',
        '\u{FE6A}' => '%',
        _ => c,
    }
}

/// Whether a character counts as blank around a value: Unicode whitespace (which covers U+3000
/// and U+00A0) plus the zero-width characters spreadsheets leave behind.
pub(crate) fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}')
}

/// Trims [`is_blank`] characters from both ends.
pub(crate) fn trim_blank(s: &str) -> &str {
    s.trim_matches(is_blank)
}

/// Scans a number at the start of an already half-width string and returns it with the number
/// of bytes it took.
///
/// Accepted: an optional sign, digits with optional thousands separators in groups of three, an
/// optional point followed by at least one digit. A separator that does not start a valid group
/// ends the number (so `9,次` scans `9`, `1234,567` scans `1234`). `None` when no digit starts
/// the string or the value does not fit a [`Decimal`].
pub(crate) fn scan_number(s: &str) -> Option<(Decimal, usize)> {
    let bytes = s.as_bytes();
    let mut pos = 0;
    let mut clean = String::new();
    if let Some(&sign) = bytes.first()
        && (sign == b'-' || sign == b'+')
    {
        if sign == b'-' {
            clean.push('-');
        }
        pos = 1;
    }
    let int_start = pos;
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let first_group = pos - int_start;
    if first_group == 0 {
        return None;
    }
    clean.push_str(&s[int_start..pos]);
    if first_group <= 3 {
        // Thousands groups: `,ddd` not followed by another digit.
        while bytes.get(pos) == Some(&b',')
            && bytes
                .get(pos + 1..pos + 4)
                .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
            && !bytes.get(pos + 4).is_some_and(u8::is_ascii_digit)
        {
            clean.push_str(&s[pos + 1..pos + 4]);
            pos += 4;
        }
    }
    if bytes.get(pos) == Some(&b'.') && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) {
        let frac_start = pos + 1;
        pos = frac_start;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        clean.push('.');
        clean.push_str(&s[frac_start..pos]);
    }
    let value = Decimal::from_str(&clean).ok()?;
    Some((value.normalize(), pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test literal")
    }

    #[test]
    fn from_f64_uses_15_significant_digits() {
        assert_eq!(from_f64(274.65999999999997), Some(d("274.66")));
        assert_eq!(from_f64(0.8700000000000001), Some(d("0.87")));
        assert_eq!(from_f64(196876.3), Some(d("196876.3")));
        assert_eq!(from_f64(0.1 + 0.2), Some(d("0.3")));
        assert_eq!(from_f64(2.675), Some(d("2.675")));
        assert_eq!(from_f64(-1234.5), Some(d("-1234.5")));
        assert_eq!(from_f64(200000.0), Some(d("200000")));
        assert_eq!(from_f64(1e-20), Some(d("0.00000000000000000001")));
        assert_eq!(from_f64(-0.0), Some(Decimal::ZERO));
        assert_eq!(from_f64(1e15), Some(d("1000000000000000")));
    }

    #[test]
    fn from_f64_is_normalized() {
        let v = from_f64(200000.0).expect("finite");
        assert_eq!(v.to_string(), "200000");
        assert_eq!(v.scale(), 0);
        assert_eq!(from_f64(98.44).map(|v| v.to_string()), Some("98.44".into()));
    }

    #[test]
    fn from_f64_rejects_what_a_decimal_cannot_hold() {
        assert_eq!(from_f64(f64::NAN), None);
        assert_eq!(from_f64(f64::INFINITY), None);
        assert_eq!(from_f64(f64::NEG_INFINITY), None);
        assert_eq!(from_f64(1e30), None);
        assert_eq!(from_f64(f64::MAX), None);
        assert_eq!(from_f64(f64::MIN_POSITIVE), Some(Decimal::ZERO));
        assert_eq!(from_f64(1e-40), Some(Decimal::ZERO));
    }

    #[test]
    fn from_f64_keeps_what_fits_below_resolution() {
        // 1.23456789012345e-20 has 34 decimals; a Decimal keeps 28.
        let v = from_f64(1.23456789012345e-20).expect("tiny");
        assert_eq!(v, d("0.0000000000000000000123456789"));
    }

    #[test]
    fn round2_is_half_away_from_zero() {
        assert_eq!(round2(d("2.345")), d("2.35"));
        assert_eq!(round2(d("-2.345")), d("-2.35"));
        assert_eq!(round2(d("2.675")), d("2.68"));
        assert_eq!(round2(d("2.344")), d("2.34"));
        assert_eq!(round2(d("0.005")), d("0.01"));
        assert_eq!(round2(d("-0.005")), d("-0.01"));
        assert_eq!(round2(d("9.8438")), d("9.84"));
        assert_eq!(round2(d("7")), d("7"));
    }

    #[test]
    fn parse_number_reads_text_numbers() {
        assert_eq!(parse_number("196,876.30"), Some(d("196876.30")));
        assert_eq!(parse_number("１２３"), Some(d("123")));
        assert_eq!(parse_number("１９６，８７６．３"), Some(d("196876.3")));
        assert_eq!(parse_number("－５"), Some(d("-5")));
        assert_eq!(parse_number("＋0.5"), Some(d("0.5")));
        assert_eq!(parse_number("+7"), Some(d("7")));
        assert_eq!(parse_number("-1,234.5"), Some(d("-1234.5")));
        assert_eq!(parse_number("\u{3000}98.44\u{00A0}"), Some(d("98.44")));
        assert_eq!(parse_number(" 0 "), Some(Decimal::ZERO));
        assert_eq!(parse_number("1,000,000"), Some(d("1000000")));
    }

    #[test]
    fn parse_number_rejects_non_numbers() {
        for s in [
            "", "  ", "abc", "-", "+", ".", "1.", ".5", "98.44%", "9次", "1,2", "1234,567", "1,23", "1,2345",
            "1..2", "1.2.3", "--1", "1 000", "1e3", "一", "1,234,",
        ] {
            assert_eq!(parse_number(s), None, "{s:?}");
        }
    }

    #[test]
    fn parse_number_survives_overflow() {
        assert_eq!(parse_number("99999999999999999999999999999999999"), None);
        assert!(parse_number("0.1234567890123456789012345678901234").is_some());
    }

    #[test]
    fn fmt_amount_groups_and_pads() {
        assert_eq!(fmt_amount(d("196876.3")), "196,876.30");
        assert_eq!(fmt_amount(d("-1234.5")), "-1,234.50");
        assert_eq!(fmt_amount(Decimal::ZERO), "0.00");
        assert_eq!(fmt_amount(d("100")), "100.00");
        assert_eq!(fmt_amount(d("1000")), "1,000.00");
        assert_eq!(fmt_amount(d("99193.53")), "99,193.53");
        assert_eq!(fmt_amount(d("2.345")), "2.35");
        assert_eq!(fmt_amount(d("-2.345")), "-2.35");
        assert_eq!(fmt_amount(d("-0.001")), "0.00");
        assert_eq!(fmt_amount(d("1234567.891")), "1,234,567.89");
        assert_eq!(
            fmt_amount(Decimal::MAX),
            "79,228,162,514,264,337,593,543,950,335.00"
        );
    }

    #[test]
    fn fmt_plain_is_shortest() {
        assert_eq!(fmt_plain(d("98.440")), "98.44");
        assert_eq!(fmt_plain(d("200000.00")), "200000");
        assert_eq!(fmt_plain(-Decimal::ZERO), "0");
        assert_eq!(fmt_plain(d("-0.00")), "0");
        assert_eq!(fmt_plain(d("-12.50")), "-12.5");
        assert_eq!(fmt_plain(d("0.001")), "0.001");
    }

    proptest::proptest! {
        #[test]
        fn from_f64_never_panics(x in proptest::num::f64::ANY) {
            let _ = from_f64(x);
        }

        #[test]
        fn from_f64_recovers_what_a_cell_displays(mantissa in -10i64.pow(13)..10i64.pow(13), scale in 0u32..=6) {
            // Up to 13 + 6 digits would exceed 15 significant digits; cap the precision.
            let value = Decimal::new(mantissa, scale);
            let shown = Decimal::new(mantissa / 10i64.pow(scale.min(4)), scale - scale.min(4));
            for v in [value, shown] {
                if v.mantissa().unsigned_abs() < 10u128.pow(15) {
                    let x: f64 = v.to_string().parse().expect("decimal text is a float");
                    proptest::prop_assert_eq!(from_f64(x), Some(v.normalize()));
                }
            }
        }

        #[test]
        fn text_forms_read_back(mantissa in proptest::num::i64::ANY, scale in 0u32..=10) {
            let value = Decimal::new(mantissa, scale);
            proptest::prop_assert_eq!(parse_number(&fmt_plain(value)), Some(value));
            proptest::prop_assert_eq!(parse_number(&fmt_amount(value)), Some(round2(value)));
        }

        #[test]
        fn parse_number_never_panics(s in ".*") {
            let _ = parse_number(&s);
        }
    }

    #[test]
    fn scan_number_stops_at_the_first_non_number() {
        assert_eq!(scan_number("9次"), Some((d("9"), 1)));
        assert_eq!(scan_number("9,次"), Some((d("9"), 1)));
        assert_eq!(scan_number("31876.3元"), Some((d("31876.3"), 7)));
        assert_eq!(scan_number("1,234.5万元"), Some((d("1234.5"), 7)));
        assert_eq!(scan_number("1234,567"), Some((d("1234"), 4)));
        assert_eq!(scan_number("1,2345"), Some((d("1"), 1)));
        assert_eq!(scan_number("5.次"), Some((d("5"), 1)));
        assert_eq!(scan_number("次"), None);
        assert_eq!(scan_number(""), None);
    }
}
