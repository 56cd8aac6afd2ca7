//! The codes that concern a whole file or form rather than a figure: `unreadable-file`,
//! `no-form-found` (file statuses) and `internal-error` (a form the rulebook could not finish).
//! See docs/rules.md, their sections.

use super::{Code, Draft, Finding};
use crate::form::Form;

/// `unreadable-file`: the file could not be opened as a spreadsheet; `reason` says why (the
/// reader's error, or the program's fault while reading it). The finding's message is the
/// file's `error`.
pub fn unreadable_file(reason: &str) -> Finding {
    file_finding(Code::UnreadableFile, reason.to_string())
}

/// `no-form-found`: the workbook opened, but none of its `sheets` holds a form.
pub fn no_form_found(sheets: &[&str]) -> Finding {
    file_finding(
        Code::NoFormFound,
        format!(
            "在工作表（{}）中均未找到自评表：未找到“全年预算数”或“三级指标”等表头",
            sheets.join("、")
        ),
    )
}

/// `no-form-found` for a Word document: it opened, but no table of it is a form.
pub fn no_form_in_document() -> Finding {
    file_finding(
        Code::NoFormFound,
        "该 Word 文档中没有自评表表格（只有正文或其他表格）：请确认自评表以表格形式填在文档中".into(),
    )
}

/// A finding about a whole file: no cell, subject `file`, always its code's own severity (a
/// file status cannot be turned off).
fn file_finding(code: Code, message: String) -> Finding {
    Draft::about(code, "file", message).finding(code.severity(), false)
}

/// `internal-error`: checking `form` stopped on a fault of the program (`what` is the panic's
/// message and place). The form's other findings are lost, the file's other forms stand; always
/// an error, so the form is looked at by a person.
pub fn internal_error(form: &Form, what: &str) -> Finding {
    let anchor = form.title.pos.or(form.project.pos);
    let mut draft = Draft::about(
        Code::InternalError,
        "form",
        format!(
            "检查该表时程序出错，该表未能完成检查（其余工作表不受影响）。请把该文件报告给 jixiao 的维护者：{what}"
        ),
    );
    draft.cell = anchor.map(|p| p.to_string()).unwrap_or_default();
    draft.finding(Code::InternalError.severity(), false)
}
