//! `docs/rules.md` documents every finding code, and `jixiao rules` lists every code with its
//! default severity. Adding a code to `Code::ALL` without documenting it fails here, naming it.

mod common;

use std::path::Path;

use jixiao::rules::Code;

/// The sub-headings every code section must have, in this order.
const SUB_HEADINGS: [&str; 5] = ["What it checks", "Why", "Formula", "Example", "Fix"];

fn rules_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The `## ` sections of the document: heading text and body lines (up to the next `## `).
/// Lines inside fenced code blocks are never headings.
fn sections(doc: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_fence = false;
    for line in doc.lines() {
        let line = line.trim_end();
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && let Some(heading) = line.strip_prefix("## ") {
            sections.push((heading.trim().to_string(), Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push(if in_fence { String::new() } else { line.to_string() });
        }
    }
    sections
}

/// A heading that looks like a finding code (kebab-case ASCII), e.g. a stale section.
fn looks_like_code(heading: &str) -> bool {
    heading.contains('-') && heading.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

#[test]
fn every_code_has_a_complete_section() {
    let doc = rules_doc();
    let sections = sections(&doc);
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.as_str();
        let found: Vec<&(String, Vec<String>)> = sections.iter().filter(|(h, _)| h == name).collect();
        let body = match found.as_slice() {
            [] => {
                problems.push(format!("{name}: no `## {name}` section"));
                continue;
            }
            [(_, body)] => body,
            _ => {
                problems.push(format!("{name}: {} `## {name}` sections", found.len()));
                continue;
            }
        };
        let mut last = None;
        for sub in SUB_HEADINGS {
            let heading = format!("### {sub}");
            match body.iter().position(|l| *l == heading) {
                None => problems.push(format!("{name}: section lacks `{heading}`")),
                Some(at) => {
                    if last.is_some_and(|prev| at < prev) {
                        problems.push(format!("{name}: `{heading}` is out of order"));
                    }
                    last = Some(at);
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/rules.md is incomplete:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn code_sections_follow_code_all_and_name_only_known_codes() {
    let doc = rules_doc();
    let headings: Vec<String> = sections(&doc)
        .into_iter()
        .map(|(h, _)| h)
        .filter(|h| Code::from_name(h).is_some() || looks_like_code(h))
        .collect();
    let unknown: Vec<&String> = headings.iter().filter(|h| Code::from_name(h).is_none()).collect();
    assert!(
        unknown.is_empty(),
        "docs/rules.md has sections for unknown codes: {unknown:?}"
    );
    let expected: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        headings, expected,
        "code sections of docs/rules.md must follow the order of Code::ALL"
    );
}

#[test]
fn rules_command_lists_every_code_with_its_default_severity() {
    let out = common::bin().arg("rules").output().expect("run jixiao rules");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "jixiao rules failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.as_str();
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.split_whitespace().next() == Some(name))
            .collect();
        match lines.as_slice() {
            [] => problems.push(format!("{name}: not listed")),
            [line] => {
                let severity = line.split_whitespace().nth(1);
                if severity != Some(code.severity().as_str()) {
                    problems.push(format!(
                        "{name}: listed with severity {severity:?}, default is {}",
                        code.severity().as_str()
                    ));
                }
                if !line.contains(code.meaning()) {
                    problems.push(format!("{name}: line lacks its meaning: {line}"));
                }
            }
            _ => problems.push(format!("{name}: listed {} times", lines.len())),
        }
    }
    assert!(
        problems.is_empty(),
        "`jixiao rules` output is wrong:\n  {}\n\n{stdout}",
        problems.join("\n  ")
    );
}

/// Every code is checked by one function named after it, whose doc comment names the code, in
/// `src/rules/` — so searching a code's name lands on its check.
#[test]
fn every_code_has_its_checking_function() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/rules") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            sources.push(std::fs::read_to_string(&path).expect("readable"));
        }
    }
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.as_str();
        let function = name.replace('-', "_");
        let found = sources.iter().any(|src| {
            let lines: Vec<&str> = src.lines().collect();
            lines.iter().enumerate().any(|(i, line)| {
                let l = line.trim_start();
                let defines = l.starts_with(&format!("fn {function}("))
                    || l.starts_with(&format!("pub fn {function}("))
                    || l.starts_with(&format!("pub(crate) fn {function}("))
                    || l.starts_with(&format!("pub(super) fn {function}("));
                // The doc comment right above the function names the code.
                let doc = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| l.trim_start().starts_with("///"))
                    .any(|l| l.contains(&format!("`{name}`")));
                defines && doc
            })
        });
        if !found {
            problems.push(format!(
                "{name}: no `fn {function}` documented with `{name}` in src/rules"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
