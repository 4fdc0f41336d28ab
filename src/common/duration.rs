//! Human durations: `100us`, `0.5ms`, `2ms`, `1s`, `250ns`.
//!
//! humantime parses whole numbers only (`500us`, not `0.5ms`), so pollscope
//! parses the short, fractional forms its flags and TOML files use itself.

use std::time::Duration;

/// The longest duration pollscope accepts: 1,000,000 s (about 11.6 days).
pub(crate) const MAX_DURATION_SECS: u64 = 1_000_000;

/// Parses a positive duration: a decimal number followed by a unit, one of
/// `ns`, `us` (or `µs`), `ms`, `s`; at most 1,000,000 seconds.
///
/// ```
/// use pollscope::internals::parse_duration;
/// use std::time::Duration;
/// assert_eq!(parse_duration("100us"), Ok(Duration::from_micros(100)));
/// assert_eq!(parse_duration("0.5ms"), Ok(Duration::from_micros(500)));
/// assert_eq!(parse_duration("2ms"), Ok(Duration::from_millis(2)));
/// assert!(parse_duration("0ms").is_err());
/// assert!(parse_duration("fast").is_err());
/// assert!(parse_duration("-5us").unwrap_err().contains("negative"));
/// assert!(parse_duration("2000000s").unwrap_err().contains("too large"));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(format!(
            "`{}` holds a control character: a duration is a number and a unit (e.g. 100us)",
            crate::error::shown(text)
        ));
    }
    if trimmed.starts_with('-') {
        return Err(format!(
            "`{}` is negative: a duration must be positive (e.g. 100us)",
            crate::error::shown(text)
        ));
    }
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| {
            format!(
                "`{}` has no unit (use ns, us, ms or s, e.g. 100us)",
                crate::error::shown(text)
            )
        })?;
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.parse().map_err(|_| {
        format!(
            "`{}` is not a duration (e.g. 100us, 0.5ms, 2ms)",
            crate::error::shown(text)
        )
    })?;
    let nanos_per_unit = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        other => {
            return Err(format!(
                "`{}` has an unknown unit `{}` (use ns, us, ms or s)",
                crate::error::shown(text),
                crate::error::shown(other)
            ));
        }
    };
    let nanos = (number * nanos_per_unit).round();
    if nanos > MAX_DURATION_SECS as f64 * 1e9 {
        return Err(format!(
            "`{}` is too large (at most {MAX_DURATION_SECS}s)",
            crate::error::shown(text)
        ));
    }
    if nanos < 1.0 {
        return Err(format!(
            "`{}` is zero or under 1ns: a duration must be positive (e.g. 100us)",
            crate::error::shown(text)
        ));
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// Like [`parse_duration`], but zero (`0`, `0us`) is a value: for
/// `--light-cost` (a service's work per event may be nothing: a pure echo)
/// and the start of a zoom window.
///
/// ```
/// use pollscope::internals::parse_duration_or_zero;
/// use std::time::Duration;
/// assert_eq!(parse_duration_or_zero("0"), Ok(Duration::ZERO));
/// assert_eq!(parse_duration_or_zero("0ms"), Ok(Duration::ZERO));
/// assert_eq!(parse_duration_or_zero("2ms"), Ok(Duration::from_millis(2)));
/// assert!(parse_duration_or_zero("-1ms").is_err());
/// assert!(parse_duration_or_zero("0.1ns").is_err());
/// ```
pub fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let is_zero = number.parse::<f64>().is_ok_and(|n| n == 0.0);
    // `0`, or zero in a known unit (`0us`; `0parsecs` stays an error).
    if is_zero && (unit.is_empty() || parse_duration(&format!("1{unit}")).is_ok()) {
        return Ok(Duration::ZERO);
    }
    parse_duration(text)
}

/// Formats a duration in the shortest exact form of [`parse_duration`]:
/// whole milliseconds as `ms`, whole microseconds as `us`, else `ns`.
///
/// ```
/// use pollscope::internals::format_duration;
/// use std::time::Duration;
/// assert_eq!(format_duration(Duration::from_micros(500)), "500us");
/// assert_eq!(format_duration(Duration::from_millis(2)), "2ms");
/// assert_eq!(format_duration(Duration::from_micros(1500)), "1500us");
/// assert_eq!(format_duration(Duration::from_nanos(250)), "250ns");
/// ```
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos != 0 && nanos.is_multiple_of(1_000_000) {
        format!("{}ms", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!("{}us", nanos / 1_000)
    } else {
        format!("{nanos}ns")
    }
}

/// `d` in whole nanoseconds, saturating at `u64::MAX` (about 584 years).
#[inline]
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Formats nanoseconds for people: `812ns`, `12.3µs`, `4.56ms`, `1.23s`.
pub(crate) fn human_ns(nanos: u64) -> String {
    let n = nanos as f64;
    if nanos < 1_000 {
        format!("{nanos}ns")
    } else if nanos < 1_000_000 {
        format!("{}µs", three_digits(n / 1e3))
    } else if nanos < 1_000_000_000 {
        format!("{}ms", three_digits(n / 1e6))
    } else {
        format!("{}s", three_digits(n / 1e9))
    }
}

fn three_digits(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A keep-alive (`--thread-keep-alive`, `thread_keep_alive`): a positive
/// duration of whole microseconds, the unit runs.csv records it in.
///
/// ```
/// use pollscope::internals::parse_keep_alive;
/// assert_eq!(parse_keep_alive("50ms").unwrap().as_micros(), 50_000);
/// assert!(parse_keep_alive("1500ns").unwrap_err().contains("microseconds"));
/// assert!(parse_keep_alive("0s").is_err());
/// assert!(parse_keep_alive("50ms,1s").unwrap_err().contains("one duration"));
/// ```
pub fn parse_keep_alive(text: &str) -> Result<Duration, String> {
    if text.contains(',') {
        return Err(format!(
            "`{}`: takes one duration, which applies to every tokio run (not a list)",
            crate::error::shown(text)
        ));
    }
    let d = parse_duration(text)?;
    if d.subsec_nanos() % 1_000 != 0 {
        return Err(format!(
            "`{}` is not a whole number of microseconds",
            crate::error::shown(text)
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod doc_examples {
    use std::time::Duration;

    #[test]
    fn nanos() {
        use crate::common::duration::nanos;
        assert_eq!(nanos(Duration::from_micros(3)), 3_000);
        assert_eq!(nanos(Duration::MAX), u64::MAX);
    }

    #[test]
    fn human_ns() {
        assert_eq!(crate::common::duration::human_ns(12_345), "12.3µs");
        assert_eq!(crate::common::duration::human_ns(4_560_000), "4.56ms");
    }
}
