//! Converts JSON Lines cases to a Parquet file of cases (the input layout
//! of `case_schema`): `cargo run --release -p inforce-columnar --example
//! cases_to_parquet -- RULES_DIR CASES.jsonl OUT.parquet`. For benchmarks
//! and trying the Parquet input; not a command of `inforce`. A fact given
//! `null` meaning none becomes a null cell (unknown); an invalid case
//! stops the conversion.

use std::io::BufRead;
use std::process::ExitCode;

use inforce_columnar::{CaseBuilder, ParquetOut, ROW_GROUP_ROWS};
use inforce_engine::{Case, Golden, load_with, read_dir};

fn main() -> ExitCode {
    match convert() {
        Ok(n) => {
            eprintln!("{n} cases written");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn convert() -> Result<u64, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rules, input, output] = args.as_slice() else {
        return Err("usage: cases_to_parquet RULES_DIR CASES.jsonl OUT.parquet".to_string());
    };
    let (files, _) = read_dir(std::path::Path::new(rules));
    let tree = load_with(files, rules, Golden::Skip)
        .tree
        .ok_or_else(|| format!("the rules in `{rules}` do not load"))?;
    let reader = std::io::BufReader::new(
        std::fs::File::open(input).map_err(|e| format!("cannot read `{input}`: {e}"))?,
    );
    let file =
        std::fs::File::create(output).map_err(|e| format!("cannot write `{output}`: {e}"))?;
    let mut out = ParquetOut::cases(std::io::BufWriter::new(file), &tree)?;
    let mut rows = CaseBuilder::new(&tree);
    let mut n = 0_u64;
    let mut pending = 0;
    for line in reader.lines() {
        let line = line.map_err(|e| format!("cannot read `{input}`: {e}"))?;
        n += 1;
        let case = Case::from_json(&tree, &line, &format!("line-{n}")).map_err(|e| {
            format!(
                "line {n}: {}",
                e.iter()
                    .map(|e| e.one_line())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        rows.append(&case);
        pending += 1;
        if pending == ROW_GROUP_ROWS {
            out.write(&rows.finish()?).map_err(|e| e.to_string())?;
            pending = 0;
        }
    }
    out.write(&rows.finish()?).map_err(|e| e.to_string())?;
    out.finish().map_err(|e| e.to_string())?;
    Ok(n)
}
