//! The unit's own formulas on a corrected cell. Two jobs, both on the formula text as the
//! package stores it (no leading `=`):
//!
//! - [`shift`]: a shared formula's text as it applies to another cell of its range (Excel keeps
//!   the text once, on the range's first cell; the others only name the group).
//! - [`evaluate`]: the small arithmetic forms use (`+ - * / %`, comparisons, `SUM`, `MIN`,
//!   `MAX`, `ABS`, `ROUND`, `IF`, cell references of the same sheet), so a formula whose inputs we corrected can be kept when it gives our
//!   figure. Anything else — other functions, other sheets, text — is `None`: the caller then
//!   writes our figure as a value and keeps the formula in the cell's note.

use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

/// A cell's value as a formula sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Empty,
    Number(Decimal),
    /// Text, a boolean or an error: not arithmetic we evaluate.
    Other,
}

/// The largest range `SUM` walks; beyond it the formula is not evaluated.
const MAX_RANGE_CELLS: u64 = 100_000;

/// A cell reference inside a formula: zero-based row and column with their `$` flags.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CellRef {
    row: u32,
    col: u32,
    abs_row: bool,
    abs_col: bool,
}

impl CellRef {
    /// `A1`, `$A$1`, `a1` (Excel writes upper case; others may not).
    fn parse(word: &str) -> Option<CellRef> {
        let b = word.as_bytes();
        let mut i = 0;
        let abs_col = b.first() == Some(&b'$');
        if abs_col {
            i += 1;
        }
        let letters = b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        if letters == 0 || letters > 3 {
            return None;
        }
        let mut col: u32 = 0;
        for c in &b[i..i + letters] {
            col = col * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1;
        }
        i += letters;
        let abs_row = b.get(i) == Some(&b'$');
        if abs_row {
            i += 1;
        }
        let digits = &word[i..];
        if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let row: u32 = digits.parse().ok()?;
        if row == 0 || col > 16_384 || row > 1_048_576 {
            return None;
        }
        Some(CellRef {
            row: row - 1,
            col: col - 1,
            abs_row,
            abs_col,
        })
    }

    fn write(&self) -> String {
        format!(
            "{}{}{}{}",
            if self.abs_col { "$" } else { "" },
            crate::grid::col_name(self.col),
            if self.abs_row { "$" } else { "" },
            self.row + 1
        )
    }
}

/// Characters of a bare word in a formula: names, references, numbers, function names.
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '\\') || !c.is_ascii()
}

/// A formula's text in pieces: literal text kept as is, and the words between.
enum Piece<'a> {
    Verbatim(&'a str),
    Word(&'a str),
}

/// Split a formula into words and everything else, keeping string literals (`"…"`) and quoted
/// sheet names (`'…'`) whole and verbatim. `None` for an unterminated quote.
fn pieces(formula: &str) -> Option<Vec<Piece<'_>>> {
    let mut out = Vec::new();
    let mut chars = formula.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '"' || c == '\'' {
            // A doubled quote inside is an escaped quote.
            let mut end = None;
            while let Some((i, d)) = chars.next() {
                if d == c {
                    if chars.peek().map(|&(_, n)| n) == Some(c) {
                        chars.next();
                        continue;
                    }
                    end = Some(i + d.len_utf8());
                    break;
                }
            }
            out.push(Piece::Verbatim(&formula[start..end?]));
        } else if word_char(c) {
            let mut end = start + c.len_utf8();
            while let Some(&(i, d)) = chars.peek() {
                if !word_char(d) {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
            out.push(Piece::Word(&formula[start..end]));
        } else {
            out.push(Piece::Verbatim(&formula[start..start + c.len_utf8()]));
        }
    }
    Some(out)
}

/// The formula as it reads `rows` rows and `cols` columns away from where it is written:
/// relative references move, `$` ones stay. `None` when the formula holds something this does
/// not move safely (whole-column or whole-row ranges, structured references) or a reference
/// would leave the sheet.
pub fn shift(formula: &str, rows: i64, cols: i64) -> Option<String> {
    let pieces = pieces(formula)?;
    let mut out = String::with_capacity(formula.len());
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Verbatim(s) => {
                if s.starts_with(['[', '{']) {
                    return None;
                }
                out.push_str(s);
            }
            Piece::Word(w) => {
                let next = match pieces.get(i + 1) {
                    Some(Piece::Verbatim(s)) => s.chars().next(),
                    _ => None,
                };
                match CellRef::parse(w) {
                    Some(r) if next != Some('(') => {
                        let row = if r.abs_row {
                            i64::from(r.row)
                        } else {
                            i64::from(r.row).checked_add(rows)?
                        };
                        let col = if r.abs_col {
                            i64::from(r.col)
                        } else {
                            i64::from(r.col).checked_add(cols)?
                        };
                        let moved = CellRef {
                            row: u32::try_from(row).ok().filter(|&r| r < 1_048_576)?,
                            col: u32::try_from(col).ok().filter(|&c| c < 16_384)?,
                            ..r
                        };
                        out.push_str(&moved.write());
                    }
                    _ => {
                        // A word next to `:` that is not a cell: `A:A` or `1:1`.
                        let prev = match i.checked_sub(1).and_then(|p| pieces.get(p)) {
                            Some(Piece::Verbatim(s)) => s.chars().next(),
                            _ => None,
                        };
                        if next == Some(':') || prev == Some(':') {
                            return None;
                        }
                        out.push_str(w);
                    }
                }
            }
        }
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(Decimal),
    Ref(CellRef),
    Func(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
    Colon,
}

fn tokens(formula: &str) -> Option<Vec<Token>> {
    let pieces = pieces(formula)?;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(piece) = pieces.get(i) {
        i += 1;
        match piece {
            Piece::Word(w) => {
                let next_open = matches!(pieces.get(i), Some(Piece::Verbatim("(")));
                if next_open {
                    out.push(Token::Func(w.to_ascii_uppercase()));
                } else if let Some(r) = CellRef::parse(w) {
                    out.push(Token::Ref(r));
                } else if w.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                    // `1.5`, and `1E-3` arrives as `1E` `-` `3`: not handled, so `None`.
                    out.push(Token::Number(w.parse().ok()?));
                } else {
                    return None;
                }
            }
            Piece::Verbatim(s) => {
                // Two-character comparisons arrive as two pieces.
                let next = match pieces.get(i) {
                    Some(Piece::Verbatim(n)) => *n,
                    _ => "",
                };
                let token = match (*s, next) {
                    (" " | "\n" | "\r" | "\t", _) => continue,
                    ("<", ">") => Token::Op("<>"),
                    ("<", "=") => Token::Op("<="),
                    (">", "=") => Token::Op(">="),
                    ("(", _) => Token::Open,
                    (")", _) => Token::Close,
                    (",", _) => Token::Comma,
                    (":", _) => Token::Colon,
                    ("+", _) => Token::Op("+"),
                    ("-", _) => Token::Op("-"),
                    ("*", _) => Token::Op("*"),
                    ("/", _) => Token::Op("/"),
                    ("%", _) => Token::Op("%"),
                    ("=", _) => Token::Op("="),
                    ("<", _) => Token::Op("<"),
                    (">", _) => Token::Op(">"),
                    _ => return None,
                };
                if matches!(token, Token::Op("<>" | "<=" | ">=")) {
                    i += 1;
                }
                out.push(token);
            }
        }
    }
    Some(out)
}

/// A value while evaluating: a number (a comparison gives 1 or 0), or an error such as a
/// division by zero — which an `IF` may still discard, as Excel does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Num(Decimal),
    Err,
}

impl Val {
    fn map2(self, other: Val, f: impl Fn(Decimal, Decimal) -> Option<Decimal>) -> Val {
        match (self, other) {
            (Val::Num(a), Val::Num(b)) => f(a, b).map_or(Val::Err, Val::Num),
            _ => Val::Err,
        }
    }
}

fn truth(b: bool) -> Decimal {
    if b { Decimal::ONE } else { Decimal::ZERO }
}

/// The formula's result with `cell` giving each referenced cell's value, or `None` when the
/// formula is not one this evaluates (see the module documentation) or its result is an error.
pub fn evaluate(formula: &str, cell: &dyn Fn(u32, u32) -> Input) -> Option<Decimal> {
    let tokens = tokens(formula)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        cell,
    };
    let value = parser.comparison()?;
    if parser.at != tokens.len() {
        return None;
    }
    match value {
        Val::Num(d) => Some(d),
        Val::Err => None,
    }
}

/// Recursive descent over the tokens. `None`: a formula this does not read (give up);
/// `Some(Val::Err)`: it reads, and its value is an error.
struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    cell: &'a dyn Fn(u32, u32) -> Input,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn bump(&mut self) -> Option<&Token> {
        let t = self.tokens.get(self.at);
        self.at += 1;
        t
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn comparison(&mut self) -> Option<Val> {
        let left = self.expr()?;
        let op = match self.peek() {
            Some(Token::Op(op @ ("=" | "<>" | "<" | ">" | "<=" | ">="))) => *op,
            _ => return Some(left),
        };
        self.at += 1;
        let right = self.expr()?;
        Some(left.map2(right, |a, b| {
            Some(truth(match op {
                "=" => a == b,
                "<>" => a != b,
                "<" => a < b,
                ">" => a > b,
                "<=" => a <= b,
                _ => a >= b,
            }))
        }))
    }

    fn expr(&mut self) -> Option<Val> {
        let mut value = self.term()?;
        loop {
            if self.eat(&Token::Op("+")) {
                value = value.map2(self.term()?, |a, b| a.checked_add(b));
            } else if self.eat(&Token::Op("-")) {
                value = value.map2(self.term()?, |a, b| a.checked_sub(b));
            } else {
                return Some(value);
            }
        }
    }

    fn term(&mut self) -> Option<Val> {
        let mut value = self.unary()?;
        loop {
            if self.eat(&Token::Op("*")) {
                value = value.map2(self.unary()?, |a, b| a.checked_mul(b));
            } else if self.eat(&Token::Op("/")) {
                value = value.map2(self.unary()?, |a, b| a.checked_div(b));
            } else {
                return Some(value);
            }
        }
    }

    fn unary(&mut self) -> Option<Val> {
        if self.eat(&Token::Op("-")) {
            return Some(match self.unary()? {
                Val::Num(d) => Val::Num(-d),
                Val::Err => Val::Err,
            });
        }
        if self.eat(&Token::Op("+")) {
            return self.unary();
        }
        let mut value = self.primary()?;
        while self.eat(&Token::Op("%")) {
            value = value.map2(Val::Num(Decimal::ONE_HUNDRED), |a, b| a.checked_div(b));
        }
        Some(value)
    }

    fn value_at(&self, r: CellRef) -> Option<Val> {
        match (self.cell)(r.row, r.col) {
            Input::Empty => Some(Val::Num(Decimal::ZERO)),
            Input::Number(d) => Some(Val::Num(d)),
            Input::Other => None,
        }
    }

    fn primary(&mut self) -> Option<Val> {
        match self.bump()?.clone() {
            Token::Number(d) => Some(Val::Num(d)),
            Token::Ref(r) => {
                if self.peek() == Some(&Token::Colon) {
                    return None;
                }
                self.value_at(r)
            }
            Token::Open => {
                let value = self.comparison()?;
                self.eat(&Token::Close).then_some(value)
            }
            Token::Func(name) => {
                if !self.eat(&Token::Open) {
                    return None;
                }
                self.function(&name)
            }
            _ => None,
        }
    }

    /// A function call after its `(`: through its `)`.
    fn function(&mut self, name: &str) -> Option<Val> {
        match name {
            "SUM" => self.aggregate(|values| values.iter().try_fold(Decimal::ZERO, |t, v| t.checked_add(*v))),
            "MIN" => self.aggregate(|values| Some(values.iter().copied().min().unwrap_or(Decimal::ZERO))),
            "MAX" => self.aggregate(|values| Some(values.iter().copied().max().unwrap_or(Decimal::ZERO))),
            "ABS" => {
                let value = self.comparison()?;
                self.eat(&Token::Close)
                    .then(|| value.map2(Val::Num(Decimal::ZERO), |a, _| Some(a.abs())))
            }
            "ROUND" => {
                let value = self.comparison()?;
                if !self.eat(&Token::Comma) {
                    return None;
                }
                let places = self.comparison()?;
                if !self.eat(&Token::Close) {
                    return None;
                }
                Some(value.map2(places, |v, p| {
                    if !p.fract().is_zero() {
                        return None;
                    }
                    let p = u32::try_from(p.normalize().mantissa())
                        .ok()
                        .filter(|&p| p <= 10)?;
                    Some(v.round_dp_with_strategy(p, RoundingStrategy::MidpointAwayFromZero))
                }))
            }
            "IF" => {
                let condition = self.comparison()?;
                if !self.eat(&Token::Comma) {
                    return None;
                }
                let then = self.comparison()?;
                let otherwise = if self.eat(&Token::Comma) {
                    self.comparison()?
                } else {
                    Val::Num(Decimal::ZERO)
                };
                if !self.eat(&Token::Close) {
                    return None;
                }
                Some(match condition {
                    Val::Num(c) if !c.is_zero() => then,
                    Val::Num(_) => otherwise,
                    Val::Err => Val::Err,
                })
            }
            _ => None,
        }
    }

    /// `SUM`/`MIN`/`MAX` arguments through `)`: ranges and references skip text and blanks, as
    /// Excel's do; other arguments are expressions.
    fn aggregate(&mut self, f: impl Fn(&[Decimal]) -> Option<Decimal>) -> Option<Val> {
        let mut values = Vec::new();
        let mut error = false;
        if !self.eat(&Token::Close) {
            loop {
                match (self.peek(), self.tokens.get(self.at + 1)) {
                    (Some(Token::Ref(a)), Some(Token::Colon)) => {
                        let a = *a;
                        self.at += 2;
                        let Some(Token::Ref(b)) = self.bump().cloned() else {
                            return None;
                        };
                        self.range(a, b, &mut values)?;
                    }
                    (Some(Token::Ref(a)), Some(Token::Comma | Token::Close)) => {
                        let a = *a;
                        self.at += 1;
                        self.range(a, a, &mut values)?;
                    }
                    _ => match self.comparison()? {
                        Val::Num(d) => values.push(d),
                        Val::Err => error = true,
                    },
                }
                if self.eat(&Token::Close) {
                    break;
                }
                if !self.eat(&Token::Comma) {
                    return None;
                }
            }
        }
        if error {
            return Some(Val::Err);
        }
        Some(f(&values).map_or(Val::Err, Val::Num))
    }

    /// The numbers of a range, in order.
    fn range(&self, a: CellRef, b: CellRef, values: &mut Vec<Decimal>) -> Option<()> {
        let (top, bottom) = (a.row.min(b.row), a.row.max(b.row));
        let (left, right) = (a.col.min(b.col), a.col.max(b.col));
        let cells = u64::from(bottom - top + 1) * u64::from(right - left + 1);
        if cells > MAX_RANGE_CELLS {
            return None;
        }
        for row in top..=bottom {
            for col in left..=right {
                if let Input::Number(d) = (self.cell)(row, col) {
                    values.push(d);
                }
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn shift_moves_relative_references_only() {
        assert_eq!(shift("F7/E7", 1, 0).as_deref(), Some("F8/E8"));
        assert_eq!(shift("$F$7/E7", 2, 1).as_deref(), Some("$F$7/F9"));
        assert_eq!(shift("SUM(H16:H28)", 0, 1).as_deref(), Some("SUM(I16:I28)"));
        assert_eq!(shift("F$7*$E7", 3, 3).as_deref(), Some("I$7*$E10"));
        // Strings and quoted sheet names are not references.
        assert_eq!(
            shift("IF(A1>0,\"B2\",'My B3'!C4)", 1, 0).as_deref(),
            Some("IF(A2>0,\"B2\",'My B3'!C5)")
        );
        // A function whose name looks like a cell is a function.
        assert_eq!(shift("LOG10(A1)", 1, 0).as_deref(), Some("LOG10(A2)"));
        assert_eq!(shift("SUM(A:A)", 1, 0), None);
        assert_eq!(shift("A1", -1, 0), None);
        assert_eq!(shift("Table1[金额]", 1, 0), None);
    }

    fn sheet(cells: &[(&str, Input)]) -> HashMap<(u32, u32), Input> {
        cells
            .iter()
            .map(|(a1, v)| {
                let r = CellRef::parse(a1).unwrap();
                ((r.row, r.col), v.clone())
            })
            .collect()
    }

    fn eval(formula: &str, cells: &HashMap<(u32, u32), Input>) -> Option<Decimal> {
        evaluate(formula, &|r, c| {
            cells.get(&(r, c)).cloned().unwrap_or(Input::Empty)
        })
    }

    #[test]
    fn evaluates_what_forms_compute() {
        let cells = sheet(&[
            ("E7", Input::Number(d("196876.30"))),
            ("F7", Input::Number(d("193800.00"))),
            ("H16", Input::Number(d("10"))),
            ("H17", Input::Number(d("9.5"))),
            ("H18", Input::Other),
            ("G7", Input::Number(d("10"))),
        ]);
        assert_eq!(eval("SUM(H16:H20)", &cells), Some(d("19.5")));
        assert_eq!(eval("SUM(H16,H17,1)", &cells), Some(d("20.5")));
        assert_eq!(eval("ROUND(F7/E7*100,2)", &cells), Some(d("98.44")));
        assert_eq!(eval("ROUND(F7/E7,4)*G7", &cells), Some(d("9.844")));
        assert_eq!(eval("ROUND(F7/E7*100,2.0)", &cells), Some(d("98.44")));
        assert_eq!(eval("-(H16-H17)*2", &cells), Some(d("-1")));
        assert_eq!(eval("50%*G7", &cells), Some(d("5")));
        // The score of 预算执行率 as offices write it, and guards against dividing by zero.
        assert_eq!(eval("ROUND(G7*MIN(F7/E7,1),2)", &cells), Some(d("9.84")));
        assert_eq!(eval("IF(E7>0,ROUND(F7/E7*100,2),0)", &cells), Some(d("98.44")));
        assert_eq!(eval("IF(A1=0,0,F7/A1)", &cells), Some(d("0")));
        assert_eq!(eval("IF(A1<>0,F7/A1,\"\")", &cells), None);
        assert_eq!(eval("MAX(H16:H17,0)+ABS(-1)", &cells), Some(d("11")));
        assert_eq!(eval("IF(H16>=10,1,2)+IF(H16<=9,1,2)", &cells), Some(d("3")));
        // Not evaluated: text in arithmetic, division by zero, other functions and sheets.
        assert_eq!(eval("H18+1", &cells), None);
        assert_eq!(eval("F7/A1", &cells), None);
        assert_eq!(eval("TEXT(H16,\"0.00\")", &cells), None);
        assert_eq!(eval("F7/A1+IF(1,0,1)", &cells), None);
        assert_eq!(eval("Sheet2!A1", &cells), None);
        assert_eq!(eval("SUM(H16:H17", &cells), None);
        assert_eq!(eval("H16 H17", &cells), None);
    }
}
