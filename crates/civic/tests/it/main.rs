//! End-to-end tests of the `civic` binary: real processes, real ports, real
//! databases (SQLite always; PostgreSQL when CIVIC_TEST_DATABASE_URL is set).

mod audit;
mod bench;
mod crash;
mod init;
mod ledger_v1;
mod redact;
mod risk;
mod support;
mod triage;
