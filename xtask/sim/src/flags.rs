//! The flags of `cargo xtask sim`, declared once (clap derive).

use clap::Parser;

/// Runs seeds of the deterministic simulator over the engines.
#[derive(Clone, Debug, Parser, PartialEq, Eq)]
#[command(name = "cargo xtask sim", about, version)]
pub struct SimFlags {
    /// Only this engine (default: every engine with a simulator adapter).
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// Run seeds 0..N (N >= 1).
    #[arg(long, value_name = "N", default_value_t = 16, conflicts_with = "seed", value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: u64,
    /// Run this one seed and print its event-log hash.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Steps per seed.
    #[arg(long, value_name = "K", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub steps: u64,
    /// Run on real files in a temporary directory, where only syncs the real storage
    /// witnessed make bytes durable (slower; the mode that kills the fsync mutants).
    #[arg(long)]
    pub on_disk: bool,
    /// Plant one of the runtime's known bugs first (for the simulator's own tests: the run
    /// must fail).
    #[arg(long, value_enum, value_name = "BUG")]
    pub plant: Option<PlantedBug>,
}

/// The runtime's planted bugs, by command-line name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlantedBug {
    /// The WAL acknowledges an append before (without) its sync.
    SkipsWalSync,
    /// An atomic replacement skips the directory sync after its rename.
    SkipsDirSyncAfterRename,
    /// A corrupt last WAL frame is read as a torn tail.
    CorruptTailReadAsTorn,
    /// Opening the WAL skips its data sync (the fsync gate): a recovery serves what only the
    /// page cache holds.
    SkipsSyncAtOpen,
    /// The WAL keeps a failed call's unsynced frames instead of cutting them (fsyncgate): a
    /// restart serves what no sync will write.
    SkipsCutAfterFailure,
}

impl SimFlags {
    /// The seeds to run, one at a time (`--seeds` may name more than memory holds).
    pub fn seeds_to_run(&self) -> impl Iterator<Item = u64> + use<> {
        let (first, count) = match self.seed {
            Some(seed) => (seed, 1),
            None => (0, self.seeds),
        };
        (0..count).map(move |i| first + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<SimFlags, clap::Error> {
        SimFlags::try_parse_from(std::iter::once("sim").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_are_sixteen_seeds_of_three_hundred_steps() {
        let flags = parse(&[]).unwrap();
        assert_eq!((flags.seeds, flags.steps, flags.seed), (16, 300, None));
        assert!(flags.seeds_to_run().eq(0..16));
        let one = parse(&["--seed", "7", "--steps", "5", "--engine", "quota-core"]).unwrap();
        assert!(one.seeds_to_run().eq([7]));
        let last = parse(&["--seed", &u64::MAX.to_string()]).unwrap();
        assert!(last.seeds_to_run().eq([u64::MAX]));
        assert_eq!(one.engine.as_deref(), Some("quota-core"));
    }

    #[test]
    fn bad_arguments_are_refused() {
        use clap::error::ErrorKind;
        for (args, kind) in [
            (
                &["--seeds", "3", "--seed", "1"][..],
                ErrorKind::ArgumentConflict,
            ),
            (&["--steps", "0"][..], ErrorKind::ValueValidation),
            (&["--seeds", "0"][..], ErrorKind::ValueValidation),
            (&["--seeds", "many"][..], ErrorKind::ValueValidation),
            (&["--plant", "nothing"][..], ErrorKind::InvalidValue),
            (&["--frobnicate"][..], ErrorKind::UnknownArgument),
        ] {
            assert_eq!(parse(args).unwrap_err().kind(), kind, "{args:?}");
        }
    }

    #[test]
    fn the_most_seeds_are_run_one_by_one() {
        // Aborted before the fix: the seed list was collected into a Vec of u64::MAX seeds.
        let most = parse(&["--seeds", &u64::MAX.to_string()]).unwrap();
        assert!(most.seeds_to_run().take(3).eq(0..3));
    }
}
