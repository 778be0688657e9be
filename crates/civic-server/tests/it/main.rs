//! HTTP tests: each starts the real router on a free port and talks HTTP to it.

mod api;
mod audit;
mod hardening;
mod privacy;
mod redact;
mod redact_page;
mod risk;
mod roles;
mod safeguarding;
mod support;
mod triage;
mod web;
mod web_models;
mod web_roles;
mod web_triage;
mod witness;
