//! civic-app's use cases, driven as the CLI and the server drive them: an
//! instance opened on a fresh data directory.

mod drafts;
mod edges;
mod governance;
mod housekeeping;
mod ledger_fork;
mod support;
mod use_cases;
