//! `inforce expand`: turns the compact lines of `batch --output compact`
//! back into full results with their legend, byte for byte what `batch
//! --output full` writes for the same cases. Not here: the expansion
//! itself (the engine's `Legend::expand`), or evaluating anything: no
//! rules are loaded.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use inforce_engine::lines::{LEGEND_FORMAT, Legend};

use crate::exit::{Failure, Outcome, Success};
use crate::output_file::{self, OutputFile};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each compact line becomes the full line `batch --output full` writes for \
the same case; error lines are copied as they are. The legend must be of the rules the lines \
were evaluated against (each line carries their digest).\n\n\
Exit status: 0 every line expanded, 2 the legend or a line could not be read (the output \
file is then not written)."
)]
pub struct Args {
    /// Compact JSON Lines, as `batch --output compact` wrote them; `-` or
    /// nothing reads standard input.
    pub input: Option<PathBuf>,
    /// The legend written beside the lines (`NAME.legend.json`), or the
    /// `legend` of `inforce timeline --format json`.
    #[arg(long, value_name = "FILE")]
    pub legend: PathBuf,
    /// Write the full lines to FILE, whole or not at all (default:
    /// standard output).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    if let Err(message) =
        output_file::refuse_input_as_output(args.input.as_deref(), args.output.as_deref())
    {
        crate::errln!("{message}");
        return Err(Failure::BadInput);
    }
    let legend = read_legend(&args.legend)?;
    let input_name = match &args.input {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => "standard input".to_string(),
    };
    let input: Box<dyn BufRead> = match &args.input {
        Some(p) if p.as_os_str() != "-" => match File::open(p) {
            Ok(f) => Box::new(BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                crate::errln!("cannot read `{input_name}`: {e}");
                return Err(Failure::BadInput);
            }
        },
        _ => Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
    };
    let mut file = None;
    let mut stdout = None;
    let out: &mut dyn Write = match &args.output {
        Some(p) if p.as_os_str() != "-" => match OutputFile::create(p) {
            Ok(f) => file.insert(f).writer(),
            Err(message) => {
                crate::errln!("{message}");
                return Err(Failure::Output);
            }
        },
        _ => stdout.insert(BufWriter::with_capacity(1 << 16, io::stdout())),
    };
    let mut full = Vec::with_capacity(1 << 14);
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| {
            crate::errln!("cannot read `{input_name}` at line {n}: {e}");
            Failure::BadInput
        })?;
        full.clear();
        if let Err(e) = legend.expand(&line, &mut full) {
            crate::errln!("line {n} of `{input_name}`: {e}");
            return Err(Failure::BadInput);
        }
        full.push(b'\n');
        if let Err(e) = out.write_all(&full) {
            crate::render::stdout_failed(e);
            return Err(Failure::Output);
        }
    }
    let finished = match (file, stdout) {
        (Some(f), _) => f.persist(),
        (None, Some(mut s)) => s.flush(),
        (None, None) => Ok(()),
    };
    finished.map_err(|e| {
        crate::errln!("cannot write the full lines: {e}");
        Failure::Output
    })?;
    Ok(Success)
}

/// The legend in `path`: a legend file, or the JSON of `inforce timeline
/// --format json`, whose `legend` member is one.
fn read_legend(path: &std::path::Path) -> Result<Legend, Failure> {
    let fail = |e: String| {
        crate::errln!("cannot read the legend `{}`: {e}", path.display());
        Failure::BadInput
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let value = match value.get("legend") {
        Some(inner) if inner.is_object() => inner.clone(),
        _ => value,
    };
    // A legend of another format (an older binary's) is named as such,
    // rather than failing on the first field that changed.
    if let Some(format) = value.get("legend").and_then(serde_json::Value::as_str)
        && format != LEGEND_FORMAT
    {
        return Err(fail(format!(
            "it is a legend of format `{format}`, and this inforce reads `{LEGEND_FORMAT}`: expand the lines with the inforce that wrote them, or write them again with this one"
        )));
    }
    serde_json::from_value(value).map_err(|e| fail(format!("it is not a legend: {e}")))
}
