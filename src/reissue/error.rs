//! Why a unit's own workbook could not be corrected in place. The caller then writes the
//! standard template and says why in the file's note, so the text is Chinese and names the
//! package part (and the cell, where one is at fault) — what a support request needs.

use crate::grid::Pos;

#[derive(Debug, thiserror::Error)]
pub enum ReissueError {
    /// The file is not a zip archive we can read, or the edited one could not be written.
    #[error("压缩包{doing}失败：{fault}")]
    Zip { doing: &'static str, fault: String },
    /// One entry of the package could not be inflated or written.
    #[error("部件 {part} {doing}失败：{fault}")]
    Entry {
        part: String,
        doing: &'static str,
        fault: String,
    },
    /// The package has no relationship to a part the workbook needs (`工作簿`, `样式表`).
    #[error("压缩包中没有{what}部件")]
    NoPart { what: &'static str },
    /// A part named by a relationship, or one every package has, is absent.
    #[error("部件 {part} 不存在")]
    Missing { part: String },
    #[error("工作簿中没有名为“{sheet}”的工作表")]
    NoSheet { sheet: String },
    /// A part is not well-formed XML.
    #[error("部件 {part} 第 {at} 字节处的 XML 有误：{fault}")]
    Xml { part: String, at: u64, fault: String },
    /// A part is well-formed but not laid out as its schema says (`what`: what is wrong).
    #[error("部件 {part} {what}")]
    Layout { part: String, what: String },
    /// A cell to correct cannot be written as planned.
    #[error("部件 {part} 的单元格 {cell}：{what}")]
    Cell { part: String, cell: Pos, what: String },
    /// Our edits would leave a part malformed: a bug here, reported rather than written.
    #[error("更正后的部件 {part} 第 {at} 字节处的 XML 将有误：{fault}；这是本程序的缺陷")]
    Malformed { part: String, at: u64, fault: String },
    /// Two of our edits overlap: a bug here.
    #[error("部件 {part} 的两处更正在第 {at} 字节处重叠；这是本程序的缺陷")]
    Overlap { part: String, at: usize },
}

impl ReissueError {
    /// A zip error of the whole archive; `doing`: `读取` or `写出`.
    pub fn zip(doing: &'static str, e: &zip::result::ZipError) -> Self {
        ReissueError::Zip {
            doing,
            fault: zip_fault(e),
        }
    }

    /// A zip error of the entry `part`; `doing`: `解压` or `写出`.
    pub fn entry(part: &str, doing: &'static str, fault: String) -> Self {
        ReissueError::Entry {
            part: part.to_string(),
            doing,
            fault,
        }
    }

    /// `part` is laid out otherwise than expected (`what`, e.g. `缺少 </authors>`).
    pub fn layout(part: &str, what: impl Into<String>) -> Self {
        ReissueError::Layout {
            part: part.to_string(),
            what: what.into(),
        }
    }

    /// The cell `cell` of `part` cannot be written as planned.
    pub fn cell(part: &str, cell: Pos, what: impl Into<String>) -> Self {
        ReissueError::Cell {
            part: part.to_string(),
            cell,
            what: what.into(),
        }
    }

    pub fn missing(part: &str) -> Self {
        ReissueError::Missing {
            part: part.to_string(),
        }
    }
}

/// A zip error in Chinese.
pub fn zip_fault(e: &zip::result::ZipError) -> String {
    use zip::result::ZipError;
    match e {
        ZipError::Io(e) => io_fault(e),
        ZipError::InvalidArchive(_) => "文件已损坏".to_string(),
        ZipError::UnsupportedArchive(_) | ZipError::CompressionMethodNotSupported(_) => {
            "压缩方式不受支持".to_string()
        }
        ZipError::FileNotFound => "找不到该项".to_string(),
        ZipError::InvalidPassword => "设有密码".to_string(),
        _ => "无法处理".to_string(),
    }
}

/// An I/O error while inflating or writing, in Chinese (a damaged entry fails its checksum or
/// its compressed data).
pub fn io_fault(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => "数据已损坏".to_string(),
        _ => "读写出错".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_part_and_cell() {
        let e = ReissueError::cell(
            "xl/worksheets/sheet1.xml",
            Pos::parse_a1("H7").unwrap(),
            "共享公式无法移到此单元格",
        );
        assert_eq!(
            e.to_string(),
            "部件 xl/worksheets/sheet1.xml 的单元格 H7：共享公式无法移到此单元格"
        );
        let e = ReissueError::Xml {
            part: "xl/styles.xml".into(),
            at: 120,
            fault: "标签未结束".into(),
        };
        assert_eq!(
            e.to_string(),
            "部件 xl/styles.xml 第 120 字节处的 XML 有误：标签未结束"
        );
    }
}
