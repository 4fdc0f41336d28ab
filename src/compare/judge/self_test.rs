//! The judge's self-test: comparisons of synthetic repeats with known
//! shifts, and none, judged as `compare` judges a real one. Deterministic
//! (a fixed seed), no clocks. `cargo test self_test -- --nocapture` prints
//! the measured rates, quoted in results/README.md.
//!
//! Each simulated comparison has [`ROWS`] metrics (about what the journey's
//! five scenarios at two worker counts give), [`REPEATS`] repeats per side,
//! each repeat `median × exp(σ·z)` with `z` standard normal (log-normal
//! noise), and the new side's shifted rows multiplied by `1 + shift`.

use super::{Case, Rules, judge};
use crate::common::rng::Rng;
use crate::compare::{Better, Series, Unit, Verdict};

const ROWS: usize = 150;
const REPEATS: usize = 5;
/// Comparisons per scenario whose rate is asserted.
const TRIALS: usize = 1_000;
/// Comparisons per scenario only printed.
const MORE: usize = 400;
const RULES: Rules = Rules {
    threshold_pct: 10.0,
    fdr: 0.05,
};

/// One row's noise and shift.
#[derive(Clone, Copy)]
struct Row {
    sigma: f64,
    shift: f64,
}

/// What the trials of one scenario found.
#[derive(Default)]
struct Tally {
    /// Comparisons with at least one unshifted row flagged.
    alarmed: usize,
    /// Unshifted rows flagged.
    false_rows: usize,
    /// Unshifted rows.
    null_rows: usize,
    /// Shifted rows flagged in the shift's direction.
    detected: usize,
    /// Shifted rows.
    shifted_rows: usize,
}

fn series(rng: &mut Rng, row: Row, shift: f64) -> Series {
    Series {
        better: Better::Lower,
        unit: Unit::Nanos,
        // 10 ms medians: the 5 µs floor plays no part.
        values: (0..REPEATS)
            .map(|_| 10e6 * (1.0 + shift) * (row.sigma * rng.normal()).exp())
            .collect(),
    }
}

fn run(rng: &mut Rng, rows: &[Row], trials: usize) -> Tally {
    let mut tally = Tally::default();
    for _ in 0..trials {
        let sides: Vec<(Series, Series)> = rows
            .iter()
            .map(|&row| (series(rng, row, 0.0), series(rng, row, row.shift)))
            .collect();
        let cases: Vec<Case<'_>> = sides
            .iter()
            .map(|(base, new)| Case {
                base,
                new,
                disturbed: false,
            })
            .collect();
        let mut alarmed = false;
        for (row, j) in rows.iter().zip(judge(&cases, RULES)) {
            let flagged = matches!(j.verdict, Verdict::Regressed | Verdict::Improved);
            if row.shift == 0.0 {
                tally.null_rows += 1;
                tally.false_rows += usize::from(flagged);
                alarmed |= flagged;
            } else {
                tally.shifted_rows += 1;
                let right = if row.shift > 0.0 {
                    Verdict::Regressed
                } else {
                    Verdict::Improved
                };
                tally.detected += usize::from(j.verdict == right);
            }
        }
        tally.alarmed += usize::from(alarmed);
    }
    tally
}

/// `ROWS` rows at noise `sigma`, the first `shifted` of them shifted.
fn rows(sigma: f64, shifted: usize, shift: f64) -> Vec<Row> {
    (0..ROWS)
        .map(|i| Row {
            sigma,
            shift: if i < shifted { shift } else { 0.0 },
        })
        .collect()
}

fn pct(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64 * 100.0
}

#[test]
fn the_judge_meets_its_error_rates() {
    let mut rng = Rng(0x5EED_2026);
    println!(
        "self-test: {TRIALS} comparisons (asserted) or {MORE} (printed) of {ROWS} metrics per \
         line, {REPEATS} repeats per side, log-normal noise σ, threshold 10 %, FDR 0.05"
    );
    let aa = run(&mut rng, &rows(0.03, 0, 0.0), TRIALS);
    println!(
        "A/A, σ = 3 %: comparisons with a false alarm {:.2} %, rows {:.4} %",
        pct(aa.alarmed, TRIALS),
        pct(aa.false_rows, aa.null_rows)
    );
    assert!(pct(aa.alarmed, TRIALS) <= 1.0);

    let config = run(&mut rng, &rows(0.03, 10, 0.2), TRIALS);
    println!(
        "+20 % in 10 of {ROWS} rows (one configuration), σ = 3 %: detected {:.2} %, \
         comparisons with a false alarm {:.2} %",
        pct(config.detected, config.shifted_rows),
        pct(config.alarmed, TRIALS)
    );
    assert!(pct(config.detected, config.shifted_rows) >= 95.0);

    let lone = run(&mut rng, &rows(0.03, 1, 0.2), TRIALS);
    println!(
        "+20 % in 1 of {ROWS} rows, σ = 3 %: detected {:.2} %",
        pct(lone.detected, lone.shifted_rows)
    );
    assert!(pct(lone.detected, lone.shifted_rows) >= 95.0);
    let lone_quiet = run(&mut rng, &rows(0.02, 1, 0.2), MORE);
    println!(
        "+20 % in 1 of {ROWS} rows, σ = 2 %: detected {:.2} %",
        pct(lone_quiet.detected, lone_quiet.shifted_rows)
    );

    // Under the threshold: significant when the noise is low, never flagged.
    let small = run(&mut rng, &rows(0.01, ROWS, 0.03), TRIALS);
    println!(
        "+3 % in every row, σ = 1 %: flagged {} of {} rows",
        small.detected, small.shifted_rows
    );
    assert_eq!(small.detected, 0);
    let small_noisy = run(&mut rng, &rows(0.03, ROWS, 0.03), TRIALS);
    println!(
        "+3 % in every row, σ = 3 %: flagged {} of {} rows ({:.4} %)",
        small_noisy.detected,
        small_noisy.shifted_rows,
        pct(small_noisy.detected, small_noisy.shifted_rows)
    );
    assert_eq!(small_noisy.detected, 0);

    // Tails: a third of the rows at 3 %, 10 % and 30 % noise.
    let mixed: Vec<Row> = (0..ROWS)
        .map(|i| Row {
            sigma: [0.03, 0.1, 0.3][i % 3],
            shift: 0.0,
        })
        .collect();
    let noisy = run(&mut rng, &mixed, MORE);
    println!(
        "A/A, σ of 3/10/30 %: comparisons with a false alarm {:.2} %, rows {:.4} %",
        pct(noisy.alarmed, MORE),
        pct(noisy.false_rows, noisy.null_rows)
    );
}
