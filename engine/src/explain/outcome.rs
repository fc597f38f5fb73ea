//! The explanation line of one outcome: its status and value in words, and
//! what the decision rests on. Not here: which outcomes and grounds a case
//! gets (`eval`).

use crate::result::{OutcomeResult, Status};
use crate::rules::model::Value;

/// The explanation line of one outcome. Built with `push_str` rather than
/// `format!`: there is one per outcome per case, and `batch` writes millions.
pub(crate) fn explain_outcome(name: &str, o: &OutcomeResult, grounds: &[&str]) -> String {
    let mut line = String::with_capacity(
        name.len()
            + 64
            + grounds.iter().map(|g| g.len() + 6).sum::<usize>()
            + o.reason.as_ref().map_or(0, String::len)
            + o.needs.iter().map(|n| n.len() + 4).sum::<usize>()
            + o.by
                .iter()
                .map(|b| b.rule.len() + b.cite.len() + 24)
                .sum::<usize>(),
    );
    line.push_str(name);
    match o.status {
        Status::Decided => {
            line.push_str(" is ");
            if let Some(v) = &o.value {
                push_val(&mut line, v);
            }
            if grounds.is_empty() {
                line.push_str(": no requirement arises under the rules in force");
            } else {
                line.push_str(", under ");
                for (i, g) in grounds.iter().enumerate() {
                    if i > 0 {
                        line.push_str("; and ");
                    }
                    line.push_str(g);
                }
            }
        }
        Status::MissingFacts => {
            line.push_str(" cannot be decided without ");
            for (i, n) in o.needs.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push('`');
                line.push_str(n);
                line.push('`');
            }
        }
        Status::Undetermined => {
            line.push_str(" is undetermined: ");
            line.push_str(o.reason.as_deref().unwrap_or_default());
        }
        Status::Conflict => {
            line.push_str(" is in conflict: ");
            for (i, b) in o.by.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push_str("rule `");
                line.push_str(&b.rule);
                line.push_str("` (");
                line.push_str(&b.cite);
                line.push_str(") says ");
                if let Some(v) = &b.value {
                    push_val(&mut line, v);
                }
            }
        }
    }
    line
}

/// A value as `Value`'s `Display` writes it, without the formatting machinery.
pub(crate) fn push_val(out: &mut String, v: &Value) {
    use std::fmt::Write;
    match v {
        Value::Null => out.push_str("none"),
        Value::Bool(b) => out.push_str(if *b { "yes" } else { "no" }),
        Value::Str(s) => out.push_str(s),
        Value::List(items) if items.is_empty() => out.push_str("none"),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(item);
            }
        }
        // Writing to a `String` cannot fail.
        Value::Int(_) | Value::Date(_) => {
            let _ = write!(out, "{v}");
        }
    }
}
