//! Safe names: the only way a name given by a user (an experiment, a
//! future, a session) or read from a file (a run id) becomes part of a path
//! or an id.
//!
//! A name is 1–64 characters of `[A-Za-z0-9_.-]` and does not start with
//! `.`; a run id, built from names, is the same alphabet in 1–160
//! characters. No separator, no `..`, no absolute path, no hidden file can
//! be spelled in either.

use crate::error::{Error, Result};

/// The longest name of an experiment, a future or a session.
pub(crate) const MAX_NAME: usize = 64;

/// The longest run id.
pub(crate) const MAX_RUN_ID: usize = 160;

/// Why `text` is not a safe name of at most `max` characters, if it is not.
fn problem(text: &str, max: usize) -> Option<String> {
    if text.is_empty() {
        return Some("is empty".to_string());
    }
    if text.len() > max {
        return Some(format!("is {} characters long (at most {max})", text.len()));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Some(format!(
            "holds `{}`: use only letters, digits, `_`, `.` and `-`",
            c.escape_debug()
        ));
    }
    if text.starts_with('.') {
        return Some("starts with `.`".to_string());
    }
    None
}

/// Checks a name of an experiment, a future or a session; `what` names it
/// in the error (e.g. "future name").
pub(crate) fn check_name(what: &str, text: &str) -> Result<()> {
    match problem(text, MAX_NAME) {
        None => Ok(()),
        Some(why) => Err(Error::bad_input(format!(
            "{what} `{}` {why}",
            crate::error::shown(text)
        ))),
    }
}

/// Checks a run id (made by pollscope from safe names, or read from a
/// file); the error is a bare reason for the caller to place.
pub(crate) fn run_id_problem(text: &str) -> Option<String> {
    problem(text, MAX_RUN_ID)
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn check_name() {
        use crate::common::names::check_name;
        assert!(check_name("future name", "spawned3").is_ok());
        for bad in ["", "../x", "/abs", "a/b", ".hidden", "tab\tname", "é"] {
            assert!(check_name("future name", bad).is_err(), "{bad:?}");
        }
        let long = "x".repeat(65);
        assert!(
            check_name("name", &long)
                .unwrap_err()
                .to_string()
                .contains("at most 64")
        );
    }

    #[test]
    fn run_id_problem() {
        use crate::common::names::run_id_problem;
        assert_eq!(run_id_problem("two_futures-w2-cpu500us-r0"), None);
        assert!(run_id_problem("../../etc/x-w2-cpu500us-r0").is_some());
    }
}
