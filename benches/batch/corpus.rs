//! The corpus: N workbooks, copies of one or two, so every input costs the same (the module docs
//! of `batch.rs` describe the two kinds).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use jixiao::grid::{self, Limits};
use jixiao::locate;
use jixiao::render::{self, CorrectedForm};

use crate::Error;

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/seed_2024.xlsx");
/// Files per sub-folder of the generated corpus.
const PER_DIR: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Corpus {
    /// One form per workbook (the default)
    Single,
    /// Copies of samples/seed_2024.xlsx, two forms per workbook
    Seed,
}

impl Corpus {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Corpus::Single => {
                "single: one form per workbook (the seed's two forms redrawn by render::corrected_workbook, \
                 alternating; sheets = form + empty 核查意见)"
            }
            Corpus::Seed => "seed: copies of samples/seed_2024.xlsx, two forms (two sheets) per workbook",
        }
    }
    pub(crate) fn forms_per_file(self) -> usize {
        match self {
            Corpus::Single => 1,
            Corpus::Seed => 2,
        }
    }
}

/// Write `n` workbooks under `dir/dNNN/fNNNNNN.xlsx`; returns their paths in order.
pub(crate) fn generate(corpus: Corpus, dir: &Path, n: usize) -> Result<Vec<PathBuf>, Error> {
    let variants: Vec<Vec<u8>> = match corpus {
        Corpus::Seed => vec![fs::read(SEED)?],
        Corpus::Single => {
            let grids = grid::read_workbook(Path::new(SEED), &Limits::default())?;
            let forms: Vec<_> = grids.iter().flat_map(|g| locate::locate(g).forms).collect();
            if forms.is_empty() {
                return Err("no form located in samples/seed_2024.xlsx".into());
            }
            forms
                .iter()
                .map(|form| render::corrected_workbook(&[CorrectedForm { form, findings: &[] }]))
                .collect::<Result<_, _>>()?
        }
    };
    let paths = output_paths(dir, n);
    make_dirs(&paths)?;
    paths
        .par_iter()
        .enumerate()
        .try_for_each(|(i, p)| fs::write(p, &variants[i % variants.len()]))?;
    // Write the new files back now, so the kernel's writeback does not compete with what is
    // measured next.
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    Ok(paths)
}

pub(crate) fn output_paths(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            dir.join(format!("d{:03}", i / PER_DIR))
                .join(format!("f{i:06}.xlsx"))
        })
        .collect()
}

pub(crate) fn make_dirs(paths: &[PathBuf]) -> io::Result<()> {
    let mut last: Option<&Path> = None;
    for p in paths {
        let parent = p.parent().expect("parent");
        if last != Some(parent) {
            fs::create_dir_all(parent)?;
            last = Some(parent);
        }
    }
    Ok(())
}

pub(crate) fn list_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
