//! The declarations registry: facts, outcomes, the code lists facts name,
//! and the checks across facts, compiled once the fact groups are known.
//! Not here: versions and their rules (`version`, `rule`).

use std::collections::BTreeMap;
use std::sync::Arc;

use miette::SourceSpan;
use rhai::Engine;

use super::version::VersionCtx;
use super::{Loader, at};
use crate::diagnostics::{RuleProblem, Src, source};
use crate::rules::format::{self, Combine, ValueType};
use crate::rules::model::{CaseCheck, FactDef, FactId, OutcomeDef, Pattern, type_words};
use crate::script::analysis;

/// Facts and outcomes numbered from their declarations, before any version
/// is compiled: a number is the name's place among the declared names,
/// sorted. Scripts get their fact numbers as they compile, and versions
/// their per-outcome tables as they are built, from these.
pub(super) struct Numbers {
    /// Fact names by number.
    pub(super) facts: Vec<String>,
    /// Outcome names by number.
    pub(super) outcomes: Vec<String>,
}

impl Numbers {
    /// The numbers of everything `l` has declared.
    pub(super) fn of(l: &Loader) -> Numbers {
        Numbers {
            facts: l.facts.keys().cloned().collect(),
            outcomes: l.outcomes.keys().cloned().collect(),
        }
    }

    /// The number of a declared fact.
    pub(super) fn fact(&self, name: &str) -> Option<FactId> {
        self.facts
            .binary_search_by(|f| f.as_str().cmp(name))
            .ok()
            .map(FactId::new)
    }

    /// For each of `groups`, its facts' field names (without the group)
    /// and numbers, sorted by name: the JSON case reader's index.
    pub(super) fn group_fields(&self, groups: &[String]) -> Vec<Vec<(String, usize)>> {
        groups
            .iter()
            .map(|g| {
                self.facts
                    .iter()
                    .enumerate()
                    .filter_map(|(i, name)| {
                        let (group, field) = name.split_once('.')?;
                        (group == g).then(|| (field.to_string(), i))
                    })
                    .collect()
            })
            .collect()
    }
}

/// A fact's `code_list:` as written, resolved after every file is read.
pub(super) struct CodeListRef {
    fact: String,
    id: String,
    src: Src,
    span: SourceSpan,
}

impl Loader {
    /// Gives each fact the code list it names, once every file is read.
    pub(super) fn resolve_code_lists(&mut self) {
        for r in std::mem::take(&mut self.code_list_refs) {
            match self.code_lists.get(&r.id) {
                Some((list, _, _)) => {
                    if let Some((def, _)) = self.facts.get_mut(&r.fact) {
                        def.code_list = Some(Arc::clone(list));
                    }
                }
                None => {
                    // Unrestricted from here on: the one missing list is
                    // reported, not every code a rule compares the fact with.
                    if let Some((def, _)) = self.facts.get_mut(&r.fact) {
                        def.values = None;
                        def.pattern = None;
                    }
                    self.problems.push(RuleProblem::Invalid {
                    message: format!("fact `{}` names code list `{}`, which no file declares", r.fact, r.id),
                    src: r.src,
                    span: r.span,
                    help: match crate::diagnostics::closest(&r.id, self.code_lists.keys().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "declare it in a file of its own (`code_list: <id>`, `title`, `source`, `codes`), or remove `code_list`".to_string(),
                    },
                });
                }
            }
        }
    }

    pub(super) fn declarations(
        &mut self,
        d: format::DeclarationsFile,
        src: &Src,
        path: &str,
        text: &str,
    ) {
        for check in d.checks {
            self.checks
                .push((check, path.to_string(), text.to_string()));
        }
        for (key, decl) in d.facts {
            let name = key.name().to_string();
            let span = at(&key.0.referenced, text);
            let valid_name = name.split_once('.').is_some_and(|(g, f)| {
                !g.is_empty() && !f.is_empty() && !f.contains('.') && is_ident(g) && is_ident(f)
            });
            if !valid_name {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("fact name `{name}` is not of the form `group.name`"),
                    src: src.clone(),
                    span,
                    help: "name facts by their group and field, e.g. `person.birth_date`, using letters, digits and `_`".to_string(),
                });
                continue;
            }
            if name.starts_with("date.") || name.starts_with("id.") {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("fact group of `{name}` is reserved"),
                    src: src.clone(),
                    span,
                    help: "`id` and `date` are built into every case; choose another group name"
                        .to_string(),
                });
                continue;
            }
            let restricted =
                decl.values.is_some() || decl.code_list.is_some() || decl.pattern.is_some();
            self.values_only_where_allowed(&name, decl.ty.value, restricted, src, span);
            if let Some(c) = &decl.code_list {
                self.code_list_refs.push(CodeListRef {
                    fact: name.clone(),
                    id: c.value.clone(),
                    src: src.clone(),
                    span: at(&c.referenced, text),
                });
            }
            let pattern = decl.pattern.as_ref().and_then(|p| {
                match regex::Regex::new(&format!("^(?:{})$", p.value)) {
                    Ok(regex) => Some(Pattern {
                        text: p.value.clone(),
                        regex,
                    }),
                    Err(e) => {
                        let why = e.to_string();
                        let why = why.lines().last().unwrap_or("invalid pattern").trim();
                        let why = why.strip_prefix("error:").unwrap_or(why).trim();
                        self.problems.push(RuleProblem::Invalid {
                            message: format!("pattern of `{name}` is not a valid regular expression: {}", why.to_lowercase()),
                            src: src.clone(),
                            span: at(&p.referenced, text),
                            help: "write a regular expression in the syntax of Rust's `regex` crate, e.g. `[A-Z]{2}[0-9]{7}`; it must match the whole value".to_string(),
                        });
                        None
                    }
                }
            });
            let def = FactDef {
                name: name.clone(),
                ty: decl.ty.value,
                values: decl.values,
                code_list: None,
                pattern,
                null_means: decl.null_means,
                description: decl.description,
            };
            self.declare_fact(name, def, src, span);
        }
        for (key, decl) in d.outcomes {
            let name = key.name().to_string();
            let span = at(&key.0.referenced, text);
            if !is_ident(&name) {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("outcome name `{name}` is not a plain name"),
                    src: src.clone(),
                    span,
                    help: format!(
                        "use letters, digits and `_`, e.g. `{}`",
                        plain_name(&name, '_')
                    ),
                });
                continue;
            }
            self.values_only_where_allowed(&name, decl.ty.value, decl.values.is_some(), src, span);
            if decl.combine == Combine::Union && decl.ty.value != ValueType::List {
                self.problems.push(RuleProblem::Invalid {
                    message: format!("outcome `{name}` combines by union but is not a list"),
                    src: src.clone(),
                    span,
                    help: "only `list` outcomes can be `combine: union`; remove `combine` or make it a list".to_string(),
                });
            }
            let def = OutcomeDef {
                name: name.clone(),
                ty: decl.ty.value,
                values: decl.values,
                combine: decl.combine,
                description: decl.description,
            };
            if let Some(p) = declare(&mut self.outcomes, "outcome", name, def, src, span) {
                self.problems.push(p);
            }
        }
    }

    fn declare_fact(&mut self, name: String, def: FactDef, src: &Src, span: SourceSpan) {
        if let Some(p) = declare(&mut self.facts, "fact", name, def, src, span) {
            self.problems.push(p);
        }
    }

    fn values_only_where_allowed(
        &mut self,
        name: &str,
        ty: ValueType,
        has_values: bool,
        src: &Src,
        span: SourceSpan,
    ) {
        if has_values && !matches!(ty, ValueType::String | ValueType::List) {
            self.problems.push(RuleProblem::Invalid {
                message: format!("`{name}` restricts its values but is {}", type_words(ty)),
                src: src.clone(),
                span,
                help: "`values`, `code_list` and `pattern` apply to `string` and `list` types only; remove them".to_string(),
            });
        }
    }
}

/// Adds a declaration, or says where it was declared first.
fn declare<T>(
    table: &mut BTreeMap<String, (T, Src)>,
    what: &str,
    name: String,
    def: T,
    src: &Src,
    span: SourceSpan,
) -> Option<RuleProblem> {
    if let Some((_, first)) = table.get(&name) {
        return Some(RuleProblem::Duplicate {
            what: what.to_string(),
            help: format!(
                "it is already declared in `{}`; keep one declaration",
                first.name()
            ),
            name,
            src: src.clone(),
            span,
        });
    }
    table.insert(name, (def, src.clone()));
    None
}

/// `s` made a plain name: every run of other characters one `sep`, lower
/// case, starting with a letter. The example a help text gives is the
/// writer's own name, so it carries no knowledge of any one body of law.
pub(super) fn plain_name(s: &str, sep: char) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with(sep) {
            out.push(sep);
        }
    }
    let out = out.trim_end_matches(sep).to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => out,
        _ => format!("x{sep}{out}").trim_end_matches(sep).to_string(),
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Compiles the checks across facts (`checks:` in declarations files): each
/// `holds` like a condition, reading declared facts only and never `date`,
/// which a check made when the case is read does not know.
pub(super) fn compile_checks(
    l: &mut Loader,
    engine: &Engine,
    scope: &rhai::Scope<'static>,
    functions: &analysis::Functions,
    groups: &[String],
    numbers: &Numbers,
) -> Vec<CaseCheck> {
    let mut out: Vec<CaseCheck> = Vec::new();
    for (decl, file, text) in std::mem::take(&mut l.checks) {
        let src = source(&file, &text);
        let id_span = at(&decl.id.referenced, &text);
        if let Some(first) = out.iter().find(|c| c.id == decl.id.value) {
            l.problems.push(RuleProblem::Duplicate {
                what: "check".to_string(),
                name: decl.id.value.clone(),
                src: src.clone(),
                span: id_span,
                help: format!(
                    "`{}` already declares it; give each check its own id",
                    first.file
                ),
            });
            continue;
        }
        let mut ctx = VersionCtx {
            l: &mut *l,
            engine,
            scope,
            functions,
            groups,
            numbers,
            src: src.clone(),
            text: &text,
        };
        let Some(condition) = ctx.condition("holds", &decl.holds) else {
            continue;
        };
        if condition.cond.leaves().iter().any(|l| l.reads_date) {
            l.problems.push(RuleProblem::Invalid {
                message: format!("check `{}` reads `date`", decl.id.value),
                src,
                span: at(&decl.holds.referenced, &text),
                help: "a check is made when the case is read, before the date it is assessed on is known: compare facts with facts only".to_string(),
            });
            continue;
        }
        let mut reads: Vec<String> = Vec::new();
        for leaf in condition.cond.leaves() {
            for r in &leaf.reads {
                if !reads.contains(r) {
                    reads.push(r.clone());
                }
            }
        }
        out.push(CaseCheck {
            id: decl.id.value,
            condition,
            message: decl.message,
            help: decl.help,
            read_ids: reads.iter().filter_map(|f| numbers.fact(f)).collect(),
            reads,
            file,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_is_made_plain_from_what_the_writer_wrote() {
        assert_eq!(
            super::plain_name("Exit visa required!", '_'),
            "exit_visa_required"
        );
        assert_eq!(super::plain_name("1st-outcome", '_'), "x_1st_outcome");
        assert_eq!(super::plain_name("%%", '_'), "x");
        assert_eq!(
            super::plain_name("Citizens Departure", '-'),
            "citizens-departure"
        );
    }
}
