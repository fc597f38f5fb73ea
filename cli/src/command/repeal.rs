//! `inforce repeal RULE_SET --on DATE --by ACT`: a repeal version of a rule
//! set from that date (no rules; what it repeals, by which act), the
//! previous version closed (`until`), a golden-test skeleton straddling the
//! date, then `check`. Edits the previous version's YAML text in place.
//! Not here: what both edits share (`edit`).

use std::path::PathBuf;

use crate::command::edit::{self, refuse, scalar};
use crate::exit::Outcome;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule set to repeal, e.g. `kz.foreigners`.
    pub rule_set: String,
    /// The day the repeal takes effect (the first day the rules no longer apply), `YYYY-MM-DD`.
    #[arg(long, value_name = "DATE")]
    pub on: String,
    /// The repealing act, as cited.
    #[arg(long, value_name = "ACT")]
    pub by: String,
    /// Rules directory to edit (default: $INFORCE_RULES, else ./rules).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    edit::with_target(
        &args.on,
        args.rules.as_deref(),
        &args.rule_set,
        "repeal",
        |t| repeal(t, &args),
    )
}

fn repeal(t: edit::Target<'_>, args: &Args) -> Outcome {
    let edit::Target {
        date,
        dir,
        previous,
        new_path,
        tests_path,
        old_text,
    } = t;
    let closed = edit::close(&old_text, &previous.file, date).map_err(refuse)?;
    let repeals = if previous.source.act.is_empty() {
        previous.title.clone()
    } else {
        previous.source.act.clone()
    };
    let new_text = format!(
        "rule_set: {set}\nversion: {date}\ntitle: {title}\nin_force: {{from: {date}}}\n\
         source:\n  act: {act}\n  read_at: \"FILL IN: where the text of the act was read\"\n\
         repeal:\n  repeals: {repeals}\n  # note: what replaces it, if anything; shown with the reason\n",
        set = previous.rule_set,
        title = scalar(&format!("Repeal of {} by {}", previous.title, args.by)),
        act = scalar(&args.by),
        repeals = scalar(&repeals),
    );
    edit::Written {
        dir,
        previous,
        new_path: &new_path,
        new_text: &new_text,
        closed: &closed,
        tests_path: &tests_path,
        date,
        what: "the repeal",
    }
    .write()?;
    let previous_file = &previous.file;
    let new_shown = new_path.display().to_string();
    let next = vec![
        format!(
            "fill in `source.read_at` in {new_shown}, and the act's number and date if it has them"
        ),
        format!(
            "say what replaces the repealed rules, if anything, in `repeal.note` of {new_shown}"
        ),
        format!(
            "check the expectations in {}: from the day of, what the repealed version answered comes out undetermined",
            tests_path.display()
        ),
        "`inforce diff` the rules against the last revision to review the change".to_string(),
    ];
    edit::finish(
        dir,
        &[
            (new_path.as_path(), "wrote"),
            (std::path::Path::new(&previous_file), "closed"),
            (tests_path.as_path(), "wrote"),
        ],
        &next,
    )
}
