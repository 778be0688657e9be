//! The one error type of this crate.

/// Everything that can go wrong in the ledger maths, checkpoints and proof bundles.
///
/// Each variant has a stable machine-readable [`code`](LedgerError::code) that the
/// server and CLI pass through unchanged, and a plain-English message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A hash was not 32 bytes of valid base64 or hex.
    #[error("malformed hash: expected 32 bytes as base64 or hex")]
    MalformedHash,

    /// The caller passed a different number of stored hashes from the number of
    /// indexes the matching `*_indexes` function returned.
    #[error(
        "expected {expected} stored hashes but got {got}: pass exactly the hashes for the indexes returned by the matching `*_indexes` function, in that order"
    )]
    WrongHashCount {
        /// How many hashes the operation needs.
        expected: usize,
        /// How many it was given.
        got: usize,
    },

    /// An entry index is not inside the tree.
    #[error("entry {index} is not in a tree of {size} entries")]
    IndexOutOfRange {
        /// The entry index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },

    /// Two tree sizes cannot be compared with a consistency proof.
    #[error(
        "no consistency proof exists from a tree of {size1} entries to one of {size2}: the first size must be at least 1 and at most the second"
    )]
    InvalidTreeSizes {
        /// The older tree's size.
        size1: u64,
        /// The newer tree's size.
        size2: u64,
    },

    /// An inclusion proof does not lead from the entry's leaf hash to the root.
    #[error(
        "the inclusion proof for entry {index} does not match the root of the tree of {size} entries: the entry, the proof or the root has been altered"
    )]
    InclusionProofInvalid {
        /// The entry index the proof claims.
        index: u64,
        /// The tree size the proof claims.
        size: u64,
    },

    /// A consistency proof does not show that the older tree is a prefix of the newer.
    #[error(
        "the consistency proof does not show that the tree of {size1} entries is a prefix of the tree of {size2} entries: the log may have been rewritten"
    )]
    ConsistencyProofInvalid {
        /// The older tree's size.
        size1: u64,
        /// The newer tree's size.
        size2: u64,
    },

    /// A log origin is not usable as a checkpoint origin line and key name.
    #[error(
        "invalid log origin {origin:?}: it must be non-empty, with no spaces, control characters or '+'"
    )]
    InvalidOrigin {
        /// The rejected origin.
        origin: String,
    },

    /// A private signing key text is not in the note format `PRIVATE+KEY+name+id+key`.
    #[error(
        "malformed ledger signing key: expected the note format PRIVATE+KEY+<origin>+<id>+<key>"
    )]
    MalformedPrivateKey,

    /// A verifier (public) key text is not in the note format `name+id+key`.
    #[error("malformed ledger public key: expected the note format <origin>+<id>+<key>")]
    MalformedVerifierKey,

    /// A signed note could not be parsed.
    #[error("malformed signed checkpoint: not a C2SP signed note")]
    MalformedNote,

    /// A signed note's text is not a C2SP tlog-checkpoint.
    #[error("malformed checkpoint: expected origin, tree size and base64 root hash lines")]
    MalformedCheckpoint,

    /// The checkpoint carries no signature from the expected key.
    #[error("the checkpoint is not signed by the ledger key {verifier_key}")]
    CheckpointWrongKey {
        /// The key that was expected.
        verifier_key: String,
    },

    /// A signature by the expected key does not match the checkpoint text.
    #[error("the checkpoint's signature is invalid: the checkpoint text has been altered")]
    CheckpointBadSignature,

    /// The checkpoint names a different log from the key that signed it.
    #[error("the checkpoint is for log {found:?}, but the key is for log {expected:?}")]
    CheckpointOriginMismatch {
        /// The origin of the verifier key.
        expected: String,
        /// The origin line of the checkpoint.
        found: String,
    },

    /// A witness name is not usable as a signed-note key name.
    #[error(
        "invalid witness name {name:?}: it must be non-empty, with no spaces, control characters or '+'"
    )]
    InvalidWitnessName {
        /// The rejected name.
        name: String,
    },

    /// A witness key text is not a C2SP cosignature/v1 key.
    #[error(
        "malformed witness key: expected <name>+<id>+<base64 of 0x04 and the public key> (or PRIVATE+KEY+… for a private key)"
    )]
    MalformedWitnessKey,

    /// A note signature line is not a cosignature/v1 line.
    #[error(
        "malformed cosignature line: expected \"— <witness name> <base64 of key id, timestamp and signature>\""
    )]
    MalformedCosignature,

    /// The note carries no cosignature by the witness's key.
    #[error("the checkpoint carries no cosignature by witness {witness:?}")]
    CosignatureMissing {
        /// The witness's name.
        witness: String,
    },

    /// A cosignature by the witness's key does not match the note.
    #[error(
        "the cosignature by witness {witness:?} does not match the checkpoint: it was altered after the witness signed"
    )]
    CosignatureInvalid {
        /// The witness's name.
        witness: String,
    },

    /// A tlog-witness add-checkpoint request body does not parse.
    #[error("malformed add-checkpoint request: {reason}")]
    MalformedWitnessRequest {
        /// What is wrong.
        reason: String,
    },

    /// A proof bundle declares a format this version does not understand.
    #[error("unsupported proof bundle format {found:?}: expected {expected:?}")]
    UnsupportedBundleFormat {
        /// The format this version writes and reads.
        expected: &'static str,
        /// The format in the bundle.
        found: String,
    },

    /// A proof bundle file is not valid JSON of the expected shape.
    #[error("malformed proof bundle: {reason}")]
    MalformedBundle {
        /// What the JSON parser reported, with its position.
        reason: String,
    },
}

impl LedgerError {
    /// A stable, machine-readable code for this error, for API responses and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::MalformedHash => "ledger_malformed_hash",
            LedgerError::WrongHashCount { .. } => "ledger_wrong_hash_count",
            LedgerError::IndexOutOfRange { .. } => "ledger_index_out_of_range",
            LedgerError::InvalidTreeSizes { .. } => "ledger_invalid_tree_sizes",
            LedgerError::InclusionProofInvalid { .. } => "ledger_inclusion_proof_invalid",
            LedgerError::ConsistencyProofInvalid { .. } => "ledger_consistency_proof_invalid",
            LedgerError::InvalidOrigin { .. } => "ledger_invalid_origin",
            LedgerError::MalformedPrivateKey => "ledger_malformed_private_key",
            LedgerError::MalformedVerifierKey => "ledger_malformed_public_key",
            LedgerError::MalformedNote => "ledger_malformed_note",
            LedgerError::MalformedCheckpoint => "ledger_malformed_checkpoint",
            LedgerError::CheckpointWrongKey { .. } => "ledger_checkpoint_wrong_key",
            LedgerError::CheckpointBadSignature => "ledger_checkpoint_bad_signature",
            LedgerError::CheckpointOriginMismatch { .. } => "ledger_checkpoint_origin_mismatch",
            LedgerError::InvalidWitnessName { .. } => "ledger_invalid_witness_name",
            LedgerError::MalformedWitnessKey => "ledger_malformed_witness_key",
            LedgerError::MalformedCosignature => "ledger_malformed_cosignature",
            LedgerError::CosignatureMissing { .. } => "ledger_cosignature_missing",
            LedgerError::CosignatureInvalid { .. } => "ledger_cosignature_invalid",
            LedgerError::MalformedWitnessRequest { .. } => "ledger_malformed_witness_request",
            LedgerError::UnsupportedBundleFormat { .. } => "ledger_unsupported_bundle_format",
            LedgerError::MalformedBundle { .. } => "ledger_malformed_bundle",
        }
    }
}
