//! Your own claims: a bound on a metric of a named future (or of every
//! future a glob matches), declared in code or in a TOML experiment's
//! `[[claim]]` tables, judged like the built-in claims.

use std::fmt;
use std::time::Duration;

use crate::common::duration::{format_duration, parse_duration};
use crate::common::names::MAX_NAME;
use crate::common::spelling::spelled_enum;
use crate::error::{Error, Result};

/// What a [`UserClaim`] bounds, per future.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimMetric {
    /// A percentile of its scheduling delays (wake → poll), ns.
    SchedDelay,
    /// A percentile of its poll durations, ns.
    PollDuration,
    /// A percentile of its sample values (µs as recorded, in ns).
    Value,
    /// When it completed, ns since the run's start (a future that never
    /// completed is later than any bound).
    Completion,
    /// The sum of its poll durations, ns.
    Busy,
    /// How many times a poll ran on another thread than the poll before
    /// it (a count).
    Migrations,
}

spelled_enum!(pub ClaimMetric, "claim metric", {
    SchedDelay => "sched_delay",
    PollDuration => "poll_duration",
    Value => "value",
    Completion => "completion",
    Busy => "busy",
    Migrations => "migrations",
});

impl ClaimMetric {
    /// Whether a percentile picks its value (a distribution per future).
    pub fn takes_percentile(self) -> bool {
        matches!(
            self,
            ClaimMetric::SchedDelay | ClaimMetric::PollDuration | ClaimMetric::Value
        )
    }

    /// Whether its bound is a count, not a duration.
    pub fn is_count(self) -> bool {
        self == ClaimMetric::Migrations
    }
}

/// The side of the bound that holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bound {
    /// The measured value must be strictly below this (ns, or a count).
    Below(u64),
    /// The measured value must be strictly above this (ns, or a count).
    Above(u64),
}

impl Bound {
    /// The limit (ns, or a count).
    pub fn limit(self) -> u64 {
        match self {
            Bound::Below(v) | Bound::Above(v) => v,
        }
    }

    /// Whether `value` keeps to the bound.
    pub fn holds(self, value: u64) -> bool {
        match self {
            Bound::Below(limit) => value < limit,
            Bound::Above(limit) => value > limit,
        }
    }

    /// `below` or `above`.
    pub fn word(self) -> &'static str {
        match self {
            Bound::Below(_) => "below",
            Bound::Above(_) => "above",
        }
    }
}

/// A claim about your own futures: `future` (a name, or a glob with `*`
/// and `?` such as `handler*`), a [`ClaimMetric`], a percentile for the
/// distributions, and a [`Bound`]. It holds on a run when every future the
/// pattern matches keeps to the bound; the worst one decides.
///
/// ```
/// use pollscope::{Bound, ClaimMetric, UserClaim};
///
/// let claim: UserClaim = "ticker sched_delay p99 < 1ms".parse().unwrap();
/// assert_eq!(claim.metric, ClaimMetric::SchedDelay);
/// assert_eq!(claim.bound, Bound::Below(1_000_000));
/// assert_eq!(claim.id(), "user.ticker.sched_delay.p99");
/// assert_eq!(claim.to_string(), "ticker sched_delay p99 < 1ms");
/// let whole: UserClaim = "main completion < 1s".parse().unwrap();
/// assert_eq!(whole.to_string(), "main completion < 1s");
///
/// let moves: UserClaim = "handler* migrations > 0".parse().unwrap();
/// assert_eq!(moves.id(), "user.handler*.migrations");
/// assert!("ticker busy p99 < 1ms".parse::<UserClaim>().is_err()); // no percentile of a sum
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UserClaim {
    /// The future's name, or a glob (`*`, `?`) over the futures' names.
    pub future: String,
    /// What is bounded.
    pub metric: ClaimMetric,
    /// The percentile (0 < p ≤ 100) of a distribution metric; `None` for
    /// completion, busy and migrations.
    pub percentile: Option<f64>,
    /// The bound.
    pub bound: Bound,
}

impl UserClaim {
    /// A claim, checked: a safe pattern, a percentile exactly where the
    /// metric takes one, within (0, 100].
    ///
    /// ```
    /// use std::time::Duration;
    /// use pollscope::{Bound, ClaimMetric, UserClaim};
    /// let claim = UserClaim::new("handler*", ClaimMetric::PollDuration, Some(99.0), Bound::Below(50_000)).unwrap();
    /// assert_eq!(claim.to_string(), "handler* poll_duration p99 < 50us");
    /// assert!(UserClaim::new("../x", ClaimMetric::Busy, None, Bound::Below(1)).is_err());
    /// ```
    pub fn new(
        future: impl Into<String>,
        metric: ClaimMetric,
        percentile: Option<f64>,
        bound: Bound,
    ) -> Result<Self> {
        let claim = Self {
            future: future.into(),
            metric,
            percentile,
            bound,
        };
        claim.check().map_err(Error::bad_input)?;
        Ok(claim)
    }

    /// Why the claim is malformed, if it is.
    fn check(&self) -> std::result::Result<(), String> {
        let pattern = &self.future;
        let bad = pattern
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*' | '?')));
        if pattern.is_empty() || pattern.len() > MAX_NAME || pattern.starts_with('.') {
            return Err(format!(
                "claim future `{}`: a name or glob of 1–{MAX_NAME} characters, not starting with `.`",
                crate::error::shown(pattern)
            ));
        }
        if let Some(c) = bad {
            return Err(format!(
                "claim future `{}` holds `{}`: use letters, digits, `_`, `.`, `-`, `*` and `?`",
                crate::error::shown(pattern),
                c.escape_debug()
            ));
        }
        match (self.metric.takes_percentile(), self.percentile) {
            (true, None) => Err(format!(
                "claim on `{pattern}`: {} needs a percentile (e.g. p99)",
                self.metric
            )),
            (false, Some(_)) => Err(format!(
                "claim on `{pattern}`: {} is one number per future, without a percentile",
                self.metric
            )),
            (true, Some(p)) if !(p > 0.0 && p <= 100.0) => Err(format!(
                "claim on `{pattern}`: percentile {p} is outside (0, 100]"
            )),
            _ => Ok(()),
        }
    }

    /// The claim's id in findings.csv: `user.<future>.<metric>[.p<N>]`.
    pub fn id(&self) -> String {
        let mut id = format!("user.{}.{}", self.future, self.metric);
        if let Some(p) = self.percentile {
            id.push_str(&format!(".p{p}"));
        }
        id
    }

    /// The limit as the claim spells it: a duration, or a count.
    pub(crate) fn limit_text(&self) -> String {
        let limit = self.bound.limit();
        if self.metric.is_count() {
            limit.to_string()
        } else if limit != 0 && limit.is_multiple_of(1_000_000_000) {
            format!("{}s", limit / 1_000_000_000)
        } else {
            format_duration(Duration::from_nanos(limit))
        }
    }

    /// Parses a bound's text (`1ms`, or a count for migrations) for
    /// `metric`.
    pub(crate) fn parse_limit(metric: ClaimMetric, text: &str) -> std::result::Result<u64, String> {
        if metric.is_count() {
            text.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{}` is not a count", crate::error::shown(text)))
        } else {
            parse_duration(text).map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        }
    }
}

impl fmt::Display for UserClaim {
    /// `ticker sched_delay p99 < 1ms`: what [`str::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.future, self.metric)?;
        if let Some(p) = self.percentile {
            write!(f, " p{p}")?;
        }
        let op = match self.bound {
            Bound::Below(_) => "<",
            Bound::Above(_) => ">",
        };
        write!(f, " {op} {}", self.limit_text())
    }
}

impl std::str::FromStr for UserClaim {
    type Err = Error;

    /// `FUTURE METRIC [pN] (<|>) LIMIT`, e.g. `ticker sched_delay p99 < 1ms`
    /// or `handler* migrations < 3`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = |why: String| {
            Error::bad_input(format!(
                "claim `{}`: {why} (write e.g. `ticker sched_delay p99 < 1ms`)",
                crate::error::shown(text)
            ))
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let (future, metric, percentile, op, limit) = match words.as_slice() {
            [future, metric, p, op, limit] => (*future, *metric, Some(*p), *op, *limit),
            [future, metric, op, limit] => (*future, *metric, None, *op, *limit),
            _ => return Err(bad("expected 4 or 5 words".into())),
        };
        let metric: ClaimMetric = metric.parse().map_err(bad)?;
        let percentile = percentile
            .map(|p| {
                p.strip_prefix('p')
                    .and_then(|n| n.parse::<f64>().ok())
                    .ok_or_else(|| bad(format!("`{p}` is not a percentile such as p99")))
            })
            .transpose()?;
        let limit = UserClaim::parse_limit(metric, limit).map_err(bad)?;
        let bound = match op {
            "<" => Bound::Below(limit),
            ">" => Bound::Above(limit),
            _ => return Err(bad(format!("`{op}` is not `<` or `>`"))),
        };
        UserClaim::new(future, metric, percentile, bound)
    }
}

/// Whether `name` matches `pattern`, whose `*` stands for any run of
/// characters and `?` for one.
///
/// ```
/// # use pollscope::internals::glob_matches;
/// assert!(glob_matches("handler*", "handler12"));
/// assert!(glob_matches("h?ndler", "handler"));
/// assert!(!glob_matches("handler", "handler1"));
/// ```
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}
