//! The change-point method's self-test: synthetic series with one known
//! shift, and none. Deterministic (a fixed seed), no clocks. `cargo test
//! self_test -- --nocapture` prints the measured rates, quoted in
//! results/README.md.
//!
//! Each series has [`LABELS`] labels of `repeats` repeats, each repeat
//! `10 ms × exp(σ·z)` with `z` standard normal (log-normal noise, σ the
//! spread between the processes of one build: results/reference's repeats
//! spread by a median 1–2 % in makespan and completion, 7–11 % at the 90th
//! percentile of configurations, 9 % in p99 scheduling delays), and from
//! the shifted label on multiplied by `1 + shift`.

use super::{MIN_LABELS, change_points};
use crate::common::rng::Rng;

const LABELS: usize = 50;
/// Series per line whose rates are asserted.
const TRIALS: usize = 2_000;
/// Series per line only printed.
const MORE: usize = 500;
const FLOOR: f64 = 5_000.0;

/// What the series of one line found.
#[derive(Default)]
struct Tally {
    series: usize,
    /// Series with a change point at the shifted label.
    found: usize,
    /// Series with a change point at most one label from it.
    near: usize,
    /// Series with a change point elsewhere.
    false_alarms: usize,
    /// Series with a change point more than one label from it.
    far: usize,
}

impl Tally {
    fn found_pct(&self) -> f64 {
        self.found as f64 / self.series.max(1) as f64 * 100.0
    }

    fn false_pct(&self) -> f64 {
        self.false_alarms as f64 / self.series.max(1) as f64 * 100.0
    }

    fn pct(&self, n: usize) -> f64 {
        n as f64 / self.series.max(1) as f64 * 100.0
    }
}

/// One line of the test.
#[derive(Clone, Copy)]
struct Line {
    sigma: f64,
    repeats: usize,
    /// The relative shift (0: none).
    shift: f64,
    /// Where it may start: a label drawn uniformly from this range.
    from: usize,
    to: usize,
}

fn run(rng: &mut Rng, line: Line, trials: usize) -> Tally {
    let mut tally = Tally::default();
    for _ in 0..trials {
        let at = rng.below(line.from, line.to);
        let labels: Vec<Vec<f64>> = (0..LABELS)
            .map(|i| {
                let level = 10e6 * if i >= at { 1.0 + line.shift } else { 1.0 };
                (0..line.repeats)
                    .map(|_| level * (line.sigma * rng.normal()).exp())
                    .collect()
            })
            .collect();
        let found = change_points(&labels, FLOOR);
        tally.series += 1;
        let shifted = line.shift != 0.0;
        tally.found += usize::from(shifted && found.iter().any(|c| c.at == at));
        tally.near += usize::from(shifted && found.iter().any(|c| c.at.abs_diff(at) <= 1));
        tally.false_alarms += usize::from(found.iter().any(|c| !shifted || c.at != at));
        tally.far += usize::from(found.iter().any(|c| !shifted || c.at.abs_diff(at) > 1));
    }
    tally
}

fn line(sigma: f64, repeats: usize, shift: f64) -> Line {
    Line {
        sigma,
        repeats,
        shift,
        from: MIN_LABELS,
        to: LABELS - MIN_LABELS + 1,
    }
}

fn print(name: &str, line: Line, tally: &Tally) {
    if line.shift == 0.0 {
        println!(
            "{name}, σ = {:.0} %, {} repeats: {} series, series with a false change point {:.2} %",
            line.sigma * 100.0,
            line.repeats,
            tally.series,
            tally.false_pct()
        );
        return;
    }
    println!(
        "{name}, σ = {:.0} %, {} repeats: {} series, shift found at its label {:.2} % \
         (within one label {:.2} %), series with another change point {:.2} % \
         (more than one label away {:.2} %)",
        line.sigma * 100.0,
        line.repeats,
        tally.series,
        tally.found_pct(),
        tally.pct(tally.near),
        tally.false_pct(),
        tally.pct(tally.far)
    );
}

#[test]
fn change_points_meet_their_error_rates() {
    let mut rng = Rng(0xC4A2_6E50);
    println!(
        "change-point self-test: {LABELS} labels, log-normal noise σ per repeat, \
         a +15 % shift at a label drawn from {MIN_LABELS}..={} (or none)",
        LABELS - MIN_LABELS
    );
    for (sigma, repeats, asserted) in [(0.03, 3, true), (0.05, 3, true), (0.05, 5, false)] {
        let trials = if asserted { TRIALS } else { MORE };
        let shifted = line(sigma, repeats, 0.15);
        let tally = run(&mut rng, shifted, trials);
        print("+15 %", shifted, &tally);
        let null = line(sigma, repeats, 0.0);
        let none = run(&mut rng, null, trials);
        print("no shift", null, &none);
        if asserted {
            assert!(tally.found_pct() >= 95.0, "{:.2} %", tally.found_pct());
            assert!(none.false_pct() <= 2.0, "{:.2} %", none.false_pct());
        }
    }
    for (sigma, repeats) in [(0.1, 3), (0.1, 5)] {
        for shift in [0.15, 0.0] {
            let l = line(sigma, repeats, shift);
            let tally = run(&mut rng, l, MORE);
            print(if shift > 0.0 { "+15 %" } else { "no shift" }, l, &tally);
        }
    }
    // The newest labels: the fewest labels after the shift.
    let late = Line {
        from: LABELS - MIN_LABELS,
        to: LABELS - MIN_LABELS + 1,
        ..line(0.05, 3, 0.15)
    };
    let tally = run(&mut rng, late, MORE);
    print(
        &format!("+15 % with {MIN_LABELS} labels after it"),
        late,
        &tally,
    );
    // −15 % (an improvement) is found as well.
    let down = line(0.05, 3, -0.15);
    let tally = run(&mut rng, down, MORE);
    print("−15 %", down, &tally);
}
