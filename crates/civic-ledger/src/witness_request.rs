//! The body of a C2SP `tlog-witness` `add-checkpoint` request.

use crate::{Hash, LedgerError};

/// A request asking a witness to cosign a checkpoint: the size of the last
/// checkpoint of this log the log believes the witness has seen, a
/// consistency proof from that size to the new checkpoint's, and the new
/// signed checkpoint.
///
/// Its text form (C2SP `tlog-witness`, `POST /add-checkpoint`):
///
/// ```text
/// old 8
/// <consistency proof hash, base64>
/// <…one a line, at most 63>
///
/// <the signed checkpoint note>
/// ```
///
/// ```
/// use civic_ledger::{AddCheckpoint, LogSigner, empty_root};
/// let log = LogSigner::generate("civic.example/ledger", &mut rand::rngs::OsRng).unwrap();
/// let request = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: log.sign(0, empty_root()) };
/// assert_eq!(AddCheckpoint::parse(&request.to_text()).unwrap(), request);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size the log believes the witness last cosigned (0 for none).
    pub old_size: u64,
    /// The RFC 9162 consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint (C2SP signed note text).
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// The most proof lines a request may carry: enough for any tree of up
    /// to 2^63 entries, as the specification bounds it.
    pub const MAX_PROOF_LINES: usize = 63;

    /// The request body.
    pub fn to_text(&self) -> String {
        let mut text = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            text.push_str(&hash.to_base64());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// Parses a request body. The checkpoint is kept as text: the witness
    /// checks it with the log's key.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedWitnessRequest`] naming what is wrong.
    pub fn parse(body: &str) -> Result<Self, LedgerError> {
        let bad = |reason: &str| LedgerError::MalformedWitnessRequest {
            reason: reason.to_owned(),
        };
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old_size = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or_else(|| bad("the first line must be \"old <size>\""))?;
        // Decimal digits only, no sign or leading zeros, as the spec's
        // grammar for sizes says.
        let canonical = !old_size.is_empty()
            && old_size.bytes().all(|b| b.is_ascii_digit())
            && (old_size == "0" || !old_size.starts_with('0'));
        let old_size = old_size
            .parse::<u64>()
            .ok()
            .filter(|_| canonical)
            .ok_or_else(|| bad("the old size is not a decimal number"))?;
        let proof = lines
            .map(|l| Hash::from_base64(l).map_err(|_| bad("a proof line is not a base64 hash")))
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > Self::MAX_PROOF_LINES {
            return Err(bad("more than 63 proof lines"));
        }
        if checkpoint.is_empty() {
            return Err(bad("no checkpoint after the blank line"));
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    #[test]
    fn requests_round_trip() {
        let request = AddCheckpoint {
            old_size: 12,
            proof: vec![leaf_hash(b"a"), leaf_hash(b"b")],
            checkpoint: "o\n1\nAAAA\n\n— o AAAA\n".into(),
        };
        assert_eq!(AddCheckpoint::parse(&request.to_text()), Ok(request));
    }

    #[test]
    fn malformed_requests_are_named() {
        let hash = leaf_hash(b"a").to_base64();
        let too_many = format!("old 1\n{}\nnote\n", format!("{hash}\n").repeat(64));
        for (body, reason) in [
            ("old 1\nnote", "blank line"),
            ("new 1\n\nnote\n", "first line"),
            ("old -1\n\nnote\n", "decimal"),
            ("old 01\n\nnote\n", "decimal"),
            ("old \n\nnote\n", "decimal"),
            ("old 1\nnot-a-hash\n\nnote\n", "proof line"),
            ("old 1\n\n", "no checkpoint"),
            (too_many.as_str(), "63"),
        ] {
            match AddCheckpoint::parse(body) {
                Err(LedgerError::MalformedWitnessRequest { reason: r }) => {
                    assert!(r.contains(reason), "{body:?}: {r}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }
}
