//! Code list files (`code_list`, `title`, `source`, `codes`) read straight
//! from the spanned tree into `CodeList`, every problem with its place. Not
//! here: giving facts their lists (`declarations`).

use std::collections::BTreeMap;
use std::sync::Arc;

use miette::SourceSpan;

use super::{Loader, first_line};
use crate::diagnostics::{RuleProblem, Src, suggest};
use crate::rules::model::CodeList;
use crate::rules::yaml::{Content, Node, key_text};

impl Loader {
    /// Reads a code list file (`code_list`, `title`, `source`, `codes`)
    /// from its spanned tree, reporting every problem with its place.
    pub(super) fn code_list(&mut self, root: &Node, src: &Src, path: &str) {
        let invalid = |message: String, span: SourceSpan, help: &str| RuleProblem::Invalid {
            message,
            src: src.clone(),
            span,
            help: help.to_string(),
        };
        let text_of = |key: &str,
                       problems: &mut Vec<RuleProblem>|
         -> Option<(String, SourceSpan)> {
            match root.get(key) {
                Some(n) => match n.as_str() {
                    Some(t) => Some((t.to_string(), n.span)),
                    None => {
                        problems.push(invalid(
                            format!(
                                "`{key}` of a code list should be text, not {}",
                                n.value.kind()
                            ),
                            n.span,
                            "write it as plain text",
                        ));
                        None
                    }
                },
                None => {
                    problems.push(RuleProblem::Invalid {
                        message: format!("the code list lacks `{key}`"),
                        src: src.clone(),
                        span: first_line(src),
                        help: "a code list file has `code_list` (its id), `title`, `source` and `codes`".to_string(),
                    });
                    None
                }
            }
        };
        let known = ["code_list", "title", "source", "codes"];
        for (k, _) in root.as_map().unwrap_or_default() {
            let key = key_text(k);
            if !known.contains(&key.as_str()) {
                self.problems.push(invalid(
                    format!("unknown key `{key}` in a code list"),
                    k.span,
                    &suggest(&key, known),
                ));
            }
        }
        let id = text_of("code_list", &mut self.problems);
        let title = text_of("title", &mut self.problems);
        let source_text = text_of("source", &mut self.problems);
        let items: &[Node] = match root.get("codes").map(|n| (&n.value, n)) {
            Some((Content::Seq(items), _)) => items,
            Some((other, n)) => {
                self.problems.push(invalid(
                    format!("`codes` should be a list of codes, not {}", other.kind()),
                    n.span,
                    "write `codes:` followed by one `- {code: XX, name: ...}` per line",
                ));
                &[]
            }
            None => {
                self.problems.push(RuleProblem::Invalid {
                    message: "the code list lacks `codes`".to_string(),
                    src: src.clone(),
                    span: first_line(src),
                    help: "write `codes:` followed by one `- {code: XX, name: ...}` per line"
                        .to_string(),
                });
                &[]
            }
        };
        let list_id = id.as_ref().map_or("", |(i, _)| i.as_str()).to_string();
        let mut codes: BTreeMap<String, String> = BTreeMap::new();
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        let mut alias_spans: Vec<(String, SourceSpan)> = Vec::new();
        for item in items {
            let Some(entry) = item.as_map() else {
                self.problems.push(invalid(
                    format!("a code should be a mapping, not {}", item.value.kind()),
                    item.span,
                    "write `- {code: XX, name: ...}`",
                ));
                continue;
            };
            let (mut code, mut name, mut item_aliases) = (None, None, Vec::new());
            for (k, v) in entry {
                match (key_text(k).as_str(), &v.value) {
                    ("code", Content::Str(c)) => code = Some((c.clone(), v.span)),
                    ("name", Content::Str(n)) => name = Some(n.clone()),
                    ("aliases", Content::Seq(list)) => {
                        for a in list {
                            match a.as_str() {
                                Some(t) => item_aliases.push((t.to_string(), a.span)),
                                None => self.problems.push(invalid(
                                    format!("an alias should be text, not {}", a.value.kind()),
                                    a.span,
                                    "quote it: `\"KAZ\"`",
                                )),
                            }
                        }
                    }
                    (key @ ("code" | "name" | "aliases"), other) => {
                        self.problems.push(invalid(
                            format!(
                                "`{key}` of a code should be {}, not {}",
                                if key == "aliases" {
                                    "a list of text"
                                } else {
                                    "text"
                                },
                                other.kind()
                            ),
                            v.span,
                            "quote codes that YAML would read as a number, such as `\"01\"`",
                        ));
                    }
                    (key, _) => self.problems.push(invalid(
                        format!("unknown key `{key}` in a code"),
                        k.span,
                        &suggest(key, ["code", "name", "aliases"]),
                    )),
                }
            }
            let Some((value, code_span)) = code else {
                if !entry.iter().any(|(k, _)| key_text(k) == "code") {
                    self.problems.push(invalid(
                        "a code lacks `code`".to_string(),
                        item.span,
                        "write `- {code: XX, name: ...}`",
                    ));
                }
                continue;
            };
            if value.trim().is_empty() || value.trim() != value {
                self.problems.push(invalid(
                    format!(
                        "code `{value}` of code list `{list_id}` is blank or has spaces around it"
                    ),
                    code_span,
                    "write each code exactly as cases must write it",
                ));
                continue;
            }
            if codes.contains_key(&value) {
                self.problems.push(RuleProblem::Duplicate {
                    what: "code".to_string(),
                    name: value,
                    src: src.clone(),
                    span: code_span,
                    help: format!("code list `{list_id}` lists it already; keep one entry"),
                });
                continue;
            }
            for (alias, span) in item_aliases {
                aliases.insert(alias.clone(), value.clone());
                alias_spans.push((alias, span));
            }
            codes.insert(value, name.unwrap_or_default());
        }
        for (alias, span) in &alias_spans {
            if codes.contains_key(alias) {
                self.problems.push(invalid(
                    format!("`{alias}` is both a code and an alias in code list `{list_id}`"),
                    *span,
                    "an alias is a spelling cases must not use; remove it from the aliases",
                ));
            }
        }
        // A list with problems is still registered with the codes that
        // read well (the tree fails to load anyway): otherwise every fact
        // naming it and every code a rule compares with would be reported
        // too, burying the one real mistake.
        let Some((id, id_span)) = id else {
            return;
        };
        let list = CodeList {
            id: id.clone(),
            title: title.map(|(t, _)| t).unwrap_or_default(),
            source: source_text.map(|(t, _)| t).unwrap_or_default(),
            codes,
            aliases,
            file: path.to_string(),
        };
        match self.code_lists.get(&id) {
            Some((first, _, _)) => self.problems.push(RuleProblem::Duplicate {
                what: "code list".to_string(),
                name: id,
                src: src.clone(),
                span: id_span,
                help: format!(
                    "`{}` already defines it; give each code list its own id",
                    first.file
                ),
            }),
            None => {
                self.code_lists
                    .insert(id, (Arc::new(list), src.clone(), id_span));
            }
        }
    }
}
