//! Reading one `[[rule]]` table of a rules file, with errors that name the rule and field.

use std::collections::BTreeMap;

use super::SafeguardingRule;
use crate::TriageError;

pub(super) fn invalid(
    rule: Option<&str>,
    field: Option<&str>,
    reason: impl Into<String>,
) -> TriageError {
    TriageError::InvalidRules {
        rule: rule.map(str::to_string),
        field: field.map(str::to_string),
        reason: reason.into(),
    }
}

pub(super) fn string_list(
    table: &toml::Table,
    key: &str,
    rule: Option<&str>,
) -> Result<Vec<String>, TriageError> {
    match table.get(key) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                toml::Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                toml::Value::String(_) => {
                    Err(invalid(rule, Some(key), "entries must not be empty"))
                }
                _ => Err(invalid(rule, Some(key), "must be a list of strings")),
            })
            .collect(),
        Some(_) => Err(invalid(rule, Some(key), "must be a list of strings")),
    }
}

pub(super) fn parse_rule(
    index: usize,
    value: &toml::Value,
) -> Result<SafeguardingRule, TriageError> {
    let position = format!("#{}", index + 1);
    let toml::Value::Table(t) = value else {
        return Err(invalid(
            Some(&position),
            None,
            "each [[rule]] must be a table",
        ));
    };
    let id = match t.get("id") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(invalid(
                Some(&position),
                Some("id"),
                "a non-empty string is required",
            ));
        }
    };
    let name = Some(id.as_str());
    for key in t.keys() {
        if !matches!(
            key.as_str(),
            "id" | "category" | "phrases" | "patterns" | "negatable" | "level" | "description"
        ) {
            return Err(invalid(
                name,
                Some(key),
                "unknown field (expected id, category, phrases, patterns, negatable, level, description)",
            ));
        }
    }
    let category = match t.get("category") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(invalid(
                name,
                Some("category"),
                "a non-empty string is required",
            ));
        }
    };
    let negatable = match t.get("negatable") {
        None => true,
        Some(toml::Value::Boolean(b)) => *b,
        Some(_) => return Err(invalid(name, Some("negatable"), "must be true or false")),
    };
    let watch = match t.get("level") {
        None => false,
        Some(toml::Value::String(s)) if s == "alert" => false,
        Some(toml::Value::String(s)) if s == "watch" => true,
        Some(_) => {
            return Err(invalid(
                name,
                Some("level"),
                "must be \"alert\" or \"watch\"",
            ));
        }
    };
    let phrases = string_list(t, "phrases", name)?;
    let patterns = string_list(t, "patterns", name)?;
    if phrases.is_empty() && patterns.is_empty() {
        return Err(invalid(
            name,
            Some("phrases"),
            "a rule needs at least one phrase or pattern",
        ));
    }
    Ok(SafeguardingRule {
        id,
        category,
        phrases,
        patterns,
        negatable,
        watch,
    })
}

/// The file's `[sets]` table: named word lists that patterns use as `{name}`.
pub(super) fn parse_sets(doc: &toml::Table) -> Result<BTreeMap<String, String>, TriageError> {
    let Some(value) = doc.get("sets") else {
        return Ok(BTreeMap::new());
    };
    let toml::Value::Table(t) = value else {
        return Err(invalid(
            None,
            Some("sets"),
            "use a [sets] table of name = \"a|b|c\"",
        ));
    };
    let mut sets = BTreeMap::new();
    for (name, v) in t {
        let valid_name =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        match v {
            toml::Value::String(s) if valid_name && !s.trim().is_empty() => {
                sets.insert(name.clone(), s.clone());
            }
            _ => {
                return Err(invalid(
                    None,
                    Some("sets"),
                    format!("set {name:?} must have a lowercase name and a non-empty string"),
                ));
            }
        }
    }
    // A set may use other sets; expanding a few times resolves any chain a person would
    // write, and a cycle is an error rather than a loop.
    let mut expanded = sets.clone();
    for _ in 0..8 {
        let mut changed = false;
        for (name, alternatives) in &sets {
            let current = expanded.get(name).cloned().unwrap_or_default();
            let next =
                expand_sets(&current, &expanded).map_err(|e| invalid(None, Some("sets"), e))?;
            if next != current {
                changed = true;
                expanded.insert(name.clone(), next);
            }
            let _ = alternatives;
        }
        if !changed {
            return Ok(expanded);
        }
    }
    Err(invalid(
        None,
        Some("sets"),
        "sets refer to each other in a cycle",
    ))
}

/// Replaces each `{name}` in a pattern by the set's alternatives as `(?:…)`. Braces that
/// do not hold a lowercase name (`{0,3}`) are regular-expression repetition and are kept.
pub(super) fn expand_sets(
    pattern: &str,
    sets: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() * 4);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]);
        match name {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                let set = sets
                    .get(n)
                    .ok_or_else(|| format!("pattern uses {{{n}}}, which no set defines"))?;
                out.push_str("(?:");
                out.push_str(set);
                out.push(')');
                rest = &after[n.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_expand_and_repetitions_are_kept() {
        let mut sets = BTreeMap::new();
        sets.insert("hit".to_string(), "hit|hits".to_string());
        let cases = [
            ("\\b{hit} me", Ok("\\b(?:hit|hits) me".to_string())),
            ("a{0,3}", Ok("a{0,3}".to_string())),
            ("{nope}", Err(())),
        ];
        for (pattern, want) in cases {
            assert_eq!(
                expand_sets(pattern, &sets).map_err(|_| ()),
                want,
                "{pattern}"
            );
        }
    }
}
