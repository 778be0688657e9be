//! Consistency bundles: everything an auditor needs to check, offline, that
//! the log today extends a checkpoint they saved earlier (RFC 9162 §2.1.4).

use serde::{Deserialize, Serialize};

use crate::{Checkpoint, Hash, LedgerError, LogVerifier, verify_consistency};

/// A consistency proof between two signed checkpoints of one log, as JSON.
/// Read from a file it is untrusted until [`ConsistencyBundle::verify`]
/// succeeds with the log's published key.
///
/// ```json
/// {
///   "format": "civic-ledger-consistency/v1",
///   "old": "civic.example/ledger\n1024\n…",
///   "new": "civic.example/ledger\n2048\n…",
///   "proof": ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "…"],
///   "verifier_key": "civic.example/ledger+8a1bf4c2+AQ…"
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyBundle {
    /// Always [`ConsistencyBundle::FORMAT`].
    pub format: String,
    /// The earlier signed checkpoint (C2SP signed note).
    pub old: String,
    /// The later signed checkpoint.
    pub new: String,
    /// The RFC 9162 consistency proof from the old tree to the new, base64.
    pub proof: Vec<Hash>,
    /// The log's verifier key text.
    pub verifier_key: String,
}

impl ConsistencyBundle {
    /// The format string this version writes and accepts.
    pub const FORMAT: &'static str = "civic-ledger-consistency/v1";

    /// Assembles a bundle; `proof` must be the
    /// [`consistency_proof`](crate::consistency_proof) between the two trees.
    pub fn new(old: String, new: String, proof: Vec<Hash>, verifier_key: String) -> Self {
        Self {
            format: Self::FORMAT.to_owned(),
            old,
            new,
            proof,
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
        // Only strings and sequences of strings: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks that both checkpoints are signed by `verifier`'s key for its
    /// log and that the proof shows the old tree is a prefix of the new;
    /// returns the two checkpoints.
    ///
    /// # Errors
    ///
    /// [`LedgerError::UnsupportedBundleFormat`]; a checkpoint error from
    /// [`LogVerifier::verify`]; [`LedgerError::InvalidTreeSizes`] if the old
    /// tree is larger; [`LedgerError::ConsistencyProofInvalid`] if the log
    /// was rewritten between the two, or the bundle was altered.
    pub fn verify(&self, verifier: &LogVerifier) -> Result<(Checkpoint, Checkpoint), LedgerError> {
        if self.format != Self::FORMAT {
            return Err(LedgerError::UnsupportedBundleFormat {
                expected: Self::FORMAT,
                found: self.format.clone(),
            });
        }
        let old = verifier.verify(&self.old)?;
        let new = verifier.verify(&self.new)?;
        verify_consistency(old.size, new.size, &self.proof, &old.root, &new.root)?;
        Ok((old, new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Frontier, LogSigner, consistency_proof, consistency_proof_indexes, leaf_hash};

    /// The stored hashes of a log of `n` entries, by stored-hash index.
    fn log(n: u64, salt: u8) -> (Frontier, Vec<Hash>) {
        let mut f = Frontier::new();
        let mut stored = Vec::new();
        for i in 0..n {
            stored.extend(f.append(leaf_hash(&[salt, i as u8])));
        }
        (f, stored)
    }

    fn bundle(signer: &LogSigner, m: u64, n: u64, rewritten: bool) -> ConsistencyBundle {
        let (_, old_hashes) = log(m, 0);
        let old_root =
            crate::tree_hash(m, &pick(&old_hashes, &crate::tree_hash_indexes(m))).expect("root");
        let (new_f, new_hashes) = log(n, u8::from(rewritten));
        let idx = consistency_proof_indexes(m, n).expect("sizes");
        let proof = consistency_proof(m, n, &pick(&new_hashes, &idx)).expect("proof");
        ConsistencyBundle::new(
            signer.sign(m, old_root),
            signer.sign(n, new_f.root()),
            proof,
            signer.verifier_key().to_owned(),
        )
    }

    fn pick(stored: &[Hash], indexes: &[u64]) -> Vec<Hash> {
        indexes.iter().map(|&i| stored[i as usize]).collect()
    }

    #[test]
    fn a_grown_log_is_consistent_and_a_rewritten_one_is_not() {
        let signer =
            LogSigner::generate("test.example/ledger", &mut rand::rngs::OsRng).expect("key");
        let verifier = signer.verifier();
        for (m, n) in [(1, 2), (3, 7), (4, 8), (5, 5), (6, 100)] {
            let good = bundle(&signer, m, n, false);
            let parsed = ConsistencyBundle::from_json(&good.to_json()).expect("round trip");
            let (old, new) = parsed.verify(&verifier).expect("consistent");
            assert_eq!((old.size, new.size), (m, n));
            let forged = bundle(&signer, m, n, true);
            assert!(forged.verify(&verifier).is_err(), "{m}->{n} rewritten");
        }
        let other =
            LogSigner::generate("test.example/ledger", &mut rand::rngs::OsRng).expect("key");
        assert!(
            bundle(&signer, 2, 4, false)
                .verify(&other.verifier())
                .is_err()
        );
        let mut wrong_format = bundle(&signer, 2, 4, false);
        wrong_format.format = "something/v9".into();
        assert!(wrong_format.verify(&verifier).is_err());
    }
}
