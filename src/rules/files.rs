//! The codes that concern a whole file or form rather than a figure: `unreadable-file`,
//! `no-form-found` (file statuses) and `internal-error` (a form the rulebook could not finish).
//! See docs/rules.md, their sections.

use super::{Code, Finding};
use crate::form::Form;

/// `unreadable-file`: the file could not be opened as a spreadsheet; `reason` says why (the
/// reader's error). Returns the code and the text for the file's `error`.
pub fn unreadable_file(reason: &str) -> (Code, String) {
    (Code::UnreadableFile, reason.to_string())
}

/// `no-form-found`: the workbook opened, but none of its `sheets` holds a form.
pub fn no_form_found(sheets: &[&str]) -> (Code, String) {
    let error = format!(
        "在工作表（{}）中均未找到自评表：未找到“全年预算数”或“三级指标”等表头",
        sheets.join("、")
    );
    (Code::NoFormFound, error)
}

/// `internal-error`: checking `form` stopped on a fault of the program (`what` is the panic's
/// message and place). The form's other findings are lost, the file's other forms stand; always
/// an error, so the form is looked at by a person.
pub fn internal_error(form: &Form, what: &str) -> Finding {
    let anchor = form.title.pos.or(form.project.pos);
    Finding {
        code: Code::InternalError,
        severity: Code::InternalError.severity(),
        cell: anchor.map(|p| p.to_string()).unwrap_or_default(),
        subject: "form".into(),
        reported: String::new(),
        expected: String::new(),
        fixed: false,
        message: format!(
            "检查该表时程序出错，该表未能完成检查（其余工作表不受影响）。请把该文件报告给 jixiao 的维护者：{what}"
        ),
    }
}
