//! JSON Schemas for editors: rule files (derived by schemars from the
//! format types) and case files (built from the facts a rules tree
//! declares, since facts live in the rules, not in Rust).

use schemars::Schema;
use serde_json::{Map, Value as Json, json};

use crate::rules::format::{AnyRuleFile, NullMeans, ValueType};
use crate::rules::model::FactDef;
use crate::rules::tree::RuleTree;

/// The schema of any rule file: a version, declarations or golden tests.
pub fn rules_schema() -> Schema {
    schemars::schema_for!(AnyRuleFile)
}

/// The schema of a case under the facts `tree` declares.
pub fn case_schema(tree: &RuleTree) -> Schema {
    let mut groups = Map::new();
    for g in &tree.groups {
        let mut props = Map::new();
        for f in tree
            .facts
            .values()
            .filter(|f| f.name.split_once('.').is_some_and(|(fg, _)| fg == g))
        {
            let field = f.name.split_once('.').map(|(_, n)| n).unwrap_or(&f.name);
            let mut s = match f.ty {
                ValueType::Bool => json!({"type": ["boolean", "null"]}),
                ValueType::Int => json!({"type": ["integer", "null"]}),
                ValueType::Date => {
                    json!({"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"})
                }
                ValueType::String => match allowed(f) {
                    Some(one) => json!({"anyOf": [one, {"type": "null"}]}),
                    None => json!({"type": ["string", "null"]}),
                },
                ValueType::List => json!({
                    "type": ["array", "null"],
                    "items": allowed(f).unwrap_or_else(|| json!({"type": "string"})),
                }),
            };
            if let Some(obj) = s.as_object_mut() {
                let null = match f.null_means {
                    NullMeans::None => {
                        "Null means there is no such thing (the event has not happened)."
                    }
                    NullMeans::Unknown => "Null means unknown, as leaving it out does.",
                };
                obj.insert(
                    "description".into(),
                    Json::String(format!("{} {null}", f.description)),
                );
            }
            props.insert(field.to_string(), s);
        }
        groups.insert(
            g.clone(),
            json!({"type": ["object", "null"], "properties": props, "additionalProperties": false}),
        );
    }
    groups.insert(
        "id".into(),
        json!({"type": ["string", "integer"], "description": "A short name for the case."}),
    );
    groups.insert(
        "date".into(),
        json!({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "The date the case is assessed at (`--date` overrides)."}),
    );
    let checks: String = tree
        .checks
        .iter()
        .map(|c| format!(" Check `{}` refuses a case where {}.", c.id, c.message))
        .collect();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "inforce case",
        "description": format!("A case: the facts the rules declare, in the groups {}. A fact left out is unknown; null is unknown too, unless the fact says null means none. A case must also pass the rules' checks across facts.{checks}", tree.groups.join(", ")),
        "type": "object",
        "properties": groups,
        "additionalProperties": false,
    });
    Schema::try_from(schema).unwrap_or_default()
}

/// The schema of one allowed (item) value of a restricted fact: its
/// listed values and codes as an enumeration (each code with what it
/// stands for, so editors can show it), its pattern, or either.
fn allowed(f: &FactDef) -> Option<Json> {
    if !f.is_restricted() {
        return None;
    }
    let mut options = Vec::new();
    let listed: Vec<&str> = f.listed().collect();
    if !listed.is_empty() {
        let names: Vec<Json> = listed
            .iter()
            .map(|v| {
                let name = f.code_list.as_ref().and_then(|c| c.codes.get(*v));
                Json::String(
                    name.cloned()
                        .unwrap_or_else(|| "listed in the fact's values".to_string()),
                )
            })
            .collect();
        let mut e = json!({"type": "string", "enum": listed});
        if f.code_list.is_some()
            && let Some(obj) = e.as_object_mut()
        {
            // Not JSON Schema, but read by editors (VS Code's YAML and JSON
            // support) to name each code while typing.
            obj.insert("enumDescriptions".into(), Json::Array(names));
        }
        options.push(e);
    }
    if let Some(p) = &f.pattern {
        options.push(json!({"type": "string", "pattern": format!("^(?:{})$", p.text)}));
    }
    match options.len() {
        1 => options.pop(),
        _ => Some(json!({"anyOf": options})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::load;
    use crate::rules::source::SourceFile;

    #[test]
    fn the_case_schema_lists_declared_facts_with_their_types_and_allowed_values() {
        let decl = "facts:\n  person.birth_date: {type: date, description: born}\n  trip.purpose: {type: string, values: [tourism, work], description: why}\noutcomes:\n  ok: {type: bool, description: ok}\n";
        let loaded = load(
            vec![SourceFile {
                path: "d.yaml".into(),
                text: decl.into(),
            }],
            "t",
        );
        let tree = loaded.tree.unwrap();
        let s = serde_json::to_value(case_schema(&tree)).unwrap();
        assert_eq!(
            s["properties"]["person"]["properties"]["birth_date"]["format"],
            "date"
        );
        assert_eq!(
            s["properties"]["trip"]["properties"]["purpose"]["anyOf"],
            serde_json::json!([{"type": "string", "enum": ["tourism", "work"]}, {"type": "null"}])
        );
        assert_eq!(s["properties"]["person"]["additionalProperties"], false);
        assert_eq!(s["additionalProperties"], false);
    }

    #[test]
    fn the_rules_schema_offers_the_three_kinds_of_rule_file() {
        let s = serde_json::to_value(rules_schema()).unwrap();
        let text = s.to_string();
        for key in [
            "rule_set",
            "in_force",
            "facts",
            "outcomes",
            "tests",
            "exception_to",
            "code_list",
            "null_means",
            "checks",
            "pattern",
        ] {
            assert!(text.contains(key), "schema lacks `{key}`");
        }
    }
}
