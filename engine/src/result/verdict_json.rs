//! Writes a case's verdict straight to a result line, full or compact, from
//! the tree's prepared fragments (`result::fragments`): the same bytes as
//! building the `EvalResult` and writing it (`json::write_result`,
//! `compact::write_compact`), which the tests check on every golden case,
//! thousands of generated ones and trees made to give every status and
//! reason. This is `batch`'s path; a trace (`--explain`) takes the other.
//! Not here: deciding (`eval`), or the words themselves (`explain`), of
//! which this is a second rendering kept equal by those tests.

use chrono::NaiveDate;

use crate::eval::fact_set::FactSet;
use crate::eval::memo::{Answer, CaseAnswer, Leaf, Tail};
use crate::eval::{OutcomeVerdict, Verdict};
use crate::result::Status;
use crate::result::fragments::Fragments;
use crate::result::json::{write_date, write_escaped, write_str, write_val};
use crate::rules::model::{Value, Version};

/// Appends the full result line of a verdict (without its line ending):
/// every outcome it holds, which are those the run keeps
/// (`eval::evaluate_verdict` decides no other).
pub(crate) fn write_full(
    fragments: &Fragments,
    id: &str,
    date: NaiveDate,
    verdict: &Verdict,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b"{\"case\":");
    write_str(out, id);
    out.extend_from_slice(b",\"date\":");
    write_date(out, date);
    out.extend_from_slice(b",\"rules\":");
    out.extend_from_slice(&fragments.rules_info);
    out.extend_from_slice(b",\"rule_sets\":[");
    for (i, (v, applies)) in verdict.rule_sets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if let Some(f) = fragments.versions.get(v.at) {
            out.extend_from_slice(&f.in_force);
        }
        out.extend_from_slice(applies_json(*applies));
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"outcomes\":{");
    // Each undetermined outcome's reason, composed once for its outcome
    // and again in its explanation line: kept here as ranges of `reasons`.
    let mut reasons: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(verdict.outcomes.len());
    let mut first = true;
    for o in &verdict.outcomes {
        if !first {
            out.push(b',');
        }
        first = false;
        out.push(b'"');
        out.extend_from_slice(name(fragments, o));
        out.extend_from_slice(b"\":{\"status\":\"");
        out.extend_from_slice(o.status.as_str().as_bytes());
        out.extend_from_slice(b"\",\"value\":");
        match &o.value {
            Some(v) => write_val(out, v),
            None => out.extend_from_slice(b"null"),
        }
        let by = verdict.by_of(o);
        if !by.is_empty() {
            out.extend_from_slice(b",\"by\":[");
            for (i, d) in by.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if let Some(r) = rule(fragments, d.version.at, d.rule.at) {
                    out.extend_from_slice(&r.by);
                }
                if let Some(value) = &d.value {
                    out.extend_from_slice(b",\"value\":");
                    write_val(out, value);
                }
                out.push(b'}');
            }
            out.push(b']');
        }
        if !o.needs.is_empty() {
            out.extend_from_slice(b",\"needs\":");
            write_names(out, fragments, &o.needs);
        }
        let start = reasons.len();
        if o.status == Status::Undetermined {
            compose_reason(&mut reasons, fragments, verdict, o);
            out.extend_from_slice(b",\"reason\":\"");
            out.extend_from_slice(reasons.get(start..).unwrap_or_default());
            out.push(b'"');
        }
        spans.push((start, reasons.len()));
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"explanation\":[");
    for (i, (o, (start, end))) in verdict.outcomes.iter().zip(spans).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        explanation_line(out, fragments, verdict, o, reasons.get(start..end));
        out.push(b'"');
    }
    out.extend_from_slice(b"]}");
}

/// Appends the compact line of a verdict (without its line ending).
pub(crate) fn write_compact(
    fragments: &Fragments,
    id: &str,
    date: NaiveDate,
    verdict: &Verdict,
    out: &mut Vec<u8>,
) {
    write_compact_head(fragments, id, date, &verdict.rule_sets, out);
    for (i, o) in verdict.outcomes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_compact_outcome(fragments, verdict, o, None, out, &mut Vec::new());
    }
    out.extend_from_slice(b"}}");
}

/// The compact line of a case answered outcome by outcome (`eval::memo`):
/// a known way's outcome from its prepared bytes, filled with the values
/// the case computed; any other from its verdict. The same bytes as
/// `write_compact` of the whole verdict.
pub(crate) fn write_compact_answer(
    fragments: &Fragments,
    id: &str,
    date: NaiveDate,
    answer: &CaseAnswer,
    out: &mut Vec<u8>,
) {
    if let Some((leaf, values)) = &answer.whole {
        let tail = leaf.compact(|rule_sets, outcomes| {
            let mut bytes = Vec::new();
            write_compact_versions(fragments, rule_sets, &mut bytes);
            let mut holes = Vec::new();
            for (i, (one, numbers)) in outcomes.iter().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                let at = bytes.len();
                let part = outcome_tail(fragments, one)?;
                bytes.extend_from_slice(&part.bytes);
                for &(offset, value) in &part.holes {
                    holes.push((at + offset, *numbers.get(value)?));
                }
            }
            bytes.extend_from_slice(b"}}");
            Some(Tail { bytes, holes })
        });
        match tail {
            Some(tail) => {
                write_compact_start(id, date, out);
                fill(tail, values, out);
            }
            None => {
                let (rule_sets, outcomes) = leaf.parts(values);
                write_compact_parts(fragments, id, date, &rule_sets, &outcomes, out);
            }
        }
        return;
    }
    write_compact_parts(
        fragments,
        id,
        date,
        &answer.rule_sets,
        &answer.outcomes,
        out,
    );
}

/// An outcome's part of a compact line from a way's leaf, made on its
/// first need (none when a computed value stands in a conflict).
fn outcome_tail<'l>(fragments: &Fragments, leaf: &'l Leaf) -> Option<&'l Tail> {
    leaf.compact(|v, hole| {
        let mut bytes = Vec::new();
        let mut holes = Vec::new();
        if let Some(o) = v.outcomes.first() {
            write_compact_outcome(fragments, v, o, hole, &mut bytes, &mut holes);
        }
        Tail { bytes, holes }
    })
}

/// A compact line from the answers outcome by outcome.
fn write_compact_parts(
    fragments: &Fragments,
    id: &str,
    date: NaiveDate,
    rule_sets: &[(&Version, Option<bool>)],
    outcomes: &[Answer],
    out: &mut Vec<u8>,
) {
    write_compact_head(fragments, id, date, rule_sets, out);
    for (i, a) in outcomes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match a {
            Answer::Known { leaf, values } => match outcome_tail(fragments, leaf) {
                Some(tail) => fill(tail, values, out),
                None => {
                    let v = leaf.verdict(values);
                    if let Some(o) = v.outcomes.first() {
                        write_compact_outcome(fragments, &v, o, None, out, &mut Vec::new());
                    }
                }
            },
            Answer::New(v) => {
                if let Some(o) = v.outcomes.first() {
                    write_compact_outcome(fragments, v, o, None, out, &mut Vec::new());
                }
            }
        }
    }
    out.extend_from_slice(b"}}");
}

/// A way's prepared bytes with the case's values written in its holes.
fn fill(tail: &Tail, values: &[Value], out: &mut Vec<u8>) {
    let mut from = 0;
    for &(at, value) in &tail.holes {
        out.extend_from_slice(tail.bytes.get(from..at).unwrap_or_default());
        match values.get(value) {
            Some(v) => write_val(out, v),
            None => out.extend_from_slice(b"null"),
        }
        from = at;
    }
    out.extend_from_slice(tail.bytes.get(from..).unwrap_or_default());
}

/// A compact line up to its first outcome: case, date, digest and the
/// versions in force.
fn write_compact_head(
    fragments: &Fragments,
    id: &str,
    date: NaiveDate,
    rule_sets: &[(&Version, Option<bool>)],
    out: &mut Vec<u8>,
) {
    write_compact_start(id, date, out);
    write_compact_versions(fragments, rule_sets, out);
}

/// A compact line's case and date.
fn write_compact_start(id: &str, date: NaiveDate, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"case\":");
    write_str(out, id);
    out.extend_from_slice(b",\"date\":");
    write_date(out, date);
}

/// A compact line's digest and versions in force, up to its first outcome.
fn write_compact_versions(
    fragments: &Fragments,
    rule_sets: &[(&Version, Option<bool>)],
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b",\"digest\":");
    out.extend_from_slice(&fragments.digest);
    out.extend_from_slice(b",\"rule_sets\":{");
    for (i, (v, applies)) in rule_sets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        if let Some(f) = fragments.versions.get(v.at) {
            out.extend_from_slice(&f.key);
        }
        out.extend_from_slice(b"\":");
        out.extend_from_slice(applies_json(*applies));
    }
    out.extend_from_slice(b"},\"outcomes\":{");
}

/// One outcome of a compact line. With `hole` (a value's number), a
/// decided outcome's value is left out and its place (from `out`'s
/// length on entry) pushed to `holes` with that number.
fn write_compact_outcome(
    fragments: &Fragments,
    verdict: &Verdict,
    o: &OutcomeVerdict,
    hole: Option<usize>,
    out: &mut Vec<u8>,
    holes: &mut Vec<(usize, usize)>,
) {
    let start = out.len();
    out.push(b'"');
    out.extend_from_slice(name(fragments, o));
    out.extend_from_slice(b"\":{\"status\":\"");
    out.extend_from_slice(o.status.as_str().as_bytes());
    out.push(b'"');
    if o.status == Status::Decided {
        out.extend_from_slice(b",\"value\":");
        match (hole, &o.value) {
            (Some(value), _) => holes.push((out.len().saturating_sub(start), value)),
            (None, Some(v)) => write_val(out, v),
            (None, None) => out.extend_from_slice(b"null"),
        }
    }
    let by = verdict.by_of(o);
    if !by.is_empty() {
        out.extend_from_slice(b",\"by\":[");
        for (i, d) in by.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            if let Some(r) = rule(fragments, d.version.at, d.rule.at) {
                out.extend_from_slice(&r.key);
            }
            out.push(b'"');
        }
        out.push(b']');
        if o.status == Status::Conflict {
            out.extend_from_slice(b",\"values\":[");
            for (i, d) in by.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match &d.value {
                    Some(v) => write_val(out, v),
                    None => out.extend_from_slice(b"null"),
                }
            }
            out.push(b']');
        }
    }
    if !o.needs.is_empty() {
        out.extend_from_slice(b",\"needs\":");
        write_names(out, fragments, &o.needs);
    }
    if o.status == Status::Undetermined {
        out.extend_from_slice(b",\"reason\":[");
        let mut first = true;
        for r in verdict.answering_of(o) {
            if let Some(reason) = fragments.reason(o.oid, r) {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.push(b'"');
                out.extend_from_slice(&reason.code);
                out.push(b'"');
            }
        }
        out.push(b']');
        if !o.whatever.is_empty() {
            out.extend_from_slice(b",\"holds_whatever\":");
            write_names(out, fragments, &o.whatever);
        }
    }
    out.push(b'}');
}

fn name<'f>(fragments: &'f Fragments, o: &OutcomeVerdict) -> &'f [u8] {
    fragments
        .outcomes
        .get(o.oid.index())
        .map_or(&[][..], Vec::as_slice)
}

fn rule(
    fragments: &Fragments,
    version: usize,
    rule: usize,
) -> Option<&crate::result::fragments::RuleFragments> {
    fragments.versions.get(version)?.rules.get(rule)
}

fn applies_json(applies: Option<bool>) -> &'static [u8] {
    match applies {
        None => b"null",
        Some(true) => b"true",
        Some(false) => b"false",
    }
}

/// Facts by number as a JSON list of their names, in the order of names.
fn write_names(out: &mut Vec<u8>, fragments: &Fragments, facts: &FactSet) {
    out.push(b'[');
    for (i, f) in facts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        if let Some(n) = fragments.facts.get(f) {
            out.extend_from_slice(n);
        }
        out.push(b'"');
    }
    out.push(b']');
}

/// Drops the full stops that end `out` after `start`.
fn pop_stops(out: &mut Vec<u8>, start: usize) {
    while out.len() > start && out.last() == Some(&b'.') {
        out.pop();
    }
}

/// An undetermined outcome's reason, escaped, appended to `out`: what
/// `explain::compose_reason` words, from the escaped parts (a full stop is
/// never escaped, so dropping stops from escaped text is the same).
fn compose_reason(out: &mut Vec<u8>, fragments: &Fragments, verdict: &Verdict, o: &OutcomeVerdict) {
    let start = out.len();
    for (i, r) in verdict.answering_of(o).iter().enumerate() {
        if i > 0 {
            pop_stops(out, start);
            out.extend_from_slice(b"; ");
        }
        if let Some(reason) = fragments.reason(o.oid, r) {
            out.extend_from_slice(&reason.text);
        }
    }
    if !o.whatever.is_empty() {
        pop_stops(out, start);
        out.extend_from_slice(b". This holds whatever ");
        let count = o.whatever.iter().count();
        for (i, f) in o.whatever.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(if i + 1 == count { b" and " } else { b", " });
            }
            out.push(b'`');
            if let Some(n) = fragments.facts.get(f) {
                out.extend_from_slice(n);
            }
            out.push(b'`');
        }
        out.extend_from_slice(if count == 1 { b" is." } else { b" are." });
    }
}

/// One outcome's explanation line, escaped, without quotes: what
/// `explain::outcome::explain_outcome` words.
fn explanation_line(
    out: &mut Vec<u8>,
    fragments: &Fragments,
    verdict: &Verdict,
    o: &OutcomeVerdict,
    reason: Option<&[u8]>,
) {
    out.extend_from_slice(name(fragments, o));
    match o.status {
        Status::Decided => {
            out.extend_from_slice(b" is ");
            if let Some(v) = &o.value {
                write_words(out, v);
            }
            let by = verdict.by_of(o);
            if by.is_empty() {
                out.extend_from_slice(b": no requirement arises under the rules in force");
            } else {
                out.extend_from_slice(b", under ");
                for (i, d) in by.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b"; and ");
                    }
                    if let Some(r) = rule(fragments, d.version.at, d.rule.at) {
                        out.extend_from_slice(&r.grounds);
                    }
                }
            }
        }
        Status::MissingFacts => {
            out.extend_from_slice(b" cannot be decided without ");
            for (i, f) in o.needs.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                out.push(b'`');
                if let Some(n) = fragments.facts.get(f) {
                    out.extend_from_slice(n);
                }
                out.push(b'`');
            }
        }
        Status::Undetermined => {
            out.extend_from_slice(b" is undetermined: ");
            out.extend_from_slice(reason.unwrap_or_default());
        }
        Status::Conflict => {
            out.extend_from_slice(b" is in conflict: ");
            for (i, d) in verdict.by_of(o).iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                out.extend_from_slice(b"rule `");
                if let Some(r) = rule(fragments, d.version.at, d.rule.at) {
                    out.extend_from_slice(&r.id);
                    out.extend_from_slice(b"` (");
                    out.extend_from_slice(&r.cite);
                } else {
                    out.extend_from_slice(b"` (");
                }
                out.extend_from_slice(b") says ");
                if let Some(v) = &d.value {
                    write_words(out, v);
                }
            }
        }
    }
}

/// A value in words, as `Value`'s `Display` writes it, escaped.
fn write_words(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"none"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"yes" } else { b"no" }),
        Value::Str(s) => write_escaped(out, s.as_bytes()),
        Value::List(items) if items.is_empty() => out.extend_from_slice(b"none"),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_escaped(out, item.as_bytes());
            }
        }
        // Digits, signs and dashes: nothing to escape.
        Value::Int(_) | Value::Date(_) => {
            use std::io::Write as _;
            let _ = write!(out, "{v}");
        }
    }
}
