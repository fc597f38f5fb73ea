//! The HTTP side of inforce: `inforce serve`'s API under `/v1`, its
//! OpenAPI document, and the caseworker's web page, over one rules tree
//! that is swapped whole when the rules directory changes. Everything a
//! request is answered with comes from the engine's public API; this crate
//! adds transport, limits and reloading. Not here: finding the rules (the
//! CLI's discovery) or printing (the caller gets [`Event`]s).
//!
//! ```no_run
//! use inforce_server::{Options, Reload, serve};
//! # fn tree() -> inforce_engine::RuleTree { unimplemented!() }
//! let options = Options::new("127.0.0.1:8080".parse().unwrap());
//! serve(tree(), Reload::Off, options, |event| eprintln!("{event:?}")).unwrap();
//! ```

#![deny(missing_docs)]

mod assets;
mod batch;
mod error;
mod headers;
mod law;
mod openapi;
mod problem;
mod query;
mod requests;
mod routes;
mod state;
mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use error::ApiError;
pub use problem::Problem;
pub use state::{Live, ReloadState};

/// How the server gets a new tree when the rules change.
pub enum Reload {
    /// The rules cannot change while it runs (the embedded rules).
    Off,
    /// Watch `dir`; on a change, call `load` (off the request threads) and
    /// serve its tree if it has no errors.
    Watch {
        /// The directory watched, recursively.
        dir: PathBuf,
        /// Reads and loads the tree again, as `check` would.
        load: Box<dyn Fn() -> inforce_engine::Loaded + Send + Sync>,
    },
}

/// Limits that keep one client from taking the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of a request body (`/v1/eval`, `/v1/history`).
    pub body_bytes: usize,
    /// Bytes of one line of `/v1/batch`; a batch as a whole has no limit.
    pub line_bytes: usize,
    /// Wall time of one request (`/v1/batch` apart: each of its lines
    /// is bounded by the rules' script limits instead).
    pub request_time: Duration,
    /// Requests evaluated at once; more wait their turn up to
    /// `request_time`, then get 503.
    pub concurrent: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1 << 20,
            line_bytes: 1 << 20,
            request_time: Duration::from_secs(10),
            concurrent: 256,
        }
    }
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen (port 0: any free port, see [`Event::Listening`]).
    pub listen: SocketAddr,
    /// The one origin allowed to call the API from a browser; none by
    /// default (no CORS headers at all).
    pub cors: Option<String>,
    /// The limits.
    pub limits: Limits,
    /// How long requests in flight may take to finish after SIGTERM.
    pub grace: Duration,
}

impl Options {
    /// Default limits, no CORS, listening on `listen`.
    pub fn new(listen: SocketAddr) -> Options {
        Options {
            listen,
            cors: None,
            limits: Limits::default(),
            grace: Duration::from_secs(30),
        }
    }
}

/// What happened, for the caller to log.
#[derive(Debug)]
pub enum Event {
    /// Listening on this address.
    Listening(SocketAddr),
    /// A new tree is served.
    Reloaded {
        /// Its digest.
        digest: String,
        /// From the change seen to the tree served.
        took: Duration,
    },
    /// A change did not load; the old tree is still served.
    ReloadFailed {
        /// Every problem found, errors and warnings.
        problems: Vec<Problem>,
    },
    /// The rules directory cannot be watched; the tree stays as loaded.
    WatchFailed(String),
    /// A signal asked the server to stop; requests in flight finish.
    Stopping,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on `{addr}`: {reason}")]
    #[diagnostic(
        code(inforce::serve::listen),
        help("choose another address with `--listen HOST:PORT`, or stop what holds this one")
    )]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        reason: String,
    },
    /// The runtime could not start or failed.
    #[error("the server stopped: {0}")]
    #[diagnostic(code(inforce::serve::io))]
    Io(String),
}

/// Serves `tree` until SIGTERM or SIGINT, then lets requests in flight
/// finish (at most `options.grace`). Blocks the calling thread.
pub fn serve(
    tree: inforce_engine::RuleTree,
    reload: Reload,
    options: Options,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("inforce-serve")
        .build()
        .map_err(|e| ServeError::Io(e.to_string()))?;
    runtime.block_on(run(tree, reload, options, Arc::new(on_event)))
}

async fn run(
    tree: inforce_engine::RuleTree,
    reload: Reload,
    options: Options,
    on_event: Arc<dyn Fn(Event) + Send + Sync>,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| ServeError::Listen {
            addr: options.listen,
            reason: e.to_string(),
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Io(e.to_string()))?;
    let watched = !matches!(reload, Reload::Off);
    let live = Live::new(tree, watched);
    // The watcher lives as long as the server: dropping it stops watching.
    let _watcher = match reload {
        Reload::Off => None,
        Reload::Watch { dir, load } => {
            match watch::start(dir, load, live.clone(), Arc::clone(&on_event)) {
                Ok(w) => Some(w),
                Err(reason) => {
                    live.watch_failed(&reason);
                    on_event(Event::WatchFailed(reason));
                    None
                }
            }
        }
    };
    let app = routes::app(live, &options);
    on_event(Event::Listening(addr));
    let stopping = Arc::clone(&on_event);
    let (stopped, grace_starts) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        stopping(Event::Stopping);
        let _ = stopped.send(());
    });
    // Requests in flight get `grace` after the signal, no more: a client
    // that never ends its request must not keep the server from stopping.
    let grace = options.grace;
    let grace_over = async move {
        match grace_starts.await {
            Ok(()) => tokio::time::sleep(grace).await,
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        done = server.into_future() => done.map_err(|e| ServeError::Io(e.to_string())),
        () = grace_over => Ok(()),
    }
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// The router with every route, over `tree`, for tests that call it
/// without a socket.
pub fn router(tree: inforce_engine::RuleTree, options: &Options) -> axum::Router {
    routes::app(Live::new(tree, false), options)
}
