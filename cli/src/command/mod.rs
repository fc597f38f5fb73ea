//! One module per subcommand, each with its `Args` and `run`.

pub mod batch;
pub mod check;
pub mod diff;
pub mod eval;
pub mod expand;
pub mod history;
pub mod lsp;
pub mod schema;
pub mod serve;
pub mod test;
pub mod timeline;
