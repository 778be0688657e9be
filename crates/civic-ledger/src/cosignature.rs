//! Witness cosignatures: C2SP `tlog-cosignature` v1 over a signed checkpoint.
//!
//! A witness that has checked a checkpoint is consistent with the last one
//! it saw adds its own signature line to the note:
//!
//! ```text
//! — witness.example.gov.uk/w1 <base64(key id ‖ timestamp ‖ signature)>
//! ```
//!
//! where the key id is the first four bytes of
//! `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)`, the timestamp is eight bytes
//! big-endian (seconds since the Unix epoch), and the Ed25519 signature
//! covers
//!
//! ```text
//! cosignature/v1
//! time <timestamp>
//! <the checkpoint's note text: origin, size, root hash and any extension lines>
//! ```
//!
//! A witness's keys use the signed-note text forms with the algorithm byte
//! `0x04`: the verifier key `<name>+<key id>+base64(0x04 ‖ public key)`, and
//! (our choice, as the specification leaves private keys to implementations)
//! the private key `PRIVATE+KEY+<name>+<key id>+base64(0x04 ‖ seed)`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, Verifier as _};
use signed_note::Note;

use crate::LedgerError;

/// The signature-type byte of `cosignature/v1` in key ids and key texts.
const ALG_COSIGNATURE_V1: u8 = 4;

/// The message a `cosignature/v1` signature covers.
fn message(note_text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{note_text}")
}

/// The text of a signed note (everything before the blank line that starts
/// its signatures) and its signature lines, after checking that it parses.
fn split_note(note: &str) -> Result<(String, Vec<&str>), LedgerError> {
    let parsed = Note::from_bytes(note.as_bytes()).map_err(|_| LedgerError::MalformedNote)?;
    let text = String::from_utf8(parsed.text().to_vec()).map_err(|_| LedgerError::MalformedNote)?;
    let (_, sigs) = note.rsplit_once("\n\n").ok_or(LedgerError::MalformedNote)?;
    Ok((text, sigs.lines().collect()))
}

/// A key id as the key texts write it: exactly eight hex digits.
fn parse_key_id(text: &str) -> Option<u32> {
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(text, 16).ok()
    } else {
        None
    }
}

/// Checks that a witness name is usable as a signed-note key name.
fn check_name(name: &str) -> Result<(), LedgerError> {
    if signed_note::is_key_name_valid(name) && !name.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(LedgerError::InvalidWitnessName {
            name: name.to_owned(),
        })
    }
}

/// One witness cosignature, as found on (or added to) a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness's name (its key name).
    pub name: String,
    /// The witness's key id.
    pub key_id: u32,
    /// When the witness signed, in seconds since the Unix epoch.
    pub timestamp: u64,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

impl Cosignature {
    /// The note signature line, `— <name> <base64>` and a newline.
    pub fn to_line(&self) -> String {
        let mut blob = Vec::with_capacity(76);
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&self.timestamp.to_be_bytes());
        blob.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, BASE64.encode(blob))
    }

    /// Parses one signature line (with or without its newline). Lines that
    /// are note signatures of another kind (not 76 bytes) are refused.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedCosignature`].
    pub fn from_line(line: &str) -> Result<Self, LedgerError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let (name, b64) = line
            .strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split_once(' '))
            .ok_or(LedgerError::MalformedCosignature)?;
        check_name(name).map_err(|_| LedgerError::MalformedCosignature)?;
        let blob = BASE64
            .decode(b64)
            .map_err(|_| LedgerError::MalformedCosignature)?;
        let (Ok(id), Ok(time), Ok(signature)) = (
            <[u8; 4]>::try_from(blob.get(..4).unwrap_or_default()),
            <[u8; 8]>::try_from(blob.get(4..12).unwrap_or_default()),
            <[u8; 64]>::try_from(blob.get(12..).unwrap_or_default()),
        ) else {
            return Err(LedgerError::MalformedCosignature);
        };
        Ok(Self {
            name: name.to_owned(),
            key_id: u32::from_be_bytes(id),
            timestamp: u64::from_be_bytes(time),
            signature,
        })
    }
}

/// Adds a cosignature line to a signed note, replacing one by the same
/// witness key if the note already has it; returns the new note text.
///
/// # Errors
///
/// [`LedgerError::MalformedNote`] if `note` is not a signed note.
pub fn add_cosignature(note: &str, cosignature: &Cosignature) -> Result<String, LedgerError> {
    split_note(note)?;
    let mut out = String::with_capacity(note.len() + 120);
    let (head, sigs) = note.rsplit_once("\n\n").ok_or(LedgerError::MalformedNote)?;
    out.push_str(head);
    out.push_str("\n\n");
    for line in sigs.lines() {
        let same_key = Cosignature::from_line(line)
            .is_ok_and(|c| c.name == cosignature.name && c.key_id == cosignature.key_id);
        if !same_key {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&cosignature.to_line());
    Ok(out)
}

/// A witness's signing key. `Debug` never prints the secret.
///
/// ```
/// use civic_ledger::{Cosigner, LogSigner, empty_root};
/// let log = LogSigner::generate("civic.example/ledger", &mut rand::rngs::OsRng).unwrap();
/// let witness = Cosigner::generate("witness.example/w1", &mut rand::rngs::OsRng).unwrap();
/// let note = log.sign(0, empty_root());
/// let cosigned = witness.cosign(&note, 1_700_000_000).unwrap();
/// let note = civic_ledger::add_cosignature(&note, &cosigned).unwrap();
/// assert_eq!(witness.verifier().verify(&note).unwrap(), 1_700_000_000);
/// // The log's own signature still verifies: other lines are ignored.
/// assert_eq!(log.verifier().verify(&note).unwrap().size, 0);
/// ```
#[derive(Clone)]
pub struct Cosigner {
    signing_key: ed25519_dalek::SigningKey,
    private_key: String,
    verifier: CosignatureVerifier,
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("verifier_key", &self.verifier.verifier_key)
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// Generates a new witness key named `name`.
    ///
    /// # Errors
    ///
    /// [`LedgerError::InvalidWitnessName`] if the name is empty or has
    /// spaces, control characters or `+`.
    pub fn generate<R>(name: &str, rng: &mut R) -> Result<Self, LedgerError>
    where
        R: rand::CryptoRng + rand::RngCore,
    {
        check_name(name)?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Ok(Self::from_parts(
            name,
            ed25519_dalek::SigningKey::from_bytes(&seed),
        ))
    }

    fn from_parts(name: &str, signing_key: ed25519_dalek::SigningKey) -> Self {
        let verifier = CosignatureVerifier::from_parts(name, signing_key.verifying_key());
        let mut secret = vec![ALG_COSIGNATURE_V1];
        secret.extend_from_slice(signing_key.as_bytes());
        let private_key = format!(
            "PRIVATE+KEY+{name}+{:08x}+{}",
            verifier.key_id,
            BASE64.encode(secret)
        );
        Self {
            signing_key,
            private_key,
            verifier,
        }
    }

    /// Reads a key from its text form, `PRIVATE+KEY+<name>+<key id>+<base64>`
    /// (surrounding whitespace is ignored).
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedWitnessKey`] if the text is not in that form,
    /// not a cosignature/v1 key, or its key id does not match.
    pub fn from_private_key(text: &str) -> Result<Self, LedgerError> {
        let bad = || LedgerError::MalformedWitnessKey;
        let rest = text.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        // The base64 key may itself hold '+': split off the name and id only.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        check_name(name).map_err(|_| bad())?;
        let id = parse_key_id(id).ok_or_else(bad)?;
        let key = BASE64.decode(key).map_err(|_| bad())?;
        let signing_key = match key.split_first() {
            Some((&ALG_COSIGNATURE_V1, seed)) => {
                ed25519_dalek::SigningKey::try_from(seed).map_err(|_| bad())?
            }
            _ => return Err(bad()),
        };
        let signer = Self::from_parts(name, signing_key);
        if signer.verifier.key_id != id {
            return Err(bad());
        }
        Ok(signer)
    }

    /// The key's text form. Keep it secret.
    pub fn private_key(&self) -> &str {
        &self.private_key
    }

    /// The public verifier key text, `<name>+<key id>+<base64>`, which logs
    /// and auditors use to check this witness's cosignatures.
    pub fn verifier_key(&self) -> &str {
        &self.verifier.verifier_key
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.verifier.name
    }

    /// The verifier matching this key.
    pub fn verifier(&self) -> CosignatureVerifier {
        self.verifier.clone()
    }

    /// Cosigns the signed note `note` at `timestamp` (seconds since the Unix
    /// epoch). The caller must already have checked the log's signature and
    /// the consistency of the checkpoint: a cosignature says so.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedNote`] if `note` is not a signed note.
    pub fn cosign(&self, note: &str, timestamp: u64) -> Result<Cosignature, LedgerError> {
        let (text, _) = split_note(note)?;
        let signature = self.signing_key.sign(message(&text, timestamp).as_bytes());
        Ok(Cosignature {
            name: self.verifier.name.clone(),
            key_id: self.verifier.key_id,
            timestamp,
            signature: signature.to_bytes(),
        })
    }
}

/// Checks one witness's cosignatures.
#[derive(Clone)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: ed25519_dalek::VerifyingKey,
    verifier_key: String,
}

impl fmt::Debug for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignatureVerifier")
            .field("verifier_key", &self.verifier_key)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CosignatureVerifier {
    fn eq(&self, other: &Self) -> bool {
        self.verifier_key == other.verifier_key
    }
}

impl Eq for CosignatureVerifier {}

impl CosignatureVerifier {
    fn from_parts(name: &str, key: ed25519_dalek::VerifyingKey) -> Self {
        let mut encoded = vec![ALG_COSIGNATURE_V1];
        encoded.extend_from_slice(key.as_bytes());
        let key_id = signed_note::key_id(name, &encoded);
        let verifier_key = format!("{name}+{key_id:08x}+{}", BASE64.encode(encoded));
        Self {
            name: name.to_owned(),
            key_id,
            key,
            verifier_key,
        }
    }

    /// Reads a witness verifier key, `<name>+<key id>+base64(0x04 ‖ key)`
    /// (surrounding whitespace is ignored).
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedWitnessKey`] if the text is not in that form,
    /// not a cosignature/v1 key, or its key id does not match.
    pub fn from_verifier_key(text: &str) -> Result<Self, LedgerError> {
        let bad = || LedgerError::MalformedWitnessKey;
        // The base64 key may itself hold '+': split off the name and id only.
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        check_name(name).map_err(|_| bad())?;
        let id = parse_key_id(id).ok_or_else(bad)?;
        let key = BASE64.decode(key).map_err(|_| bad())?;
        let key = match key.split_first() {
            Some((&ALG_COSIGNATURE_V1, key)) => {
                let key = <[u8; 32]>::try_from(key).map_err(|_| bad())?;
                ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| bad())?
            }
            _ => return Err(bad()),
        };
        let verifier = Self::from_parts(name, key);
        if verifier.key_id != id {
            return Err(bad());
        }
        Ok(verifier)
    }

    /// The verifier key text.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `cosignature` is this witness's, over the note text `text`.
    fn accepts(&self, text: &str, cosignature: &Cosignature) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(&cosignature.signature);
        self.key
            .verify(message(text, cosignature.timestamp).as_bytes(), &signature)
            .is_ok()
    }

    /// Checks that this witness cosigned the signed note `note`, and returns
    /// the time it did (seconds since the Unix epoch). Other signature lines
    /// are ignored, as C2SP signed-note requires; this does not check the
    /// log's own signature (use [`LogVerifier::verify`](crate::LogVerifier::verify)).
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedNote`] if the text is not a signed note;
    /// [`LedgerError::CosignatureMissing`] if no line is by this witness's
    /// key; [`LedgerError::CosignatureInvalid`] if one is, but the note's
    /// text was altered after it was cosigned.
    pub fn verify(&self, note: &str) -> Result<u64, LedgerError> {
        let (text, lines) = split_note(note)?;
        let mut found = false;
        for line in lines {
            let Ok(cosignature) = Cosignature::from_line(line) else {
                continue;
            };
            if cosignature.name != self.name || cosignature.key_id != self.key_id {
                continue;
            }
            found = true;
            if self.accepts(&text, &cosignature) {
                return Ok(cosignature.timestamp);
            }
        }
        if found {
            Err(LedgerError::CosignatureInvalid {
                witness: self.name.clone(),
            })
        } else {
            Err(LedgerError::CosignatureMissing {
                witness: self.name.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in C2SP tlog-cosignature: its witness line carries key
    /// id `8d66cf3f` and the time 1679315147 (the same time its signed
    /// message example shows), big-endian after the key id. The example
    /// gives no public key, so only the layout is checked here.
    #[test]
    fn the_specifications_example_line_parses_to_its_key_id_and_time() {
        let line = "\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
        let c = Cosignature::from_line(line).expect("the spec's example parses");
        assert_eq!(c.name, "witness.example.com/w1");
        assert_eq!(c.key_id, 0x8d66_cf3f);
        assert_eq!(c.timestamp, 1_679_315_147);
    }
    use crate::{LogSigner, leaf_hash};

    fn log() -> LogSigner {
        LogSigner::generate("civic.example/ledger", &mut rand::rngs::OsRng).expect("log key")
    }

    fn witness(name: &str) -> Cosigner {
        Cosigner::generate(name, &mut rand::rngs::OsRng).expect("witness key")
    }

    #[test]
    fn a_cosigned_note_verifies_for_the_witness_and_the_log() {
        let (log, w) = (log(), witness("witness.example/w1"));
        let note = log.sign(5, leaf_hash(b"root"));
        let c = w.cosign(&note, 1_750_000_000).expect("cosign");
        let cosigned = add_cosignature(&note, &c).expect("add");
        assert_eq!(w.verifier().verify(&cosigned), Ok(1_750_000_000));
        assert_eq!(log.verifier().verify(&cosigned).expect("log").size, 5);
        // The line's layout: 4 + 8 + 64 bytes, parsed back unchanged.
        let line = c.to_line();
        assert_eq!(Cosignature::from_line(&line), Ok(c.clone()));
        // Adding the same witness again replaces its line.
        let again = add_cosignature(&cosigned, &c).expect("add");
        assert_eq!(again, cosigned);
    }

    #[test]
    fn the_signed_message_and_key_id_follow_the_specification() {
        let w = witness("w.example/a");
        let note = log().sign(1, leaf_hash(b"x"));
        let c = w.cosign(&note, 42).expect("cosign");
        let (text, _) = split_note(&note).expect("note");
        let expected = format!("cosignature/v1\ntime 42\n{text}");
        let sig = ed25519_dalek::Signature::from_bytes(&c.signature);
        w.signing_key
            .verifying_key()
            .verify(expected.as_bytes(), &sig)
            .expect("signature over the documented message");
        let mut encoded = vec![4u8];
        encoded.extend_from_slice(w.signing_key.verifying_key().as_bytes());
        assert_eq!(c.key_id, signed_note::key_id("w.example/a", &encoded));
        assert!(
            w.verifier_key()
                .starts_with(&format!("w.example/a+{:08x}+", c.key_id))
        );
    }

    #[test]
    fn a_tampered_checkpoint_or_a_wrong_key_is_refused() {
        let (log, w) = (log(), witness("witness.example/w1"));
        let note = log.sign(7, leaf_hash(b"root"));
        let cosigned = add_cosignature(&note, &w.cosign(&note, 9).expect("cosign")).expect("add");
        // The size changed after cosigning.
        let tampered = cosigned.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(
            w.verifier().verify(&tampered),
            Err(LedgerError::CosignatureInvalid {
                witness: "witness.example/w1".into()
            })
        );
        // The timestamp changed: it is signed too.
        let c = w.cosign(&note, 9).expect("cosign");
        let moved = Cosignature { timestamp: 10, ..c };
        let moved = add_cosignature(&note, &moved).expect("add");
        assert!(matches!(
            w.verifier().verify(&moved),
            Err(LedgerError::CosignatureInvalid { .. })
        ));
        // Another witness's key, even with the same name, finds no cosignature.
        let other = witness("witness.example/w1");
        assert_eq!(
            other.verifier().verify(&cosigned),
            Err(LedgerError::CosignatureMissing {
                witness: "witness.example/w1".into()
            })
        );
        // A note with no cosignature at all.
        assert!(matches!(
            w.verifier().verify(&note),
            Err(LedgerError::CosignatureMissing { .. })
        ));
        assert_eq!(
            w.verifier().verify("not a note"),
            Err(LedgerError::MalformedNote)
        );
    }

    #[test]
    fn keys_round_trip_and_bad_key_texts_are_refused() {
        let w = witness("witness.example/w1");
        let again = Cosigner::from_private_key(&format!("{}\n", w.private_key())).expect("read");
        assert_eq!(again.verifier_key(), w.verifier_key());
        assert_eq!(
            CosignatureVerifier::from_verifier_key(w.verifier_key()).expect("read"),
            w.verifier()
        );
        // A log's (Ed25519 note) key is not a witness key, and vice versa.
        let log = log();
        assert!(CosignatureVerifier::from_verifier_key(log.verifier_key()).is_err());
        assert!(Cosigner::from_private_key(log.private_key()).is_err());
        assert!(crate::LogVerifier::from_verifier_key(w.verifier_key()).is_err());
        let wrong_id = w.verifier_key().replacen('+', "+0", 1);
        for bad in ["", "name", "a+b+c", "a+00000000+AQ==", wrong_id.as_str()] {
            assert!(
                CosignatureVerifier::from_verifier_key(bad).is_err(),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Cosigner::generate("has space", &mut rand::rngs::OsRng),
            Err(LedgerError::InvalidWitnessName { .. })
        ));
    }

    #[test]
    fn malformed_lines_are_not_cosignatures() {
        for line in [
            "",
            "— ",
            "— name",
            "— name !!!",
            "— name AAAA",
            "- name AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(
                Cosignature::from_line(line),
                Err(LedgerError::MalformedCosignature),
                "{line:?}"
            );
        }
    }
}
