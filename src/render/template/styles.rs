//! The formats of the template's cells: six kinds of bordered cell, each plain or highlighted as
//! a correction, built once.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder};

use crate::render::base_format;

/// How a cell looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// A bordered label, centered.
    Label,
    /// Bordered text, left, vertically centered.
    Left,
    /// Bordered long text, left, top.
    Block,
    /// A bordered value, centered (targets, actuals, 分值, 得分).
    Center,
    /// An amount, right, `#,##0.00`.
    Amount,
    /// A rate or score with two decimals, centered, `0.00`.
    Fixed,
}

/// The format of a cell of `kind`, highlighted or not. The ten formats are built once; a cell
/// that needs a variant (a percent or date number format, an indent) clones its base.
pub(super) fn style(kind: Kind, highlight: bool) -> &'static Format {
    static STYLES: std::sync::LazyLock<Vec<Format>> = std::sync::LazyLock::new(|| {
        let kinds = [
            Kind::Label,
            Kind::Left,
            Kind::Block,
            Kind::Center,
            Kind::Amount,
            Kind::Fixed,
        ];
        debug_assert!(kinds.iter().enumerate().all(|(i, &k)| k as usize == i));
        kinds
            .iter()
            .flat_map(|&kind| [false, true].map(|highlight| build_style(kind, highlight)))
            .collect()
    });
    &STYLES[2 * kind as usize + usize::from(highlight)]
}

fn build_style(kind: Kind, highlight: bool) -> Format {
    let mut f = base_format()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    f = match kind {
        Kind::Label | Kind::Center => f.set_align(FormatAlign::Center),
        Kind::Left => f.set_align(FormatAlign::Left),
        Kind::Block => f.set_align(FormatAlign::Left).set_align(FormatAlign::Top),
        Kind::Amount => f.set_align(FormatAlign::Right).set_num_format("#,##0.00"),
        Kind::Fixed => f.set_align(FormatAlign::Center).set_num_format("0.00"),
    };
    if highlight {
        f = f.set_background_color(HIGHLIGHT);
    }
    f
}

/// Fill of a corrected cell: light orange.
pub(super) const HIGHLIGHT: Color = Color::RGB(0xFFE699);
