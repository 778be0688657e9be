//! The ~500-character messages that prediction is benchmarked on, shared by the criterion
//! benchmark and `examples/predict_throughput.rs` (included with `#[path]`).

use civic_triage::demo;

/// Messages of about 500 characters: demo messages (seed 77) joined until long enough.
pub fn long_messages(n: usize) -> Vec<String> {
    let mut parts = demo::generate(77, n * 4).into_iter().map(|m| m.text);
    (0..n)
        .map(|_| {
            let mut s = String::new();
            while s.len() < 480 {
                match parts.next() {
                    Some(p) => {
                        s.push(' ');
                        s.push_str(&p);
                    }
                    None => break,
                }
            }
            let mut end = s.len().min(520);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s
        })
        .collect()
}
