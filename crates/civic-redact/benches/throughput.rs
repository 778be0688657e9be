//! Throughput of the analyzer on plain text, in bytes per second on one core.
//!
//! Each text is measured twice: in wall time (group `analyze`) and in the
//! CPU time of the benchmarking thread (group `analyze_cpu`). On a machine
//! shared with other work, wall time also counts the time spent waiting
//! for a core; CPU time does not, so it is the steadier comparison.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use civic_redact::{Analyzer, AnalyzerConfig};

#[path = "../examples/support/cpu_time.rs"]
mod cpu_time;

/// A case note with a realistic density of personal data, repeated to ~1 MB.
fn corpus() -> String {
    let note = "Case note 2024-117. Spoke to Mrs Sarah Thompson (DOB 14/03/1979) at 12 Oak Road, Leeds LS6 2AB \
about her housing benefit claim. NHS number 943 476 5919, NI number JH 12 34 56 C, mobile 07700 900123, \
email sarah.t@example.co.uk. She said the landlord had not repaired the boiler since October and that her \
son has asthma. Agreed to refer to environmental health and call back on Friday. Invoice 4410-2231 is not \
related. Officer: J. Patel, Housing Options.\n\n";
    note.repeat(1_000_000 / note.len() + 1)
}

/// Ordinary prose with one e-mail address per paragraph: the common case
/// of a long report or policy with little personal data in it.
fn prose() -> String {
    let para = "The Council's housing strategy sets out how we will improve the quality of homes in the \
borough over the next five years. It was agreed by the Cabinet after a consultation that ran for twelve \
weeks and drew more than four hundred responses from residents, landlords and partner organisations. \
Most respondents supported the proposals for selective licensing, although some asked for more detail \
on enforcement and on the fees. Questions about this report can be sent to housing.policy@example.gov.uk \
and will be answered within twenty working days.\n\n";
    para.repeat(1_000_000 / para.len() + 1)
}

/// [`Measurement`] in the CPU time of the benchmarking thread (see
/// `examples/support/cpu_time.rs` for how it is read and its precision: a
/// 1 MB iteration takes tens of milliseconds and criterion sums several per
/// sample, which keeps the lag of one tick to a few per cent).
#[derive(Debug)]
struct CpuTime;

fn thread_cpu_time() -> Duration {
    cpu_time::thread_cpu_time().expect("/proc/thread-self/schedstat is readable (Linux)")
}

/// Formats CPU time like wall time.
static WALL: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, started: Duration) -> Duration {
        thread_cpu_time().saturating_sub(started)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn texts() -> [(&'static str, String); 2] {
    [("case_notes_1mb", corpus()), ("prose_1mb", prose())]
}

fn bench<M: Measurement>(c: &mut Criterion<M>, group_name: &str) {
    let analyzer = Analyzer::default();
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    for (name, text) in texts() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| analyzer.analyze(&text)));
    }
    group.finish();
}

/// A request's configuration: the defaults and a keep list of its own.
fn request_config() -> AnalyzerConfig {
    AnalyzerConfig {
        keep: vec!["Jane Brown".to_owned(), "LS1 4AB".to_owned()],
        ..AnalyzerConfig::default()
    }
}

/// What one API request does: build an analyzer for its own keep list, then
/// analyse a short letter.
fn per_request(c: &mut Criterion) {
    let letter = "Dear Mr John Smith, your NHS number is 943 476 5919 and we will \
                  call you on 020 7946 0000 about the visit to 12 Mill Lane, Leeds LS1 4AB. \
                  Jane Brown, Adult Social Care";
    let mut group = c.benchmark_group("per_request");
    group.bench_function("build_analyzer_with_keep_list", |b| {
        b.iter(|| Analyzer::new(request_config()))
    });
    group.bench_function("build_and_analyze_letter", |b| {
        b.iter(|| Analyzer::new(request_config()).analyze(letter))
    });
    group.finish();
}

fn wall(c: &mut Criterion) {
    bench(c, "analyze");
    per_request(c);
}

fn cpu(c: &mut Criterion<CpuTime>) {
    bench(c, "analyze_cpu");
}

criterion_group!(wall_time_group, wall);
criterion_group! {
    name = cpu_time_group;
    config = Criterion::default().with_measurement(CpuTime);
    targets = cpu
}
criterion_main!(wall_time_group, cpu_time_group);
