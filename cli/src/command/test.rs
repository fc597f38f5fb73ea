//! `inforce test`: runs the golden cases kept beside the rule sets and, for
//! each failure, prints the case, expected and actual outcomes, and the
//! rules that decided the actual value. Last line: `N passed, N failed`.

use inforce_engine::golden;

use crate::render::{Format, Style};
use crate::rules_source::RulesArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub rules: RulesArg,
    /// Run only tests whose name, file or case id contains this text.
    pub filter: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: Args) -> u8 {
    let tree = match args.rules.tree() {
        Ok(tree) => tree,
        Err(code) => return code,
    };
    let runs = golden::run(&tree, args.filter.as_deref());
    if runs.is_empty() {
        // A mistyped filter must not look like a green run.
        eprintln!(
            "no golden test matches `{}`; run `inforce test` without a filter to see them all",
            args.filter.as_deref().unwrap_or("")
        );
        return 1;
    }
    let passed = runs.iter().filter(|r| r.passed).count();
    let failed = runs.len() - passed;
    match args.format {
        Format::Json => {
            let out = serde_json::json!({"passed": passed, "failed": failed, "tests": runs});
            crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            let s = Style::stdout();
            for r in runs.iter().filter(|r| !r.passed) {
                crate::outln!("{} {}", s.red("FAIL"), r.name);
                crate::outln!(
                    "  case {} on {} ({})",
                    r.case,
                    r.date.as_deref().unwrap_or("?"),
                    r.file
                );
                if let Some(e) = &r.error {
                    crate::outln!("  could not evaluate: {e}");
                }
                for m in &r.mismatches {
                    crate::outln!("  {}: expected {}, got {}", m.outcome, m.expected, m.actual);
                    for b in &m.by {
                        let v = b
                            .value
                            .as_ref()
                            .map(|v| format!(" ({v})"))
                            .unwrap_or_default();
                        crate::outln!(
                            "    decided by rule {}{v}, {} version {}: {}",
                            b.rule,
                            b.rule_set,
                            b.version,
                            b.cite
                        );
                    }
                    if let Some(reason) = &m.reason {
                        crate::outln!("    {reason}");
                    }
                }
            }
            crate::outln!("{passed} passed, {failed} failed");
        }
    }
    u8::from(failed > 0)
}
