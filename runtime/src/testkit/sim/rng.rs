//! [`SimRng`]: the simulator's seeded pseudo-random numbers (`SplitMix64`, hand-written: no
//! crate, no OS entropy), so that one seed decides a whole run.

/// A `SplitMix64` generator (Steele, Lea, Flood 2014): 64 bits of state, every seed valid, one
/// multiply-xorshift chain per draw. Good enough to pick moments, lengths and kinds; not a
/// cryptographic generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRng {
    state: u64,
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SimRng {
    /// The generator of `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent generator for one purpose of a run (the workload, the storage's faults),
    /// derived from this one's seed and `stream`, so that drawing more numbers for one purpose
    /// does not shift the numbers of another.
    #[must_use]
    pub fn fork(&self, stream: u64) -> Self {
        let mut mixer = Self::new(self.state ^ stream.wrapping_mul(GAMMA).rotate_left(17));
        Self::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`0` when `bound` is 0), by multiply-shift (bias below 2^-32
    /// for the small bounds the simulator draws).
    ///
    /// # Panics
    /// Never: the high half of a product by `bound` is below `bound` (asserted).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        let wide = u128::from(self.next_u64()) * u128::from(bound);
        let value = u64::try_from(wide >> 64).expect("the high half of a u128 must fit a u64");
        assert!(value < bound, "a draw below a bound must be below it");
        value
    }

    /// A number in `low..=high`.
    ///
    /// # Panics
    /// If `low > high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "a range must not be empty");
        low + self.below(high - low + 1)
    }

    /// A `usize` in `0..bound` (`0` when `bound` is 0).
    ///
    /// # Panics
    /// Never: a draw below a `usize` bound fits a `usize`.
    pub fn index(&mut self, bound: usize) -> usize {
        let drawn = self.below(bound as u64);
        usize::try_from(drawn).expect("a draw below a usize bound must fit a usize")
    }

    /// `true` with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let (mut a, mut b) = (SimRng::new(7), SimRng::new(7));
        let drawn: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        assert_eq!(drawn, (0..8).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(
            drawn,
            (0..8)
                .map(|_| SimRng::new(8).next_u64())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn splitmix64_matches_its_reference_values() {
        // The first outputs of SplitMix64 seeded with 0 (the reference C implementation).
        let mut rng = SimRng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn draws_stay_in_their_bounds_and_cover_them() {
        let mut rng = SimRng::new(3);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let value = rng.between(2, 6);
            assert!((2..=6).contains(&value));
            seen[usize::try_from(value - 2).unwrap()] = true;
        }
        assert!(
            seen.iter().all(|s| *s),
            "every value of a small range is drawn"
        );
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.index(1), 0);
        assert!((0..100).all(|_| !rng.chance(0)) && (0..100).all(|_| rng.chance(1000)));
    }

    #[test]
    fn forks_are_independent_streams() {
        let root = SimRng::new(11);
        let (mut a, mut b) = (root.fork(1), root.fork(2));
        assert_ne!(a.next_u64(), b.next_u64());
        assert_eq!(root.fork(1), root.fork(1));
    }
}
