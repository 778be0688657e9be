//! The `civic` command. It parses arguments, sets up logging and hands each
//! command to `civic-app` (or `civic-server` for `serve`): no domain logic
//! lives here.

mod bench;
mod bench_web;
mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser as _;

// Verifying the ledger parses, rebuilds and hashes a million small records on
// several threads at once; under that load glibc's allocator spent about a
// quarter of `civic audit verify`'s CPU time in its own bookkeeping
// (`malloc_consolidate`, `unlink_chunk`, `_int_free`). mimalloc keeps
// per-thread free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
