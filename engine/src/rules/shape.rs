//! Checks a spanned YAML tree against the JSON Schema that schemars derives
//! from the rule-file types, so that one run reports every unknown key,
//! missing key and wrong type in a file (serde stops at the first). It knows
//! only the schema constructs schemars emits for `format`; it is not a
//! general JSON Schema validator.

use serde_json::Value as Json;

use crate::rules::yaml::{Content, Node, key_text};

/// One shape problem, with the node it is about.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeIssue {
    UnknownKey {
        key: String,
        parent: String,
        known: Vec<String>,
        at: Node,
    },
    MissingKey {
        key: String,
        parent: String,
        at: Node,
    },
    WrongType {
        what: String,
        expected: String,
        at: Node,
    },
    NotAllowed {
        what: String,
        allowed: Vec<String>,
        at: Node,
    },
}

/// Checks `node` against `schema` (a root schema with `$defs`).
pub fn check(node: &Node, schema: &Json) -> Vec<ShapeIssue> {
    let mut out = Vec::new();
    Checker { root: schema }.check(node, schema, "the file", &mut out);
    out
}

struct Checker<'a> {
    root: &'a Json,
}

impl<'a> Checker<'a> {
    fn resolve(&self, schema: &'a Json) -> &'a Json {
        let mut s = schema;
        // schemars emits `$ref: "#/$defs/Name"`; follow a bounded chain.
        for _ in 0..16 {
            match s.get("$ref").and_then(Json::as_str) {
                Some(r) => match r
                    .strip_prefix("#/$defs/")
                    .and_then(|name| self.root.get("$defs")?.get(name))
                {
                    Some(target) => s = target,
                    None => return &Json::Bool(true),
                },
                None => return s,
            }
        }
        s
    }

    fn check(&self, node: &Node, schema: &'a Json, what: &str, out: &mut Vec<ShapeIssue>) {
        let schema = self.resolve(schema);
        if schema == &Json::Bool(true) || schema.as_object().is_some_and(|o| o.is_empty()) {
            return;
        }
        if let Some(alternatives) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array)
        {
            self.check_any_of(node, alternatives, what, out);
            return;
        }
        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Json::String(t) => vec![t.as_str()],
                Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
                _ => vec![],
            };
            if !allowed.is_empty() && !allowed.iter().any(|t| matches_type(node, t)) {
                out.push(ShapeIssue::WrongType {
                    what: what.to_string(),
                    expected: describe_types(&allowed),
                    at: node.clone(),
                });
                return;
            }
        }
        if let Some(values) = schema.get("enum").and_then(Json::as_array) {
            let text = node.to_json();
            if !values.contains(&text) {
                out.push(ShapeIssue::NotAllowed {
                    what: what.to_string(),
                    allowed: values
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                    at: node.clone(),
                });
            }
            return;
        }
        match &node.value {
            Content::Map(entries) => self.check_map(node, entries, schema, what, out),
            Content::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item, item_schema, &format!("{what}[{i}]"), out);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_any_of(
        &self,
        node: &Node,
        alternatives: &'a [Json],
        what: &str,
        out: &mut Vec<ShapeIssue>,
    ) {
        let mut best: Option<Vec<ShapeIssue>> = None;
        for alt in alternatives {
            let mut issues = Vec::new();
            self.check(node, alt, what, &mut issues);
            if issues.is_empty() {
                return;
            }
            // Prefer the alternative of the node's own kind: its issues are
            // the specific ones ("unknown key"), not "wrong type".
            let same_kind = !issues
                .iter()
                .any(|i| matches!(i, ShapeIssue::WrongType { at, .. } if at == node));
            if same_kind && best.as_ref().is_none_or(|b| issues.len() < b.len()) {
                best = Some(issues);
            }
        }
        match best {
            Some(issues) => out.extend(issues),
            None => {
                let mut kinds: Vec<&str> = alternatives
                    .iter()
                    .flat_map(|a| type_names(self.resolve(a)))
                    .collect();
                kinds.dedup();
                out.push(ShapeIssue::WrongType {
                    what: what.to_string(),
                    expected: describe_types(&kinds),
                    at: node.clone(),
                });
            }
        }
    }

    fn check_map(
        &self,
        node: &Node,
        entries: &[(Node, Node)],
        schema: &'a Json,
        what: &str,
        out: &mut Vec<ShapeIssue>,
    ) {
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        if let Some(props) = properties {
            let known: Vec<String> = props.keys().cloned().collect();
            for (k, v) in entries {
                let key = key_text(k);
                match props.get(&key) {
                    Some(sub) => self.check(v, sub, &key, out),
                    None => match additional {
                        Some(Json::Bool(false)) | None
                            if schema.get("additionalProperties") == Some(&Json::Bool(false)) =>
                        {
                            out.push(ShapeIssue::UnknownKey {
                                key,
                                parent: what.to_string(),
                                known: known.clone(),
                                at: k.clone(),
                            })
                        }
                        Some(sub) => self.check(v, sub, &format!("{what}.{key}"), out),
                        None => {}
                    },
                }
            }
            if let Some(required) = schema.get("required").and_then(Json::as_array) {
                for r in required.iter().filter_map(Json::as_str) {
                    if !entries.iter().any(|(k, _)| key_text(k) == r) {
                        out.push(ShapeIssue::MissingKey {
                            key: r.to_string(),
                            parent: what.to_string(),
                            at: node.clone(),
                        });
                    }
                }
            }
        } else if let Some(sub) = additional {
            for (k, v) in entries {
                self.check(v, sub, &format!("{what}.{}", key_text(k)), out);
            }
        }
    }
}

fn type_names(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => vec![],
    }
}

fn matches_type(node: &Node, ty: &str) -> bool {
    matches!(
        (ty, &node.value),
        ("null", Content::Null)
            | ("boolean", Content::Bool(_))
            | ("integer", Content::Int(_))
            | ("number", Content::Int(_) | Content::Number(_))
            | ("string", Content::Str(_))
            | ("array", Content::Seq(_))
            | ("object", Content::Map(_))
    )
}

fn describe_types(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .map(|t| match *t {
            "null" => "null",
            "boolean" => "true or false",
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            other => other,
        })
        .collect();
    words.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::format::VersionFile;
    use crate::rules::yaml::parse;

    fn issues(text: &str) -> Vec<ShapeIssue> {
        let schema = serde_json::to_value(schemars::schema_for!(VersionFile)).unwrap();
        check(&parse(text).unwrap(), &schema)
    }

    const GOOD: &str = "rule_set: a.b\nversion: '1'\ntitle: t\nin_force: {from: 2001-01-01}\nsource: {act: x, read_at: y}\nrules:\n  - id: r\n    cite: c\n    when: 'true'\n    then: {o: true, p: {expr: '1'}, q: [a, b], r: null}\n";

    #[test]
    fn a_well_formed_version_has_no_shape_issues() {
        assert_eq!(issues(GOOD), vec![]);
    }

    #[test]
    fn every_unknown_key_in_a_file_is_reported_not_just_the_first() {
        let text = GOOD
            .replace("title: t", "titel: t")
            .replace("cite: c", "cite: c\n    whne: x");
        let found = issues(&text);
        let keys: Vec<_> = found
            .iter()
            .filter_map(|i| match i {
                ShapeIssue::UnknownKey { key, .. } => Some(key.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(keys, vec!["titel", "whne"]);
        assert!(
            found
                .iter()
                .any(|i| matches!(i, ShapeIssue::MissingKey { key, .. } if key == "title"))
        );
    }

    #[test]
    fn a_list_where_a_mapping_belongs_is_a_wrong_type() {
        let text = GOOD.replace("in_force: {from: 2001-01-01}", "in_force: [2001-01-01]");
        assert!(
            matches!(&issues(&text)[..], [ShapeIssue::WrongType { what, .. }] if what == "in_force")
        );
    }

    #[test]
    fn an_expression_value_with_a_misspelt_key_is_reported() {
        let text = GOOD.replace("p: {expr: '1'}", "p: {exp: '1'}");
        assert!(!issues(&text).is_empty());
    }
}
