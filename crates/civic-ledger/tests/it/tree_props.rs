//! Properties of the frontier and the two-phase proofs, for random tree sizes,
//! checked against a naive recursive tree hash and against tlog_tiles itself.

use civic_ledger::{
    Frontier, LedgerError, consistency_proof, consistency_proof_indexes, empty_root,
    inclusion_proof, inclusion_proof_indexes, leaf_hash, stored_hash_count, stored_hash_index,
    tree_hash, tree_hash_indexes, verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

use crate::support::{MemoryLog, naive_root};

fn assert_ascending_and_stored(indexes: &[u64], log: &MemoryLog) {
    assert!(indexes.windows(2).all(|w| w[0] < w[1]), "{indexes:?}");
    assert!(indexes.iter().all(|&i| i < log.stored.len() as u64));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn proofs_from_appended_stored_hashes_verify(
        size in 1u64..3000,
        index_seed in any::<u64>(),
        size1_seed in any::<u64>(),
    ) {
        let log = MemoryLog::with_entries(size);
        let root = log.frontier.root();
        prop_assert_eq!(root, naive_root(&log.leaf_hashes()));
        prop_assert_eq!(log.stored.len() as u64, stored_hash_count(size));

        let indexes = tree_hash_indexes(size);
        assert_ascending_and_stored(&indexes, &log);
        prop_assert_eq!(tree_hash(size, &log.fetch(&indexes))?, root);

        let index = index_seed % size;
        let indexes = inclusion_proof_indexes(index, size)?;
        assert_ascending_and_stored(&indexes, &log);
        let proof = inclusion_proof(index, size, &log.fetch(&indexes))?;
        let leaf = leaf_hash(&log.entries[index as usize]);
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_ok());
        // The same proof does not prove a neighbour, nor another root.
        let other = (index + 1) % size;
        if other != index {
            prop_assert!(verify_inclusion(&leaf, other, size, &proof, &root).is_err());
        }
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &empty_root()).is_err());

        let size1 = 1 + size1_seed % size;
        let root1 = naive_root(&log.leaf_hashes()[..size1 as usize]);
        let indexes = consistency_proof_indexes(size1, size)?;
        assert_ascending_and_stored(&indexes, &log);
        let proof = consistency_proof(size1, size, &log.fetch(&indexes))?;
        prop_assert!(verify_consistency(size1, size, &proof, &root1, &root).is_ok());
        if size1 < size {
            prop_assert!(verify_consistency(size1, size, &proof, &root, &root1).is_err());
        }
    }

    #[test]
    fn from_hashes_reproduces_the_frontier(size in 0u64..3000, more in 0u64..40) {
        let mut log = MemoryLog::with_entries(size);
        let rebuilt = Frontier::from_hashes(size, &log.fetch(&Frontier::required_indexes(size)))?;
        prop_assert_eq!(&rebuilt, &log.frontier);

        // A writer restarted from the rebuilt frontier appends exactly as before.
        let mut restarted = rebuilt;
        for i in size..size + more {
            let entry = crate::support::entry(i);
            let from_restart = restarted.append(leaf_hash(&entry));
            let before = log.stored.len();
            log.append(entry);
            prop_assert_eq!(&from_restart[..], &log.stored[before..]);
        }
        prop_assert_eq!(restarted.root(), log.frontier.root());
    }

    #[test]
    fn append_stores_what_go_tlog_would_store(size in 0u64..2000) {
        // tlog_tiles::stored_hashes is the reference for what each append
        // must persist; compare with a reader over our own stored hashes.
        struct Stored<'a>(&'a [civic_ledger::Hash]);
        impl tlog_tiles::HashReader for Stored<'_> {
            fn read_hashes(&self, idx: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
                Ok(idx.iter().map(|&i| tlog_tiles::Hash(self.0[i as usize].0)).collect())
            }
        }
        let mut log = MemoryLog::with_entries(size);
        let entry = crate::support::entry(size);
        let expected = tlog_tiles::stored_hashes(size, &entry, &Stored(&log.stored)).unwrap();
        let before = log.stored.len();
        prop_assert_eq!(before as u64, stored_hash_index(0, size));
        log.append(entry);
        let ours: Vec<[u8; 32]> = log.stored[before..].iter().map(|h| h.0).collect();
        let theirs: Vec<[u8; 32]> = expected.iter().map(|h| h.0).collect();
        prop_assert_eq!(ours, theirs);
    }
}

#[test]
fn empty_tree_has_the_empty_root_and_needs_no_hashes() {
    assert_eq!(Frontier::new().root(), empty_root());
    assert!(tree_hash_indexes(0).is_empty());
    assert_eq!(tree_hash(0, &[]), Ok(empty_root()));
    assert_eq!(
        empty_root().to_string(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn wrong_number_of_fetched_hashes_is_an_error_not_a_panic() {
    let log = MemoryLog::with_entries(100);
    let indexes = inclusion_proof_indexes(7, 100).unwrap();
    let mut hashes = log.fetch(&indexes);
    hashes.pop();
    assert_eq!(
        inclusion_proof(7, 100, &hashes),
        Err(LedgerError::WrongHashCount {
            expected: indexes.len(),
            got: indexes.len() - 1
        })
    );
    assert!(matches!(
        consistency_proof(3, 100, &[]),
        Err(LedgerError::WrongHashCount { .. })
    ));
    assert!(matches!(
        tree_hash(100, &hashes),
        Err(LedgerError::WrongHashCount { .. })
    ));
    assert!(Frontier::from_hashes(100, &[]).is_err());
}

#[test]
fn impossible_positions_and_sizes_are_rejected() {
    type Case = (&'static str, Result<Vec<u64>, LedgerError>, &'static str);
    let cases: &[Case] = &[
        (
            "index at size",
            inclusion_proof_indexes(5, 5),
            "ledger_index_out_of_range",
        ),
        (
            "empty tree",
            inclusion_proof_indexes(0, 0),
            "ledger_index_out_of_range",
        ),
        (
            "shrinking",
            consistency_proof_indexes(6, 5),
            "ledger_invalid_tree_sizes",
        ),
        (
            "from empty",
            consistency_proof_indexes(0, 5),
            "ledger_invalid_tree_sizes",
        ),
    ];
    for (name, result, code) in cases {
        assert_eq!(
            result.as_ref().map_err(LedgerError::code),
            Err(*code),
            "{name}"
        );
    }
    assert_eq!(consistency_proof_indexes(5, 5), Ok(vec![]));
    assert_eq!(consistency_proof_indexes(0, 0), Ok(vec![]));
    let leaf = leaf_hash(b"x");
    assert!(verify_inclusion(&leaf, 0, 1, &[leaf; 65], &leaf).is_err());
}

#[test]
fn hash_text_forms_round_trip() {
    let h = leaf_hash(b"civic");
    assert_eq!(civic_ledger::Hash::from_base64(&h.to_base64()), Ok(h));
    assert_eq!(h.to_string().parse::<civic_ledger::Hash>(), Ok(h));
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(json, format!("\"{}\"", h.to_base64()));
    assert_eq!(
        serde_json::from_str::<civic_ledger::Hash>(&json).unwrap(),
        h
    );
    assert!(civic_ledger::Hash::from_base64("AAAA").is_err());
    assert!(serde_json::from_str::<civic_ledger::Hash>("\"AAAA\"").is_err());
}
