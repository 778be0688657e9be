//! TreeSHAP by per-leaf tables, for shallow trees.
//!
//! In TreeSHAP a leaf's share of each feature's SHAP value depends on the row only through
//! which of the leaf's path conditions the row meets: every other quantity (the leaf value,
//! the share of training cover along each edge) is fixed by the tree. For a leaf whose path
//! tests `k` distinct features there are `2^k` such patterns, so we compute the `k`
//! contributions for every pattern once, with the same path arithmetic as the recursive
//! algorithm, and scoring a row becomes: for each leaf, test its conditions, look up a row
//! of the table, add. This is the idea of "Fast TreeSHAP" (Yang, 2021). Tables cost
//! `leaves · 2^k · k` numbers, so they are built only for trees at most
//! [`MAX_TABLE_DEPTH`] deep; deeper trees use the recursive algorithm in `trees.rs`.

use crate::trees::{PathElement, Tree, extend_path, unwound_path_sum};

/// Deepest tree given tables (16 leaves × 16 patterns × 4 values = 1,024 numbers).
pub(crate) const MAX_TABLE_DEPTH: usize = 4;

/// One leaf's conditions and its contribution table.
#[derive(Debug, Clone)]
struct LeafTable {
    /// The distinct features tested on the path to the leaf.
    features: Vec<u32>,
    /// Each edge on the path: (split node, child taken, position of its feature).
    edges: Vec<(u32, u32, u8)>,
    /// `table[pattern * k + j]`: feature `j`'s contribution when the row meets the
    /// conditions on exactly the features whose bits are set in `pattern`.
    table: Vec<f64>,
}

/// The tables of every leaf of one tree.
#[derive(Debug, Clone)]
pub(crate) struct TreeTables {
    leaves: Vec<LeafTable>,
}

impl TreeTables {
    /// Tables for a tree, or `None` if it is deeper than [`MAX_TABLE_DEPTH`].
    pub fn build(tree: &Tree) -> Option<TreeTables> {
        if tree.depth > MAX_TABLE_DEPTH {
            return None;
        }
        let mut leaves = Vec::new();
        collect(tree, 0, &mut Vec::new(), &mut leaves);
        Some(TreeTables { leaves })
    }

    /// Adds the tree's SHAP values for row `x` to `phi`.
    pub fn add(&self, tree: &Tree, x: &[f64], phi: &mut [f64]) {
        for leaf in &self.leaves {
            let k = leaf.features.len();
            let mut pattern = (1usize << k) - 1;
            for &(node, child, slot) in &leaf.edges {
                if tree.nodes[node as usize].next(x) != child {
                    pattern &= !(1 << slot);
                }
            }
            let values = &leaf.table[pattern * k..(pattern + 1) * k];
            for (&f, &v) in leaf.features.iter().zip(values) {
                phi[f as usize] += v;
            }
        }
    }
}

fn collect(tree: &Tree, node: u32, path: &mut Vec<(u32, u32)>, out: &mut Vec<LeafTable>) {
    let n = &tree.nodes[node as usize];
    if n.is_leaf() {
        if !path.is_empty() {
            out.push(leaf_table(tree, path, n.value));
        }
        return;
    }
    for child in [n.left, n.right] {
        path.push((node, child));
        collect(tree, child, path, out);
        path.pop();
    }
}

fn leaf_table(tree: &Tree, path: &[(u32, u32)], value: f64) -> LeafTable {
    let mut features: Vec<u32> = Vec::new();
    let mut zero: Vec<f64> = Vec::new();
    let mut edges = Vec::with_capacity(path.len());
    for &(node, child) in path {
        let n = &tree.nodes[node as usize];
        let share = if n.cover > 0.0 {
            tree.nodes[child as usize].cover / n.cover
        } else {
            0.5
        };
        // A feature tested twice on the path counts once, with the shares multiplied: the
        // same merging the recursive algorithm does when it unwinds a repeated feature.
        let slot = match features.iter().position(|&f| f == n.feature) {
            Some(slot) => {
                zero[slot] *= share;
                slot
            }
            None => {
                features.push(n.feature);
                zero.push(share);
                features.len() - 1
            }
        };
        edges.push((node, child, slot as u8));
    }
    let k = features.len();
    let mut table = vec![0.0; (1 << k) * k];
    let mut path_elements = vec![PathElement::default(); k + 1];
    for pattern in 0..(1usize << k) {
        extend_path(&mut path_elements, 0, 1.0, 1.0, None);
        for j in 0..k {
            let one = if pattern >> j & 1 == 1 { 1.0 } else { 0.0 };
            extend_path(&mut path_elements, j + 1, zero[j], one, Some(features[j]));
        }
        for i in 1..=k {
            let el = path_elements[i];
            let w = unwound_path_sum(&path_elements, k, i);
            table[pattern * k + i - 1] = w * (el.one_fraction - el.zero_fraction) * value;
        }
    }
    LeafTable {
        features,
        edges,
        table,
    }
}
