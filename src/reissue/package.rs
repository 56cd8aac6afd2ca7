//! The workbook as a package: its zip entries, relationships and content types. Entries we do
//! not edit are copied as they are stored (compressed bytes and all); edited and new ones are
//! written with the original entry's timestamp, so the same input gives the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use super::xml::{self, Splices};

pub const REL_OFFICE_DOCUMENT: &str = "/officeDocument";
pub const REL_WORKSHEET: &str = "/worksheet";
pub const REL_STYLES: &str = "/styles";
pub const REL_CALC_CHAIN: &str = "/calcChain";
pub const REL_COMMENTS: &str = "/comments";
pub const REL_VML: &str = "/vmlDrawing";

const REL_NS_BASE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

pub struct Package<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    index: HashMap<String, usize>,
    /// Edited and new parts by name; `None`: removed.
    changes: BTreeMap<String, Option<Vec<u8>>>,
}

/// One relationship of a part.
#[derive(Debug, Clone)]
pub struct Rel {
    pub id: String,
    pub kind: String,
    /// The target part's name in the package (no leading `/`); empty for external targets.
    pub part: String,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Self, String> {
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("zip: {e}"))?;
        let index = (0..archive.len())
            .filter_map(|i| Some((archive.name_for_index(i)?.ok()?.to_string(), i)))
            .collect();
        Ok(Package {
            archive,
            index,
            changes: BTreeMap::new(),
        })
    }

    pub fn has(&self, name: &str) -> bool {
        match self.changes.get(name) {
            Some(change) => change.is_some(),
            None => self.index.contains_key(name),
        }
    }

    /// A part's bytes as they stand (edited or original); `None` when absent.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, String> {
        if let Some(change) = self.changes.get(name) {
            return Ok(change.clone());
        }
        let Some(&i) = self.index.get(name) else {
            return Ok(None);
        };
        let mut file = self.archive.by_index(i).map_err(|e| format!("{name}: {e}"))?;
        let mut out = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0).min(1 << 26));
        file.read_to_end(&mut out).map_err(|e| format!("{name}: {e}"))?;
        Ok(Some(out))
    }

    pub fn put(&mut self, name: &str, bytes: Vec<u8>) {
        self.changes.insert(name.to_string(), Some(bytes));
    }

    pub fn remove(&mut self, name: &str) {
        self.changes.insert(name.to_string(), None);
    }

    /// The relationships of `part` (empty when it has none).
    pub fn rels(&mut self, part: &str) -> Result<Vec<Rel>, String> {
        let name = rels_name(part);
        let Some(bytes) = self.read(&name)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for s in xml::events(&bytes, &name)? {
            if let Event::Start(e) | Event::Empty(e) = &s.event
                && xml::local(e) == "Relationship"
            {
                let external = xml::attr(e, "TargetMode").as_deref() == Some("External");
                let target = xml::attr(e, "Target").unwrap_or_default();
                out.push(Rel {
                    id: xml::attr(e, "Id").unwrap_or_default(),
                    kind: xml::attr(e, "Type").unwrap_or_default(),
                    part: if external {
                        String::new()
                    } else {
                        resolve(part, &target)
                    },
                });
            }
        }
        Ok(out)
    }

    /// Add a relationship from `part` to `target` (a package part name); returns its id.
    pub fn add_rel(&mut self, part: &str, kind: &str, target: &str) -> Result<String, String> {
        let existing = self.rels(part)?;
        let id = (1..)
            .map(|n| format!("rId{n}"))
            .find(|id| !existing.iter().any(|r| &r.id == id))
            .unwrap_or_default();
        let entry = format!(
            "<Relationship Id=\"{id}\" Type=\"{REL_NS_BASE}{kind}\" Target=\"{}\"/>",
            xml::escape(&relative(part, target))
        );
        let name = rels_name(part);
        let bytes = match self.read(&name)? {
            Some(bytes) => {
                let text = String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?;
                let close = text
                    .rfind("</Relationships>")
                    .ok_or_else(|| format!("{name}: no </Relationships>"))?;
                format!("{}{entry}{}", &text[..close], &text[close..]).into_bytes()
            }
            None => format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{entry}</Relationships>"
            )
            .into_bytes(),
        };
        self.put(&name, bytes);
        Ok(id)
    }

    /// Declare a new part's content type (an override, or a default for its extension).
    pub fn add_content_type(
        &mut self,
        part: &str,
        content_type: &str,
        by_extension: bool,
    ) -> Result<(), String> {
        const NAME: &str = "[Content_Types].xml";
        let bytes = self.read(NAME)?.ok_or_else(|| format!("no {NAME}"))?;
        let text = String::from_utf8(bytes).map_err(|e| format!("{NAME}: {e}"))?;
        let entry = if by_extension {
            let ext = part.rsplit('.').next().unwrap_or_default();
            let declared = format!("Extension=\"{ext}\"");
            if text.contains(&declared) || text.to_lowercase().contains(&declared.to_lowercase()) {
                return Ok(());
            }
            format!("<Default {declared} ContentType=\"{content_type}\"/>")
        } else {
            format!("<Override PartName=\"/{part}\" ContentType=\"{content_type}\"/>")
        };
        let close = text
            .rfind("</Types>")
            .ok_or_else(|| format!("{NAME}: no </Types>"))?;
        self.put(
            NAME,
            format!("{}{entry}{}", &text[..close], &text[close..]).into_bytes(),
        );
        Ok(())
    }

    /// Remove a part's override from the content types (the part itself is removed apart).
    pub fn remove_content_type(&mut self, part: &str) -> Result<(), String> {
        const NAME: &str = "[Content_Types].xml";
        let bytes = self.read(NAME)?.ok_or_else(|| format!("no {NAME}"))?;
        let mut splices = Splices::default();
        for s in xml::events(&bytes, NAME)? {
            if let Event::Empty(e) = &s.event
                && xml::local(e) == "Override"
                && xml::attr(e, "PartName").is_some_and(|p| p.trim_start_matches('/') == part)
            {
                splices.replace(s.start, s.end, String::new());
            }
        }
        let out = splices.apply(&bytes, NAME)?;
        self.put(NAME, out);
        Ok(())
    }

    /// Remove a relationship of `part` by id.
    pub fn remove_rel(&mut self, part: &str, id: &str) -> Result<(), String> {
        let name = rels_name(part);
        let Some(bytes) = self.read(&name)? else {
            return Ok(());
        };
        let mut splices = Splices::default();
        for s in xml::events(&bytes, &name)? {
            if let Event::Empty(e) | Event::Start(e) = &s.event
                && xml::local(e) == "Relationship"
                && xml::attr(e, "Id").as_deref() == Some(id)
            {
                splices.replace(s.start, s.end, String::new());
            }
        }
        let out = splices.apply(&bytes, &name)?;
        self.put(&name, out);
        Ok(())
    }

    /// An unused part name `{stem}{n}.{ext}` (n from 1).
    pub fn fresh_name(&self, stem: &str, ext: &str) -> String {
        (1..)
            .map(|n| format!("{stem}{n}.{ext}"))
            .find(|name| !self.has(name) && !self.changes.contains_key(name))
            .unwrap_or_default()
    }

    /// Names of every part, edited or not.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.index.keys().cloned().collect();
        names.extend(
            self.changes
                .keys()
                .filter(|n| !self.index.contains_key(*n))
                .cloned(),
        );
        names.retain(|n| self.has(n));
        names
    }

    /// The package written out: unchanged entries copied raw in their original order, edited
    /// ones in place, new ones after.
    pub fn write(mut self) -> Result<Vec<u8>, String> {
        let zip_err = |e: zip::result::ZipError| format!("zip: {e}");
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut stamp = None;
        for i in 0..self.archive.len() {
            let file = self.archive.by_index_raw(i).map_err(zip_err)?;
            let name = file.name().map_err(zip_err)?.to_string();
            let modified = file.last_modified();
            stamp = stamp.or(modified);
            match self.changes.remove(&name) {
                None => out.raw_copy_file(file).map_err(zip_err)?,
                Some(None) => {}
                Some(Some(bytes)) => {
                    drop(file);
                    let options = match modified {
                        Some(t) => deflated.last_modified_time(t),
                        None => deflated,
                    };
                    out.start_file(name.as_str(), options).map_err(zip_err)?;
                    out.write_all(&bytes).map_err(|e| format!("zip: {e}"))?;
                }
            }
        }
        for (name, bytes) in std::mem::take(&mut self.changes) {
            let Some(bytes) = bytes else { continue };
            let options = match stamp {
                Some(t) => deflated.last_modified_time(t),
                None => deflated,
            };
            out.start_file(name.as_str(), options).map_err(zip_err)?;
            out.write_all(&bytes).map_err(|e| format!("zip: {e}"))?;
        }
        Ok(out.finish().map_err(zip_err)?.into_inner())
    }
}

/// The relationships part of `part`: `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`.
pub fn rels_name(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None if part.is_empty() => "_rels/.rels".to_string(),
        None => format!("_rels/{part}.rels"),
    }
}

/// A relationship target as a part name: absolute (`/xl/…`) or relative to `part`'s folder.
pub fn resolve(part: &str, target: &str) -> String {
    let target = target.split(['#', '?']).next().unwrap_or_default();
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => part
            .rsplit_once('/')
            .map(|(dir, _)| dir.split('/').collect())
            .unwrap_or_default(),
    };
    for seg in target.trim_start_matches('/').split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// `target` written relative to `part`'s folder (`xl/worksheets/sheet1.xml`, `xl/comments1.xml`
/// → `../comments1.xml`).
fn relative(part: &str, target: &str) -> String {
    let from: Vec<&str> = part
        .rsplit_once('/')
        .map(|(d, _)| d.split('/').collect())
        .unwrap_or_default();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; from.len() - common];
    out.extend(&to[common..]);
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names() {
        assert_eq!(rels_name("xl/workbook.xml"), "xl/_rels/workbook.xml.rels");
        assert_eq!(rels_name(""), "_rels/.rels");
        assert_eq!(
            resolve("xl/workbook.xml", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/workbook.xml", "/xl/worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets/sheet1.xml", "../comments1.xml"),
            "xl/comments1.xml"
        );
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
        assert_eq!(
            relative("xl/worksheets/sheet1.xml", "xl/comments1.xml"),
            "../comments1.xml"
        );
        assert_eq!(
            relative("xl/worksheets/sheet1.xml", "xl/drawings/vmlDrawing1.vml"),
            "../drawings/vmlDrawing1.vml"
        );
        assert_eq!(relative("xl/workbook.xml", "xl/calcChain.xml"), "calcChain.xml");
    }
}
