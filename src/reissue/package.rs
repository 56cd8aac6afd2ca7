//! The workbook as a package: its zip entries, relationships and content types. Entries we do
//! not edit are copied as they are stored (compressed bytes and all); edited and new ones are
//! written with the original entry's timestamp, so the same input gives the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use super::ReissueError;
use super::error::{io_fault, zip_fault};
use super::xml::{self, Splices};

pub const REL_OFFICE_DOCUMENT: &str = "/officeDocument";
pub const REL_WORKSHEET: &str = "/worksheet";
pub const REL_STYLES: &str = "/styles";
pub const REL_CALC_CHAIN: &str = "/calcChain";
pub const REL_COMMENTS: &str = "/comments";
pub const REL_VML: &str = "/vmlDrawing";
pub const REL_SHARED_STRINGS: &str = "/sharedStrings";

/// The namespaces of what we add to a package: Transitional (what Excel writes by default) or
/// Strict ISO 29500 ("Strict Open XML"), matching the package's own.
#[derive(Debug)]
pub struct Namespaces {
    pub main: &'static str,
    /// Relationship ids in parts (`r:id`), and the base of relationship types.
    pub relationships: &'static str,
}

pub const TRANSITIONAL: Namespaces = Namespaces {
    main: "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    relationships: "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
};

pub const STRICT: Namespaces = Namespaces {
    main: "http://purl.oclc.org/ooxml/spreadsheetml/main",
    relationships: "http://purl.oclc.org/ooxml/officeDocument/relationships",
};

pub struct Package<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    index: HashMap<String, usize>,
    /// Entry names by their lower case: part names are case-insensitive (a relationship may
    /// say `styles.xml` of an entry stored as `Styles.xml`).
    folded: HashMap<String, String>,
    /// Edited and new parts by name; `None`: removed.
    changes: BTreeMap<String, Option<Vec<u8>>>,
    pub ns: &'static Namespaces,
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
    pub fn open(bytes: &'a [u8]) -> Result<Self, ReissueError> {
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReissueError::zip("读取", &e))?;
        let index: HashMap<String, usize> = (0..archive.len())
            .filter_map(|i| Some((archive.name_for_index(i)?.ok()?.to_string(), i)))
            .collect();
        let folded = index
            .keys()
            .map(|k: &String| (k.to_lowercase(), k.clone()))
            .collect();
        Ok(Package {
            archive,
            index,
            folded,
            changes: BTreeMap::new(),
            ns: &TRANSITIONAL,
        })
    }

    /// The entry's name as stored, for a part name in any case.
    fn stored_name(&self, name: &str) -> String {
        if self.index.contains_key(name) || self.changes.contains_key(name) {
            return name.to_string();
        }
        self.folded
            .get(&name.to_lowercase())
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    pub fn has(&self, name: &str) -> bool {
        let name = &self.stored_name(name);
        match self.changes.get(name) {
            Some(change) => change.is_some(),
            None => self.index.contains_key(name),
        }
    }

    /// A part's bytes as they stand (edited or original); `None` when absent.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReissueError> {
        let name = &self.stored_name(name);
        if let Some(change) = self.changes.get(name) {
            return Ok(change.clone());
        }
        let Some(&i) = self.index.get(name) else {
            return Ok(None);
        };
        let mut file = self
            .archive
            .by_index(i)
            .map_err(|e| ReissueError::entry(name, "解压", zip_fault(&e)))?;
        let mut out = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0).min(1 << 26));
        file.read_to_end(&mut out)
            .map_err(|e| ReissueError::entry(name, "解压", io_fault(&e)))?;
        Ok(Some(out))
    }

    pub fn put(&mut self, name: &str, bytes: Vec<u8>) {
        self.changes.insert(self.stored_name(name), Some(bytes));
    }

    pub fn remove(&mut self, name: &str) {
        self.changes.insert(self.stored_name(name), None);
    }

    /// The relationships of `part` (empty when it has none).
    pub fn rels(&mut self, part: &str) -> Result<Vec<Rel>, ReissueError> {
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
    pub fn add_rel(&mut self, part: &str, kind: &str, target: &str) -> Result<String, ReissueError> {
        let existing = self.rels(part)?;
        let id = (1..)
            .map(|n| format!("rId{n}"))
            .find(|id| !existing.iter().any(|r| &r.id == id))
            .unwrap_or_default();
        let entry = format!(
            "<Relationship Id=\"{id}\" Type=\"{}{kind}\" Target=\"{}\"/>",
            self.ns.relationships,
            xml::escape(&relative(part, target))
        );
        let name = rels_name(part);
        let bytes = match self.read(&name)? {
            Some(bytes) => {
                let text =
                    String::from_utf8(bytes).map_err(|_| ReissueError::layout(&name, "不是 UTF-8 编码的文本"))?;
                let close = text
                    .rfind("</Relationships>")
                    .ok_or_else(|| ReissueError::layout(&name, "缺少 </Relationships>"))?;
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

    /// Declare a new part's content type (an override, or a default for its extension unless
    /// one is declared).
    pub fn add_content_type(
        &mut self,
        part: &str,
        content_type: &str,
        by_extension: bool,
    ) -> Result<(), ReissueError> {
        const NAME: &str = "[Content_Types].xml";
        let bytes = self.read(NAME)?.ok_or_else(|| ReissueError::missing(NAME))?;
        let ext = part.rsplit('.').next().unwrap_or_default();
        let mut close = None;
        for s in xml::events(&bytes, NAME)? {
            match &s.event {
                Event::Empty(e) | Event::Start(e)
                    if by_extension
                        && xml::local(e) == "Default"
                        && xml::attr(e, "Extension").is_some_and(|x| x.eq_ignore_ascii_case(ext)) =>
                {
                    return Ok(());
                }
                Event::End(e) if e.local_name().as_ref() == "Types" => close = Some(s.start),
                _ => {}
            }
        }
        let entry = if by_extension {
            format!("<Default Extension=\"{ext}\" ContentType=\"{content_type}\"/>")
        } else {
            format!("<Override PartName=\"/{part}\" ContentType=\"{content_type}\"/>")
        };
        let mut splices = Splices::default();
        splices.insert(
            close.ok_or_else(|| ReissueError::layout(NAME, "缺少 </Types>"))?,
            entry,
        );
        let out = splices.apply(&bytes, NAME)?;
        self.put(NAME, out);
        Ok(())
    }

    /// Remove a part's override from the content types (the part itself is removed apart).
    pub fn remove_content_type(&mut self, part: &str) -> Result<(), ReissueError> {
        const NAME: &str = "[Content_Types].xml";
        let bytes = self.read(NAME)?.ok_or_else(|| ReissueError::missing(NAME))?;
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
    pub fn remove_rel(&mut self, part: &str, id: &str) -> Result<(), ReissueError> {
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
            .find(|name| !self.has(name))
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
    pub fn write(mut self) -> Result<Vec<u8>, ReissueError> {
        let zip_err = |e: zip::result::ZipError| ReissueError::zip("写出", &e);
        let entry_err =
            |name: &str, e: zip::result::ZipError| ReissueError::entry(name, "写出", zip_fault(&e));
        let io_err = |name: &str, e: std::io::Error| ReissueError::entry(name, "写出", io_fault(&e));
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut stamp = None;
        for i in 0..self.archive.len() {
            let file = self.archive.by_index_raw(i).map_err(zip_err)?;
            let name = file.name().map_err(zip_err)?.to_string();
            let modified = file.last_modified();
            stamp = stamp.or(modified);
            match self.changes.remove(&name) {
                None => out.raw_copy_file(file).map_err(|e| entry_err(&name, e))?,
                Some(None) => {}
                Some(Some(bytes)) => {
                    drop(file);
                    let options = match modified {
                        Some(t) => deflated.last_modified_time(t),
                        None => deflated,
                    };
                    out.start_file(name.as_str(), options)
                        .map_err(|e| entry_err(&name, e))?;
                    out.write_all(&bytes).map_err(|e| io_err(&name, e))?;
                }
            }
        }
        for (name, bytes) in std::mem::take(&mut self.changes) {
            let Some(bytes) = bytes else { continue };
            let options = match stamp {
                Some(t) => deflated.last_modified_time(t),
                None => deflated,
            };
            out.start_file(name.as_str(), options)
                .map_err(|e| entry_err(&name, e))?;
            out.write_all(&bytes).map_err(|e| io_err(&name, e))?;
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

    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in entries {
            out.start_file(*name, SimpleFileOptions::default()).unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn part_names_are_case_insensitive_and_types_declared_once() {
        let bytes = zip_of(&[
            (
                "[Content_Types].xml",
                "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'><Default Extension='VML' ContentType='application/vnd.openxmlformats-officedocument.vmlDrawing'/></Types>",
            ),
            ("xl/Styles.xml", "<styleSheet/>"),
        ]);
        let mut pkg = Package::open(&bytes).unwrap();
        assert_eq!(
            pkg.read("xl/styles.xml").unwrap().as_deref(),
            Some(&b"<styleSheet/>"[..])
        );
        pkg.put("xl/styles.xml", b"<styleSheet a='1'/>".to_vec());
        pkg.add_content_type("xl/drawings/vmlDrawing1.vml", "x", true)
            .unwrap();
        pkg.add_content_type("xl/comments1.xml", "c", false).unwrap();
        let out = pkg.write().unwrap();
        let mut back = ZipArchive::new(Cursor::new(&out[..])).unwrap();
        let names: Vec<String> = back.file_names().map(|n| n.unwrap().to_string()).collect();
        assert_eq!(names, ["[Content_Types].xml", "xl/Styles.xml"]);
        let mut types = String::new();
        back.by_name("[Content_Types].xml")
            .unwrap()
            .read_to_string(&mut types)
            .unwrap();
        assert_eq!(types.matches("Extension=").count(), 1, "{types}");
        assert!(types.contains("<Override PartName=\"/xl/comments1.xml\" ContentType=\"c\"/></Types>"));
    }

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
