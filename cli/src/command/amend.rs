//! `inforce amend RULE_SET --from DATE`: the next version of a rule set as
//! a copy of the one in force on that date, with `in_force.from` set and
//! its source left to fill; the previous version closed (`until`); a
//! golden-test skeleton straddling the date; then `check`. Edits the YAML
//! text, never re-serialises it, so comments and layout stay. Not here:
//! what both edits share (`edit`).

use std::path::PathBuf;

use crate::command::edit::{self, EditError, Edits, refuse, scalar};
use crate::exit::Outcome;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule set to amend, e.g. `kz.foreigners`.
    pub rule_set: String,
    /// The day the amendment takes effect, `YYYY-MM-DD`.
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// The new version's title (default: the previous version's).
    #[arg(long)]
    pub title: Option<String>,
    /// The amending act, as cited (default: a line to fill in).
    #[arg(long, value_name = "ACT")]
    pub source: Option<String>,
    /// Rules directory to edit (default: $INFORCE_RULES, else ./rules).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    edit::with_target(
        &args.from,
        args.rules.as_deref(),
        &args.rule_set,
        "amend",
        |t| amend(t, &args),
    )
}

fn amend(t: edit::Target<'_>, args: &Args) -> Outcome {
    let edit::Target {
        date,
        dir,
        previous,
        new_path,
        tests_path,
        old_text,
    } = t;
    let new_text = amended(&old_text, &previous.file, date, args).map_err(refuse)?;
    let closed = edit::close(&old_text, &previous.file, date).map_err(refuse)?;
    edit::Written {
        dir,
        previous,
        new_path: &new_path,
        new_text: &new_text,
        closed: &closed,
        tests_path: &tests_path,
        date,
        what: "the amendment",
    }
    .write()?;
    let (previous_id, previous_file) = (&previous.id, &previous.file);
    let new_shown = new_path.display().to_string();
    let tests_shown = tests_path.display().to_string();
    let mut next = Vec::new();
    if args.source.is_none() {
        next.push(format!(
            "fill in `source.act` and `source.read_at` in {new_shown}"
        ));
    } else {
        next.push(format!("fill in `source.read_at` in {new_shown}"));
    }
    if args.title.is_none() {
        next.push(format!(
            "retitle the version in {new_shown} (the title is copied from {previous_id})"
        ));
    }
    next.push(format!("change the rules of {new_shown} to what the amendment says, and review the notes copied from {previous_id}"));
    next.push(format!(
        "correct the expectations of the day of in {tests_shown}, then run `inforce test`"
    ));
    next.push(
        "`inforce diff` the rules against the last revision to review the change".to_string(),
    );
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

/// The previous version's text as the new version's: its id and start
/// set, its title if given, and its source replaced by the lines to fill.
fn amended(
    text: &str,
    path: &str,
    date: chrono::NaiveDate,
    args: &Args,
) -> Result<String, EditError> {
    let layout = |what| EditError::Layout {
        what,
        path: path.to_string(),
    };
    let o = inforce_engine::outline::outline(text).ok_or(layout("version"))?;
    let mut e = Edits::default();
    e.replace(
        o.version.as_ref().ok_or(layout("version"))?,
        date.to_string(),
    );
    e.replace(
        o.from.as_ref().ok_or(layout("in_force.from"))?,
        date.to_string(),
    );
    if let (Some(title), Some(at)) = (&args.title, &o.title) {
        e.replace(at, scalar(title));
    }
    let (start, end) = edit::top_level_block(text, "source").ok_or(layout("source"))?;
    let act = match &args.source {
        Some(a) => scalar(a),
        None => "\"FILL IN: the amending act, as cited\"".to_string(),
    };
    e.splice(
        start,
        end - start,
        format!(
            "source:\n  act: {act}\n  read_at: \"FILL IN: where the text of the act was read\"\n"
        ),
    );
    Ok(e.apply(text))
}
