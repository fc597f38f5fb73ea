//! `GET /openapi.json`: the OpenAPI 3.1 document of this API, kept as a
//! file (`server/openapi.json`) that tests check against real responses,
//! with the case schema of the tree being served put in, so a client
//! generated from it knows today's facts. Not here: the routes.

use inforce_engine::RuleTree;
use serde_json::Value;

const DOCUMENT: &str = include_str!("../openapi.json");

/// The document for `tree`.
pub fn document(tree: &RuleTree) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_str::<Value>(DOCUMENT) else {
        return DOCUMENT.as_bytes().to_vec();
    };
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let mut case = serde_json::to_value(inforce_engine::case_schema(tree)).unwrap_or_default();
        // The schema's own `$schema` and `$id` are for a file, not for a
        // component inside another document.
        if let Some(o) = case.as_object_mut() {
            o.remove("$schema");
            o.remove("$id");
        }
        schemas.insert("Case".to_string(), case);
    }
    if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) {
        info.insert(
            "x-rules-digest".to_string(),
            Value::String(tree.digest.clone()),
        );
    }
    serde_json::to_vec(&doc).unwrap_or_default()
}
