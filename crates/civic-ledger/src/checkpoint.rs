//! Signed checkpoints: a C2SP tlog-checkpoint body in a C2SP signed note,
//! signed with Ed25519.
//!
//! A signed checkpoint looks like this (the origin doubles as the key name):
//!
//! ```text
//! civic.example.gov.uk/ledger
//! 1024
//! 3SHxxXA2ZJ8PPQ5NzmZY3xkd2vmjQ/QrdnVlsq0ur4Y=
//!
//! — civic.example.gov.uk/ledger Az3grlE4Nkt1q3HbP8E3eAyb9mh1mv1Ck0gG6q3Ly+mJ3A1XJgIhDUEfi8GLTv/bL1F0M1p8B5vQ1E3Pz0hQzB3YkCw=
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use signed_note::{
    Note, NoteError, StandardSigner, StandardVerifier, VerifierList, generate_key,
    new_ed25519_verifier_key,
};

use crate::{Hash, LedgerError};

/// The algorithm byte that prefixes Ed25519 keys in the note key formats.
const ALG_ED25519: u8 = 1;

/// A tree head: which log, how many entries, and the root hash over them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `civic.example.gov.uk/ledger`; also the key name.
    pub origin: String,
    /// The number of entries in the tree.
    pub size: u64,
    /// The RFC 9162 root hash of the tree.
    pub root: Hash,
}

impl Checkpoint {
    /// The C2SP tlog-checkpoint body: origin, size and base64 root, one per line,
    /// with no extension lines. This is the text the signature covers.
    pub fn to_body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        )
    }
}

impl Checkpoint {
    /// Reads a signed checkpoint's origin, size and root **without checking
    /// any signature**: for choosing which key to check it with (a witness
    /// looks its log up by origin). Trust nothing from it until
    /// [`LogVerifier::verify`] succeeds.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedNote`] or [`LedgerError::MalformedCheckpoint`].
    pub fn parse_unverified(note_text: &str) -> Result<Self, LedgerError> {
        let note =
            Note::from_bytes(note_text.as_bytes()).map_err(|_| LedgerError::MalformedNote)?;
        let parsed = tlog_tiles::Checkpoint::from_bytes(note.text())
            .map_err(|_| LedgerError::MalformedCheckpoint)?;
        Ok(Checkpoint {
            origin: parsed.origin().to_owned(),
            size: parsed.size(),
            root: (*parsed.hash()).into(),
        })
    }
}

/// Checks that an origin is usable both as a checkpoint origin line and as a
/// signed-note key name.
fn check_origin(origin: &str) -> Result<(), LedgerError> {
    let valid = signed_note::is_key_name_valid(origin) && !origin.chars().any(char::is_control);
    if valid {
        Ok(())
    } else {
        Err(LedgerError::InvalidOrigin {
            origin: origin.to_owned(),
        })
    }
}

/// The log's signing key. Only the single log writer holds one.
///
/// Its text form is the signed-note private key format
/// `PRIVATE+KEY+<origin>+<key id>+<base64 key>`, which the CLI keeps in a file
/// readable only by its owner. `Debug` never prints the secret.
///
/// ```
/// use civic_ledger::{LogSigner, empty_root};
/// let signer = LogSigner::generate("civic.example/ledger", &mut rand::rngs::OsRng).unwrap();
/// let note = signer.sign(0, empty_root());
/// let checkpoint = signer.verifier().verify(&note).unwrap();
/// assert_eq!(checkpoint.size, 0);
/// ```
#[derive(Clone)]
pub struct LogSigner {
    origin: String,
    key_id: u32,
    signing_key: ed25519_dalek::SigningKey,
    private_key: String,
    verifier: LogVerifier,
}

impl fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigner")
            .field("verifier_key", &self.verifier.verifier_key)
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// Generates a new Ed25519 key for the log named `origin`.
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidOrigin`] if `origin` is empty or contains spaces,
    /// control characters or `+`.
    pub fn generate<R>(origin: &str, rng: &mut R) -> Result<Self, LedgerError>
    where
        R: rand::CryptoRng + rand::RngCore,
    {
        check_origin(origin)?;
        let (private_key, _) = generate_key(rng, origin);
        Self::from_private_key(&private_key)
    }

    /// Reads a key from its text form (surrounding whitespace, such as a final
    /// newline in a key file, is ignored).
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedPrivateKey`] if the text is not a valid Ed25519
    /// note private key whose key id matches; [`LedgerError::InvalidOrigin`] if
    /// its name is not a usable origin.
    pub fn from_private_key(text: &str) -> Result<Self, LedgerError> {
        let text = text.trim();
        // signed_note validates the whole format, including that the key id
        // matches the public key derived from the secret.
        StandardSigner::new(text).map_err(|_| LedgerError::MalformedPrivateKey)?;
        let mut parts = text.splitn(5, '+');
        let (Some(_), Some(_), Some(origin), Some(id), Some(key)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(LedgerError::MalformedPrivateKey);
        };
        check_origin(origin)?;
        let key_id = u32::from_str_radix(id, 16).map_err(|_| LedgerError::MalformedPrivateKey)?;
        let key = BASE64
            .decode(key)
            .map_err(|_| LedgerError::MalformedPrivateKey)?;
        let signing_key = match key.split_first() {
            Some((&ALG_ED25519, secret)) => ed25519_dalek::SigningKey::try_from(secret)
                .map_err(|_| LedgerError::MalformedPrivateKey)?,
            _ => return Err(LedgerError::MalformedPrivateKey),
        };
        let verifier_key = new_ed25519_verifier_key(origin, &signing_key.verifying_key());
        let verifier = LogVerifier::from_verifier_key(&verifier_key)
            .map_err(|_| LedgerError::MalformedPrivateKey)?;
        Ok(Self {
            origin: origin.to_owned(),
            key_id,
            signing_key,
            private_key: text.to_owned(),
            verifier,
        })
    }

    /// The key's text form, `PRIVATE+KEY+…`. Keep it secret.
    pub fn private_key(&self) -> &str {
        &self.private_key
    }

    /// The public verifier key text, `<origin>+<key id>+<base64 key>`, which
    /// auditors use to check checkpoints and proof bundles.
    pub fn verifier_key(&self) -> &str {
        self.verifier.verifier_key()
    }

    /// The log's origin (also the key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier matching this key.
    pub fn verifier(&self) -> LogVerifier {
        self.verifier.clone()
    }

    /// Signs the checkpoint of a tree of `size` entries with root `root`, and
    /// returns the signed note text (ending in a newline).
    pub fn sign(&self, size: u64, root: Hash) -> String {
        let body = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        }
        .to_body();
        // We format the signature line ourselves rather than through
        // signed_note's `Note::add_sigs`, whose error paths (invalid names,
        // control characters) cannot occur here: the origin was checked when
        // the key was read and the rest of the body is digits and base64. The
        // tests check the result with signed_note's parser.
        let signature = self.signing_key.sign(body.as_bytes());
        let mut blob = self.key_id.to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n\u{2014} {} {}\n", self.origin, BASE64.encode(blob))
    }
}

/// Checks signed checkpoints against one log's public key.
#[derive(Clone)]
pub struct LogVerifier {
    origin: String,
    verifier_key: String,
    inner: StandardVerifier,
}

impl fmt::Debug for LogVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogVerifier")
            .field("verifier_key", &self.verifier_key)
            .finish_non_exhaustive()
    }
}

impl PartialEq for LogVerifier {
    fn eq(&self, other: &Self) -> bool {
        self.verifier_key == other.verifier_key
    }
}

impl Eq for LogVerifier {}

impl LogVerifier {
    /// Reads a verifier key text, `<origin>+<key id>+<base64 key>` (surrounding
    /// whitespace is ignored).
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedVerifierKey`] if the text is not a valid Ed25519
    /// note verifier key whose key id matches.
    pub fn from_verifier_key(text: &str) -> Result<Self, LedgerError> {
        let text = text.trim();
        let inner = StandardVerifier::new(text).map_err(|_| LedgerError::MalformedVerifierKey)?;
        let origin = text
            .split_once('+')
            .map(|(origin, _)| origin.to_owned())
            .ok_or(LedgerError::MalformedVerifierKey)?;
        check_origin(&origin).map_err(|_| LedgerError::MalformedVerifierKey)?;
        Ok(Self {
            origin,
            verifier_key: text.to_owned(),
            inner,
        })
    }

    /// The verifier key text this verifier was made from.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The log origin this key is for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Checks that `note_text` is a checkpoint for this log signed by this key,
    /// and returns the checkpoint. Signatures by other keys are ignored, as
    /// C2SP signed-note requires.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedNote`] or [`LedgerError::MalformedCheckpoint`]
    /// if the text does not parse; [`LedgerError::CheckpointWrongKey`] if this
    /// key did not sign it; [`LedgerError::CheckpointBadSignature`] if the text
    /// was altered after signing; [`LedgerError::CheckpointOriginMismatch`] if
    /// it names another log.
    pub fn verify(&self, note_text: &str) -> Result<Checkpoint, LedgerError> {
        let note =
            Note::from_bytes(note_text.as_bytes()).map_err(|_| LedgerError::MalformedNote)?;
        let known = VerifierList::new(vec![Box::new(self.inner.clone())]);
        note.verify(&known).map_err(|e| match e {
            NoteError::UnverifiedNote => LedgerError::CheckpointWrongKey {
                verifier_key: self.verifier_key.clone(),
            },
            NoteError::InvalidSignature { .. } => LedgerError::CheckpointBadSignature,
            _ => LedgerError::MalformedNote,
        })?;
        let parsed = tlog_tiles::Checkpoint::from_bytes(note.text())
            .map_err(|_| LedgerError::MalformedCheckpoint)?;
        if parsed.origin() != self.origin {
            return Err(LedgerError::CheckpointOriginMismatch {
                expected: self.origin.clone(),
                found: parsed.origin().to_owned(),
            });
        }
        Ok(Checkpoint {
            origin: parsed.origin().to_owned(),
            size: parsed.size(),
            root: (*parsed.hash()).into(),
        })
    }
}
