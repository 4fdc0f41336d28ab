//! The zoom window as people write it: `FROM..TO`, durations since the
//! run's start (`plot --zoom 5ms..10ms`).

use std::time::Duration;

use crate::common::duration::parse_duration_or_zero;

/// Parses a zoom window `FROM..TO` such as `5ms..10ms` or `0..250us`
/// (`0` needs no unit). Errors are one line naming the text: malformed,
/// reversed or empty windows.
///
/// ```
/// use std::time::Duration;
/// use pollscope::parse_zoom;
/// assert_eq!(parse_zoom("5ms..10ms"), Ok((Duration::from_millis(5), Duration::from_millis(10))));
/// assert_eq!(parse_zoom("0..250us"), Ok((Duration::ZERO, Duration::from_micros(250))));
/// assert!(parse_zoom("10ms..5ms").unwrap_err().contains("ends before it starts"));
/// ```
pub fn parse_zoom(text: &str) -> Result<(Duration, Duration), String> {
    let Some((from, to)) = text.split_once("..") else {
        return Err(format!(
            "zoom window `{}` is not FROM..TO (e.g. 5ms..10ms)",
            crate::error::shown(text)
        ));
    };
    let bound = |part: &str| -> Result<Duration, String> {
        if part.trim().is_empty() {
            return Err(format!(
                "zoom window `{}` lacks a bound (e.g. 5ms..10ms)",
                crate::error::shown(text)
            ));
        }
        parse_duration_or_zero(part)
            .map_err(|e| format!("zoom window `{}`: {e}", crate::error::shown(text)))
    };
    let (from, to) = (bound(from)?, bound(to)?);
    if to < from {
        return Err(format!(
            "zoom window `{}` ends before it starts",
            crate::error::shown(text)
        ));
    }
    if to == from {
        return Err(format!(
            "zoom window `{}` is empty",
            crate::error::shown(text)
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_reversed_and_empty_windows_are_one_line_errors() {
        for (text, says) in [
            ("5ms", "is not FROM..TO"),
            ("5ms..", "lacks a bound"),
            ("..5ms", "lacks a bound"),
            ("soon..5ms", "soon"),
            ("5..10", "no unit"),
            ("10ms..5ms", "ends before it starts"),
            ("5ms..5000us", "is empty"),
        ] {
            let error = parse_zoom(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
            assert!(error.contains(text) && !error.contains('\n'), "{error}");
        }
        assert_eq!(
            parse_zoom(" 1.5ms .. 2ms "),
            Ok((Duration::from_micros(1500), Duration::from_millis(2)))
        );
    }
}
