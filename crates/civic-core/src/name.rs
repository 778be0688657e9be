//! The one rule for the short names people give things: models, API keys, teams.

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// What is wrong with a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Nothing but white space.
    Empty,
    /// More than [`MAX_NAME_CHARS`] characters once trimmed.
    TooLong,
    /// A control character (a NUL, a line break, a tab…), which would not
    /// show, or would break a line of a log or a table.
    Control,
}

impl NameProblem {
    /// The problem in words, to follow "the name".
    pub fn describe(self) -> String {
        match self {
            NameProblem::Empty => "must not be empty".to_owned(),
            NameProblem::TooLong => format!("must be at most {MAX_NAME_CHARS} characters"),
            NameProblem::Control => "must not contain control characters".to_owned(),
        }
    }
}

/// `text` trimmed, if it is a good name: 1 to [`MAX_NAME_CHARS`] characters
/// once trimmed, with no control characters.
pub fn check_name(text: &str) -> Result<&str, NameProblem> {
    let t = text.trim();
    if t.is_empty() {
        return Err(NameProblem::Empty);
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong);
    }
    if t.chars().any(char::is_control) {
        return Err(NameProblem::Control);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded_in_characters_without_control_characters() {
        assert_eq!(check_name("  council-triage \n"), Ok("council-triage"));
        assert_eq!(check_name(" \t "), Err(NameProblem::Empty));
        // Counted in characters, not bytes: 100 two-byte letters are fine.
        assert_eq!(check_name(&"é".repeat(100)).map(str::len), Ok(200));
        assert_eq!(check_name(&"é".repeat(101)), Err(NameProblem::TooLong));
        assert_eq!(check_name("a\u{0}b"), Err(NameProblem::Control));
        assert_eq!(check_name("line\nbreak"), Err(NameProblem::Control));
    }
}
