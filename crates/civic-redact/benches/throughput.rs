//! Throughput of the analyzer on plain text, in bytes per second on one core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use civic_redact::Analyzer;

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

fn bench(c: &mut Criterion) {
    let analyzer = Analyzer::default();
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    for (name, text) in [("case_notes_1mb", corpus()), ("prose_1mb", prose())] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| analyzer.analyze(&text)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
