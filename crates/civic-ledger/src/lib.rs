//! # civic-ledger: the maths of Civic's tamper-evident log
//!
//! Every decision and review event is appended, as canonical JSON, to an
//! append-only log hashed as an RFC 9162 Merkle tree (leaf hash
//! `SHA-256(0x00 ‖ entry)`, node hash `SHA-256(0x01 ‖ left ‖ right)`). This
//! crate computes everything about that tree, and nothing else:
//!
//! - [`Frontier`]: the right edge of the tree, for the single writer that
//!   appends (and learns which stored hashes to persist) and for streaming
//!   verification of the whole log in `O(log n)` memory.
//! - Tree hashes, inclusion proofs and consistency proofs over the log's
//!   *stored hashes* — about two per entry, addressed by [`stored_hash_index`]
//!   as in Go's `sumdb/tlog`. Each operation is **two-phase**: a `*_indexes`
//!   function names the stored hashes it needs (ascending, no duplicates), the
//!   caller fetches them in one query, and the matching function computes the
//!   result from them. The maths comes from `tlog_tiles`, whose functions read
//!   hashes through a synchronous reader; we run each once with a reader that
//!   records the requested indexes and once with one that serves the fetched
//!   hashes. That is sound because the indexes Go's tlog algorithms request
//!   depend only on sizes and positions, never on hash values.
//! - [`verify_inclusion`] and [`verify_consistency`], checked against the
//!   transparency-dev/merkle known-answer vectors.
//! - Signed checkpoints ([`LogSigner`], [`LogVerifier`], [`Checkpoint`]): a
//!   C2SP tlog-checkpoint body in a C2SP signed note, Ed25519.
//! - [`ProofBundle`]: an inclusion proof an auditor checks offline, as JSON.
//! - Witness cosignatures ([`Cosigner`], [`CosignatureVerifier`]): C2SP
//!   tlog-cosignature v1 lines added to a signed checkpoint by another party
//!   that checked it extends what it saw before, and [`AddCheckpoint`], the
//!   C2SP tlog-witness request that asks for one.
//!
//! ## Invariants
//!
//! - Pure: no I/O, no async, no clock, no global state. Storage belongs to the
//!   caller (`civic-store`); randomness is passed in.
//! - The stored-hash layout is Go `sumdb/tlog`'s, so [`Frontier::append`]'s
//!   output, written from `stored_hash_index(0, old_size)` on, is exactly what
//!   the proof functions later ask for.
//! - Nothing that input can influence panics: malformed hashes, proofs, notes,
//!   keys and bundles come back as [`LedgerError`], each with a stable
//!   [`code`](LedgerError::code).
//!
//! ## Dependencies, and why
//!
//! The tree and proof maths is `tlog_tiles`, Cloudflare's Rust port of Go's
//! `golang.org/x/mod/sumdb/tlog` (the reference for the stored-hash layout),
//! and the note and key formats are `signed_note`, its port of Go's
//! `sumdb/note`. We wrap them rather than re-derive the algorithms, so our
//! own code is the two-phase adapter, the frontier and the checks the
//! test vectors demand (size-0 and equal-size edge cases). `ct-merkle` was
//! considered, but it holds the whole tree in memory and has no stored-hash
//! addressing.
//!
//! ## Example: append, prove, verify
//!
//! ```
//! use civic_ledger::*;
//!
//! // The writer appends and persists the stored hashes (here: a Vec).
//! let mut frontier = Frontier::new();
//! let mut stored: Vec<Hash> = Vec::new();
//! for i in 0..10u32 {
//!     stored.extend(frontier.append(leaf_hash(&i.to_be_bytes())));
//! }
//! assert_eq!(stored.len() as u64, stored_hash_count(10));
//!
//! // Later: prove entry 3 in the tree of 10 entries, fetching by index.
//! let fetch = |idx: &[u64]| idx.iter().map(|&i| stored[i as usize]).collect::<Vec<_>>();
//! let proof = inclusion_proof(3, 10, &fetch(&inclusion_proof_indexes(3, 10)?))?;
//! let root = tree_hash(10, &fetch(&tree_hash_indexes(10)))?;
//! assert_eq!(root, frontier.root());
//! verify_inclusion(&leaf_hash(&3u32.to_be_bytes()), 3, 10, &proof, &root)?;
//! # Ok::<(), LedgerError>(())
//! ```

mod bundle;
mod checkpoint;
mod consistency;
mod cosignature;
mod error;
mod hash;
mod tree;
mod witness_request;

pub use bundle::{ProofBundle, VerifiedProof};
pub use checkpoint::{Checkpoint, LogSigner, LogVerifier};
pub use consistency::ConsistencyBundle;
pub use cosignature::{Cosignature, CosignatureVerifier, Cosigner, add_cosignature};
pub use error::LedgerError;
pub use hash::{Hash, empty_root, leaf_hash, node_hash};
pub use tree::{
    Frontier, consistency_proof, consistency_proof_indexes, inclusion_proof,
    inclusion_proof_indexes, stored_hash_count, stored_hash_index, tree_hash, tree_hash_indexes,
    verify_consistency, verify_inclusion,
};
pub use witness_request::AddCheckpoint;
