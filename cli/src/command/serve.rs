//! `inforce serve`: the HTTP API and the caseworker's web page over the
//! rules found as every command finds them. Parses the flags, loads the
//! tree (refusing to start on rules with errors), and prints the server's
//! events on stderr. Not here: the server itself (the `inforce-server`
//! crate).

use std::net::SocketAddr;
use std::time::Duration;

use inforce_engine::Golden;
use inforce_server::{Event, Limits, Options, Reload, serve};

use crate::exit::{Failure, Outcome, Success};
use crate::render;
use crate::rules_source::{Chosen, LoadOrSay, RuleFiles, RulesArg};
use crate::text_safe::line as t;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub rules: RulesArg,
    /// Address to listen on; port 0 picks a free port. Loopback unless told otherwise.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Let the web page at this origin call the API (CORS); none by default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Option<String>,
    /// Largest request body for one case, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().body_bytes)]
    pub max_body: usize,
    /// Largest line of a batch, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().line_bytes)]
    pub max_line: usize,
    /// Longest wait for a free slot, and longest history, in seconds (scripts are bounded by the rules' limits).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
    /// Requests evaluated at once; more wait their turn.
    #[arg(long, value_name = "N", default_value_t = Limits::default().concurrent)]
    pub max_concurrent: usize,
    /// After SIGTERM, how long requests in flight may take to finish, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub grace: u64,
}

pub fn run(args: Args) -> Outcome {
    let (tree, reload) = match args.rules.choose() {
        Chosen::Dir(dir) => {
            let tree = RuleFiles::from_dir(&dir).tree(Golden::Load)?;
            let watched = dir.clone();
            let load = Box::new(move || RuleFiles::from_dir(&watched).load(Golden::Load));
            (tree, Reload::Watch { dir, load })
        }
        Chosen::Embedded | Chosen::Nowhere => (args.rules.tree()?, Reload::Off),
    };
    let mut options = Options::new(args.listen);
    options.cors = args.cors;
    options.limits = Limits {
        body_bytes: args.max_body,
        line_bytes: args.max_line,
        request_time: Duration::from_secs(args.timeout.max(1)),
        concurrent: args.max_concurrent.max(1),
    };
    options.grace = Duration::from_secs(args.grace);
    if !args.listen.ip().is_loopback() {
        crate::errln!(
            "inforce serve: listening beyond this machine (`{}`); the API has no authentication of its own, so put it behind a reverse proxy that has",
            args.listen
        );
    }
    let source = t(&tree.source).into_owned();
    let digest = tree.digest.get(..12).unwrap_or("").to_string();
    let watching = !matches!(reload, Reload::Off);
    serve(tree, reload, options, move |event| match event {
        Event::Listening(addr) => crate::errln!(
            "inforce serve: listening on http://{addr} (rules: {source}, digest {digest}{})",
            if watching {
                ", watched for changes"
            } else {
                ""
            }
        ),
        Event::Reloaded { digest, took } => crate::errln!(
            "inforce serve: rules reloaded in {} ms, digest {}",
            took.as_millis(),
            digest.get(..12).unwrap_or("")
        ),
        Event::ReloadFailed { problems } => {
            let errors = problems.iter().filter(|p| p.severity == "error").count();
            crate::errln!(
                "inforce serve: the edited rules have {}; the tree loaded before is still served",
                render::count(errors, "error", "errors")
            );
            for p in problems.iter().filter(|p| p.severity == "error") {
                let place = match (&p.file, p.line, p.column) {
                    (Some(f), Some(l), Some(c)) => format!("{}:{l}:{c}: ", t(f)),
                    (Some(f), _, _) => format!("{}: ", t(f)),
                    _ => String::new(),
                };
                crate::errln!("  {place}{}", t(&p.message));
            }
        }
        Event::WatchFailed(reason) => crate::errln!(
            "inforce serve: the rules directory is not watched ({}); restart to pick up changes",
            t(&reason)
        ),
        Event::Stopping => {
            crate::errln!("inforce serve: stopping; requests in flight finish first")
        }
    })
    .map_err(|e| {
        crate::errln!("{}", render::diagnostic(&e));
        Failure::BadInput
    })?;
    Ok(Success)
}
