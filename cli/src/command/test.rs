//! `inforce test`: runs the golden cases kept beside the rule sets and, for
//! each failure, prints the case, expected and actual outcomes, and the
//! rules that decided the actual value. Last line: `N passed, N failed`.

use inforce_engine::{Coverage, RuleRef, run_with_coverage};

use crate::exit::{self, Failure, Finding, Outcome};
use crate::render::{Format, Style};
use crate::rules_source::RulesArg;
use crate::text_safe::line as t;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub rules: RulesArg,
    /// Run only tests whose name, file or case id contains this text.
    pub filter: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also list every rule no golden test fires and every rule no golden
    /// test sees not firing; exit 1 if there is any.
    #[arg(long)]
    pub coverage: bool,
}

pub fn run(args: Args) -> Outcome {
    let tree = args.rules.tree()?;
    let (runs, coverage) = run_with_coverage(&tree, args.filter.as_deref());
    if runs.is_empty() {
        // A mistyped filter must not look like a green run.
        crate::errln!(
            "no golden test matches `{}`; run `inforce test` without a filter to see them all",
            t(args.filter.as_deref().unwrap_or(""))
        );
        return Err(Failure::Found(Finding::NoTestMatched));
    }
    let passed = runs.iter().filter(|r| r.passed).count();
    let failed = runs.len() - passed;
    match args.format {
        Format::Json => {
            let mut out = serde_json::json!({"passed": passed, "failed": failed, "tests": runs});
            if args.coverage
                && let Some(obj) = out.as_object_mut()
            {
                obj.insert(
                    "coverage".into(),
                    serde_json::to_value(&coverage).unwrap_or_default(),
                );
            }
            crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            let s = Style::stdout();
            for r in runs.iter().filter(|r| !r.passed) {
                crate::outln!("{} {}", s.red("FAIL"), t(&r.name));
                let case = if r.case.is_empty() {
                    "without an id".to_string()
                } else {
                    t(&r.case).into_owned()
                };
                crate::outln!(
                    "  case {} on {} ({})",
                    case,
                    t(r.date.as_deref().unwrap_or("?")),
                    t(&r.file)
                );
                if let Some(e) = &r.error {
                    crate::outln!("  could not evaluate: {}", t(e));
                }
                for m in &r.mismatches {
                    crate::outln!(
                        "  {}: expected {}, got {}",
                        t(&m.outcome),
                        t(&m.expected),
                        t(&m.actual)
                    );
                    for b in &m.by {
                        let v = b
                            .value
                            .as_ref()
                            .map(|v| format!(" ({})", t(&v.to_string())))
                            .unwrap_or_default();
                        crate::outln!(
                            "    decided by rule {}{v}, {} version {}: {}",
                            t(&b.rule),
                            t(&b.rule_set),
                            t(&b.version),
                            t(&b.cite)
                        );
                    }
                    if let Some(reason) = &m.reason {
                        crate::outln!("    {}", t(reason));
                    }
                }
            }
            if args.coverage {
                print_coverage(&coverage, &s);
            }
            crate::outln!("{passed} passed, {failed} failed");
        }
    }
    let uncovered = args.coverage
        && (!coverage.never_fired.is_empty() || !coverage.never_seen_not_firing.is_empty());
    if failed > 0 {
        return Err(Failure::Found(Finding::FailedTests));
    }
    exit::found_if(uncovered, Finding::UncoveredRules)
}

fn print_coverage(c: &Coverage, s: &Style) {
    let show = |title: &str, rules: &[RuleRef]| {
        if rules.is_empty() {
            crate::outln!("{}: none", title);
            return;
        }
        crate::outln!("{} ({}):", s.yellow(title), rules.len());
        for r in rules {
            crate::outln!(
                "  {} {} {} ({})",
                t(&r.rule_set),
                t(&r.version),
                t(&r.rule),
                t(&r.file)
            );
        }
    };
    crate::outln!(
        "Coverage of {} rules{}",
        c.rules,
        if c.never_fired.is_empty() && c.never_seen_not_firing.is_empty() {
            ": every rule fires in some golden test and is seen not firing in another"
        } else {
            ""
        }
    );
    show("never fired", &c.never_fired);
    show("never seen not firing", &c.never_seen_not_firing);
}
