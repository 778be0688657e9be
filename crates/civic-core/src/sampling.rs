//! Quality sampling: which automatically accepted decisions a person checks
//! anyway, so that the accuracy of "auto" is measured rather than assumed.
//!
//! The choice is a pure function of the decision's id and the rate, not a
//! random draw: anyone holding the ledger can recompute it (the first eight
//! bytes of the SHA-256 of the id's text, read as a big-endian number, are
//! below `rate × 2^64`), tests can predict it, and a caller cannot steer it
//! by resending the same input, since every decision gets a fresh id.

use std::fmt;

use crate::{DecisionId, Digest, ParseError};

/// The share of would-be automatic decisions sent for a quality check, in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct SampleRate(f64);

impl SampleRate {
    /// No sampling.
    pub const NONE: SampleRate = SampleRate(0.0);
    /// Every automatic decision is checked.
    pub const ALL: SampleRate = SampleRate(1.0);

    /// A rate between 0 and 1 inclusive.
    pub fn new(rate: f64) -> Result<Self, ParseError> {
        if (0.0..=1.0).contains(&rate) {
            Ok(SampleRate(rate))
        } else {
            Err(ParseError::new(
                "quality_sample_rate",
                format!("{rate} is not a share between 0 and 1 (e.g. 0.02 for 2%)"),
            ))
        }
    }

    /// The rate as a number.
    pub fn get(self) -> f64 {
        self.0
    }

    /// Whether the decision with this id is a quality sample at this rate.
    ///
    /// ```
    /// use civic_core::{DecisionId, SampleRate};
    /// let id = DecisionId::new();
    /// assert!(SampleRate::ALL.selects(id));
    /// assert!(!SampleRate::NONE.selects(id));
    /// ```
    pub fn selects(self, id: DecisionId) -> bool {
        if self.0 <= 0.0 {
            return false;
        }
        if self.0 >= 1.0 {
            return true;
        }
        let digest = Digest::of(id.to_string().as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.0[..8]);
        // 2^64 as a float; the product is below it, so the cast is exact enough.
        let threshold = self.0 * 18_446_744_073_709_551_616.0;
        (u64::from_be_bytes(first) as f64) < threshold
    }
}

impl fmt::Display for SampleRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0 * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> DecisionId {
        text.parse().expect("uuid v7")
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        for bad in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
            assert!(SampleRate::new(bad).is_err(), "{bad}");
        }
        assert_eq!(SampleRate::new(0.02).map(SampleRate::get), Ok(0.02));
    }

    #[test]
    fn the_choice_is_the_hash_of_the_id_below_the_rate() {
        for text in [
            "01900000-0000-7000-8000-000000000000",
            "01935f1e-2b3c-7d4e-9f60-718293a4b5c6",
        ] {
            let a = id(text);
            let digest = Digest::of(text.as_bytes());
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest.0[..8]);
            let share = u64::from_be_bytes(first) as f64 / 18_446_744_073_709_551_616.0;
            let just_above = SampleRate::new((share * 1.000_001).min(1.0)).expect("rate");
            let just_below = SampleRate::new(share * 0.999_999).expect("rate");
            assert!(just_above.selects(a), "{text}");
            assert!(!just_below.selects(a), "{text}");
            // The same id always gets the same answer.
            assert_eq!(just_above.selects(a), just_above.selects(a));
        }
    }

    #[test]
    fn about_the_rate_of_many_ids_are_chosen() {
        let r = SampleRate::new(0.1).expect("rate");
        let chosen = (0..10_000).filter(|_| r.selects(DecisionId::new())).count();
        // 10% of 10,000 with a generous margin (over ten standard deviations).
        assert!((700..1300).contains(&chosen), "{chosen}");
    }
}
