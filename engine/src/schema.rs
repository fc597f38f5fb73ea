//! JSON Schemas for editors: rule files (derived by schemars from the
//! format types) and case files (built from the facts a rules tree
//! declares, since facts live in the rules, not in Rust).

use schemars::Schema;
use serde_json::{Map, Value as Json, json};

use crate::format::{AnyRuleFile, ValueType};
use crate::tree::RuleTree;

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
                ValueType::String => match &f.values {
                    Some(v) => {
                        json!({"enum": v.iter().map(|s| Json::String(s.clone())).chain([Json::Null]).collect::<Vec<_>>()})
                    }
                    None => json!({"type": ["string", "null"]}),
                },
                ValueType::List => match &f.values {
                    Some(v) => json!({"type": ["array", "null"], "items": {"enum": v}}),
                    None => json!({"type": ["array", "null"], "items": {"type": "string"}}),
                },
            };
            if let Some(obj) = s.as_object_mut() {
                obj.insert("description".into(), Json::String(f.description.clone()));
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
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "inforce case",
        "description": format!("A case: the facts the rules declare, in the groups {}. A fact left out is unknown; a fact given as null is known to be absent.", tree.groups.join(", ")),
        "type": "object",
        "properties": groups,
        "additionalProperties": false,
    });
    Schema::try_from(schema).unwrap_or_default()
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::load::load;
    use crate::source::SourceFile;

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
            s["properties"]["trip"]["properties"]["purpose"]["enum"],
            serde_json::json!(["tourism", "work", null])
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
        ] {
            assert!(text.contains(key), "schema lacks `{key}`");
        }
    }
}
