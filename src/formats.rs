//! The file formats jixiao takes, in one table: which names the walk and the page pick up
//! ([`EXTENSIONS`]), what each is called in a message, and what a file turned out to be once
//! its content was read ([`Format`], decided by [`crate::grid`] from the bytes, never from the
//! name). The report's `format`, the message of a document without a form, and whether a file
//! can be reissued all follow the content; only the names of outputs follow the name.

/// What a file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An Office Open XML workbook (.xlsx, .xlsm, and anything saved as one).
    Xlsx,
    /// An OpenDocument spreadsheet.
    Ods,
    /// An OLE compound file: Excel 97–2003 (.xls) or WPS (.et).
    Cfb,
    /// An HTML table saved as `.xls` (a budget system's export).
    Html,
    /// Excel 2003 XML Spreadsheet saved as `.xls`.
    SpreadsheetMl,
    /// A Word document: its tables are read.
    Docx,
}

impl Format {
    /// A text document rather than a workbook (its tables hold the form).
    pub fn is_document(self) -> bool {
        self == Format::Docx
    }

    /// The report's `format` field: given for documents only (`docx`), so that a workbook's
    /// entry is unchanged whatever its kind.
    pub fn reported(self) -> Option<&'static str> {
        self.is_document().then_some("docx")
    }

    /// Whether `fix` can hand back the unit's own file with the corrected cells changed: an
    /// Office Open XML package, named as one (an .xlsm package under an .xls name would come
    /// back under an .xlsx name Excel refuses).
    pub fn reissuable(self, name: &str) -> bool {
        self == Format::Xlsx && matches!(extension(name).as_deref(), Some("xlsx" | "xlsm"))
    }
}

/// One file name extension jixiao reads.
pub struct Extension {
    /// Lower case, without the dot.
    pub ext: &'static str,
    /// How a message names a file of it, in Chinese.
    pub label: &'static str,
    /// A document rather than a workbook.
    pub document: bool,
    /// A format no reader here knows when its content is its own (not a workbook saved under
    /// its name): a failure to read it says how to save it again.
    pub resave: bool,
}

/// Every extension the walk picks up and the page accepts.
pub static EXTENSIONS: &[Extension] = &[
    Extension {
        ext: "xlsx",
        label: "Excel 工作簿（.xlsx）",
        document: false,
        resave: false,
    },
    Extension {
        ext: "xlsm",
        label: "Excel 启用宏的工作簿（.xlsm）",
        document: false,
        resave: false,
    },
    Extension {
        ext: "xls",
        label: "Excel 97–2003 工作簿（.xls）",
        document: false,
        resave: false,
    },
    Extension {
        ext: "ods",
        label: "OpenDocument 表格（.ods）",
        document: false,
        resave: false,
    },
    Extension {
        ext: "docx",
        label: "Word 文档（.docx）",
        document: true,
        resave: false,
    },
    Extension {
        ext: "doc",
        label: "Word 97–2003 文档（.doc）",
        document: true,
        resave: true,
    },
    Extension {
        ext: "et",
        label: "WPS 表格文件（.et）",
        document: false,
        resave: true,
    },
    Extension {
        ext: "wps",
        label: "WPS 文字文档（.wps）",
        document: true,
        resave: true,
    },
];

/// The extension of a name, lower case, without the dot.
pub fn extension(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

/// The table's entry for `name`'s extension, if jixiao reads it.
pub fn of_name(name: &str) -> Option<&'static Extension> {
    let ext = extension(name)?;
    EXTENSIONS.iter().find(|e| e.ext == ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_find_their_entry_in_any_case() {
        assert_eq!(of_name("一处/自评表.XLSX").map(|e| e.ext), Some("xlsx"));
        assert!(of_name("说明.DOCX").is_some_and(|e| e.document && !e.resave));
        assert!(of_name("a.wps").is_some_and(|e| e.resave));
        assert!(of_name("a.pdf").is_none() && of_name("xlsx").is_none());
        assert!(Format::Xlsx.reissuable("a.XLSM"));
        assert!(!Format::Xlsx.reissuable("a.xls"));
        assert!(!Format::Html.reissuable("a.xlsx"));
        assert_eq!(Format::Docx.reported(), Some("docx"));
        assert_eq!(Format::Cfb.reported(), None);
    }
}
