//! The Merkle tree over stored hashes: the append frontier, tree hashes, and
//! inclusion and consistency proofs, each as a two-phase computation.
//!
//! # Two phases
//!
//! The log's interior hashes live in the caller's database, addressed by
//! [`stored_hash_index`]. Every operation that needs them is split in two:
//! `*_indexes` says which stored hashes it needs (ascending, without
//! duplicates, so one `WHERE idx IN (…) ORDER BY idx` query fetches them), and
//! the matching function computes the result from the hashes in that order.
//!
//! The maths is `tlog_tiles` (a port of Go's `sumdb/tlog`), whose functions
//! read hashes through a synchronous [`tlog_tiles::HashReader`]. We run each
//! function twice: once with a reader that only records the requested indexes,
//! and once with a reader that serves the caller's hashes. This is sound
//! because the indexes those algorithms request depend only on the tree sizes
//! and the entry index, never on hash values, and each of them reads hashes in
//! a single call.

use std::cell::RefCell;

use tlog_tiles::HashReader;

use crate::{Hash, LedgerError, empty_root, node_hash};

/// The position of the hash of the subtree at `level` with index `n` on that
/// level, in the dense stored-hash ordering of Go's `sumdb/tlog` (Crosby and
/// Wallach §3.3). Level 0 holds leaf hashes; `(level, n)` covers entries
/// `n·2^level .. (n+1)·2^level`.
///
/// ```
/// use civic_ledger::stored_hash_index;
/// assert_eq!(stored_hash_index(0, 0), 0);
/// assert_eq!(stored_hash_index(0, 1), 1);
/// assert_eq!(stored_hash_index(1, 0), 2); // written right after leaf 1
/// ```
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    tlog_tiles::stored_hash_index(level, n)
}

/// How many stored hashes a tree of `tree_size` entries has (just under two per entry).
pub fn stored_hash_count(tree_size: u64) -> u64 {
    tlog_tiles::stored_hash_count(tree_size)
}

/// A [`HashReader`] that serves no real hashes and only records what it was asked for.
struct RecordingReader {
    indexes: RefCell<Vec<u64>>,
}

impl RecordingReader {
    fn new() -> Self {
        Self {
            indexes: RefCell::new(Vec::new()),
        }
    }

    fn into_indexes(self) -> Vec<u64> {
        self.indexes.into_inner()
    }
}

impl HashReader for RecordingReader {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        self.indexes.borrow_mut().extend_from_slice(indexes);
        Ok(vec![tlog_tiles::Hash::default(); indexes.len()])
    }
}

/// A [`HashReader`] that serves the hashes the caller fetched, in the order the
/// [`RecordingReader`] run asked for them. The count has been checked before use.
struct FetchedHashes<'a>(&'a [Hash]);

impl HashReader for FetchedHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        if indexes.len() != self.0.len() {
            return Err(tlog_tiles::Error::InvalidInput(
                "hash count does not match the recorded indexes".into(),
            ));
        }
        Ok(self.0.iter().map(|h| (*h).into()).collect())
    }
}

fn check_count(expected: usize, hashes: &[Hash]) -> Result<(), LedgerError> {
    if hashes.len() == expected {
        Ok(())
    } else {
        Err(LedgerError::WrongHashCount {
            expected,
            got: hashes.len(),
        })
    }
}

fn to_ours(proof: Vec<tlog_tiles::Hash>) -> Vec<Hash> {
    proof.into_iter().map(Hash::from).collect()
}

/// The right edge of the tree: the roots of its perfect subtrees, largest
/// (leftmost) first. It takes `O(log n)` memory whatever the tree size.
///
/// The single log writer keeps one to append entries and learn which stored
/// hashes to persist; `civic audit verify` streams every entry through one to
/// recompute each checkpoint's root without loading the log.
///
/// ```
/// use civic_ledger::{Frontier, leaf_hash, node_hash, stored_hash_index};
/// let mut frontier = Frontier::new();
/// let first = frontier.append(leaf_hash(b"a"));
/// assert_eq!(first, vec![leaf_hash(b"a")]);
/// // The second append completes the subtree over entries 0..2, so it creates
/// // two stored hashes, to be written from stored_hash_index(0, 1) on.
/// let second = frontier.append(leaf_hash(b"b"));
/// assert_eq!(second.len(), 2);
/// assert_eq!(stored_hash_index(0, 1), 1);
/// assert_eq!(frontier.root(), node_hash(&leaf_hash(b"a"), &leaf_hash(b"b")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    /// One hash per set bit of `size`, from the highest bit to the lowest.
    subtree_roots: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of entries appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 9162 Merkle tree hash of the entries so far ([`empty_root`] when empty).
    pub fn root(&self) -> Hash {
        let mut roots = self.subtree_roots.iter().rev();
        let Some(last) = roots.next() else {
            return empty_root();
        };
        roots.fold(*last, |right, left| node_hash(left, &right))
    }

    /// Appends one entry by its [`leaf_hash`](crate::leaf_hash), and returns the
    /// stored hashes this append creates: the leaf hash, then the root of each
    /// subtree it completes, smallest first. They belong at consecutive stored
    /// indexes starting at `stored_hash_index(0, old_size)`; there are
    /// `1 + old_size.trailing_ones()` of them.
    pub fn append(&mut self, leaf: Hash) -> Vec<Hash> {
        let completed = self.size.trailing_ones();
        let mut stored = Vec::with_capacity(1 + completed as usize);
        stored.push(leaf);
        let mut hash = leaf;
        for _ in 0..completed {
            // Each trailing one bit of the old size is a perfect subtree of the
            // same height as `hash` that now gets a right sibling. The frontier
            // holds one root per set bit, so there is always one to pop.
            let Some(left) = self.subtree_roots.pop() else {
                break;
            };
            hash = node_hash(&left, &hash);
            stored.push(hash);
        }
        self.subtree_roots.push(hash);
        self.size += 1;
        stored
    }

    /// The stored-hash indexes needed to rebuild the frontier of a tree of
    /// `size` entries with [`Frontier::from_hashes`]: one per perfect subtree,
    /// ascending.
    pub fn required_indexes(size: u64) -> Vec<u64> {
        tlog_tiles::sub_tree_index(0, size, Vec::new())
    }

    /// Rebuilds the frontier of a tree of `size` entries from the stored hashes
    /// at [`Frontier::required_indexes`], in that order.
    ///
    /// # Errors
    ///
    /// [`LedgerError::WrongHashCount`] if `hashes` does not have one hash per index.
    pub fn from_hashes(size: u64, hashes: &[Hash]) -> Result<Self, LedgerError> {
        check_count(size.count_ones() as usize, hashes)?;
        Ok(Self {
            size,
            subtree_roots: hashes.to_vec(),
        })
    }
}

/// The stored-hash indexes [`tree_hash`] needs for a tree of `size` entries.
pub fn tree_hash_indexes(size: u64) -> Vec<u64> {
    Frontier::required_indexes(size)
}

/// The root hash of the tree of `size` entries, from the stored hashes at
/// [`tree_hash_indexes`].
///
/// # Errors
///
/// [`LedgerError::WrongHashCount`] if `hashes` does not match the indexes.
pub fn tree_hash(size: u64, hashes: &[Hash]) -> Result<Hash, LedgerError> {
    Frontier::from_hashes(size, hashes).map(|f| f.root())
}

/// The stored-hash indexes [`inclusion_proof`] needs to prove entry `index` in
/// the tree of `size` entries.
///
/// # Errors
///
/// [`LedgerError::IndexOutOfRange`] unless `index < size`.
pub fn inclusion_proof_indexes(index: u64, size: u64) -> Result<Vec<u64>, LedgerError> {
    if index >= size {
        return Err(LedgerError::IndexOutOfRange { index, size });
    }
    let recorder = RecordingReader::new();
    tlog_tiles::prove_record(size, index, &recorder)
        .map_err(|_| LedgerError::IndexOutOfRange { index, size })?;
    Ok(recorder.into_indexes())
}

/// The RFC 9162 inclusion proof (audit path) of entry `index` in the tree of
/// `size` entries, from the stored hashes at [`inclusion_proof_indexes`].
///
/// # Errors
///
/// [`LedgerError::IndexOutOfRange`] unless `index < size`;
/// [`LedgerError::WrongHashCount`] if `hashes` does not match the indexes.
pub fn inclusion_proof(index: u64, size: u64, hashes: &[Hash]) -> Result<Vec<Hash>, LedgerError> {
    let needed = inclusion_proof_indexes(index, size)?;
    check_count(needed.len(), hashes)?;
    let proof = tlog_tiles::prove_record(size, index, &FetchedHashes(hashes)).map_err(|_| {
        LedgerError::WrongHashCount {
            expected: needed.len(),
            got: hashes.len(),
        }
    })?;
    Ok(to_ours(proof))
}

/// The stored-hash indexes [`consistency_proof`] needs to prove that the tree of
/// `size1` entries is a prefix of the tree of `size2` entries.
///
/// # Errors
///
/// [`LedgerError::InvalidTreeSizes`] unless `size1 <= size2`, and `size1 >= 1`
/// whenever `size2 >= 1`: the empty tree is a prefix of every tree, so no proof
/// exists or is needed for it (RFC 9162 §2.1.4; transparency-dev/merkle agrees).
pub fn consistency_proof_indexes(size1: u64, size2: u64) -> Result<Vec<u64>, LedgerError> {
    check_sizes(size1, size2)?;
    if size1 == size2 {
        return Ok(Vec::new());
    }
    let recorder = RecordingReader::new();
    tlog_tiles::prove_tree(size2, size1, &recorder)
        .map_err(|_| LedgerError::InvalidTreeSizes { size1, size2 })?;
    Ok(recorder.into_indexes())
}

/// The RFC 9162 consistency proof from the tree of `size1` entries to the tree
/// of `size2` entries, from the stored hashes at [`consistency_proof_indexes`].
/// It is empty when the sizes are equal.
///
/// # Errors
///
/// As [`consistency_proof_indexes`], and [`LedgerError::WrongHashCount`] if
/// `hashes` does not match the indexes.
pub fn consistency_proof(
    size1: u64,
    size2: u64,
    hashes: &[Hash],
) -> Result<Vec<Hash>, LedgerError> {
    let needed = consistency_proof_indexes(size1, size2)?;
    check_count(needed.len(), hashes)?;
    if size1 == size2 {
        return Ok(Vec::new());
    }
    let proof = tlog_tiles::prove_tree(size2, size1, &FetchedHashes(hashes)).map_err(|_| {
        LedgerError::WrongHashCount {
            expected: needed.len(),
            got: hashes.len(),
        }
    })?;
    Ok(to_ours(proof))
}

fn check_sizes(size1: u64, size2: u64) -> Result<(), LedgerError> {
    if size1 > size2 || (size1 == 0 && size2 > 0) {
        Err(LedgerError::InvalidTreeSizes { size1, size2 })
    } else {
        Ok(())
    }
}

/// A proof longer than this cannot be valid for any tree of at most `u64::MAX`
/// entries; rejecting it early bounds the work an adversarial proof can cause.
const MAX_PROOF_LEN: usize = 64;

/// Checks that `proof` shows the entry with leaf hash `leaf` at position `index`
/// in the tree of `size` entries whose root is `root`.
///
/// # Errors
///
/// [`LedgerError::IndexOutOfRange`] unless `index < size`;
/// [`LedgerError::InclusionProofInvalid`] if the proof does not lead to `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LedgerError> {
    if index >= size {
        return Err(LedgerError::IndexOutOfRange { index, size });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(LedgerError::InclusionProofInvalid { index, size });
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| (*h).into()).collect();
    tlog_tiles::check_record(&proof, size, (*root).into(), index, (*leaf).into())
        .map_err(|_| LedgerError::InclusionProofInvalid { index, size })
}

/// Checks that `proof` shows the tree of `size1` entries with root `root1` is a
/// prefix of the tree of `size2` entries with root `root2`.
///
/// Equal sizes need an empty proof and equal roots (and a tree of size 0 must
/// have the [`empty_root`]).
///
/// # Errors
///
/// [`LedgerError::InvalidTreeSizes`] for sizes no proof can relate (see
/// [`consistency_proof_indexes`]); [`LedgerError::ConsistencyProofInvalid`] if
/// the proof does not connect the two roots.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), LedgerError> {
    check_sizes(size1, size2)?;
    let invalid = LedgerError::ConsistencyProofInvalid { size1, size2 };
    if size1 == size2 {
        let root_ok = size1 > 0 || *root1 == empty_root();
        return if proof.is_empty() && root_ok && root1 == root2 {
            Ok(())
        } else {
            Err(invalid)
        };
    }
    // A consistency proof has at most one hash per level plus one.
    if proof.len() > MAX_PROOF_LEN + 1 {
        return Err(invalid);
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| (*h).into()).collect();
    tlog_tiles::check_tree(&proof, size2, (*root2).into(), size1, (*root1).into())
        .map_err(|_| invalid)
}
