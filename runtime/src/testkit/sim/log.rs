//! [`EventLog`]: what a simulated run did, hashed as it goes (FNV-1a 64 over the log's bytes),
//! with its last lines kept for a failure's report.

/// The FNV-1a 64 offset basis.
const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
/// The FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;
/// Lines kept for a failure's report.
pub const TAIL_LINES: usize = 24;

/// The event log of one run: every line and every storage mutation feeds the hash; the last
/// [`TAIL_LINES`] lines are kept. Two runs of one seed must end with the same hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLog {
    hash: u64,
    lines: u64,
    tail: Vec<String>,
    /// Where the next line goes in `tail` once it is full (a ring).
    next: usize,
}

impl Default for EventLog {
    fn default() -> Self {
        Self::new()
    }
}

/// The FNV-1a 64 hash of `bytes` (what a write feeds the log's hash for its bytes).
#[must_use]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

impl EventLog {
    /// An empty log.
    #[must_use]
    pub fn new() -> Self {
        Self {
            hash: FNV_OFFSET,
            lines: 0,
            tail: Vec::with_capacity(TAIL_LINES),
            next: 0,
        }
    }

    fn mix_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(FNV_PRIME);
        }
    }

    /// Records one line (a step, a fault, a crash, a recovery, a result).
    ///
    /// # Panics
    /// Never: the tail stays bounded (asserted).
    pub fn line(&mut self, line: String) {
        self.mix_bytes(line.as_bytes());
        self.mix_bytes(b"\n");
        self.lines += 1;
        if self.tail.len() < TAIL_LINES {
            self.tail.push(line);
        } else {
            self.tail[self.next] = line;
        }
        self.next = (self.next + 1) % TAIL_LINES;
        assert!(self.tail.len() <= TAIL_LINES, "the tail must stay bounded");
    }

    /// Feeds numbers (a storage operation and its lengths) into the hash without a line.
    pub fn mix(&mut self, words: &[u64]) {
        for word in words {
            self.mix_bytes(&word.to_le_bytes());
        }
    }

    /// The hash of everything recorded so far.
    #[must_use]
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Lines recorded so far.
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The last lines, oldest first.
    #[must_use]
    pub fn tail(&self) -> Vec<String> {
        if self.tail.len() < TAIL_LINES {
            return self.tail.clone();
        }
        let (newer, older) = self.tail.split_at(self.next);
        older.iter().chain(newer).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a_of_the_lines() {
        let mut log = EventLog::new();
        assert_eq!(log.hash(), FNV_OFFSET);
        log.line("a".to_owned());
        // FNV-1a 64 of "a\n".
        let mut expected = FNV_OFFSET;
        for byte in b"a\n" {
            expected = (expected ^ u64::from(*byte)).wrapping_mul(FNV_PRIME);
        }
        assert_eq!(log.hash(), expected);
        let before = log.hash();
        log.mix(&[1]);
        assert_ne!(log.hash(), before, "numbers feed the hash");
        assert_eq!(log.lines(), 1, "but are not lines");
    }

    #[test]
    fn the_tail_keeps_the_last_lines_in_order() {
        let mut log = EventLog::new();
        for i in 0..TAIL_LINES + 3 {
            log.line(format!("{i}"));
        }
        let tail = log.tail();
        assert_eq!(tail.len(), TAIL_LINES);
        assert_eq!(tail[0], "3");
        assert_eq!(tail[TAIL_LINES - 1], format!("{}", TAIL_LINES + 2));
    }
}
