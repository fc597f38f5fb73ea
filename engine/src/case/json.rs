//! Reads a case from JSON (one line of `inforce batch`) and checks it against
//! the facts the rules tree declares, with the same decisions as `case`:
//! the same unknown fields, wrong types, impossible dates and values outside
//! the allowed set are rejected, the same checks across facts made, and a
//! `null` read as the fact's declaration says (unknown, or none). It exists because `serde_json` is
//! far faster than the YAML parser on millions of small cases. Messages are
//! plain one-line strings (no source to underline in a line of JSON Lines).
//! Not here: YAML cases or files (see `case`), evaluation.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::Case;
use super::convert::{Given, Refusal, convert_raw, date_text};
use crate::diagnostics::{CaseError, suggest};
use crate::eval::fact_set::FactSet;
use crate::rules::model::{FactDef, Value};
use crate::rules::tree::RuleTree;

/// Reads one JSON case from text (`Case::from_json`): a valid case is
/// read straight from the text into numbered facts, without building a
/// JSON tree first. Anything the direct reader does not accept as a valid
/// case (an error of any kind, a key given twice, a value of the wrong
/// type, a failed check) is read again the long way, which says precisely
/// what is wrong; so only valid cases take the fast path, and the messages
/// are those of `from_value` whichever path ran.
/// The fallback id is made only for a case without one (`batch` numbers
/// its lines, and most lines name their case).
pub(super) fn read(
    tree: &RuleTree,
    text: &str,
    fallback_id: impl FnOnce() -> String,
) -> Result<Case, Vec<CaseError>> {
    match direct(tree, text) {
        Some(parts) => {
            let id = parts.id.unwrap_or_else(fallback_id);
            Ok(Case::numbered(tree, id, parts.date, parts.values))
        }
        None => read_long_way(tree, text, &fallback_id()),
    }
}

/// The fast path of `read`: `None` for anything but a valid case, a case
/// failing a check included (the long way says which).
fn direct(tree: &RuleTree, text: &str) -> Option<DirectCase> {
    read_direct(tree, text).filter(|parts| crate::eval::passes_checks(tree, &parts.values))
}

/// The case on a line of bytes, if the direct reader takes it as it is
/// (`read` without the long way): `None` for every other line, a line
/// that is not UTF-8 among them. The fallback id is made only for a case
/// without one.
pub(super) fn read_bytes(
    tree: &RuleTree,
    bytes: &[u8],
    fallback_id: impl FnOnce() -> String,
) -> Option<Case> {
    let parts = super::json_scan::scan(tree, bytes)?;
    crate::eval::passes_checks(tree, &parts.values).then(|| {
        let id = parts.id.unwrap_or_else(fallback_id);
        Case::numbered(tree, id, parts.date, parts.values)
    })
}

/// `read` for a text the direct reader did not take: every problem, with
/// its message.
fn read_long_way(tree: &RuleTree, text: &str, fallback_id: &str) -> Result<Case, Vec<CaseError>> {
    let value = parse_json(text).map_err(|e| vec![CaseError::not_json(&e)])?;
    from_value(tree, &value, fallback_id)
}

/// A valid case as read directly, checks across facts not yet made: its
/// id if given, date, and facts by number (`None`: not given, or a `null`
/// meaning unknown).
#[derive(Debug, PartialEq)]
pub(super) struct DirectCase {
    pub(super) id: Option<String>,
    pub(super) date: Option<NaiveDate>,
    pub(super) values: Vec<Option<Value>>,
}

fn read_direct(tree: &RuleTree, text: &str) -> Option<DirectCase> {
    // Most lines are read by the scanner; it leaves the rest to serde.
    if let Some(parts) = super::json_scan::scan(tree, text.as_bytes()) {
        return Some(parts);
    }
    read_direct_serde(tree, text)
}

/// The serde reading of a valid case: any JSON, escapes and all.
pub(super) fn read_direct_serde(tree: &RuleTree, text: &str) -> Option<DirectCase> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parts = de::DeserializeSeed::deserialize(CaseSeed { tree }, &mut de).ok()?;
    de.end().ok()?;
    Some(parts)
}

/// The direct reader's failure: the long way says what it was.
fn reject<E: de::Error>() -> E {
    E::custom("not a valid case")
}

struct CaseSeed<'t> {
    tree: &'t RuleTree,
}

impl<'de> de::DeserializeSeed<'de> for CaseSeed<'_> {
    type Value = DirectCase;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DirectCase, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CaseSeed<'_> {
    type Value = DirectCase;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a case")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DirectCase, A::Error> {
        let mut id = None;
        let mut date = None;
        let mut groups_seen: Vec<usize> = Vec::new();
        let mut seen = FactSet::default();
        let mut values: Vec<Option<Value>> = vec![None; self.tree.fact_names.len()];
        while let Some(key) = map.next_key::<JsonStr<'de>>()? {
            match key.0.as_ref() {
                "id" if id.is_none() => id = Some(map.next_value::<CaseId>()?.0),
                "date" if date.is_none() => {
                    let JsonStr(t) = map.next_value::<JsonStr<'de>>()?;
                    date = Some(date_text(Some(&t)).map_err(|_| reject::<A::Error>())?);
                }
                group => {
                    let Some(g) = self.tree.groups.iter().position(|g| g.as_str() == group) else {
                        return Err(reject());
                    };
                    if groups_seen.contains(&g) {
                        return Err(reject());
                    }
                    groups_seen.push(g);
                    map.next_value_seed(GroupSeed {
                        tree: self.tree,
                        fields: self
                            .tree
                            .group_fields
                            .get(g)
                            .map(Vec::as_slice)
                            .unwrap_or_default(),
                        seen: &mut seen,
                        values: &mut values,
                    })?;
                }
            }
        }
        Ok(DirectCase { id, date, values })
    }
}

/// A string as given, borrowed from the text when it has no escapes.
struct JsonStr<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for JsonStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<JsonStr<'de>, E> {
                Ok(JsonStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonStr<'de>, E> {
                Ok(JsonStr(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A case's `id`: a string, or an integer written as its digits.
struct CaseId(String);

impl<'de> Deserialize<'de> for CaseId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CaseId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CaseId, E> {
                Ok(CaseId(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CaseId, E> {
                Ok(CaseId(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CaseId, E> {
                i64::try_from(v)
                    .map(|v| CaseId(v.to_string()))
                    .map_err(|_| reject())
            }
        }
        d.deserialize_any(V)
    }
}

/// The facts of one group, added to the case.
struct GroupSeed<'t, 'c> {
    tree: &'t RuleTree,
    /// The group's field names and fact numbers, sorted by name.
    fields: &'t [(String, usize)],
    /// Facts already given, to refuse one given twice.
    seen: &'c mut FactSet,
    /// The case's facts by number.
    values: &'c mut [Option<Value>],
}

impl<'de> de::DeserializeSeed<'de> for GroupSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GroupSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of facts")
    }

    /// `"person": null` says nothing about the person.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut from = 0;
        while let Some(JsonStr(field)) = map.next_key::<JsonStr<'de>>()? {
            let at = find_field(self.fields, from, &field).ok_or_else(reject::<A::Error>)?;
            from = at + 1;
            let Some(&(_, id)) = self.fields.get(at) else {
                return Err(reject());
            };
            let Some(def) = self.tree.fact_defs.get(id) else {
                return Err(reject());
            };
            if self.seen.contains(id) {
                return Err(reject());
            }
            self.seen.insert(crate::rules::model::FactId::new(id));
            let raw = map.next_value::<GivenJson<'de>>()?;
            let val = convert_raw(raw.view(), def, "").map_err(|_| reject::<A::Error>())?;
            if let Some(val) = val {
                let Some(slot) = self.values.get_mut(id) else {
                    return Err(reject());
                };
                *slot = Some(val);
            }
        }
        Ok(())
    }
}

/// Where `field` is among a group's `fields` (sorted by name). Fields
/// mostly come in order of name: look at the few after the last one found
/// (`from`) first, and search the whole list only if that fails.
#[inline]
pub(super) fn find_field(fields: &[(String, usize)], from: usize, field: &str) -> Option<usize> {
    let rest = fields.get(from..).unwrap_or_default();
    match rest.iter().take(4).position(|(f, _)| f.as_str() == field) {
        Some(i) => Some(from + i),
        None => fields.binary_search_by(|(f, _)| f.as_str().cmp(field)).ok(),
    }
}

/// A fact's value as read, before conversion (`case::Given` borrows from it).
pub(super) enum GivenJson<'de> {
    Null,
    Bool(bool),
    Int(Option<i64>),
    Str(std::borrow::Cow<'de, str>),
    List(Vec<Option<std::borrow::Cow<'de, str>>>),
}

impl GivenJson<'_> {
    pub(super) fn view(&self) -> Given<'_> {
        match self {
            GivenJson::Null => Given::Null,
            GivenJson::Bool(b) => Given::Bool(*b),
            GivenJson::Int(i) => Given::Int(*i),
            GivenJson::Str(s) => Given::Str(s),
            GivenJson::List(items) => Given::List(items.iter().map(|i| i.as_deref()).collect()),
        }
    }
}

impl<'de> Deserialize<'de> for GivenJson<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = GivenJson<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a fact's value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Int(Some(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Int(i64::try_from(v).ok()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Int(None))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Str(std::borrow::Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<GivenJson<'de>, E> {
        Ok(GivenJson::Str(std::borrow::Cow::Owned(v.to_string())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<GivenJson<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<GivenJson<'de>>()? {
            items.push(match item {
                GivenJson::Str(s) => Some(s),
                _ => None,
            });
        }
        Ok(GivenJson::List(items))
    }
    /// An object as a fact's value is never valid: the long way says so
    /// (and checks it for keys given twice).
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<GivenJson<'de>, A::Error> {
        Err(reject())
    }
}

/// Parses one JSON document, rejecting a key given twice in one object as
/// the YAML reader of `case` does (plain `serde_json` would keep the last
/// one silently, and a case would then say two things about one fact).
pub(crate) fn parse_json(text: &str) -> Result<Json, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

/// Validates a parsed JSON case. `fallback_id` is the case's id when it has
/// no `id` field. Every problem is returned, one message each; the order is
/// that of the keys sorted, as `serde_json` keeps objects.
pub(super) fn from_value(
    tree: &RuleTree,
    value: &Json,
    fallback_id: &str,
) -> Result<Case, Vec<CaseError>> {
    let Some(entries) = value.as_object() else {
        return Err(vec![CaseError::NotAnObject {
            found: kind(value).to_string(),
            help: format!(
                "a case looks like `{{\"id\": ..., \"date\": \"YYYY-MM-DD\", \"{}\": {{...}}}}`",
                super::example_group(tree)
            ),
        }]);
    };
    let mut errors = Vec::new();
    let mut case = Case::empty(tree, fallback_id, None);
    for (key, v) in entries {
        match key.as_str() {
            "id" => match v {
                Json::String(s) => case.id = s.clone(),
                // Integers only, as the YAML reader: a number that is not a
                // 64-bit integer is no name.
                Json::Number(n) if n.as_i64().is_some() => case.id = n.to_string(),
                _ => errors.push(wrong(
                    "id",
                    "a string",
                    v,
                    "give the case a short name, e.g. `\"id\": \"case-17\"`",
                )),
            },
            "date" => match date_of(v) {
                Ok(d) => case.date = Some(d),
                Err(why) => errors.push(wrong("date", "a date (YYYY-MM-DD)", v, &why)),
            },
            group if tree.groups.iter().any(|g| g == group) => match v {
                Json::Object(fields) => group_facts(tree, group, fields, &mut case, &mut errors),
                Json::Null => {}
                _ => errors.push(wrong(
                    group,
                    "an object of facts",
                    v,
                    &format!("write `\"{group}\": {{\"name\": value, ...}}`"),
                )),
            },
            _ => errors.push(unknown_top_level(tree, key)),
        }
    }
    if errors.is_empty()
        && let Err(failed) = case.check(tree)
    {
        errors.extend(failed);
    }
    if errors.is_empty() {
        Ok(case)
    } else {
        Err(errors)
    }
}

fn group_facts(
    tree: &RuleTree,
    group: &str,
    fields: &Map<String, Json>,
    case: &mut Case,
    errors: &mut Vec<CaseError>,
) {
    for (name, v) in fields {
        let field = format!("{group}.{name}");
        let declared = tree.declared_fact(&field);
        match declared {
            Some((number, def)) => match convert(v, def) {
                Ok(Some(val)) => {
                    if let Some(slot) = case.values.get_mut(number) {
                        *slot = Some(val);
                    }
                }
                // `null` meaning unknown: as if left out.
                Ok(None) => {}
                Err(refusal) => errors.push(refusal.error(&field, found(v), None)),
            },
            None => errors.push(CaseError::UnknownField {
                help: suggest(&field, tree.facts.keys().map(String::as_str)),
                field,
                src: None,
                span: None,
            }),
        }
    }
}

fn unknown_top_level(tree: &RuleTree, key: &str) -> CaseError {
    // A fact written without its group is a common slip.
    let grouped = tree
        .facts
        .keys()
        .find(|f| f.split_once('.').is_some_and(|(_, n)| n == key));
    let help = match grouped {
        Some(f) => format!("did you mean `{f}`? facts sit under their group"),
        None => {
            let top_level = ["id", "date"]
                .into_iter()
                .chain(tree.groups.iter().map(String::as_str));
            suggest(key, top_level)
        }
    };
    CaseError::UnknownField {
        field: key.to_string(),
        src: None,
        span: None,
        help,
    }
}

/// How a JSON value is called in messages.
fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.as_i64().is_some() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn wrong(field: &str, expected: &str, v: &Json, help: &str) -> CaseError {
    CaseError::WrongType {
        field: field.to_string(),
        expected: expected.to_string(),
        found: found(v),
        src: None,
        span: None,
        help: help.to_string(),
    }
}

/// A value as messages show it.
fn found(v: &Json) -> String {
    match v {
        Json::String(s) => format!("`{s}`"),
        // Written as the YAML reader writes numbers, so both readers say
        // the same about `1.0`.
        Json::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("`{f}`"),
            _ => format!("`{n}`"),
        },
        Json::Bool(b) => format!("`{b}`"),
        other => kind(other).to_string(),
    }
}

fn date_of(v: &Json) -> Result<NaiveDate, String> {
    date_text(v.as_str())
}

/// Converts a fact's value to its declared type: the same conversion and
/// messages as the YAML reader (`case::convert_raw`).
fn convert(v: &Json, def: &FactDef) -> Result<Option<Value>, Refusal> {
    let raw = match v {
        Json::Null => Given::Null,
        Json::Bool(b) => Given::Bool(*b),
        Json::Number(n) => Given::Int(n.as_i64()),
        Json::String(s) => Given::Str(s),
        Json::Array(items) => Given::List(items.iter().map(Json::as_str).collect()),
        Json::Object(_) => Given::Other,
    };
    convert_raw(raw, def, "[\"questionnaire\"]")
}

/// A JSON value read with duplicate keys rejected.
struct Strict(Json);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "`{key}` is given twice in the same object"
                )));
            }
            let Strict(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Json::Object(out))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::Path;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::diagnostics::CaseError;

    fn parse_case(tree: &RuleTree, name: &str, text: &str) -> Result<Case, Vec<CaseError>> {
        Case::from_yaml(tree, name, text)
    }

    /// The errors as `batch` writes them.
    fn lines(errors: Vec<CaseError>) -> Vec<String> {
        errors.iter().map(CaseError::one_line).collect()
    }

    /// The long way alone.
    fn case_from_json(tree: &RuleTree, v: &Json, id: &str) -> Result<Case, Vec<String>> {
        from_value(tree, v, id).map_err(lines)
    }

    #[derive(Debug)]
    enum ReadError {
        NotJson(String),
        Invalid(Vec<String>),
    }

    /// `Case::from_json`, its errors sorted as the old readers returned them.
    fn read_case(tree: &RuleTree, text: &str, id: &str) -> Result<Case, ReadError> {
        read(tree, text, || id.to_string()).map_err(|errors| match errors.as_slice() {
            [e @ CaseError::NotJson { .. }] => ReadError::NotJson(e.to_string()),
            _ => ReadError::Invalid(lines(errors)),
        })
    }

    use crate::rules::load::{Golden, load_with};
    use crate::rules::source::{SourceFile, read_dir};

    /// Every fact type, allowed values or not, in two groups.
    const DECLARATIONS: &str = "
facts:
  g.b: {type: bool, description: b}
  g.n: {type: int, description: n}
  g.d: {type: date, description: d}
  g.s: {type: string, values: [exit, entry, stay], description: s}
  g.t: {type: string, description: t}
  g.l: {type: list, values: [questionnaire, photo], description: l}
  g.m: {type: list, description: m}
  g.e: {type: date, null_means: none, description: e}
  g.c: {type: string, code_list: cc, values: [stateless], description: c}
  g.p: {type: string, pattern: '[A-Z]{2}[0-9]', description: p}
  h.x: {type: bool, description: x}
checks:
  - {id: e-not-before-d, holds: g.e >= g.d, message: e is before d}
";

    /// A code list for `g.c`.
    const CODES: &str = "
code_list: cc
title: Two codes
source: tests
codes:
  - {code: KZ, name: Kazakhstan, aliases: [KAZ]}
  - {code: 'NO', name: Norway, aliases: [NOR]}
";

    /// A tree of every kind of fact, for the readers' tests.
    pub(in crate::case) fn synthetic() -> RuleTree {
        let files = vec![
            SourceFile {
                path: "rules/facts.yaml".to_string(),
                text: DECLARATIONS.to_string(),
            },
            SourceFile {
                path: "rules/codes.yaml".to_string(),
                text: CODES.to_string(),
            },
        ];
        let loaded = load_with(files, "test", Golden::Skip);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        loaded.tree.unwrap()
    }

    thread_local! {
        // Built once per test thread: a tree is not shared across threads.
        static SYNTHETIC: RuleTree = synthetic();
    }

    fn shipped() -> RuleTree {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, problems) = read_dir(&root);
        assert!(problems.is_empty());
        load_with(files, "rules", Golden::Skip).tree.unwrap()
    }

    /// The field each problem is about, for comparing the two readers.
    fn yaml_fields(errors: &[CaseError]) -> Vec<String> {
        let mut out: Vec<String> = errors
            .iter()
            .map(|e| match e {
                CaseError::UnknownField { field, .. }
                | CaseError::WrongType { field, .. }
                | CaseError::NotAllowed { field, .. } => field.clone(),
                CaseError::FailedCheck { check, .. } => format!("check {check}"),
                other => format!("{other}"),
            })
            .collect();
        out.sort();
        out
    }

    fn json_fields(messages: &[String]) -> Vec<String> {
        let mut out: Vec<String> = messages
            .iter()
            .map(|m| {
                if let Some(rest) = m.strip_prefix("the case fails the check `") {
                    return format!("check {}", rest.split('`').next().unwrap_or_default());
                }
                let rest = m.strip_prefix("unknown field ").unwrap_or(m);
                if rest.starts_with('`') {
                    rest.split('`').nth(1).unwrap_or_default().to_string()
                } else {
                    "the case".to_string()
                }
            })
            .collect();
        out.sort();
        out
    }

    /// Both readers on the same text: the same case, or problems about the
    /// same fields.
    fn same_decision(tree: &RuleTree, value: &Json) {
        let text = serde_json::to_string(value).unwrap();
        let from_yaml = parse_case(tree, "fallback", &text);
        let from_json = case_from_json(tree, &parse_json(&text).unwrap(), "fallback");
        match (&from_yaml, &from_json) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(a), Err(b)) => assert_eq!(yaml_fields(a), json_fields(b), "{text}\n{b:?}"),
            _ => {
                panic!("the readers disagree on {text}:\nyaml: {from_yaml:?}\njson: {from_json:?}")
            }
        }
    }

    #[test]
    fn the_example_cases_read_the_same_from_json_as_from_yaml() {
        let tree = shipped();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let value = crate::rules::yaml::parse(&text).unwrap().to_json();
            let json_text = serde_json::to_string(&value).unwrap();
            let from_yaml = parse_case(&tree, "x", &text).unwrap();
            let from_json = case_from_json(&tree, &parse_json(&json_text).unwrap(), "x").unwrap();
            assert_eq!(from_yaml, from_json, "{}", path.display());
            assert!(from_json.facts(&tree).next().is_some());
            seen += 1;
        }
        assert!(seen >= 4);
    }

    #[test]
    fn a_misspelt_fact_is_named_with_the_closest_declared_one() {
        let tree = shipped();
        let v = json!({"date": "2005-06-10", "person": {"marrid": true}});
        assert_eq!(
            case_from_json(&tree, &v, "x").unwrap_err(),
            vec!["unknown field `person.marrid` (did you mean `person.married`?)"]
        );
    }

    #[test]
    fn a_fact_without_its_group_is_pointed_to_its_group() {
        let tree = shipped();
        let v = json!({"married": true});
        assert_eq!(
            case_from_json(&tree, &v, "x").unwrap_err(),
            vec![
                "unknown field `married` (did you mean `person.married`? facts sit under their group)"
            ]
        );
    }

    #[test]
    fn wrong_types_bad_dates_and_values_not_allowed_say_what_was_expected() {
        let tree = &synthetic();
        let v = json!({
            "date": "2005-02-30",
            "g": {"n": "three", "s": "exitt", "d": "1 May 2005", "l": ["photo", 3]}
        });
        let errors = case_from_json(tree, &v, "x").unwrap_err();
        assert_eq!(
            errors,
            vec![
                "`date` should be a date (YYYY-MM-DD), not `2005-02-30` (`2005-02-30` is not a day of the calendar)",
                "`g.d` should be a date (YYYY-MM-DD), not `1 May 2005` (write dates as `YYYY-MM-DD`)",
                "`g.l` should be a list of names, not a list (write each item as a name, e.g. `[\"questionnaire\"]`)",
                "`g.n` should be an integer, not `three` (write an integer here, or leave the fact out if it is unknown)",
                "`g.s` should be one of `exit`, `entry`, `stay`, not `exitt` (did you mean `exit`?)",
            ]
        );
    }

    #[test]
    fn null_is_unknown_like_a_left_out_fact_unless_the_fact_declares_null_means_none() {
        let tree = &synthetic();
        let v = json!({"g": {"d": null, "b": null, "s": null, "e": null}, "h": null});
        let case = case_from_json(tree, &v, "x").unwrap();
        assert_eq!(case.fact(tree, "g.e"), Some(&Value::Null));
        assert_eq!(case.fact(tree, "g.d"), None);
        assert_eq!(case.fact(tree, "g.b"), None);
        assert_eq!(case.fact(tree, "g.s"), None);
        assert_eq!(case.facts(tree).count(), 1);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(read_case(tree, &text, "x").unwrap(), case);
        assert_eq!(parse_case(tree, "x", &text).unwrap(), case);
    }

    #[test]
    fn a_code_in_the_wrong_case_or_an_alias_is_refused_with_the_exact_code_offered() {
        let tree = &synthetic();
        for (given, offered) in [("kz", "KZ"), ("Kz", "KZ"), ("KAZ", "KZ"), ("nor", "NO")] {
            let errors = case_from_json(tree, &json!({"g": {"c": given}}), "x").unwrap_err();
            assert_eq!(errors.len(), 1);
            assert!(
                errors[0].starts_with(&format!(
                    "`g.c` should be a code of `cc` (Two codes) or `stateless`, not `{given}`"
                )),
                "{errors:?}"
            );
            assert!(
                errors[0].contains(&format!("did you mean `{offered}`")),
                "{errors:?}"
            );
        }
        for good in ["KZ", "NO", "stateless"] {
            assert!(case_from_json(tree, &json!({"g": {"c": good}}), "x").is_ok());
        }
    }

    #[test]
    fn a_pattern_must_match_the_whole_value() {
        let tree = &synthetic();
        assert!(case_from_json(tree, &json!({"g": {"p": "AB1"}}), "x").is_ok());
        for bad in ["AB12", "xAB1", "ab1", ""] {
            let errors = case_from_json(tree, &json!({"g": {"p": bad}}), "x").unwrap_err();
            assert!(
                errors[0].contains("text matching the pattern `[A-Z]{2}[0-9]`"),
                "{bad}: {errors:?}"
            );
        }
    }

    #[test]
    fn a_case_failing_a_check_is_refused_by_both_json_readers_and_the_yaml_reader() {
        let tree = &synthetic();
        let text = r#"{"g": {"d": "2005-06-10", "e": "2005-06-09"}}"#;
        let errors = case_from_json(tree, &parse_json(text).unwrap(), "x").unwrap_err();
        assert_eq!(
            errors,
            vec![
                "the case fails the check `e-not-before-d`: e is before d (correct `g.e` or `g.d`)"
            ]
        );
        assert!(matches!(read_case(tree, text, "x"), Err(ReadError::Invalid(e)) if e == errors));
        let yaml = parse_case(tree, "x", text).unwrap_err();
        assert!(
            matches!(&yaml[..], [CaseError::FailedCheck { check, labels, .. }] if check == "e-not-before-d" && labels.len() == 2)
        );
        // The same day passes; an unknown or null date cannot fail it.
        for ok in [
            r#"{"g": {"d": "2005-06-10", "e": "2005-06-10"}}"#,
            r#"{"g": {"d": "2005-06-10"}}"#,
            r#"{"g": {"d": null, "e": "2005-06-09"}}"#,
            r#"{"g": {"d": "2005-06-10", "e": null}}"#,
        ] {
            assert!(read_case(tree, ok, "x").is_ok(), "{ok}");
            assert!(parse_case(tree, "x", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn the_id_is_the_fallback_unless_given_and_an_integer_id_is_its_digits() {
        let tree = &synthetic();
        let case = case_from_json(tree, &json!({}), "line-3").unwrap();
        assert_eq!(case.id, "line-3");
        let case = case_from_json(tree, &json!({"id": 17}), "line-3").unwrap();
        assert_eq!(case.id, "17");
        assert!(case_from_json(tree, &json!({"id": 1.5}), "x").is_err());
    }

    #[test]
    fn a_case_that_is_not_an_object_is_one_problem() {
        let errors = case_from_json(&synthetic(), &json!([1, 2]), "x").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("the case should be an object of fact groups, not a list"));
    }

    #[test]
    fn a_key_given_twice_is_rejected_as_by_the_yaml_reader() {
        let text = r#"{"g": {"b": true, "b": false}}"#;
        let e = parse_json(text).unwrap_err();
        assert!(e.to_string().contains("`b` is given twice"), "{e}");
        assert!(parse_case(&synthetic(), "x", text).is_err());
        assert!(parse_json(r#"{"g": {"b": true}, "h": {"b": true}}"#).is_ok());
    }

    #[test]
    fn numbers_at_the_edges_are_decided_alike() {
        let tree = &synthetic();
        for n in [
            json!(0),
            json!(-1),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1.0),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
        ] {
            same_decision(tree, &json!({"id": n, "g": {"n": n, "t": n}}));
            same_decision(tree, &json!({"g": {"n": n}}));
        }
        // The one known difference: `serde_json` reads the integer `-0` as
        // the float `-0.0`, so it is refused as an integer where the YAML
        // reader takes it as 0. No JSON writer emits `-0` for an integer.
        let text = r#"{"g": {"n": -0}}"#;
        assert!(parse_case(tree, "x", text).is_ok());
        assert!(case_from_json(tree, &parse_json(text).unwrap(), "x").is_err());
    }

    fn leaf() -> impl Strategy<Value = Json> {
        let words = prop::sample::select(vec![
            "exit",
            "exitt",
            "entry",
            "stay",
            "questionnaire",
            "photo",
            "KZ",
            "kz",
            "KAZ",
            "NO",
            "AB1",
            "stateless",
            "true",
            "null",
            "~",
            "",
            "1",
            "2005-06-10",
            "2005-06-09",
            "2005-02-30",
            "2004-02-29",
            "2005-6-1",
            "10/06/2005",
            "a b",
            "é",
        ]);
        let numbers = prop::sample::select(vec![
            json!(0),
            json!(7),
            json!(-3),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1.5),
            json!(2.0),
        ]);
        let scalar = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            words.clone().prop_map(|w| Json::String(w.to_string())),
            numbers,
        ];
        prop_oneof![
            4 => scalar.clone(),
            1 => prop::collection::vec(scalar, 0..3).prop_map(Json::Array),
            1 => prop::collection::vec(words, 0..3)
                .prop_map(|ws| json!(ws)),
        ]
    }

    fn group() -> impl Strategy<Value = Json> {
        let names = prop::sample::select(vec![
            "b", "n", "d", "s", "t", "l", "m", "e", "c", "p", "x", "bb", "B", "",
        ]);
        prop::collection::btree_map(names, leaf(), 0..5)
            .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    fn case() -> impl Strategy<Value = Json> {
        let keys = prop::sample::select(vec![
            "id", "date", "g", "h", "gg", "b", "x", "dat", "person",
        ]);
        let entry = prop_oneof![3 => group(), 2 => leaf()];
        let object = prop::collection::btree_map(keys, entry, 0..6)
            .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
        prop_oneof![9 => object, 1 => leaf()]
    }

    /// `read_case` against the long way (`parse_json`, `case_from_json`):
    /// the same case, or the same messages.
    fn same_as_the_long_way(tree: &RuleTree, text: &str) {
        let fast = match read_case(tree, text, "fallback") {
            Ok(case) => Ok(case),
            Err(ReadError::NotJson(e)) => Err(format!("not json: {e}")),
            Err(ReadError::Invalid(m)) => Err(m.join(" | ")),
        };
        let slow = match parse_json(text) {
            Err(e) => Err(format!("not json: {}", CaseError::not_json(&e))),
            Ok(v) => case_from_json(tree, &v, "fallback").map_err(|m| m.join(" | ")),
        };
        assert_eq!(fast, slow, "{text}");
    }

    #[test]
    fn the_direct_reader_takes_valid_cases_and_leaves_the_rest_to_the_long_way() {
        let tree = shipped();
        let valid = r#"{"id": 7, "date": "2005-06-10", "person": {"citizenship": "KZ", "birth_date": "1961-03-14", "secret_holder": true}, "trip": null}"#;
        let case = direct(&tree, valid).unwrap();
        assert_eq!(case.id.as_deref(), Some("7"));
        assert_eq!(case.values.iter().flatten().count(), 3);
        for broken in [
            r#"{"date": "2005-06-10", "date": "2005-06-11"}"#,
            r#"{"person": {"secret_holder": true, "secret_holder": false}}"#,
            r#"{"person": {"secret_holder": true}, "person": {}}"#,
            r#"{"person": {"secret_holder": "yes"}}"#,
            r#"{"person": {"secret_holdr": true}}"#,
            r#"{"date": "2005-02-30"}"#,
            r#"{"id": 1.5}"#,
            r#"{"id": 18446744073709551615}"#,
            r#"{"persons": {}}"#,
            r#"{"application": {"documents": ["questionnaire", {"a": 1, "a": 2}]}}"#,
            r#"{} trailing"#,
            r#"[]"#,
            "",
        ] {
            assert!(direct(&tree, broken).is_none(), "{broken}");
            same_as_the_long_way(&tree, broken);
        }
    }

    /// Texts with keys given twice and values of every kind, which a
    /// `serde_json::Value` cannot even hold.
    fn raw_text() -> impl Strategy<Value = String> {
        let keys = prop::sample::select(vec![
            "\"id\"", "\"date\"", "\"g\"", "\"h\"", "\"x\"", "\"b\"", "\"d\"", "\"l\"",
        ]);
        let values = prop::sample::select(vec![
            "true",
            "null",
            "7",
            "-1",
            "1e400",
            "99999999999999999999999",
            "\"2005-06-10\"",
            "\"exit\"",
            "\"questionnaire\"",
            "[\"photo\"]",
            "[[]]",
            "{}",
            "\"\\u00e9\"",
            "\"2005-02-30\"",
            "\"a\\\"b\"",
        ]);
        let inner = prop::collection::vec((keys.clone(), values.clone()), 0..4).prop_map(|kv| {
            let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{{}}}", body.join(", "))
        });
        let entry = prop_oneof![inner, values.prop_map(str::to_string)];
        prop::collection::vec((keys, entry), 0..5).prop_map(|kv| {
            let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{{}}}", body.join(", "))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_json_reader_decides_every_case_as_the_yaml_reader_does(value in case()) {
            SYNTHETIC.with(|tree| same_decision(tree, &value));
        }

        #[test]
        fn reading_a_case_directly_gives_what_the_long_way_gives(value in case()) {
            let text = serde_json::to_string(&value).unwrap();
            SYNTHETIC.with(|tree| same_as_the_long_way(tree, &text));
        }

        #[test]
        fn reading_any_text_directly_gives_what_the_long_way_gives(text in raw_text()) {
            SYNTHETIC.with(|tree| same_as_the_long_way(tree, &text));
        }
    }
}
