//! The small spreadsheet arithmetic forms use, evaluated over decimals: `+ - * / %`,
//! comparisons, `SUM`, `MIN`, `MAX`, `ABS`, `ROUND`, `IF` and cell references of the same sheet,
//! on the formula text as a package stores it (no leading `=`).
//!
//! It sits below the pipeline stages because two of them evaluate formulas and neither may
//! import the other: [`grid`](crate::grid) when it reads a workbook that was written by a
//! program and stores placeholder results (it computes them over the grid it read), and
//! [`reissue`](crate::reissue) when it writes corrected figures into a unit's own workbook (it
//! keeps a formula that gives our figure). Both hand [`evaluate`] a function that gives each
//! referenced cell's value; the lexer ([`pieces`], [`CellRef`]) is shared with reissue's
//! shared-formula shifting.
//!
//! Anything else — other functions, other sheets, names, text, errors — is `None`: the caller
//! decides what an unevaluated formula means. Figures come from files, so every operation is
//! checked and an overflow is an error result, never a panic.

#![deny(clippy::arithmetic_side_effects)]

use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

/// A cell's value as a formula sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Empty,
    Number(Decimal),
    /// Text or a boolean: an argument `SUM`, `MIN` and `MAX` skip in a range, and not
    /// arithmetic we evaluate.
    Other,
    /// A value the caller does not know (a formula not yet evaluated, an error, a cell beyond
    /// what was read): any formula that reads it, even inside a range, is not evaluated.
    Unknown,
}

/// The largest range `SUM` walks; beyond it the formula is not evaluated.
pub const MAX_RANGE_CELLS: u64 = 100_000;

/// The deepest nesting of parentheses, unary signs and function calls read; deeper is not
/// evaluated (the parser recurses once per level).
const MAX_DEPTH: u32 = 64;

/// Excel's last row and column (one-based).
const SHEET_ROWS: u32 = 1_048_576;
const SHEET_COLS: u32 = 16_384;

/// A cell reference inside a formula: zero-based row and column with their `$` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
    pub abs_row: bool,
    pub abs_col: bool,
}

impl CellRef {
    /// `A1`, `$A$1`, `a1` (Excel writes upper case; others may not).
    pub fn parse(word: &str) -> Option<CellRef> {
        let b = word.as_bytes();
        let abs_col = b.first() == Some(&b'$');
        let rest = if abs_col { b.get(1..)? } else { b };
        let letters = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let col = crate::grid::col_index(word.get(usize::from(abs_col)..)?.get(..letters)?)?;
        let rest = rest.get(letters..)?;
        let abs_row = rest.first() == Some(&b'$');
        let digits = if abs_row { rest.get(1..)? } else { rest };
        if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let row: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
        if row == 0 || col >= SHEET_COLS || row > SHEET_ROWS {
            return None;
        }
        Some(CellRef {
            row: row.checked_sub(1)?,
            col,
            abs_row,
            abs_col,
        })
    }
}

/// Characters of a bare word in a formula: names, references, numbers, function names.
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '\\') || !c.is_ascii()
}

/// A formula's text in pieces: literal text kept as is, and the words between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// One character of punctuation, or a whole string literal (`"…"`) or quoted sheet name
    /// (`'…'`) with its quotes.
    Verbatim(&'a str),
    /// A run of name characters: a name, a reference, a number or a function's name.
    Word(&'a str),
}

/// Split a formula into words and everything else, keeping string literals (`"…"`) and quoted
/// sheet names (`'…'`) whole and verbatim. `None` for an unterminated quote.
pub fn pieces(formula: &str) -> Option<Vec<Piece<'_>>> {
    let mut out = Vec::new();
    let mut chars = formula.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start.checked_add(c.len_utf8())?;
        if c == '"' || c == '\'' {
            // A doubled quote inside is an escaped quote.
            let mut closed = false;
            while let Some((i, d)) = chars.next() {
                if d == c {
                    if chars.peek().map(|&(_, n)| n) == Some(c) {
                        chars.next();
                        continue;
                    }
                    end = i.checked_add(d.len_utf8())?;
                    closed = true;
                    break;
                }
            }
            if !closed {
                return None;
            }
            out.push(Piece::Verbatim(formula.get(start..end)?));
        } else if word_char(c) {
            while let Some(&(i, d)) = chars.peek() {
                if !word_char(d) {
                    break;
                }
                end = i.checked_add(d.len_utf8())?;
                chars.next();
            }
            out.push(Piece::Word(formula.get(start..end)?));
        } else {
            out.push(Piece::Verbatim(formula.get(start..end)?));
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
    let mut rest = pieces.iter().peekable();
    while let Some(piece) = rest.next() {
        match piece {
            Piece::Word(w) => {
                let next_open = rest.peek() == Some(&&Piece::Verbatim("("));
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
                let next = match rest.peek() {
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
                    rest.next();
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
/// formula is not one this evaluates (see the module documentation), reads an
/// [`Input::Unknown`] cell, or its result is an error.
pub fn evaluate(formula: &str, cell: &dyn Fn(u32, u32) -> Input) -> Option<Decimal> {
    let tokens = tokens(formula)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
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
    /// Levels of recursion open (see [`MAX_DEPTH`]).
    depth: u32,
    cell: &'a dyn Fn(u32, u32) -> Input,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek2(&self) -> Option<&Token> {
        self.tokens.get(self.at.checked_add(1)?)
    }

    fn advance(&mut self) {
        self.at = self.at.saturating_add(1);
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.advance();
        t
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.advance();
            true
        } else {
            false
        }
    }

    /// Run `f` one level deeper; `None` beyond [`MAX_DEPTH`].
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Option<Val>) -> Option<Val> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth = self.depth.saturating_add(1);
        let value = f(self);
        self.depth = self.depth.saturating_sub(1);
        value
    }

    fn comparison(&mut self) -> Option<Val> {
        let left = self.expr()?;
        let op = match self.peek() {
            Some(Token::Op(op @ ("=" | "<>" | "<" | ">" | "<=" | ">="))) => *op,
            _ => return Some(left),
        };
        self.advance();
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
            return self.nested(|p| {
                Some(match p.unary()? {
                    Val::Num(d) => Decimal::ZERO.checked_sub(d).map_or(Val::Err, Val::Num),
                    Val::Err => Val::Err,
                })
            });
        }
        if self.eat(&Token::Op("+")) {
            return self.nested(Self::unary);
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
            Input::Other | Input::Unknown => None,
        }
    }

    fn primary(&mut self) -> Option<Val> {
        match self.bump()? {
            Token::Number(d) => Some(Val::Num(d)),
            Token::Ref(r) => {
                if self.peek() == Some(&Token::Colon) {
                    return None;
                }
                self.value_at(r)
            }
            Token::Open => self.nested(|p| {
                let value = p.comparison()?;
                p.eat(&Token::Close).then_some(value)
            }),
            Token::Func(name) => {
                if !self.eat(&Token::Open) {
                    return None;
                }
                self.nested(|p| p.function(&name))
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
                match (self.peek(), self.peek2()) {
                    (Some(Token::Ref(a)), Some(Token::Colon)) => {
                        let a = *a;
                        self.advance();
                        self.advance();
                        let Some(Token::Ref(b)) = self.bump() else {
                            return None;
                        };
                        self.range(a, b, &mut values)?;
                    }
                    (Some(Token::Ref(a)), Some(Token::Comma | Token::Close)) => {
                        let a = *a;
                        self.advance();
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

    /// The numbers of a range, in order; `None` for a range too large or one holding a cell
    /// whose value is unknown.
    fn range(&self, a: CellRef, b: CellRef, values: &mut Vec<Decimal>) -> Option<()> {
        let (top, bottom) = (a.row.min(b.row), a.row.max(b.row));
        let (left, right) = (a.col.min(b.col), a.col.max(b.col));
        let rows = u64::from(bottom.saturating_sub(top)).saturating_add(1);
        let cols = u64::from(right.saturating_sub(left)).saturating_add(1);
        if rows.saturating_mul(cols) > MAX_RANGE_CELLS {
            return None;
        }
        for row in top..=bottom {
            for col in left..=right {
                match (self.cell)(row, col) {
                    Input::Number(d) => values.push(d),
                    Input::Unknown => return None,
                    Input::Empty | Input::Other => {}
                }
            }
        }
        Some(())
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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
    fn references_parse() {
        let r = |row, col, abs_row, abs_col| {
            Some(CellRef {
                row,
                col,
                abs_row,
                abs_col,
            })
        };
        assert_eq!(CellRef::parse("A1"), r(0, 0, false, false));
        assert_eq!(CellRef::parse("$h$29"), r(28, 7, true, true));
        assert_eq!(CellRef::parse("XFD1048576"), r(1_048_575, 16_383, false, false));
        for bad in [
            "", "$", "A", "1", "A0", "XFE1", "A1048577", "ABCD1", "A1B", "$$A1", "A$$1",
        ] {
            assert_eq!(CellRef::parse(bad), None, "{bad}");
        }
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

    #[test]
    fn an_unknown_cell_stops_the_formula_even_in_a_range() {
        let cells = sheet(&[
            ("H16", Input::Number(d("10"))),
            ("H17", Input::Unknown),
            ("H18", Input::Other),
        ]);
        assert_eq!(eval("SUM(H16:H16,H18)", &cells), Some(d("10")));
        assert_eq!(eval("SUM(H16:H18)", &cells), None);
        assert_eq!(eval("H17*0", &cells), None);
        assert_eq!(eval("IF(1,1,H17)", &cells), None);
    }

    #[test]
    fn hostile_formulas_give_up_without_panicking() {
        let big = Input::Number(Decimal::MAX);
        let cells = sheet(&[("A1", big.clone()), ("A2", big), ("A3", Input::Number(d("-1")))]);
        // Overflow is an error result, not a panic.
        assert_eq!(eval("A1+A2", &cells), None);
        assert_eq!(eval("A1*A2", &cells), None);
        assert_eq!(eval("SUM(A1:A2)", &cells), None);
        assert_eq!(eval("-A1-A2", &cells), None);
        assert_eq!(eval("ROUND(A3,99999999999999999999)", &cells), None);
        assert_eq!(eval("ROUND(A3,-1)", &cells), None);
        // Deep nesting stops at the depth limit instead of the stack's.
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(eval(&deep, &cells), None);
        let minus = format!("{}1", "-".repeat(100_000));
        assert_eq!(eval(&minus, &cells), None);
        let shallow = format!("{}1{}", "(".repeat(30), ")".repeat(30));
        assert_eq!(eval(&shallow, &cells), Some(d("1")));
        // A range beyond the walk limit is not summed.
        assert_eq!(eval("SUM(A1:Z100000)", &cells), None);
        // Unterminated quotes, stray characters, empty text.
        for junk in [
            "\"abc",
            "'S!A1",
            "A1#",
            "",
            "(",
            ")",
            ",",
            "SUM(",
            "1E-3",
            "A1:B2",
            "SUM(A1:,1)",
        ] {
            assert_eq!(eval(junk, &cells), None, "{junk}");
        }
    }
}
