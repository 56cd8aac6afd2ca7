//! A cell position in an input sheet and its A1 name: what every stage uses to say where a
//! value came from. It lives with the grid, the lowest stage that has positions, so that the
//! form model, the reader and the rulebook share it without depending on one another.

use std::fmt;

/// A zero-based cell position in the input sheet; displays as an A1 reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub row: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(row: u32, col: u32) -> Self {
        Pos { row, col }
    }
}

/// Column letters of a zero-based column index (`0` → `A`, `26` → `AA`).
pub fn col_name(mut col: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

impl Pos {
    /// Parse an A1 reference (`H7` → row 6, col 7); `None` for anything else.
    pub fn parse_a1(a1: &str) -> Option<Pos> {
        let letters = a1.chars().take_while(|c| c.is_ascii_uppercase()).count();
        if letters == 0 || letters > 3 {
            return None;
        }
        let col = a1[..letters]
            .bytes()
            .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
            - 1;
        let row: u32 = a1[letters..].parse().ok()?;
        (row >= 1).then(|| Pos::new(row - 1, col))
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", col_name(self.col), self.row + 1)
    }
}
