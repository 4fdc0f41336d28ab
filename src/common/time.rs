//! Wall-clock instants as runs.csv spells them: RFC 3339 in UTC, to the
//! second.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, RFC 3339 in UTC to the second (`2026-12-04T15:20:00Z`).
pub(crate) fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// `instant` as RFC 3339 in UTC to the second; an instant before the Unix
/// epoch reads as the epoch.
pub(crate) fn rfc3339(instant: SystemTime) -> String {
    let secs = instant
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Howard Hinnant's civil-from-days.
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Whether `text` is an RFC 3339 UTC instant as [`rfc3339`] writes it
/// (`YYYY-MM-DDTHH:MM:SSZ`, fractions of a second allowed).
pub(crate) fn is_rfc3339_utc(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let fraction_ok = match b.get(19) {
        Some(b'.') => b.len() > 21 && digits(20..b.len() - 1),
        _ => b.len() == 20,
    };
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && fraction_ok
        && b[b.len() - 1] == b'Z'
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{is_rfc3339_utc, rfc3339};

    #[test]
    fn rfc3339_spells_known_instants() {
        let at = |secs| rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_796_396_400), "2026-12-04T15:00:00Z");
    }

    #[test]
    fn rfc3339_utc_is_recognised() {
        assert!(is_rfc3339_utc("2026-12-04T15:00:00Z"));
        assert!(is_rfc3339_utc("2026-12-04T15:00:00.25Z"));
        assert!(!is_rfc3339_utc("2026-12-04 15:00:00Z"));
        assert!(!is_rfc3339_utc("2026-12-04T15:00:00+01:00"));
        assert!(!is_rfc3339_utc("yesterday"));
        assert!(!is_rfc3339_utc(""));
    }
}
