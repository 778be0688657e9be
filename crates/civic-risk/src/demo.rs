//! A synthetic claims dataset for demonstrations, tests and benchmarks.
//!
//! **Every row is made up.** No real person, claim or statistic is behind it; the mix of
//! groups only loosely follows published UK proportions so that the fairness report has
//! something realistic to show. The outcome (`error_found`, about 7% of rows) depends only on
//! the claim features, never directly on a protected column. One feature is a deliberately
//! planted proxy: `preferred_language` is drawn from a distribution that depends on
//! `ethnicity`, so the proxy warning fires for it.

use civic_core::rng::SplitMix64;
use serde_json::{Value, json};

use crate::{Row, Table};

/// The columns of the demo table, in order.
pub const CLAIM_COLUMNS: [&str; 16] = [
    "claim_id",
    "claim_amount",
    "household_size",
    "changes_of_circumstance_12m",
    "days_since_last_claim",
    "channel",
    "region",
    "employment_status",
    "bank_details_changed",
    "previous_overpayment",
    "preferred_language",
    "age_band",
    "sex",
    "disability",
    "ethnicity",
    "error_found",
];

/// The protected columns of the demo table.
pub const CLAIM_PROTECTED: [&str; 4] = ["age_band", "sex", "disability", "ethnicity"];

/// The label column of the demo table.
pub const CLAIM_LABEL: &str = "error_found";

/// The identifier column of the demo table (to exclude).
pub const CLAIM_ID: &str = "claim_id";

fn pick<'a>(rng: &mut SplitMix64, options: &[(&'a str, f64)]) -> &'a str {
    let total: f64 = options.iter().map(|(_, w)| w).sum();
    let mut u = rng.unit() * total;
    for (name, w) in options {
        if u < *w {
            return name;
        }
        u -= w;
    }
    options.last().map_or("", |(n, _)| n)
}

fn poisson(rng: &mut SplitMix64, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = rng.unit();
    while p > limit && k < 50 {
        k += 1;
        p *= rng.unit();
    }
    k
}

fn normal(rng: &mut SplitMix64) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm finite.
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `rows` synthetic claims, the same for the same `seed` (drawn from
/// [`civic_core::rng::SplitMix64`], so on every platform and whatever our dependencies'
/// versions). Line numbers start at 2, as if read from a CSV file with a header.
pub fn synthetic_claims(rows: usize, seed: u64) -> Table {
    let mut rng = SplitMix64::new(seed);
    let data = (0..rows)
        .map(|i| Row::new(i as u64 + 2, claim(&mut rng, i)))
        .collect();
    let columns = CLAIM_COLUMNS.iter().map(|c| c.to_string()).collect();
    // The shape is right by construction, so `Table::new`'s checks cannot fail; build the
    // table through it anyway and fall back to an empty one rather than panic.
    Table::new(columns, data).unwrap_or_default()
}

fn claim(rng: &mut SplitMix64, i: usize) -> Vec<Value> {
    let age_band = pick(
        rng,
        &[
            ("18-24", 0.10),
            ("25-34", 0.20),
            ("35-44", 0.20),
            ("45-54", 0.18),
            ("55-64", 0.17),
            ("65+", 0.15),
        ],
    );
    let sex = pick(rng, &[("female", 0.51), ("male", 0.49)]);
    let disability = pick(rng, &[("yes", 0.22), ("no", 0.78)]);
    let ethnicity = pick(
        rng,
        &[
            ("white", 0.82),
            ("asian", 0.09),
            ("black", 0.04),
            ("mixed", 0.03),
            ("other", 0.02),
        ],
    );
    // The planted proxy: language preference depends strongly on ethnicity.
    let preferred_language = match ethnicity {
        "white" => pick(rng, &[("english", 0.91), ("welsh", 0.04), ("polish", 0.05)]),
        "asian" => pick(
            rng,
            &[
                ("english", 0.30),
                ("urdu", 0.30),
                ("punjabi", 0.25),
                ("bengali", 0.15),
            ],
        ),
        "black" => pick(
            rng,
            &[("english", 0.70), ("somali", 0.20), ("french", 0.10)],
        ),
        "mixed" => pick(rng, &[("english", 0.92), ("french", 0.08)]),
        _ => pick(
            rng,
            &[("english", 0.45), ("arabic", 0.40), ("french", 0.15)],
        ),
    };
    let region = pick(
        rng,
        &[
            ("north_east", 0.04),
            ("north_west", 0.11),
            ("yorkshire", 0.09),
            ("east_midlands", 0.08),
            ("west_midlands", 0.09),
            ("east", 0.10),
            ("london", 0.15),
            ("south_east", 0.14),
            ("south_west", 0.09),
            ("wales", 0.05),
            ("scotland", 0.06),
        ],
    );
    let channel = pick(
        rng,
        &[
            ("online", 0.55),
            ("phone", 0.25),
            ("paper", 0.12),
            ("in_person", 0.08),
        ],
    );
    let employment = pick(
        rng,
        &[
            ("employed", 0.50),
            ("self_employed", 0.13),
            ("unemployed", 0.20),
            ("not_working", 0.17),
        ],
    );
    let household_size = (1 + poisson(rng, 1.4)).min(8);
    let claim_amount = (420.0 * (0.7 * normal(rng)).exp() * 100.0).round() / 100.0;
    let changes = poisson(rng, 0.8).min(6);
    let first_claim = rng.chance(0.15);
    let days_since_last = if first_claim {
        None
    } else {
        Some((-200.0 * (1.0 - rng.unit()).ln()).round() as u32)
    };
    let bank_changed = rng.chance(0.08);
    let previous_overpayment = rng.chance(0.05);

    let mut z = -4.4 + 1.0 * (claim_amount / 420.0_f64).ln() + 0.5 * f64::from(changes);
    z += if bank_changed { 1.6 } else { 0.0 };
    z += if previous_overpayment { 1.3 } else { 0.0 };
    z += match channel {
        "phone" => 0.3,
        "paper" => 0.8,
        "in_person" => -0.4,
        _ => 0.0,
    };
    z += if employment == "self_employed" {
        0.9
    } else {
        0.0
    };
    z += match days_since_last {
        None => 0.4,
        Some(d) if d < 30 => 1.0,
        Some(_) => 0.0,
    };
    z += 0.2 * (f64::from(household_size) - 2.0);
    if bank_changed && changes >= 2 {
        z += 0.7;
    }
    let error_found = rng.chance(crate::calibration::sigmoid(z));

    vec![
        json!(format!("C{:07}", i + 1)),
        json!(claim_amount),
        json!(household_size),
        json!(changes),
        days_since_last.map_or(Value::Null, |d| json!(d)),
        json!(channel),
        json!(region),
        json!(employment),
        json!(bank_changed),
        json!(previous_overpayment),
        json!(preferred_language),
        json!(age_band),
        json!(sex),
        json!(disability),
        json!(ethnicity),
        json!(u8::from(error_found)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_table_and_realistic_imbalance() {
        let a = synthetic_claims(5000, 9);
        assert_eq!(a, synthetic_claims(5000, 9));
        assert_ne!(a, synthetic_claims(5000, 10));
        let label = a.column_index(CLAIM_LABEL).unwrap();
        let rate = a
            .rows()
            .iter()
            .filter(|r| r.cells[label] == json!(1))
            .count() as f64
            / 5000.0;
        assert!((0.05..=0.10).contains(&rate), "outcome rate {rate}");
    }
}
