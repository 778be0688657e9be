//! The one seeded generator: every repeatable draw in Civic (shuffles and splits in
//! training, the synthetic demo data of every service) comes from [`SplitMix64`].
//!
//! We keep our own small generator rather than `rand`'s `StdRng` because the promise "same
//! seed ⇒ byte-identical model and identical demo data" must survive dependency upgrades, and
//! `rand` documents that `StdRng`'s algorithm, and the way its distributions turn bits into
//! values, may change between versions. This module therefore does not use `rand` at all:
//! the algorithm and every conversion below are fixed here. Secrets and unguessable ids come
//! from the operating system instead ([`random_bytes`](crate::random_bytes)).

/// SplitMix64 (Steele, Lea and Flood, 2014): fast, portable, and good enough for shuffling
/// and sampling. Not for secrets.
///
/// ```
/// use civic_core::rng::SplitMix64;
///
/// let mut a = SplitMix64::new(42);
/// let mut b = SplitMix64::new(42);
/// let mut items = [1, 2, 3, 4, 5];
/// a.shuffle(&mut items);
/// let mut again = [1, 2, 3, 4, 5];
/// b.shuffle(&mut again);
/// assert_eq!(items, again);
/// ```
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose draws are fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift (negligible bias).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform float in `[0, 1)`: the top 53 bits of a draw, so every value is a multiple
    /// of 2⁻⁵³.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (never for `p ≤ 0`, always for `p ≥ 1`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Shuffles `items` in place (Fisher–Yates), every order equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// One element of a non-empty slice, each equally likely.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_for_seed_zero() {
        // Reference values of SplitMix64 seeded with 0.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn conversions_are_fixed_here() {
        // The float, the integer and the coin are pure functions of the next draw, so a
        // change to any of them shows here before it silently changes a model or a data set.
        let mut r = SplitMix64::new(0);
        assert_eq!(
            r.unit(),
            (0xE220_A839_7B1D_CDAF_u64 >> 11) as f64 / 2f64.powi(53)
        );
        assert_eq!(r.below(10), 4); // ⌊0x6E78… × 10 / 2⁶⁴⌋
        let mut r = SplitMix64::new(0);
        assert!(!r.chance(0.0) && r.chance(1.0));
    }

    #[test]
    fn below_stays_in_range_and_shuffle_is_a_permutation() {
        let mut r = SplitMix64::new(7);
        assert!((0..1000).all(|_| r.below(13) < 13));
        let mut v: Vec<u32> = (0..100).collect();
        r.shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
        assert_ne!(v, s);
    }

    #[test]
    fn unit_stays_in_the_half_open_interval() {
        let mut r = SplitMix64::new(11);
        assert!(
            (0..10_000)
                .map(|_| r.unit())
                .all(|u| (0.0..1.0).contains(&u))
        );
    }
}
