//! Hover: what the word under the cursor means in the law's vocabulary.
//! A fact (description, type, allowed values, what `null` means), an
//! outcome (description), a rule id (cite and summary), a rule set (its
//! versions), a version (interval and act), a date function (signature).
//! Not here: finding the word's declaration (`definition`).

use inforce_engine::RuleTree;
use inforce_engine::model::{FactDef, NullMeans, OutcomeDef, Rule, Version};

use crate::complete::type_name;
use crate::functions;

/// What the word at `offset` of `text` (the file `path`) is, in markdown.
pub fn hover(tree: &RuleTree, path: &str, text: &str, offset: usize) -> Option<String> {
    let word = word_at(text, offset)?;
    // `person.birth_date.age_on` names the fact `person.birth_date`: try
    // the word, then it without its trailing `.part`s.
    for candidate in prefixes(word) {
        if let Some(def) = tree.facts.get(candidate) {
            return Some(fact_text(candidate, def));
        }
        if let Some(o) = tree.outcomes.get(candidate) {
            return Some(outcome_text(candidate, o));
        }
    }
    if let Some(f) = functions::named(last_part(word)) {
        return Some(format!("```\n{}\n```\n\n{}", f.signature, f.doc));
    }
    if let Some(set) = tree.rule_sets.iter().find(|s| s.id == word) {
        let mut out = format!("**rule set `{}`**\n", set.id);
        for v in &set.versions {
            out.push_str(&format!("\n- {}", version_line(v)));
        }
        return Some(out);
    }
    // A version: its id (or the line of its `version:` or `in_force:`) in
    // its own file.
    let own = tree
        .rule_sets
        .iter()
        .flat_map(|s| &s.versions)
        .find(|v| v.file == path);
    if let Some(v) = own {
        let line = line_at(text, offset);
        let t = line.trim_start();
        if word == v.id || t.starts_with("version:") || t.starts_with("in_force:") {
            return Some(version_text(v));
        }
        if let Some(r) = v.rules.iter().find(|r| r.id == word) {
            return Some(rule_text(v, r));
        }
    }
    // A rule named from elsewhere: every rule with that id.
    let rules: Vec<String> = tree
        .rule_sets
        .iter()
        .flat_map(|s| &s.versions)
        .flat_map(|v| {
            v.rules
                .iter()
                .filter(|r| r.id == word)
                .map(move |r| rule_text(v, r))
        })
        .collect();
    (!rules.is_empty()).then(|| rules.join("\n\n---\n\n"))
}

/// A fact's description, type, allowed values and what `null` means.
pub fn fact_text(name: &str, def: &FactDef) -> String {
    let mut out = format!(
        "**fact `{name}`** ({})\n\n{}",
        type_name(def.ty),
        def.description
    );
    if def.is_restricted() {
        let mut allowed = def.allowed_words();
        if def.code_list.is_none()
            && let Some(values) = &def.values
            && values.len() > 1
        {
            allowed = format!(
                "one of {}",
                values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push_str(&format!("\n\nAllowed: {allowed}."));
    }
    out.push_str(match def.null_means {
        NullMeans::Unknown => "\n\n`null` means unknown, as leaving the fact out does.",
        NullMeans::None => "\n\n`null` means none: the event has not happened (scripts see `()`).",
    });
    out
}

fn outcome_text(name: &str, o: &OutcomeDef) -> String {
    let mut out = format!(
        "**outcome `{name}`** ({})\n\n{}",
        type_name(o.ty),
        o.description
    );
    if let Some(values) = &o.values {
        let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        out.push_str(&format!("\n\nValues: {}.", listed.join(", ")));
    }
    out
}

fn rule_text(v: &Version, r: &Rule) -> String {
    let mut out = format!(
        "**rule `{}`** of `{}` version {}\n\n{}",
        r.id, v.rule_set, v.id, r.cite
    );
    if let Some(s) = &r.summary {
        out.push_str(&format!("\n\n{s}"));
    }
    out
}

fn version_line(v: &Version) -> String {
    let what = match &v.repeal {
        Some(_) => format!("repealed by {}", v.source.act),
        None => v.title.clone(),
    };
    format!("{} ({}): {}", v.id, v.interval_text(), what)
}

fn version_text(v: &Version) -> String {
    let mut out = format!(
        "**`{}` version {}**, in force {}\n\n{}\n\nAct: {}",
        v.rule_set,
        v.id,
        v.interval_text(),
        v.title,
        v.source.act
    );
    if let Some(r) = &v.repeal {
        out.push_str(&format!("\n\nRepeals: {}", r.repeals));
    }
    out
}

/// The identifier-like word (letters, digits, `_`, `.`, `-`) at `offset`.
pub fn word_at(text: &str, offset: usize) -> Option<&str> {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text
        .get(offset..)?
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let word = text.get(start..end)?.trim_matches(|c| c == '.' || c == '-');
    (!word.is_empty()).then_some(word)
}

/// `a.b.c`, then `a.b`, then `a`.
pub fn prefixes(word: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(word), |w| w.rsplit_once('.').map(|(head, _)| head))
}

fn last_part(word: &str) -> &str {
    word.rsplit('.').next().unwrap_or(word)
}

fn line_at(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| offset + i);
    text.get(start..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_under_the_cursor_takes_dots_and_dashes() {
        let text = "when: person.birth_date.age_on(date) >= 18 # exit-permit";
        let at = text.find("birth").unwrap_or(0);
        assert_eq!(word_at(text, at), Some("person.birth_date.age_on"));
        let at = text.find("permit").unwrap_or(0);
        assert_eq!(word_at(text, at), Some("exit-permit"));
        let p: Vec<&str> = prefixes("a.b.c").collect();
        assert_eq!(p, ["a.b.c", "a.b", "a"]);
    }
}
