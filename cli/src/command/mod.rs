//! One module per subcommand, each with its `Args` and `run`.

pub mod amend;
pub mod batch;
pub mod check;
pub mod diff;
pub mod edit;
pub mod eval;
pub mod expand;
pub mod history;
pub mod lsp;
pub mod repeal;
pub mod schema;
pub mod serve;
pub mod test;
pub mod timeline;
