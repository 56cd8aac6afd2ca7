//! jixiao validates and corrects 项目支出绩效目标自评表 (project performance self-evaluation
//! forms) in bulk.
//!
//! The crate reads as the pipeline it runs, one module per stage:
//!
//! 1. [`walk`]: expand the input arguments into the workbooks to read, one at a time.
//! 2. [`grid`]: read one sheet into a bounded grid of cells plus merged regions; the only place
//!    that touches calamine and the only numeric boundary (`f64` → `Decimal`, via [`num`]).
//! 3. [`locate`]: find every form on a grid by its labels and lift it into a [`form::Form`].
//! 4. [`rules`]: check a form with the rulebook, giving findings and the corrected figures.
//! 5. [`render`]: write the corrected workbook and the summary workbook; [`reissue`]: or
//!    correct the unit's own .xlsx/.xlsm in place, cell by cell.
//! 6. [`report`]: the JSON report and the terminal rendering of the same findings.
//!
//! [`run`] ties the stages together for the `check` and `fix` commands; [`serve`] is the web
//! page's front end, translating HTTP requests into the same calls. [`options`] holds the one
//! table of settings every front end fills (flags, the page's parameters, `jixiao.toml`).
//!
//! Small pieces every stage shares sit below the stages so that none imports another sideways:
//! [`codes`] (the table of finding codes), [`formats`] (the file formats taken, by name and by
//! content), [`text`] (label normalising and placeholders),
//! [`figure`] (how a field reads as a figure, for the rulebook and the renderer alike),
//! [`names`] (file names every file system holds, for `fix`'s outputs and uploads),
//! [`formula`] (the small spreadsheet arithmetic forms use, evaluated over decimals: the grid
//! computes the placeholder results of a workbook written by a program with it, and reissue
//! checks whether a unit's formula gives our figure), [`xml`] (the quick-xml helpers the grid
//! and reissue share), [`num`] (the numeric boundary) and [`grid::Pos`] (a cell's position and
//! the one A1 parser).

pub mod alloc;
pub mod codes;
pub mod figure;
pub mod form;
pub mod formats;
pub mod formula;
pub mod grammar;
pub mod grid;
pub mod locate;
pub mod names;
pub mod num;
pub mod options;
pub mod reissue;
pub mod render;
pub mod report;
pub mod rules;
pub mod run;
pub mod serve;
pub mod text;
pub mod walk;
pub mod xml;
