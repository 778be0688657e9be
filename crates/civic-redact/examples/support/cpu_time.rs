//! CPU time of the current thread, shared by the benchmark and the
//! measuring examples (included with `#[path]`).
//!
//! On a machine shared with other work, wall time also counts the time a
//! program waits for a core; CPU time does not, so it is the steadier
//! figure for comparing two builds. It comes from Linux's
//! `/proc/thread-self/schedstat` (nanoseconds run on a CPU). The kernel
//! brings that figure up to date at each scheduler tick and switch, so one
//! reading can lag by a tick (4 ms at 250 Hz): sum it over work that takes
//! well over a tick, not over one short call.

use std::time::Duration;

/// The CPU time this thread has run so far, or `None` where
/// `/proc/thread-self/schedstat` is not available (not Linux).
pub fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}
