//! `inforce eval`: evaluates one case file (or stdin) on a date and prints,
//! for a caseworker, each outcome with the text it rests on; or the JSON
//! result of `cli.md`.

use std::path::PathBuf;

use chrono::NaiveDate;
use inforce_engine::Case;
use inforce_engine::CaseError;
use inforce_engine::evaluate;
use inforce_engine::files::{read_at_most, size_words};
use inforce_engine::{EvalResult, Status};

use crate::exit::{Failure, Outcome, Success};
use crate::render::{self, Format, Style};
use crate::rules_source::RulesArg;
use crate::text_safe::line as t;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case file (YAML or JSON); `-` reads standard input.
    pub case: PathBuf,
    /// Evaluate on this date (YYYY-MM-DD) instead of the case's `date`.
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    #[command(flatten)]
    pub rules: RulesArg,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Show every rule considered and why it fired, did not, or could not be evaluated.
    #[arg(long)]
    pub explain: bool,
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    inforce_engine::parse_date(s).ok_or_else(|| format!("`{s}` is not a date; write YYYY-MM-DD"))
}

/// Reads and checks a case file (or stdin), or prints every problem and
/// gives `Failure::BadInput`.
pub fn load_case(
    tree: &inforce_engine::RuleTree,
    path: &PathBuf,
) -> Result<inforce_engine::Case, Failure> {
    let (name, text) = read_case(path).map_err(|e| {
        crate::errln!("{}", render::diagnostic(e.as_ref()));
        Failure::BadInput
    })?;
    Case::from_yaml(tree, &name, &text).map_err(|errors| {
        render::print_diagnostics(&errors);
        Failure::BadInput
    })
}

pub fn run(args: Args) -> Outcome {
    let tree = args.rules.tree_without_tests()?;
    let case = load_case(&tree, &args.case)?;
    let date = case.date_on(args.date).map_err(|e| {
        crate::errln!("{}", render::diagnostic(e.as_ref()));
        Failure::BadInput
    })?;
    let result = evaluate(&tree, &case, date, args.explain).map_err(|e| {
        crate::errln!("{}", render::diagnostic(e.as_ref()));
        Failure::RulesFailed
    })?;
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&result) {
            Ok(s) => crate::outln!("{s}"),
            Err(e) => {
                crate::errln!("cannot write the result: {e}");
                return Err(Failure::Internal);
            }
        },
        Format::Text => crate::out!("{}", text_report(&result, &Style::stdout())),
    }
    Ok(Success)
}

/// The most a case file (or standard input) may hold: a case is a few
/// kilobytes, and `eval /dev/zero` must not read on without end.
pub const MAX_CASE_BYTES: u64 = 1 << 20;

pub fn read_case(path: &PathBuf) -> Result<(String, String), Box<CaseError>> {
    let shown = path.display().to_string();
    let name = if shown == "-" {
        "stdin".to_string()
    } else {
        shown.clone()
    };
    let io = |e: std::io::Error| {
        Box::new(CaseError::Io {
            path: shown.clone(),
            reason: e.to_string(),
        })
    };
    let read = if shown == "-" {
        read_at_most(std::io::stdin().lock(), MAX_CASE_BYTES).map_err(io)?
    } else {
        read_at_most(std::fs::File::open(path).map_err(io)?, MAX_CASE_BYTES).map_err(io)?
    };
    let Some(bytes) = read else {
        return Err(Box::new(CaseError::TooLarge {
            path: name,
            limit: size_words(MAX_CASE_BYTES),
        }));
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        Box::new(CaseError::NotUtf8 {
            path: shown.clone(),
            offset: e.utf8_error().valid_up_to(),
        })
    })?;
    Ok((name, text))
}

/// The caseworker's view: outcome, value, the text it rests on, the version
/// and its dates.
pub fn text_report(r: &EvalResult, s: &Style) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} {}, assessed on {}\n",
        s.bold("Case"),
        t(&r.case),
        r.date
    ));
    out.push_str(&s.dim(&format!(
        "Rules: {} (digest {})\n",
        t(&r.rules.source),
        r.rules.digest.get(..12).unwrap_or("")
    )));
    out.push('\n');
    out.push_str(&s.bold("In force on that date:\n"));
    let (about, other): (Vec<_>, Vec<_>) =
        r.rule_sets.iter().partition(|v| v.applies != Some(false));
    if about.is_empty() {
        out.push_str("  no rule set about this case\n");
    }
    for v in &about {
        let until = v
            .in_force
            .until
            .map(|u| format!(" until {u}"))
            .unwrap_or_default();
        let what = if v.repeal {
            format!("repealed by {}", t(&v.source))
        } else {
            t(&v.title).into_owned()
        };
        out.push_str(&format!(
            "  {} {}: {what} (from {}{until})\n",
            t(&v.id),
            t(&v.version),
            v.in_force.from
        ));
    }
    if !other.is_empty() {
        let names: Vec<String> = other
            .iter()
            .map(|v| format!("{} {}", t(&v.id), t(&v.version)))
            .collect();
        out.push_str(&s.dim(&format!(
            "  also in force, not about this case: {}\n",
            names.join(", ")
        )));
    }
    out.push('\n');
    out.push_str(&s.bold("Outcomes:\n"));
    if r.outcomes.is_empty() {
        out.push_str("  none: no rule set in force is about this case\n");
    }
    let width = r.outcomes.keys().map(|k| t(k).len()).max().unwrap_or(0);
    for (name, o) in &r.outcomes {
        let name = t(name);
        let value = match o.status {
            Status::Decided => s.green(&t(&o
                .value
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default())),
            Status::MissingFacts => s.yellow(&format!("missing facts: {}", t(&o.needs.join(", ")))),
            Status::Undetermined => s.yellow("undetermined"),
            Status::Conflict => s.red("conflict"),
        };
        out.push_str(&format!("  {name:width$}  {value}\n"));
        for b in &o.by {
            let with = b
                .value
                .as_ref()
                .map(|v| format!(" says {}", t(&v.to_string())))
                .unwrap_or_default();
            let dates = r
                .rule_sets
                .iter()
                .find(|v| v.id == b.rule_set && v.version == b.version)
                .map(|v| match v.in_force.until {
                    Some(u) => format!(", in force {} to {u}", v.in_force.from),
                    None => format!(", in force from {}", v.in_force.from),
                })
                .unwrap_or_default();
            out.push_str(&s.dim(&format!(
                "  {:width$}    {}{with} (rule {}, {} version {}{dates})\n",
                "",
                t(&b.cite),
                t(&b.rule),
                t(&b.rule_set),
                t(&b.version)
            )));
        }
        if let Some(reason) = &o.reason {
            out.push_str(&s.dim(&format!("  {:width$}    {}\n", "", t(reason))));
        }
    }
    if let Some(trace) = &r.trace {
        out.push('\n');
        out.push_str(&s.bold("Explanation:\n"));
        for line in r.explanation.iter().filter(|l| l.starts_with("Note (")) {
            out.push_str(&format!("  {}\n", t(line)));
        }
        let mut last = String::new();
        for e in trace {
            let head = format!("{} {}", t(&e.rule_set), t(&e.version));
            if head != last {
                out.push_str(&format!("  {}\n", s.bold(&head)));
                last = head;
            }
            let cite = if e.cite.is_empty() {
                String::new()
            } else {
                format!(" [{}]", t(&e.cite))
            };
            out.push_str(&format!(
                "    {} {}{cite}: {}\n",
                marker(&e.condition),
                t(&e.rule),
                t(&e.detail)
            ));
        }
    }
    out
}

fn marker(condition: &str) -> &'static str {
    match condition {
        "held" => "+",
        "false" => "-",
        "out of scope" => " ",
        "not in force" => "·",
        _ => "?",
    }
}
