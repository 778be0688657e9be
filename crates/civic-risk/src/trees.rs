//! The fitted ensemble in our own compact form, its prediction, and exact TreeSHAP.
//!
//! The booster's trees are copied into [`Ensemble`] once after training. Owning the format
//! keeps saved models readable whatever the booster crate does next, and lets prediction and
//! contributions run on one flat array per tree.
//!
//! Contributions are computed with the polynomial-time TreeSHAP algorithm of Lundberg, Erion
//! and Lee ("Consistent individualized feature attribution for tree ensembles", 2018,
//! Algorithm 2), using each node's training Hessian sum as its cover, as XGBoost and LightGBM
//! do. For every row, `expected_value + Σ contributions == margin` (tested), and the values
//! equal the Shapley values of the conditional-expectation game (tested against brute force).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use crate::RiskError;
use crate::leaf_shap::TreeTables;

/// One node of a tree. Leaves have `left == right == missing == u32::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Node {
    /// Feature index tested at a split.
    pub feature: u32,
    /// Rows with `value < threshold` go left, others right.
    pub threshold: f64,
    pub left: u32,
    pub right: u32,
    /// Where a missing value goes: equal to `left` or `right`.
    pub missing: u32,
    /// Leaf value (log-odds) at a leaf.
    pub value: f64,
    /// Training Hessian sum reaching the node.
    pub cover: f64,
}

const LEAF: u32 = u32::MAX;

impl Node {
    pub(crate) fn is_leaf(&self) -> bool {
        self.left == LEAF
    }

    pub(crate) fn next(&self, x: &[f64]) -> u32 {
        let v = x[self.feature as usize];
        if v.is_nan() {
            self.missing
        } else if v < self.threshold {
            self.left
        } else {
            self.right
        }
    }
}

/// One tree: nodes with the root at index 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    /// Cover-weighted mean of the leaves: the tree's expected output.
    pub expected: f64,
    pub depth: usize,
}

/// A sum of trees plus a base score, in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ensemble {
    pub base_score: f64,
    pub trees: Vec<Tree>,
    pub n_features: usize,
    /// Per-leaf contribution tables, built on first use (see `leaf_shap`).
    #[serde(skip)]
    pub tables: TableCache,
}

/// Lazily built [`TreeTables`], one per tree (`None` for a tree too deep to tabulate). Not
/// saved: it is derived from the trees, so two ensembles with equal trees are equal.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableCache(OnceLock<Vec<Option<TreeTables>>>);

impl PartialEq for TableCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Tree {
    pub fn new(nodes: Vec<Node>) -> Result<Tree, RiskError> {
        let bad = |reason: &str| RiskError::InvalidModel {
            reason: format!("malformed tree: {reason}"),
        };
        if nodes.is_empty() {
            return Err(bad("no nodes"));
        }
        for n in &nodes {
            if n.is_leaf() {
                continue;
            }
            let in_range = |i: u32| (i as usize) < nodes.len();
            if !in_range(n.left) || !in_range(n.right) {
                return Err(bad("child out of range"));
            }
            if n.missing != n.left && n.missing != n.right {
                return Err(bad("missing values must follow the left or right branch"));
            }
        }
        let depth = depth_of(&nodes, 0, 0).ok_or_else(|| bad("a cycle or a depth over 64"))?;
        let expected = expected_of(&nodes, 0);
        Ok(Tree {
            nodes,
            expected,
            depth,
        })
    }

    fn leaf_value(&self, x: &[f64]) -> f64 {
        let mut i = 0u32;
        loop {
            let n = &self.nodes[i as usize];
            if n.is_leaf() {
                return n.value;
            }
            i = n.next(x);
        }
    }
}

/// Deeper trees are refused: the booster never grows them, and the bound also catches a
/// cycle in a tampered model file before it can exhaust the stack.
const MAX_TREE_DEPTH: usize = 64;

fn depth_of(nodes: &[Node], i: u32, d: usize) -> Option<usize> {
    if d > MAX_TREE_DEPTH.min(nodes.len()) {
        return None;
    }
    let n = &nodes[i as usize];
    if n.is_leaf() {
        return Some(d);
    }
    Some(depth_of(nodes, n.left, d + 1)?.max(depth_of(nodes, n.right, d + 1)?))
}

fn expected_of(nodes: &[Node], i: u32) -> f64 {
    let n = &nodes[i as usize];
    if n.is_leaf() {
        return n.value;
    }
    let (l, r) = (&nodes[n.left as usize], &nodes[n.right as usize]);
    let total = l.cover + r.cover;
    if total <= 0.0 {
        return 0.5 * (expected_of(nodes, n.left) + expected_of(nodes, n.right));
    }
    (l.cover * expected_of(nodes, n.left) + r.cover * expected_of(nodes, n.right)) / total
}

impl Ensemble {
    /// Copies a fitted forust booster's trees.
    pub fn from_forust(
        booster: &forust_ml::GradientBooster,
        n_features: usize,
    ) -> Result<Self, RiskError> {
        let trees = booster
            .trees
            .iter()
            .map(|t| {
                // forust numbers nodes by `num`, which is their index in `nodes`.
                let nodes = t
                    .nodes
                    .iter()
                    .map(|n| {
                        if n.is_leaf {
                            Node {
                                feature: 0,
                                threshold: 0.0,
                                left: LEAF,
                                right: LEAF,
                                missing: LEAF,
                                value: f64::from(n.weight_value),
                                cover: f64::from(n.hessian_sum),
                            }
                        } else {
                            Node {
                                feature: n.split_feature as u32,
                                threshold: n.split_value,
                                left: n.left_child as u32,
                                right: n.right_child as u32,
                                missing: n.missing_node as u32,
                                value: f64::from(n.weight_value),
                                cover: f64::from(n.hessian_sum),
                            }
                        }
                    })
                    .collect();
                Tree::new(nodes)
            })
            .collect::<Result<_, _>>()?;
        Ok(Ensemble {
            base_score: booster.base_score,
            trees,
            n_features,
            tables: TableCache::default(),
        })
    }

    /// Checks an ensemble read from a file: every tree is rebuilt through [`Tree::new`]
    /// (so child indices, missing-value branches and depth are verified, and the derived
    /// depth and expectation recomputed) and every split must name an existing feature.
    pub fn validated(self) -> Result<Ensemble, RiskError> {
        let n_features = self.n_features;
        let trees = self
            .trees
            .into_iter()
            .map(|t| Tree::new(t.nodes))
            .collect::<Result<Vec<_>, _>>()?;
        let bad_feature = trees
            .iter()
            .flat_map(|t| &t.nodes)
            .any(|n| !n.is_leaf() && n.feature as usize >= n_features);
        if bad_feature {
            return Err(RiskError::InvalidModel {
                reason: "a tree splits on a feature the model does not have".into(),
            });
        }
        Ok(Ensemble {
            base_score: self.base_score,
            trees,
            n_features,
            tables: TableCache::default(),
        })
    }

    /// The raw score (log-odds) of one row of feature values.
    pub fn margin(&self, x: &[f64]) -> f64 {
        self.base_score + self.trees.iter().map(|t| t.leaf_value(x)).sum::<f64>()
    }

    /// The expected margin over the training data: the value contributions start from.
    pub fn expected_value(&self) -> f64 {
        self.base_score + self.trees.iter().map(|t| t.expected).sum::<f64>()
    }

    /// Exact SHAP values of the margin for one row; `phi.len() == n_features`.
    ///
    /// Shallow trees use precomputed per-leaf tables (`leaf_shap`); deeper ones run the
    /// recursive algorithm. Both give the same values (tested).
    pub fn contributions(&self, x: &[f64]) -> Vec<f64> {
        let tables = self
            .tables
            .0
            .get_or_init(|| self.trees.iter().map(TreeTables::build).collect());
        let mut phi = vec![0.0; self.n_features];
        let mut buf = Vec::new();
        for (tree, table) in self.trees.iter().zip(tables) {
            match table {
                Some(table) => table.add(tree, x, &mut phi),
                None => {
                    if buf.is_empty() {
                        buf = self.path_buffer();
                    }
                    tree_shap(tree, x, &mut phi, &mut buf, 0, 0, 0, 1.0, 1.0, None);
                }
            }
        }
        phi
    }

    /// The recursive algorithm on every tree, whatever its depth.
    #[cfg(test)]
    pub fn contributions_recursive(&self, x: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.n_features];
        let mut buf = self.path_buffer();
        for tree in &self.trees {
            tree_shap(tree, x, &mut phi, &mut buf, 0, 0, 0, 1.0, 1.0, None);
        }
        phi
    }

    fn path_buffer(&self) -> Vec<PathElement> {
        let max_depth = self.trees.iter().map(|t| t.depth).max().unwrap_or(0);
        // Each level of the recursion keeps its own copy of the path, one element longer
        // than its parent's.
        vec![PathElement::default(); (max_depth + 3) * (max_depth + 4) / 2]
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PathElement {
    pub feature: Option<u32>,
    pub zero_fraction: f64,
    pub one_fraction: f64,
    pweight: f64,
}

pub(crate) fn extend_path(
    path: &mut [PathElement],
    depth: usize,
    zero: f64,
    one: f64,
    feature: Option<u32>,
) {
    path[depth] = PathElement {
        feature,
        zero_fraction: zero,
        one_fraction: one,
        pweight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 / d1;
        path[i].pweight = zero * path[i].pweight * (depth - i) as f64 / d1;
    }
}

fn unwind_path(path: &mut [PathElement], depth: usize, index: usize) {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let d1 = (depth + 1) as f64;
    let mut next_one_portion = path[depth].pweight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one_portion * d1 / ((i + 1) as f64 * one);
            next_one_portion = tmp - path[i].pweight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].pweight = path[i].pweight * d1 / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

pub(crate) fn unwound_path_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let d1 = (depth + 1) as f64;
    let mut next_one_portion = path[depth].pweight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next_one_portion * d1 / ((i + 1) as f64 * one);
            total += tmp;
            next_one_portion = path[i].pweight - tmp * zero * (depth - i) as f64 / d1;
        } else if zero != 0.0 {
            total += path[i].pweight / zero / ((depth - i) as f64 / d1);
        }
    }
    total
}

/// Recursive TreeSHAP. `buf[parent..]` holds the parent's path of `depth` + 1 elements; this
/// call extends a copy placed right after it, so no allocation happens per node.
#[allow(clippy::too_many_arguments)]
fn tree_shap(
    tree: &Tree,
    x: &[f64],
    phi: &mut [f64],
    buf: &mut [PathElement],
    parent: usize,
    node: u32,
    mut depth: usize,
    parent_zero: f64,
    parent_one: f64,
    parent_feature: Option<u32>,
) {
    let own = parent + depth + 1;
    buf.copy_within(parent..parent + depth + 1, own);
    let path = &mut buf[own..];
    extend_path(path, depth, parent_zero, parent_one, parent_feature);
    let n = &tree.nodes[node as usize];
    if n.is_leaf() {
        for i in 1..=depth {
            let w = unwound_path_sum(path, depth, i);
            let el = path[i];
            if let Some(f) = el.feature {
                phi[f as usize] += w * (el.one_fraction - el.zero_fraction) * n.value;
            }
        }
        return;
    }
    let hot = n.next(x);
    let cold = if hot == n.left { n.right } else { n.left };
    let cover = n.cover;
    let frac = |child: u32| {
        if cover > 0.0 {
            tree.nodes[child as usize].cover / cover
        } else {
            0.5
        }
    };
    let (hot_zero, cold_zero) = (frac(hot), frac(cold));
    let mut incoming_zero = 1.0;
    let mut incoming_one = 1.0;
    // A feature already on the path is undone first, so that it appears once.
    if let Some(k) = (1..=depth).find(|&k| path[k].feature == Some(n.feature)) {
        incoming_zero = path[k].zero_fraction;
        incoming_one = path[k].one_fraction;
        unwind_path(path, depth, k);
        depth -= 1;
    }
    let feature = Some(n.feature);
    tree_shap(
        tree,
        x,
        phi,
        buf,
        own,
        hot,
        depth + 1,
        hot_zero * incoming_zero,
        incoming_one,
        feature,
    );
    tree_shap(
        tree,
        x,
        phi,
        buf,
        own,
        cold,
        depth + 1,
        cold_zero * incoming_zero,
        0.0,
        feature,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(feature: u32, threshold: f64, left: u32, right: u32, cover: f64) -> Node {
        Node {
            feature,
            threshold,
            left,
            right,
            missing: left,
            value: 0.0,
            cover,
        }
    }

    fn leaf(value: f64, cover: f64) -> Node {
        Node {
            feature: 0,
            threshold: 0.0,
            left: LEAF,
            right: LEAF,
            missing: LEAF,
            value,
            cover,
        }
    }

    /// A depth-3 tree over 3 features that splits on feature 0 twice on one path.
    fn sample_tree() -> Tree {
        Tree::new(vec![
            split(0, 0.5, 1, 2, 100.0),
            split(1, 0.5, 3, 4, 60.0),
            split(2, 0.5, 5, 6, 40.0),
            split(0, 0.2, 7, 8, 35.0),
            leaf(2.0, 25.0),
            leaf(-1.0, 10.0),
            leaf(3.0, 30.0),
            leaf(0.5, 15.0),
            leaf(-2.0, 20.0),
        ])
        .unwrap()
    }

    /// E[f(x) | x_S] with the cover-weighted path-dependent expectation.
    fn cond_expectation(tree: &Tree, x: &[f64], set: u32, node: u32) -> f64 {
        let n = &tree.nodes[node as usize];
        if n.is_leaf() {
            return n.value;
        }
        if set & (1 << n.feature) != 0 {
            return cond_expectation(tree, x, set, n.next(x));
        }
        let (l, r) = (&tree.nodes[n.left as usize], &tree.nodes[n.right as usize]);
        (l.cover * cond_expectation(tree, x, set, n.left)
            + r.cover * cond_expectation(tree, x, set, n.right))
            / n.cover
    }

    fn brute_force_shap(tree: &Tree, x: &[f64], m: usize) -> Vec<f64> {
        let fact = |k: usize| (1..=k).product::<usize>() as f64;
        (0..m)
            .map(|i| {
                let mut phi = 0.0;
                for set in 0..(1u32 << m) {
                    if set & (1 << i) != 0 {
                        continue;
                    }
                    let s = set.count_ones() as usize;
                    let w = fact(s) * fact(m - s - 1) / fact(m);
                    phi += w
                        * (cond_expectation(tree, x, set | (1 << i), 0)
                            - cond_expectation(tree, x, set, 0));
                }
                phi
            })
            .collect()
    }

    #[test]
    fn tree_shap_equals_brute_force_shapley_values() {
        let tree = sample_tree();
        let ensemble = Ensemble {
            base_score: 0.0,
            trees: vec![tree.clone()],
            n_features: 3,
            tables: TableCache::default(),
        };
        for x in [
            [0.1, 0.1, 0.1],
            [0.3, 0.9, 0.9],
            [0.9, 0.9, 0.1],
            [0.9, 0.1, 0.9],
            [f64::NAN, 0.9, f64::NAN],
        ] {
            let fast = ensemble.contributions(&x);
            let slow = brute_force_shap(&tree, &x, 3);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-12, "{x:?}: {fast:?} vs {slow:?}");
            }
            let total: f64 = fast.iter().sum::<f64>() + ensemble.expected_value();
            assert!((total - ensemble.margin(&x)).abs() < 1e-12);
        }
    }

    #[test]
    fn malformed_trees_are_rejected() {
        let mut nodes = vec![split(0, 0.5, 1, 2, 1.0), leaf(0.0, 1.0), leaf(1.0, 1.0)];
        nodes[0].missing = 7;
        assert!(Tree::new(nodes).is_err());
        assert!(Tree::new(vec![split(0, 0.5, 0, 0, 1.0)]).is_err());
    }

    /// A random full binary tree of the given depth over `m` features, covers consistent.
    fn random_tree(splits: &[(u32, f64)], leaves: &[(f64, f64)], depth: usize) -> Tree {
        let mut nodes = Vec::new();
        fn build(
            nodes: &mut Vec<Node>,
            splits: &[(u32, f64)],
            leaves: &[(f64, f64)],
            depth: usize,
            next_split: &mut usize,
            next_leaf: &mut usize,
        ) -> (u32, f64) {
            let me = nodes.len() as u32;
            if depth == 0 {
                let (value, cover) = leaves[*next_leaf % leaves.len()];
                *next_leaf += 1;
                nodes.push(leaf(value, cover));
                return (me, cover);
            }
            let (feature, threshold) = splits[*next_split % splits.len()];
            *next_split += 1;
            nodes.push(split(feature, threshold, 0, 0, 0.0));
            let (l, lc) = build(nodes, splits, leaves, depth - 1, next_split, next_leaf);
            let (r, rc) = build(nodes, splits, leaves, depth - 1, next_split, next_leaf);
            let n = &mut nodes[me as usize];
            n.left = l;
            n.right = r;
            n.missing = if feature % 2 == 0 { l } else { r };
            n.cover = lc + rc;
            (me, lc + rc)
        }
        build(&mut nodes, splits, leaves, depth, &mut 0, &mut 0);
        Tree::new(nodes).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn tree_shap_matches_brute_force_on_random_trees(
            splits in proptest::collection::vec((0u32..4, 0.0f64..1.0), 1..16),
            leaves in proptest::collection::vec((-3.0f64..3.0, 0.5f64..50.0), 1..16),
            depth in 1usize..7,
            x in proptest::collection::vec(proptest::option::of(0.0f64..1.0), 4),
        ) {
            let tree = random_tree(&splits, &leaves, depth);
            let x: Vec<f64> = x.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            let ensemble = Ensemble { base_score: 0.1, trees: vec![tree.clone()], n_features: 4, tables: TableCache::default() };
            let fast = ensemble.contributions(&x);
            let slow = brute_force_shap(&tree, &x, 4);
            for (a, b) in fast.iter().zip(&slow) {
                proptest::prop_assert!((a - b).abs() < 1e-9, "{:?} vs {:?}", fast, slow);
            }
            let total = fast.iter().sum::<f64>() + ensemble.expected_value();
            proptest::prop_assert!((total - ensemble.margin(&x)).abs() < 1e-9);
            let recursive = ensemble.contributions_recursive(&x);
            for (a, b) in fast.iter().zip(&recursive) {
                proptest::prop_assert!((a - b).abs() < 1e-9, "{:?} vs {:?}", fast, recursive);
            }
        }
    }
}
