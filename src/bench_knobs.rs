//! The benches' environment knobs (`POLLSCOPE_BENCH_*`), parsed here so
//! that their rules are tested like the rest of the library: a list is
//! comma-separated, an empty list is an error, and a repeated value is
//! dropped with a warning (criterion refuses two benchmarks of one id).

/// A parsed list knob: its distinct values, in order, and what was dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct ListKnob<T> {
    /// The values, each once, in the order given.
    pub values: Vec<T>,
    /// One line per repeated value that was dropped.
    pub warnings: Vec<String>,
}

/// Parses the list knob `name` whose text is `text` (or `default` when the
/// variable is unset), each item with `item`.
///
/// ```
/// use pollscope::internals::parse_list;
/// let parse = |s: &str| s.parse::<u32>().map_err(|_| format!("`{s}` is not a number"));
/// let knob = parse_list("W", Some("1, 2,1"), "1", parse).unwrap();
/// assert_eq!(knob.values, [1, 2]);
/// assert_eq!(knob.warnings.len(), 1);
/// assert!(parse_list("W", Some(""), "1", parse).unwrap_err().contains("empty"));
/// assert!(parse_list("W", Some("1,x"), "1", parse).unwrap_err().contains("`x`"));
/// assert_eq!(parse_list("W", None, "4", parse).unwrap().values, [4]);
/// ```
pub fn parse_list<T: PartialEq>(
    name: &str,
    text: Option<&str>,
    default: &str,
    item: impl Fn(&str) -> Result<T, String>,
) -> Result<ListKnob<T>, String> {
    let text = text.unwrap_or(default);
    let mut knob = ListKnob {
        values: Vec::new(),
        warnings: Vec::new(),
    };
    for raw in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let value = item(raw).map_err(|e| format!("{name}={text:?}: {e}"))?;
        if knob.values.contains(&value) {
            knob.warnings
                .push(format!("{name}: `{raw}` is repeated; it runs once"));
        } else {
            knob.values.push(value);
        }
    }
    if knob.values.is_empty() {
        return Err(format!(
            "{name}={text:?}: the list is empty; give at least one value or unset the variable"
        ));
    }
    Ok(knob)
}

/// A whole number ≥ 1.
///
/// ```
/// assert_eq!(pollscope::internals::positive("3"), Ok(3));
/// assert!(pollscope::internals::positive("0").is_err());
/// ```
pub fn positive(text: &str) -> Result<u32, String> {
    match text.parse::<u64>() {
        Ok(n) if n > u64::from(u32::MAX) => {
            Err(format!("`{text}` is too large (at most {})", u32::MAX))
        }
        Ok(n) if n > 0 => Ok(n as u32),
        _ => Err(format!("`{text}` is not a whole number ≥ 1")),
    }
}

/// A knob value that may be `default` (the runtime's own, `None`).
///
/// ```
/// use pollscope::internals::{or_default, positive};
/// assert_eq!(or_default("default", positive), Ok(None));
/// assert_eq!(or_default("7", positive), Ok(Some(7)));
/// assert!(or_default("0", positive).is_err());
/// ```
pub fn or_default<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match text.trim() {
        "default" => Ok(None),
        value => parse(value).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::duration::parse_duration;

    #[test]
    fn durations_repeat_by_value_not_by_spelling() {
        let knob = parse_list("C", Some("500us,0.5ms,1ms"), "1ms", parse_duration).unwrap();
        assert_eq!(knob.values.len(), 2);
        assert!(knob.warnings[0].contains("0.5ms"));
    }

    #[test]
    fn only_commas_is_empty() {
        assert!(parse_list("C", Some(" , ,"), "1", positive).is_err());
    }

    #[test]
    fn executors_and_knob_lists_parse_with_default() {
        use crate::scenario::Executor;
        let knob = parse_list("E", Some("tokio, smol,tokio"), "tokio", |e| {
            e.parse::<Executor>()
        })
        .unwrap();
        assert_eq!(knob.values, [Executor::Tokio, Executor::Smol]);
        assert_eq!(knob.warnings.len(), 1);
        let err = parse_list("E", Some("tokio,glommio"), "tokio", |e| {
            e.parse::<Executor>()
        })
        .unwrap_err();
        assert!(err.contains("`glommio`"), "{err}");
        let knob = parse_list("G", Some("default,7,default"), "default", |v| {
            or_default(v, positive)
        })
        .unwrap();
        assert_eq!(knob.values, [None, Some(7)]);
        assert!(parse_list("G", Some("0"), "default", |v| or_default(v, positive)).is_err());
    }
}
