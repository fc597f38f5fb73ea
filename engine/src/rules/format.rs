//! The on-disk shape of rule files, as serde + schemars types: one source of
//! truth for deserialising, for `inforce schema rules`, and for the pre-pass
//! that reports every unknown key. Not validated here: dates, scripts, names
//! and cross-file consistency are checked by `load` and `validate`.

// A doc comment on a schema type below is also its description in the JSON
// Schema (`inforce schema rules`), and on a unit variant it changes the
// schema's shape: the undocumented items stay so until the schema may change.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A value together with where it was written.
pub type At<T> = Spanned<T>;

/// A mapping key with where it was written; ordered and compared by name
/// only, so it can key a `BTreeMap` (YAML already rejects duplicate keys).
#[derive(Debug, Clone)]
pub struct Key(pub Spanned<String>);

impl Key {
    /// The key as written.
    pub fn name(&self) -> &str {
        &self.0.value
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.0.value == other.0.value
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.value.cmp(&other.0.value)
    }
}
impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<String>::deserialize(d).map(Key)
    }
}

/// Any rule file: a rule-set version, declarations of facts and outcomes, or
/// golden tests, or a code list. The kind is told by the top-level key
/// (`rule_set`, `facts`, `outcomes`, `checks`, `tests`, `code_list`), so
/// analysts never write a `kind:` line.
#[derive(Debug, JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)]
pub enum AnyRuleFile {
    Version(Box<VersionFile>),
    Declarations(DeclarationsFile),
    Tests(TestsFile),
    CodeList(CodeListFile),
}

/// One version of a rule set: the text in force over one interval.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "inforce rule-set version")]
pub struct VersionFile {
    /// Stable id of the rule set, e.g. `kz.citizens-departure`.
    #[schemars(with = "String")]
    pub rule_set: At<String>,
    /// Id of this version, unique within the rule set; by convention the
    /// date it takes effect, `YYYY-MM-DD`.
    #[schemars(with = "String")]
    pub version: At<String>,
    /// Human title of the act or rule set.
    #[schemars(with = "String")]
    pub title: At<String>,
    /// Interval in force: `from` inclusive, `until` exclusive and optional.
    pub in_force: InForce,
    /// The legal source this version encodes.
    pub source: Source,
    /// Notes shown by `eval --explain`: doubts, conflicting sources, dates uncertain.
    #[serde(default)]
    pub notes: Vec<String>,
    /// rhai condition: which cases this rule set is about (e.g. citizens leaving).
    /// Absent: every case. A repeal version inherits it from the version it ends.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub applies_when: Option<At<String>>,
    /// Outcome → rhai condition narrowing when this version answers that outcome
    /// (e.g. the petition outcomes only for permanent residence).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub scope: BTreeMap<Key, At<String>>,
    /// Outcomes this version answers but the source does not decide, with why;
    /// they come out `undetermined` with that reason.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub silent_on: BTreeMap<Key, At<String>>,
    /// Precedence of this rule set over others.
    #[serde(default)]
    pub precedence: Precedence,
    /// Present when this version repeals the rule set; it then has no rules.
    #[serde(default)]
    pub repeal: Option<Repeal>,
    /// The rules of this version.
    #[serde(default)]
    pub rules: Vec<RuleDef>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InForce {
    /// First day in force, `YYYY-MM-DD`.
    #[schemars(with = "String", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub from: At<String>,
    /// First day no longer in force (exclusive), `YYYY-MM-DD`; absent: still in force.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<At<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The act, as cited: `Government Decree No. 1010 of 26 July 2001`.
    #[schemars(with = "String")]
    pub act: At<String>,
    /// Its number, if it has one.
    #[serde(default)]
    pub number: Option<String>,
    /// Date of the act, `YYYY-MM-DD`.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub date: Option<At<String>>,
    /// Where the text was read (publication, database, file in the sources).
    #[schemars(with = "String")]
    pub read_at: At<String>,
    /// Web address of the text, if any.
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Precedence {
    /// Rule sets this one is more specific than: where both decide an outcome
    /// on the same day, this one wins.
    #[serde(default)]
    pub more_specific_than: Vec<MoreSpecific>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MoreSpecific {
    /// Id of the less specific rule set.
    #[schemars(with = "String")]
    pub rule_set: At<String>,
    /// Outcomes the precedence covers; absent: every outcome both decide.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub outcomes: Option<Vec<At<String>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeal {
    /// What was repealed: `Decree No. 1010 of 26 July 2001`.
    #[schemars(with = "String")]
    pub repeals: At<String>,
    /// Why nothing is decided from now on, or what replaces it.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Id, unique within the version, stable across versions (kebab-case).
    #[schemars(with = "String")]
    pub id: At<String>,
    /// Article, item or paragraph the rule rests on.
    #[schemars(with = "String")]
    pub cite: At<String>,
    /// One sentence a caseworker can read: what the rule says.
    #[serde(default)]
    pub summary: Option<String>,
    /// rhai condition over the facts; absent: always.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<At<String>>,
    /// What the rule decides, outcome by outcome: a literal, or `{expr: "..."}`.
    #[schemars(with = "BTreeMap<String, ThenValue>")]
    pub then: BTreeMap<Key, At<ThenValue>>,
    /// Rules of the same version this rule is an exception to: when both fire,
    /// this one wins.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exception_to: Vec<At<String>>,
    /// Note shown by `eval --explain`.
    #[serde(default)]
    pub note: Option<String>,
}

/// The value a rule gives an outcome.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum ThenValue {
    /// A literal: boolean, integer, `YYYY-MM-DD` date, string, list of ids, or null.
    /// Tried first: serde would otherwise read a one-item list as `{expr}`.
    Literal(Literal),
    /// Computed: a rhai expression over the facts.
    Expr(ExprValue),
}

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExprValue {
    pub expr: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
    Null(()),
}

/// Declarations of facts a case may carry and outcomes rules may decide.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "inforce declarations")]
pub struct DeclarationsFile {
    /// Facts by dotted name, `group.name` (e.g. `person.birth_date`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, FactDecl>")]
    pub facts: BTreeMap<Key, FactDecl>,
    /// Outcomes by name.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, OutcomeDecl>")]
    pub outcomes: BTreeMap<Key, OutcomeDecl>,
    /// Checks across facts that every case must pass (an exit not before
    /// its entry). A case failing one is refused, never evaluated.
    #[serde(default)]
    pub checks: Vec<CheckDecl>,
}

/// A check a case must pass, across facts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDecl {
    /// Id of the check (kebab-case), named in the refusal.
    #[schemars(with = "String")]
    pub id: At<String>,
    /// rhai condition over the facts that every case must satisfy, e.g.
    /// `trip.exit_date >= trip.entry_date`. It cannot read `date`. Where a
    /// fact it reads is unknown the check cannot fail.
    #[schemars(with = "String")]
    pub holds: At<String>,
    /// What is wrong with a case that fails it, for the caseworker.
    pub message: String,
    /// What to do about it.
    #[serde(default)]
    pub help: Option<String>,
}

/// What an explicit `null` for a fact means.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NullMeans {
    /// The same as leaving the fact out: unknown (the default).
    #[default]
    Unknown,
    /// There is no such thing: the event has not happened (scripts see `()`).
    None,
}

/// A list of codes kept as data in the rules tree (country codes), which
/// facts name in `code_list:`. The loader reads these files straight from
/// the spanned tree (they are long, and a typed parse would double their
/// cost); this type gives their JSON Schema, for editors.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "inforce code list")]
pub struct CodeListFile {
    /// Id of the list, named by facts (`code_list: iso-3166-1-alpha-2`).
    #[schemars(with = "String")]
    pub code_list: At<String>,
    /// What the list is.
    pub title: String,
    /// Where the codes come from.
    pub source: String,
    /// The codes.
    pub codes: Vec<CodeDecl>,
}

/// One code of a code list.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeDecl {
    /// The code exactly as cases must write it.
    #[schemars(with = "String")]
    pub code: At<String>,
    /// What it stands for.
    pub name: String,
    /// Other spellings (such as alpha-3 codes) that are refused with "did
    /// you mean" this code.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// The types facts and outcomes may have.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    Bool,
    Int,
    Date,
    String,
    List,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactDecl {
    #[serde(rename = "type")]
    #[schemars(with = "ValueType")]
    pub ty: At<ValueType>,
    /// Allowed values of a `string` fact or of the items of a `list` fact.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// Id of a code list in the rules tree whose codes are allowed values
    /// too (`iso-3166-1-alpha-2`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub code_list: Option<At<String>>,
    /// A regular expression the whole value must match (when `values` and
    /// `code_list` are given too, a value matching any of them is allowed).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub pattern: Option<At<String>>,
    /// What an explicit `null` means: `unknown` (default, the same as
    /// leaving the fact out) or `none` (the event has not happened).
    #[serde(default)]
    pub null_means: NullMeans,
    /// What the fact means, for caseworkers and editors.
    pub description: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeDecl {
    #[serde(rename = "type")]
    #[schemars(with = "ValueType")]
    pub ty: At<ValueType>,
    /// Allowed values of a `string` outcome or of the items of a `list` outcome.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// `single` (default): rules that fire must agree. `union` (lists only):
    /// the value is the union of what every firing rule contributes.
    #[serde(default)]
    pub combine: Combine,
    /// What the outcome means.
    pub description: String,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    #[default]
    Single,
    Union,
}

/// Golden tests kept beside a rule set.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "inforce golden tests")]
pub struct TestsFile {
    pub tests: Vec<GoldenTest>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldenTest {
    /// A sentence naming what the case shows.
    pub name: String,
    /// Date to evaluate on; absent: the case's `date`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub date: Option<At<String>>,
    /// The case, in the vocabulary the facts declare.
    #[schemars(with = "serde_json::Value")]
    pub case: serde_json::Value,
    /// Expected outcomes: a value (decided), or one of `undetermined`,
    /// `missing_facts`, `conflict`, or `{status: ..., needs: [...]}`.
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub expect: BTreeMap<String, serde_json::Value>,
}
