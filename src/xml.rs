//! The quick-xml helpers every reader and writer of XML parts shares: an element's name, an
//! attribute's value, escaping, references in text, and an XML error said in Chinese.
//!
//! It sits below the pipeline stages because two of them read XML and neither may import the
//! other: [`grid`](crate::grid) reads Word tables, SpreadsheetML and an xlsx package's small
//! parts, and [`reissue`](crate::reissue) edits a unit's own package (its byte-span scanning
//! and splicing, which only it needs, are built on these in `reissue/xml.rs`).
//!
//! Attribute values are read as XML says they are (entities and character references
//! resolved, literal white space as a space): one decoding for every caller, so a value reads
//! the same whichever stage reads it. Attributes are found by name in two ways, because the
//! formats differ in how they use prefixes (see [`attr`] and [`local_attr`]).

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart};

/// The local name of an element (`x:c` → `c`).
pub fn local(e: &BytesStart) -> String {
    e.local_name().as_ref().to_string()
}

/// The prefix of an element with its colon (`x:c` → `x:`), `""` when unprefixed.
pub fn prefix(e: &BytesStart) -> String {
    e.name()
        .prefix()
        .map(|p| format!("{}:", p.as_ref()))
        .unwrap_or_default()
}

/// The value of the attribute written exactly `key`, decoded. For Office Open XML parts,
/// where an unprefixed attribute and a prefixed one of the same local name are different
/// attributes (`id` is not `r:id`).
pub fn attr(e: &BytesStart, key: &str) -> Option<String> {
    find(e, |a| a.key.as_ref() == key)
}

/// The value of an attribute whose local name is `local`, prefixed or not (`ss:Index` and
/// `Index`, `w:val`), decoded. For formats whose writers prefix attributes as they please
/// (SpreadsheetML 2003, WordprocessingML) and for scans that ignore namespaces.
pub fn local_attr(e: &BytesStart, local: &str) -> Option<String> {
    find(e, |a| a.key.local_name().as_ref() == local)
}

/// The value of a prefixed attribute by its local name (`r:id` → `id`), whatever the prefix,
/// decoded; an unprefixed attribute of that name is not it.
pub fn prefixed_attr(e: &BytesStart, local: &str) -> Option<String> {
    find(e, |a| {
        a.key.prefix().is_some() && a.key.local_name().as_ref() == local
    })
}

/// The first attribute that `matches`, its value normalised as XML 1.0 says (references
/// resolved, literal tabs and line breaks as spaces); `None` when a reference is malformed.
fn find(e: &BytesStart, matches: impl Fn(&Attribute) -> bool) -> Option<String> {
    e.attributes().flatten().find(|a| matches(a)).and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

/// Text for element content and attribute values.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// Append what a reference in text stands for (`&#20803;`, `&amp;`); an unknown entity or a
/// malformed reference adds nothing.
pub fn push_reference(out: &mut String, r: &BytesRef) {
    match r.resolve_char_ref() {
        Ok(Some(c)) => out.push(c),
        _ => {
            let entity = format!("&{};", r.xml10_content());
            if let Ok(s) = quick_xml::escape::unescape(&entity) {
                out.push_str(&s);
            }
        }
    }
}

/// What is wrong with a part's XML, in Chinese, for messages shown to users.
pub fn describe_error(e: &quick_xml::Error) -> String {
    use quick_xml::errors::{Error, IllFormedError, SyntaxError};
    match e {
        Error::Io(_) => "读取失败".to_string(),
        Error::Syntax(s) => match s {
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue => "标签未结束".to_string(),
            SyntaxError::UnclosedComment => "注释未结束".to_string(),
            SyntaxError::UnclosedCData => "CDATA 段未结束".to_string(),
            _ => "语法错误".to_string(),
        },
        Error::IllFormed(f) => match f {
            IllFormedError::MismatchedEndTag { expected, found } => {
                format!("结束标签不匹配，应为 </{expected}>，实为 </{found}>")
            }
            IllFormedError::UnmatchedEndTag(tag) => format!("结束标签 </{tag}> 没有对应的开始标签"),
            IllFormedError::MissingEndTag(tag) => format!("缺少结束标签 </{tag}>"),
            IllFormedError::UnclosedReference => "字符引用未以分号结束".to_string(),
            _ => "结构不合 XML 规范".to_string(),
        },
        Error::InvalidAttr(_) => "属性写法有误".to_string(),
        Error::Encoding(_) => "字符编码无效".to_string(),
        Error::Escape(_) => "字符引用无效".to_string(),
        Error::Namespace(_) => "命名空间前缀有误".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use quick_xml::Reader;
    use quick_xml::events::Event;

    use super::*;

    fn first_start(xml: &str) -> BytesStart<'_> {
        let mut reader = Reader::from_str(xml);
        loop {
            match reader.read_event().expect("xml") {
                Event::Start(e) | Event::Empty(e) => return e,
                Event::Eof => panic!("no element"),
                _ => {}
            }
        }
    }

    #[test]
    fn names_and_prefixes() {
        let e = first_start(r#"<x:c r="A1"/>"#);
        assert_eq!(local(&e), "c");
        assert_eq!(prefix(&e), "x:");
        assert_eq!(prefix(&first_start("<c/>")), "");
    }

    #[test]
    fn attributes_by_name_local_name_and_prefix() {
        let e = first_start(r#"<sheet name="A&amp;B" sheetId="1" r:id="rId1" ss:Index="3"/>"#);
        assert_eq!(attr(&e, "name").as_deref(), Some("A&B"));
        assert_eq!(attr(&e, "id"), None, "r:id is not id");
        assert_eq!(prefixed_attr(&e, "id").as_deref(), Some("rId1"));
        assert_eq!(prefixed_attr(&e, "name"), None);
        assert_eq!(local_attr(&e, "Index").as_deref(), Some("3"));
        assert_eq!(local_attr(&e, "name").as_deref(), Some("A&B"));
        // Literal white space reads as a space, a character reference as itself.
        let e = first_start("<a v=\"x\ty&#10;z\" bad=\"&nope;\"/>");
        assert_eq!(attr(&e, "v").as_deref(), Some("x y\nz"));
        assert_eq!(attr(&e, "bad"), None);
    }

    #[test]
    fn references_and_escapes() {
        let mut text = String::new();
        let mut reader = Reader::from_str("<t>&#20803;&amp;&nope;&#x41;</t>");
        loop {
            match reader.read_event().expect("xml") {
                Event::GeneralRef(r) => push_reference(&mut text, &r),
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(text, "元&A");
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn errors_are_said_in_chinese() {
        let mut reader = Reader::from_str("<a><b></a>");
        let err = loop {
            match reader.read_event() {
                Err(e) => break e,
                Ok(Event::Eof) => panic!("no error"),
                Ok(_) => {}
            }
        };
        assert_eq!(describe_error(&err), "结束标签不匹配，应为 </b>，实为 </a>");
    }
}
