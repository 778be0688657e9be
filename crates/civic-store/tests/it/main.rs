//! The store test suite. Every test runs against SQLite and, when
//! `CIVIC_TEST_DATABASE_URL` names a PostgreSQL server, against PostgreSQL
//! too (each test in a fresh database of its own).

#[macro_use]
mod suite;
mod privacy;
mod support;
