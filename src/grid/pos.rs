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

/// The zero-based index of column letters, the inverse of [`col_name`] (`A` → 0, `aa` → 26):
/// one to three ASCII letters of either case, else `None`. For readers of references that
/// carry more than a cell's name (a formula's `$A$1`, lower case).
pub fn col_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    letters
        .bytes()
        .try_fold(0u32, |acc, b| {
            let digit = u32::from(b.to_ascii_uppercase().checked_sub(b'A')?).checked_add(1)?;
            (digit <= 26).then(|| acc * 26 + digit)
        })?
        .checked_sub(1)
}

impl Pos {
    /// Parse an A1 reference as a package writes it (`H7` → row 6, col 7: upper case, no `$`);
    /// `None` for anything else.
    pub fn parse_a1(a1: &str) -> Option<Pos> {
        let letters = a1.chars().take_while(|c| c.is_ascii_uppercase()).count();
        let col = col_index(&a1[..letters])?;
        let row: u32 = a1[letters..].parse().ok()?;
        (row >= 1).then(|| Pos::new(row - 1, col))
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", col_name(self.col), self.row + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_names_read_back() {
        for (a1, row, col) in [
            ("A1", 0, 0),
            ("H7", 6, 7),
            ("Z10", 9, 25),
            ("AA1", 0, 26),
            ("XFD1048576", 1_048_575, 16_383),
        ] {
            let pos = Pos::parse_a1(a1).unwrap();
            assert_eq!((pos.row, pos.col), (row, col), "{a1}");
            assert_eq!(pos.to_string(), a1);
        }
        for bad in ["", "A", "7", "A0", "h7", "$H$7", "ABCD1", "H7:H8", "中1"] {
            assert_eq!(Pos::parse_a1(bad), None, "{bad}");
        }
    }

    #[test]
    fn column_letters_in_either_case() {
        assert_eq!(col_index("A"), Some(0));
        assert_eq!(col_index("az"), Some(51));
        assert_eq!(col_index("XFD"), Some(16_383));
        assert_eq!(col_index("ZZZ"), Some(18_277));
        assert_eq!(col_index(""), None);
        assert_eq!(col_index("ABCD"), None);
        assert_eq!(col_index("A1"), None);
        assert_eq!(col_index("["), None);
        assert_eq!(col_name(col_index("AMJ").unwrap()), "AMJ");
    }
}
