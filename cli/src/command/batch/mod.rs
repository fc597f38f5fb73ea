//! `inforce batch`: evaluates JSON Lines cases in parallel and writes one
//! JSON line per input line, in input order: the result `eval --format json`
//! gives for that case, or `{"line": N, "error": "..."}`. Memory stays
//! bounded whatever the input's length: lines are read, evaluated and
//! written a chunk at a time. This file holds the arguments and the run:
//! rules loaded once and shared by every worker, input and output opened,
//! the summary and the outcome. Not here: validating a case (the engine's
//! `case_json`) or evaluating it (the engine's `eval`).
//!
//! Decisions that shape the output:
//! - a blank line (empty or only spaces) is an error line, "the line is
//!   empty", so the output always has exactly as many lines as the input;
//! - a case without `id` is named `line-N` after its line;
//! - `--date` overrides every case's `date`.

mod chunks;
mod columnar;
mod line;
mod panics;
mod pipeline;
mod progress;
mod spare;
mod streams;
mod tasks;

use std::io;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use inforce_engine::Golden;
use inforce_engine::RuleTree;
use inforce_engine::lines::{Legend, LineFormat, OutcomeSelection, Shape};
use inforce_engine::memo::Memo;

use self::panics::{QuietPanics, worker_pool};
use self::pipeline::{Job, Ran, Stop, chunk_lines, pipeline};
use self::streams::{Sink, open_input};
use crate::exit::{self, Failure, Finding, Outcome};
use crate::output_file;
use crate::render;
use crate::rules_source::{LoadOrSay, RulesArg};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each output line is the result `inforce eval --format json` gives for the \
case on the same input line, on one line, or {\"line\": N, \"error\": \"...\"} for a line that \
is not JSON, not a valid case, or could not be evaluated; a blank line is such an error line \
too, so the output always has as many lines as the input. A case without `id` is named \
`line-N`. A summary goes to stderr, and a progress bar when stderr is a terminal.\n\n\
With `--output compact` each line names rules as `SET@VERSION#RULE` and reasons by code \
instead of repeating their texts; the texts are written once to a legend (`-o out.jsonl` \
also writes `out.legend.json`; `inforce timeline --format json` gives it too), and a \
compact line with its legend expands to the full line, byte for byte.\n\n\
Exit status: 0 every line evaluated, 1 some lines are error lines, 2 could not start \
or finish (rules that do not load, input unreadable, output not writable or the input itself), \
130, 143 or 129 interrupted by SIGINT, SIGTERM or SIGHUP (the output file is left as it was)."
)]
pub struct Args {
    /// JSON Lines file, one case per line; `-` or nothing reads standard input.
    pub input: Option<PathBuf>,
    /// Evaluate every case on this date (YYYY-MM-DD) instead of its `date`.
    #[arg(long, value_parser = super::eval::parse_date)]
    pub date: Option<NaiveDate>,
    #[command(flatten)]
    pub rules: RulesArg,
    /// Write the results to FILE, whole or not at all (default: standard output);
    /// never the input file itself.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The shape of each result line: `full` (what `eval --format json`
    /// gives) or `compact` (ids and codes, whose texts a legend gives once).
    #[arg(long = "output", value_name = "SHAPE", default_value = "full", value_parser = parse_shape)]
    pub shape: Shape,
    /// Keep only these outcomes (names separated by commas).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub outcomes: Option<Vec<String>>,
    /// With `--output compact`, write the legend to FILE (default: beside
    /// `-o FILE`, as `NAME.legend.json`; none for standard output).
    #[arg(long, value_name = "FILE")]
    legend: Option<PathBuf>,
    /// The results' format: `jsonl`, `parquet` or `csv` (default: by `-o
    /// FILE`'s extension, `.parquet` or `.csv`, else JSON Lines).
    #[arg(long, value_name = "FORMAT", value_parser = columnar::parse_out_format)]
    pub format: Option<columnar::OutFormat>,
    /// The cases' format: `jsonl` or `parquet` (default: by INPUT's
    /// extension, `.parquet`, else JSON Lines; standard input is JSON Lines).
    #[arg(long, value_name = "FORMAT", value_parser = columnar::parse_in_format)]
    pub input_format: Option<columnar::InFormat>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub jobs: Option<usize>,
}

/// `--output`'s value. The flag named the results file before it named a
/// shape, so a path there is answered with where the file goes now.
fn parse_shape(s: &str) -> Result<Shape, String> {
    match s {
        "full" => Ok(Shape::Full),
        "compact" => Ok(Shape::Compact),
        other => Err(format!(
            "`{other}` is not an output shape: give `full` or `compact` (the results file is given with `-o FILE`)"
        )),
    }
}

/// What the memo of a run may hold (as it estimates its ways), by what the
/// run writes: more ways known answer more cases by a way of whole cases,
/// and memory is what bounds them. Full lines hold some 8 MB of results a
/// chunk in flight, and with 64 MB of ways peaked past 200 MB, so they keep
/// the memo's default, 48 MB. Compact lines keep each way's compact text
/// too, and peaked at 192 MB with 96 MB: they take 64 MB. Columnar results
/// hold least (`COLUMNAR_MEMO_ROOM`) (docs/performance.md, issue 14, tenth
/// round).
pub(super) fn memo_room(shape: Shape) -> usize {
    match shape {
        Shape::Full => 48 << 20,
        Shape::Compact => 64 << 20,
    }
}

/// The memo's room for columnar results (Parquet, CSV): 128 MB. 96 MB
/// answered a million generated cases to Parquet 83% by ways of whole
/// cases rather than 74% (48 MB); 128 MB took 1.0% fewer instructions
/// than 96 MB on 300,000 (192 MB only 0.2% fewer again), and a million
/// still peaked at 150–164 MB, as with 96 MB: without any ways a run
/// peaks at 109 MB, and 96 MB of the estimate is some 50 MB of memory
/// (docs/performance.md, issue 14, eleventh round).
pub(super) const COLUMNAR_MEMO_ROOM: usize = 128 << 20;

pub fn run(args: Args) -> Outcome {
    // Before anything is read: `-o` naming the input would replace the
    // cases with their results.
    if let Err(message) =
        output_file::refuse_input_as_output(args.input.as_deref(), args.output.as_deref())
    {
        crate::errln!("{message}");
        return Err(Failure::BadInput);
    }
    // Loaded once, before any case is read, so that broken rules stop the
    // run with their diagnostics; every worker then reads this one tree.
    let tree = args.rules.read()?.tree(Golden::Skip)?;
    let outcomes = match &args.outcomes {
        Some(names) => match OutcomeSelection::new(&tree, names) {
            Ok(selection) => Some(selection),
            Err(message) => {
                crate::errln!("{message}");
                return Err(Failure::BadInput);
            }
        },
        None => None,
    };
    let legend_path = legend_path(&args);
    if let Some(legend) = &legend_path {
        if let Err(message) =
            output_file::refuse_input_as_output(args.input.as_deref(), Some(legend))
        {
            crate::errln!("{message}");
            return Err(Failure::BadInput);
        }
        if args.output.as_deref() == Some(legend.as_path()) {
            crate::errln!(
                "`--legend` and `-o` both name `{}`: give the legend another file",
                legend.display()
            );
            return Err(Failure::BadInput);
        }
    }
    let input_name = match &args.input {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => "standard input".to_string(),
    };
    if let Some(formats) = columnar::formats(&args) {
        let legend = legend_path.as_deref();
        return columnar::run(&args, &tree, outcomes, legend, formats, &input_name);
    }
    let (input, size) = open_input(args.input.as_deref()).map_err(|e| {
        crate::errln!("cannot read `{input_name}`: {e}");
        Failure::BadInput
    })?;
    let sink = Sink::open_for_run(args.output.as_deref())?;
    let pool = worker_pool(args.jobs)?;
    let job = Job {
        date: args.date,
        memo: Memo::with_room(&tree, outcomes.clone(), memo_room(args.shape)),
        format: LineFormat {
            shape: args.shape,
            outcomes,
        },
    };
    let _quiet = QuietPanics::install();
    let progress = progress::bar(size);
    let started = Instant::now();
    let ran = pipeline(
        &job,
        &pool,
        input,
        sink,
        chunk_lines(pool.current_num_threads()),
        &progress,
    );
    progress.finish_and_clear();
    let end = RunEnd {
        tree: &tree,
        legend: legend_path.as_deref(),
        input_name: &input_name,
        output: args.output.as_deref(),
        unit: "line",
        seconds: started.elapsed().as_secs_f64(),
    };
    end.report(ran)
}

/// What is said when a run ends, JSON Lines or columnar, and the outcome
/// it gives: the summary, the legend written, or why the run stopped.
struct RunEnd<'a> {
    tree: &'a RuleTree,
    /// Where the legend goes, if the run writes one.
    legend: Option<&'a std::path::Path>,
    input_name: &'a str,
    output: Option<&'a std::path::Path>,
    /// What the input is counted in: `line`, or `row` for Parquet.
    unit: &'a str,
    seconds: f64,
}

impl RunEnd<'_> {
    fn report(&self, ran: Result<Ran, Stop>) -> Outcome {
        let summary = |r: &Ran| {
            crate::errln!(
                "{}, {}, {:.0} cases/s, {} written",
                render::count(r.cases as usize, "case", "cases"),
                render::count(r.errors as usize, "error", "errors"),
                r.cases as f64 / self.seconds.max(1e-9),
                render::bytes(r.bytes)
            );
        };
        let output_name = self
            .output
            .filter(|p| p.as_os_str() != "-")
            .map(|p| p.display().to_string());
        let input_name = self.input_name;
        match ran {
            Ok(r) => {
                summary(&r);
                // Written once the lines are, so that a legend always sits
                // beside lines of the same run.
                if let Some(path) = self.legend {
                    write_legend(self.tree, path)?;
                    crate::errln!("legend written to `{}`", path.display());
                }
                exit::found_if(r.errors > 0, Finding::ErrorLines)
            }
            Err(Stop::Input { after, error, ran }) => {
                summary(&ran);
                crate::errln!(
                    "cannot read `{input_name}` after {} {after}: {error}",
                    self.unit
                );
                Err(Failure::BadInput)
            }
            // The reader of the output has gone (`inforce batch | head`):
            // nobody wants the rest, which is no error of the cases.
            Err(Stop::Output { error, ran }) if error.kind() == io::ErrorKind::BrokenPipe => {
                if output_name.is_none() {
                    render::stdout_failed(error);
                }
                exit::found_if(ran.errors > 0, Finding::ErrorLines)
            }
            Err(Stop::Output { error, ran }) => {
                summary(&ran);
                match output_name {
                    Some(name) => crate::errln!("cannot write `{name}`: {error}"),
                    // Said, and made exit code 2, as for every command.
                    None => render::stdout_failed(error),
                }
                Err(Failure::Output)
            }
            Err(Stop::Internal(message)) => {
                crate::errln!("internal error: {}", crate::text_safe::line(&message));
                Err(Failure::Internal)
            }
        }
    }
}

/// Where a compact run's legend goes: `--legend FILE`, else beside `-o
/// FILE` (`out.jsonl` → `out.legend.json`); none for a full run, and none
/// for standard output or a device such as `/dev/null` unless asked.
fn legend_path(args: &Args) -> Option<PathBuf> {
    if args.shape != Shape::Compact {
        return None;
    }
    if let Some(path) = &args.legend {
        return Some(path.clone());
    }
    let out = args.output.as_ref().filter(|p| p.as_os_str() != "-")?;
    if std::fs::metadata(out).is_ok_and(|m| !m.is_file()) {
        return None;
    }
    let stem = out.file_stem()?.to_string_lossy().into_owned();
    Some(out.with_file_name(format!("{stem}.legend.json")))
}

/// Writes the legend of `tree` to `path`, whole or not at all.
fn write_legend(tree: &RuleTree, path: &std::path::Path) -> Result<(), Failure> {
    let fail = |e: String| {
        crate::errln!("cannot write the legend `{}`: {e}", path.display());
        Failure::Output
    };
    let text = serde_json::to_vec_pretty(&Legend::of(tree)).map_err(|e| fail(e.to_string()))?;
    let mut file = output_file::OutputFile::create(path).map_err(fail)?;
    io::Write::write_all(file.writer(), &text).map_err(|e| fail(e.to_string()))?;
    io::Write::write_all(file.writer(), b"\n").map_err(|e| fail(e.to_string()))?;
    file.persist().map_err(|e| fail(e.to_string()))
}
