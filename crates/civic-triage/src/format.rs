//! The model file: a versioned binary format.
//!
//! ```text
//! offset  size  content
//! 0       8     signature "CIVICTRG"
//! 8       4     format version, u32 little-endian (currently 1)
//! 12      4     header length H, u32 little-endian
//! 16      H     header: UTF-8 JSON (labels, feature settings, calibration, threshold,
//!               safeguarding rules as TOML, metadata, per-class top terms)
//! 16+H    4·B·C weights, f32 little-endian, feature-major (B buckets × C classes)
//! …       4·C   biases, f32 little-endian
//! end-32  32    SHA-256 of everything before it
//! ```
//!
//! JSON keeps the header readable with standard tools; raw little-endian floats keep the
//! weights compact and fast to load. The checksum turns any truncation or bit flip into a
//! clear "corrupt" error rather than a model that silently predicts nonsense.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::TriageError;
use crate::features::FeatureConfig;
use crate::model::{ModelMetadata, TriageModel, WeightedTerm};
use crate::safeguarding::SafeguardingRules;
use crate::solver::LinearModel;

/// The first eight bytes of every triage model file.
pub const SIGNATURE: &[u8; 8] = b"CIVICTRG";
/// The model file format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    labels: Vec<String>,
    features: FeatureConfig,
    temperature: f64,
    threshold: f64,
    rules_toml: String,
    metadata: ModelMetadata,
    class_terms: Vec<Vec<WeightedTerm>>,
}

impl TriageModel {
    /// Serialises the model to its file format. Deterministic: equal models give equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            labels: self.labels.clone(),
            features: self.features.clone(),
            temperature: self.temperature,
            threshold: self.threshold,
            rules_toml: self.rules.source().to_string(),
            metadata: self.metadata.clone(),
            class_terms: self.class_terms.clone(),
        };
        // Serialising plain structs of strings and numbers cannot fail.
        let json = serde_json::to_vec(&header).unwrap_or_default();
        let floats = self.linear.weights.len() + self.linear.bias.len();
        let mut out = Vec::with_capacity(16 + json.len() + 4 * floats + 32);
        out.extend_from_slice(SIGNATURE);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        for w in self.linear.weights.iter().chain(&self.linear.bias) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes).
    ///
    /// Errors: [`TriageError::NotAModelFile`] when the signature is missing,
    /// [`TriageError::UnsupportedVersion`] for another format version, and
    /// [`TriageError::CorruptModel`] for truncation, a checksum mismatch or inconsistent
    /// contents.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TriageError> {
        if bytes.len() < 8 || &bytes[..8] != SIGNATURE {
            return Err(TriageError::NotAModelFile);
        }
        let version = read_u32(bytes, 8)?;
        if version != FORMAT_VERSION {
            return Err(TriageError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if bytes.len() < 16 + 32 {
            return Err(TriageError::corrupt("the file is truncated"));
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            return Err(TriageError::corrupt(
                "checksum mismatch: the file was truncated, altered or damaged",
            ));
        }
        let header_len = read_u32(body, 12)? as usize;
        let json = body
            .get(16..16 + header_len)
            .ok_or_else(|| TriageError::corrupt("header length exceeds the file"))?;
        let h: Header = serde_json::from_slice(json)
            .map_err(|e| TriageError::corrupt(format!("unreadable header: {e}")))?;
        if !(10..=24).contains(&h.features.buckets_log2) {
            return Err(TriageError::corrupt("bucket count out of range"));
        }
        let classes = h.labels.len();
        if classes < 2 || h.class_terms.len() != classes {
            return Err(TriageError::corrupt(
                "fewer than two classes or inconsistent class lists",
            ));
        }
        let floats = &body[16 + header_len..];
        let expected = (h.features.buckets() + 1) * classes;
        if floats.len() != 4 * expected {
            return Err(TriageError::corrupt(format!(
                "expected {expected} weights, found {} bytes",
                floats.len()
            )));
        }
        let mut all: Vec<f32> = floats
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if all.iter().any(|w| !w.is_finite()) {
            return Err(TriageError::corrupt("a weight is not a finite number"));
        }
        let bias = all.split_off(all.len() - classes);
        let rules = SafeguardingRules::from_toml(&h.rules_toml)
            .map_err(|e| TriageError::corrupt(format!("embedded safeguarding rules: {e}")))?;
        if !(h.temperature.is_finite() && h.temperature > 0.0) {
            return Err(TriageError::corrupt("temperature must be positive"));
        }
        Ok(TriageModel {
            labels: h.labels,
            linear: LinearModel {
                classes,
                weights: all,
                bias,
            },
            features: h.features,
            temperature: h.temperature,
            threshold: h.threshold,
            rules,
            metadata: h.metadata,
            class_terms: h.class_terms,
        })
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, TriageError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| TriageError::corrupt("the file is truncated"))
}
