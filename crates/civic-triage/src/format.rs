//! The model file: a versioned binary format.
//!
//! ```text
//! offset  size  content
//! 0       8     signature "CIVICTRG"
//! 8       4     format version, u32 little-endian (currently 3)
//! 12      4     header length H, u32 little-endian
//! 16      H     header: UTF-8 JSON (labels, feature settings, calibration, threshold,
//!               safeguarding rules as TOML, metadata, per-class top terms)
//! 16+H    B·C   quantised weights, i8, feature-major (B buckets × C classes)
//! …       4·C   per-class weight scales, f32 little-endian
//! …       4·C   biases, f32 little-endian
//! end-32  32    SHA-256 of everything before it
//! ```
//!
//! Version 3 has the layout of version 2; its header's feature settings may ask for personal
//! data to be masked and stopwords dropped (`mask_personal_data`, `drop_stopwords`), which a
//! build that reads only versions 1 and 2 would silently ignore, predicting from features
//! the model was not trained on: the new number makes such a build refuse the file
//! instead. Version 2 files, which lack those settings, load with both off, so they predict
//! exactly as before.
//!
//! Version 1 files (written before weights were quantised, see [`crate::weights`]) have
//! `4·B·C` bytes of f32 weights in place of the i8 weights and scales. They still load:
//! their weights are quantised as training now does, so their predictions can differ from
//! what the version 1 code gave by the rounding of the weights (a small fraction of a
//! logit); retraining gives a model whose calibration was fitted on the quantised weights.
//!
//! JSON keeps the header readable with standard tools; raw little-endian numbers keep the
//! weights compact and fast to load. The checksum turns any truncation or bit flip into a
//! clear "corrupt" error rather than a model that silently predicts nonsense.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::TriageError;
use crate::features::FeatureConfig;
use crate::model::{ModelMetadata, TriageModel, WeightedTerm};
use crate::safeguarding::SafeguardingRules;
use crate::solver::LinearModel;
use crate::weights::QuantisedWeights;

/// The first eight bytes of every triage model file.
pub const SIGNATURE: &[u8; 8] = b"CIVICTRG";
/// The model file format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 3;
/// The older format version this build still reads (quantised weights; no text settings
/// beyond those of version 1, so raw words and stopwords).
const FORMAT_VERSION_RAW_WORDS: u32 = 2;
/// The oldest format version this build still reads (f32 weights).
const FORMAT_VERSION_F32: u32 = 1;

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
        let w = &self.weights;
        let classes = w.classes();
        let mut out = Vec::with_capacity(
            16 + json.len() + self.features.buckets() * classes + 8 * classes + 32,
        );
        out.extend_from_slice(SIGNATURE);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        for row in w.rows() {
            out.extend(row.iter().map(|&q| q.to_le_bytes()[0]));
        }
        for x in w.scale().iter().chain(w.bias()) {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes).
    ///
    /// Errors: [`TriageError::NotAModelFile`] when the signature is missing,
    /// [`TriageError::UnsupportedVersion`] for a format version other than 1, 2 or 3, and
    /// [`TriageError::CorruptModel`] for truncation, a checksum mismatch or inconsistent
    /// contents.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TriageError> {
        if bytes.len() < 8 || &bytes[..8] != SIGNATURE {
            return Err(TriageError::NotAModelFile);
        }
        let version = read_u32(bytes, 8)?;
        if ![FORMAT_VERSION, FORMAT_VERSION_RAW_WORDS, FORMAT_VERSION_F32].contains(&version) {
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
        let data = &body[16 + header_len..];
        let weights = if version == FORMAT_VERSION_F32 {
            read_f32_weights(data, h.features.buckets(), classes)?
        } else {
            read_quantised_weights(data, h.features.buckets(), classes)?
        };
        let rules = SafeguardingRules::from_toml(&h.rules_toml)
            .map_err(|e| TriageError::corrupt(format!("embedded safeguarding rules: {e}")))?;
        if !(h.temperature.is_finite() && h.temperature > 0.0) {
            return Err(TriageError::corrupt("temperature must be positive"));
        }
        Ok(TriageModel {
            labels: h.labels,
            weights,
            features: h.features,
            temperature: h.temperature,
            threshold: h.threshold,
            rules,
            metadata: h.metadata,
            class_terms: h.class_terms,
        })
    }
}

/// Version 2: i8 weights, then per-class scales and biases in f32.
fn read_quantised_weights(
    data: &[u8],
    buckets: usize,
    classes: usize,
) -> Result<QuantisedWeights, TriageError> {
    let expected = buckets * classes + 8 * classes;
    if data.len() != expected {
        return Err(TriageError::corrupt(format!(
            "expected {expected} bytes of weights, scales and biases, found {}",
            data.len()
        )));
    }
    let (q, floats) = data.split_at(buckets * classes);
    let floats = finite_f32s(floats)?;
    let (scale, bias) = floats.split_at(classes);
    if scale.iter().any(|&s| s <= 0.0) {
        return Err(TriageError::corrupt("a weight scale is not positive"));
    }
    let q = q.iter().map(|&b| i8::from_le_bytes([b])).collect();
    Ok(QuantisedWeights::from_parts(
        classes,
        q,
        scale.to_vec(),
        bias.to_vec(),
    ))
}

/// Version 1: f32 weights and biases, quantised on load as training now does.
fn read_f32_weights(
    data: &[u8],
    buckets: usize,
    classes: usize,
) -> Result<QuantisedWeights, TriageError> {
    let expected = (buckets + 1) * classes;
    if data.len() != 4 * expected {
        return Err(TriageError::corrupt(format!(
            "expected {expected} weights (format version {FORMAT_VERSION_F32}), found {} bytes",
            data.len()
        )));
    }
    let mut weights = finite_f32s(data)?;
    let bias = weights.split_off(weights.len() - classes);
    Ok(QuantisedWeights::quantise(&LinearModel {
        classes,
        weights,
        bias,
    }))
}

fn finite_f32s(bytes: &[u8]) -> Result<Vec<f32>, TriageError> {
    let all: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if all.iter().any(|w| !w.is_finite()) {
        return Err(TriageError::corrupt("a weight is not a finite number"));
    }
    Ok(all)
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, TriageError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| TriageError::corrupt("the file is truncated"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrainOptions, TrainingExample, demo, train};

    /// The model in the version 1 layout: f32 weights (here the quantised ones, exactly
    /// representable) and biases.
    fn version_1_bytes(model: &TriageModel) -> Vec<u8> {
        let v2 = model.to_bytes();
        let header_len = read_u32(&v2, 12).unwrap_or(0) as usize;
        let mut out = v2[..16 + header_len].to_vec();
        out[8..12].copy_from_slice(&FORMAT_VERSION_F32.to_le_bytes());
        let w = &model.weights;
        for b in 0..model.features.buckets() as u32 {
            for k in 0..w.classes() {
                out.extend_from_slice(&(w.weight(b, k) as f32).to_le_bytes());
            }
        }
        for x in w.bias() {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    #[test]
    fn version_1_files_load_by_quantising_their_weights() {
        let examples: Vec<TrainingExample> = demo::generate(5, 400)
            .into_iter()
            .map(TrainingExample::from)
            .collect();
        let (model, _) = train(&examples, &TrainOptions::default(), &|_| {}).unwrap();
        let old = version_1_bytes(&model);
        // Four bytes a weight instead of one, and no scales.
        let (b, c) = (model.features.buckets(), model.labels.len());
        assert_eq!(old.len(), model.to_bytes().len() + 3 * b * c - 4 * c);
        let loaded = TriageModel::from_bytes(&old).unwrap();
        // Weights that were already on the quantisation grid come back on it (the scales
        // to within the rounding of f32).
        assert!(loaded.weights.rows().eq(model.weights.rows()));
        for (a, b) in loaded.weights.scale().iter().zip(model.weights.scale()) {
            assert!((a - b).abs() <= 1e-6 * b, "{a} {b}");
        }
        let text = "The bin lorry missed our road again, third week running";
        let (p, q) = (loaded.predict(text), model.predict(text));
        assert_eq!(p.label, q.label);
        assert!((p.confidence - q.confidence).abs() < 1e-6);
        assert_eq!(&loaded.to_bytes()[8..12], &FORMAT_VERSION.to_le_bytes());
        // A damaged version 1 file is still caught.
        let mut short = old[..old.len() - 32 - 4].to_vec();
        short.extend_from_slice(&Sha256::digest(&short));
        let err = TriageModel::from_bytes(&short).unwrap_err();
        assert!(err.to_string().contains("format version 1"), "{err}");
    }
}
