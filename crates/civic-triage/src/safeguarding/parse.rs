//! Reading one `[[rule]]` table of a rules file, with errors that name the rule and field.

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
            "id" | "category" | "phrases" | "patterns" | "negatable" | "description"
        ) {
            return Err(invalid(
                name,
                Some(key),
                "unknown field (expected id, category, phrases, patterns, negatable, description)",
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
    })
}
