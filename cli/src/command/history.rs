//! `inforce history`: one case through time. Prints the maximal date
//! intervals over which every outcome stays the same, with the rule-set
//! versions in force in each, so a caseworker sees when and why the answer
//! changed. The computation is the engine's (`history`); this renders it.

use std::path::PathBuf;

use chrono::NaiveDate;
use inforce_engine::{History, history};
use inforce_engine::{OutcomeResult, Status};

use crate::command::eval::{load_case, parse_date};
use crate::exit::{Failure, Outcome, Success};
use crate::render::{self, Format, Style};
use crate::rules_source::RulesArg;
use crate::text_safe::line as t;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case file (YAML or JSON); `-` reads standard input.
    pub case: PathBuf,
    /// First day (default: the day the earliest rule-set version takes effect).
    #[arg(long, value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day, included (default: today).
    #[arg(long, value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    #[command(flatten)]
    pub rules: RulesArg,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> Outcome {
    let tree = args.rules.tree_without_tests()?;
    let case = load_case(&tree, &args.case)?;
    let Some(from) = args.from.or_else(|| tree.earliest()) else {
        crate::errln!("the rules have no version to start from; give `--from YYYY-MM-DD`");
        return Err(Failure::BadInput);
    };
    let to = args.to.unwrap_or_else(|| chrono::Local::now().date_naive());
    if to < from {
        crate::errln!("`--to` ({to}) is before `--from` ({from}); the range is empty");
        return Err(Failure::BadInput);
    }
    let h = history(&tree, &case, from, to).map_err(|e| {
        crate::errln!("{}", render::diagnostic(e.as_ref()));
        Failure::RulesFailed
    })?;
    match args.format {
        Format::Json => crate::outln!("{}", serde_json::to_string_pretty(&h).unwrap_or_default()),
        Format::Text => crate::out!("{}", text_report(&h, &Style::stdout())),
    }
    Ok(Success)
}

fn shown(o: &OutcomeResult) -> String {
    match o.status {
        Status::Decided => {
            t(&o.value.as_ref().map(|v| v.to_string()).unwrap_or_default()).into_owned()
        }
        Status::MissingFacts => format!("missing facts: {}", t(&o.needs.join(", "))),
        Status::Undetermined => "undetermined".to_string(),
        Status::Conflict => "conflict".to_string(),
    }
}

/// Each period with its versions and outcomes; outcomes that changed since
/// the period before are marked `*`.
pub fn text_report(h: &History, s: &Style) -> String {
    let mut out = format!(
        "{} {}, from {} to {}: {}\n",
        s.bold("Case"),
        t(&h.case),
        h.from,
        h.to,
        render::count(h.periods.len(), "period", "periods")
    );
    out.push_str(&s.dim(&format!(
        "Rules: {} (digest {})\n",
        t(&h.rules.source),
        h.rules.digest.get(..12).unwrap_or("")
    )));
    let mut before: Option<&std::collections::BTreeMap<String, OutcomeResult>> = None;
    for p in &h.periods {
        let last_day = p.until.pred_opt().unwrap_or(p.until);
        out.push('\n');
        out.push_str(&s.bold(&format!("{} to {}", p.from, last_day)));
        out.push_str(&s.dim(&format!(" (until {}, exclusive)\n", p.until)));
        if p.rule_sets.is_empty() {
            out.push_str("  no rule set in force concerns this case\n");
        }
        for v in &p.rule_sets {
            let what = if v.repeal {
                format!("repealed by {}", t(&v.source))
            } else {
                t(&v.title).into_owned()
            };
            out.push_str(&s.dim(&format!(
                "  in force: {} {}: {what}\n",
                t(&v.id),
                t(&v.version)
            )));
        }
        let width = p.outcomes.keys().map(|k| t(k).len()).max().unwrap_or(0);
        for (name, o) in &p.outcomes {
            let changed = before.is_some_and(|b| {
                b.get(name).is_none_or(|x| {
                    x.status != o.status || x.value != o.value || x.needs != o.needs
                })
            });
            let mark = if changed { "*" } else { " " };
            let value = shown(o);
            let value = if changed { s.green(&value) } else { value };
            out.push_str(&format!("  {mark} {:width$}  {value}\n", t(name)));
        }
        if let Some(b) = before {
            for gone in b.keys().filter(|k| !p.outcomes.contains_key(*k)) {
                out.push_str(&format!(
                    "  * {:width$}  {}\n",
                    t(gone),
                    s.yellow("no longer answered")
                ));
            }
        }
        before = Some(&p.outcomes);
    }
    out
}
