//! Proof bundles: everything an auditor needs to check, offline, that one
//! entry is in the log.

use serde::{Deserialize, Serialize};

use crate::{Checkpoint, Hash, LedgerError, LogVerifier, leaf_hash, verify_inclusion};

/// An inclusion proof for one entry that an auditor checks offline, as JSON.
///
/// It follows the C2SP `tlog-proof` layout (entry index, inclusion path,
/// signed checkpoint) and adds the entry bytes, so the auditor sees what was
/// proven and recomputes its leaf hash, and the log's verifier key, so a
/// bundle can be checked without a separate key file. A bundle read from a
/// file is untrusted data until [`ProofBundle::verify`] succeeds; the embedded
/// key only shows the bundle is self-consistent, so an auditor who holds the
/// log's published key should check with that (or compare the two).
///
/// ```json
/// {
///   "format": "civic-ledger-proof/v1",
///   "index": 41,
///   "entry": "eyJkZWNpc2lvbiI6…",
///   "inclusion_path": ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "…"],
///   "checkpoint": "civic.example/ledger\n1024\n…\n\n— civic.example/ledger …\n",
///   "verifier_key": "civic.example/ledger+8a1bf4c2+AQ…"
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    /// Always [`ProofBundle::FORMAT`]; lets later versions change the layout safely.
    pub format: String,
    /// The entry's 0-based position in the log.
    pub index: u64,
    /// The entry bytes exactly as logged (canonical JSON), as base64.
    #[serde(with = "crate::hash::base64_bytes")]
    pub entry: Vec<u8>,
    /// The RFC 9162 inclusion path from the entry's leaf to the checkpoint's
    /// root, as base64 hashes, lowest level first.
    pub inclusion_path: Vec<Hash>,
    /// The signed checkpoint (C2SP signed note text) whose tree contains the entry.
    pub checkpoint: String,
    /// The log's verifier key text, `<origin>+<key id>+<base64 key>`.
    pub verifier_key: String,
}

/// What a successfully verified [`ProofBundle`] proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// The checkpoint, signed by the expected key, whose tree contains the entry.
    pub checkpoint: Checkpoint,
    /// The entry's position in the log.
    pub index: u64,
    /// The entry bytes.
    pub entry: Vec<u8>,
    /// The entry's leaf hash.
    pub leaf_hash: Hash,
}

impl ProofBundle {
    /// The format string this version writes and accepts.
    pub const FORMAT: &'static str = "civic-ledger-proof/v1";

    /// Assembles a bundle. `checkpoint` must be a note signed by the key whose
    /// verifier text is `verifier_key`, for a tree that contains entry `index`,
    /// and `inclusion_path` the [`inclusion_proof`](crate::inclusion_proof) of
    /// that entry in that tree.
    pub fn new(
        index: u64,
        entry: Vec<u8>,
        inclusion_path: Vec<Hash>,
        checkpoint: String,
        verifier_key: String,
    ) -> Self {
        Self {
            format: Self::FORMAT.to_owned(),
            index,
            entry,
            inclusion_path,
            checkpoint,
            verifier_key,
        }
    }

    /// Parses a bundle from JSON.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedBundle`] naming the problem and its position.
    pub fn from_json(json: &str) -> Result<Self, LedgerError> {
        serde_json::from_str(json).map_err(|e| LedgerError::MalformedBundle {
            reason: e.to_string(),
        })
    }

    /// The bundle as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serialising this struct cannot fail: it has only strings, integers
        // and sequences, and no maps with non-string keys.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The same proof in the C2SP `tlog-proof` text format (without the entry
    /// and key, which that format leaves to the application), for tools that
    /// read `.tlog-proof` files.
    pub fn to_tlog_proof(&self) -> String {
        let mut text = format!("c2sp.org/tlog-proof@v1\nindex {}\n", self.index);
        for hash in &self.inclusion_path {
            text.push_str(&hash.to_base64());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// The verifier made from the bundle's own key text. Compare
    /// [`LogVerifier::verifier_key`] with a trusted copy before relying on it.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedVerifierKey`] if the embedded key does not parse.
    pub fn embedded_verifier(&self) -> Result<LogVerifier, LedgerError> {
        LogVerifier::from_verifier_key(&self.verifier_key)
    }

    /// Checks the bundle against `verifier`: the checkpoint is signed by that
    /// key for its log, and the inclusion path leads from the entry's leaf hash
    /// at `index` to the checkpoint's root.
    ///
    /// # Errors
    ///
    /// [`LedgerError::UnsupportedBundleFormat`]; any checkpoint error from
    /// [`LogVerifier::verify`] (another key, altered text);
    /// [`LedgerError::IndexOutOfRange`] if the checkpoint's tree does not reach
    /// `index`; [`LedgerError::InclusionProofInvalid`] if the entry, index or
    /// path was altered or belongs to another tree.
    pub fn verify(&self, verifier: &LogVerifier) -> Result<VerifiedProof, LedgerError> {
        if self.format != Self::FORMAT {
            return Err(LedgerError::UnsupportedBundleFormat {
                expected: Self::FORMAT,
                found: self.format.clone(),
            });
        }
        let checkpoint = verifier.verify(&self.checkpoint)?;
        let leaf = leaf_hash(&self.entry);
        verify_inclusion(
            &leaf,
            self.index,
            checkpoint.size,
            &self.inclusion_path,
            &checkpoint.root,
        )?;
        Ok(VerifiedProof {
            checkpoint,
            index: self.index,
            entry: self.entry.clone(),
            leaf_hash: leaf,
        })
    }
}
