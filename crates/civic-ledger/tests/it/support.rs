//! Helpers shared by the test modules: a log held in memory and a naive tree hash.

use civic_ledger::{Frontier, Hash, empty_root, leaf_hash, node_hash};

/// The entry bytes of test entry `i`.
pub fn entry(i: u64) -> Vec<u8> {
    format!("{{\"entry\":{i}}}").into_bytes()
}

/// A log kept in memory the way the store keeps it: the entries, a table of
/// stored hashes addressed by stored-hash index, and the writer's frontier.
pub struct MemoryLog {
    pub entries: Vec<Vec<u8>>,
    pub stored: Vec<Hash>,
    pub frontier: Frontier,
}

impl MemoryLog {
    pub fn with_entries(n: u64) -> Self {
        let mut log = MemoryLog {
            entries: Vec::new(),
            stored: Vec::new(),
            frontier: Frontier::new(),
        };
        for i in 0..n {
            log.append(entry(i));
        }
        log
    }

    pub fn append(&mut self, entry: Vec<u8>) {
        let first = civic_ledger::stored_hash_index(0, self.frontier.size());
        assert_eq!(
            first,
            self.stored.len() as u64,
            "stored hashes are written densely"
        );
        let new = self.frontier.append(leaf_hash(&entry));
        self.stored.extend(new);
        self.entries.push(entry);
    }

    /// Serves stored hashes by index, as the store's one SQL query would.
    pub fn fetch(&self, indexes: &[u64]) -> Vec<Hash> {
        indexes.iter().map(|&i| self.stored[i as usize]).collect()
    }

    pub fn leaf_hashes(&self) -> Vec<Hash> {
        self.entries.iter().map(|e| leaf_hash(e)).collect()
    }
}

/// The RFC 9162 Merkle tree hash, computed by the definition's recursion.
pub fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            // The largest power of two strictly smaller than n.
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}
