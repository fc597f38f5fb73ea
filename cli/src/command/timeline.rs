//! `inforce timeline`: which version of each rule set is in force over
//! which interval, repeals and gaps included; as JSON, with the legend of
//! compact batch output.

use inforce_engine::timeline;

use crate::exit::{Outcome, Success};
use crate::render::{Format, Style};
use crate::rules_source::RulesArg;
use crate::text_safe::line;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub rules: RulesArg,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> Outcome {
    let tree = args.rules.tree_without_tests()?;
    let t = timeline(&tree);
    match args.format {
        Format::Json => {
            // The legend gives the texts behind the ids and codes of
            // `batch --output compact`, for readers of those lines.
            let legend = inforce_engine::lines::Legend::of(&tree);
            let out = serde_json::json!({"rules": {"source": tree.source, "digest": tree.digest}, "rule_sets": t, "legend": legend});
            crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            let s = Style::stdout();
            crate::outln!("{}", s.dim(&format!("Rules: {}", line(&tree.source))));
            for set in &t {
                crate::outln!("\n{}", s.bold(&line(&set.id)));
                for p in &set.periods {
                    let until = p
                        .until
                        .map(|u| u.to_string())
                        .unwrap_or_else(|| "…".to_string());
                    let what = match p.kind {
                        "repealed" => s.yellow(&format!("repealed by {}", line(&p.source))),
                        "gap" => s.red("no version in force"),
                        _ => format!(
                            "{} ({} rule{})",
                            line(&p.title),
                            p.rules,
                            if p.rules == 1 { "" } else { "s" }
                        ),
                    };
                    crate::outln!("  {} → {:10}  {what}", p.from, until);
                }
            }
        }
    }
    Ok(Success)
}
