//! The hostile round's library cases (the command line's are in
//! scripts/hostile.sh): bad values from a user's own code are refused
//! with one clear line and nothing written; bench knobs are strict.

use pollscope::{Pictures, Session};

#[test]
fn non_finite_samples_are_refused_at_the_call() {
    let session = Session::start("hostile_nan").unwrap();
    let recorded = futures::executor::block_on(session.instrument("f", async {
        [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.0].map(pollscope::sample)
    }));
    assert_eq!(recorded, [false, false, false, true]);
    let result = session.finish().unwrap();
    let samples = &result.trace.future("f").unwrap().samples;
    assert_eq!(samples.len(), 1);
    assert!(samples.iter().all(|s| s.value.is_finite()));
}

#[test]
fn duplicate_future_names_are_bad_input_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let session = Session::start("hostile_dup").unwrap();
    futures::executor::block_on(async {
        session.instrument("twin", async {}).await;
        session.instrument("twin", async {}).await;
    });
    let error = session.finish_into(&out, Pictures::No).unwrap_err();
    let message = error.to_string();
    assert_eq!(error.exit_code(), 2, "{message}");
    assert!(
        message.contains("`twin`") && !message.contains('\n'),
        "{message}"
    );
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn bench_knobs_are_strict() {
    use pollscope::internals::{positive, positive_env};
    for bad in ["0", "-3", "abc", "", "4294967296", "1.5"] {
        let message = positive(bad).unwrap_err();
        assert!(!message.is_empty());
    }
    assert_eq!(positive("10"), Ok(10));
    // Each case its own variable: tests run in parallel.
    for (i, bad) in ["0", "abc", "-3"].iter().enumerate() {
        let name = format!("POLLSCOPE_HOSTILE_TEST_KNOB_{i}");
        // SAFETY: no other thread reads or writes this variable.
        unsafe { std::env::set_var(&name, bad) };
        let message = positive_env(&name, 10).unwrap_err();
        assert!(message.starts_with(&name), "{message}");
    }
    assert_eq!(positive_env("POLLSCOPE_HOSTILE_TEST_UNSET", 7), Ok(7));
}

#[test]
fn quoted_input_is_one_bounded_line() {
    use pollscope::internals::shown;
    let huge = format!("a\nb\u{1b}{}", "x".repeat(50_000_000 / 1000));
    let quoted = shown(&huge);
    assert!(!quoted.contains('\n') && !quoted.contains('\u{1b}'));
    assert!(quoted.chars().count() <= 81 + 8, "{}", quoted.len());
    let toml = format!(
        "name = \"{}\"\n[[future]]\nname = \"a\"\nplacement = \"inline\"\ncost = \"1us\"\n",
        "n".repeat(1_000_000)
    );
    let message = pollscope::parse_experiment(std::path::Path::new("t.toml"), &toml)
        .unwrap_err()
        .to_string();
    assert!(message.len() < 400, "{} bytes", message.len());
}

#[test]
fn a_failed_write_is_exit_1_naming_the_user_s_folder() {
    use pollscope::{JourneyParams, ResultFolder, RunResult, builtin, publish};
    let params = JourneyParams {
        samples: 3,
        ..Default::default()
    };
    let result =
        RunResult::new(pollscope::run(&builtin("two_futures", &params).unwrap(), 0).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let folder = ResultFolder::create(&out).unwrap();
    // The device fails under the writer: its temporary folder is gone.
    std::fs::remove_dir(folder.path()).unwrap();
    let error = publish(folder, &[result], Pictures::No).unwrap_err();
    let message = error.to_string();
    assert_eq!(error.exit_code(), 1, "{message}");
    assert!(message.contains(&out.display().to_string()), "{message}");
    assert!(!message.contains(".tmp-"), "{message}");
    assert!(!out.exists());
}

#[test]
fn an_output_folder_named_dash_or_with_a_newline_is_refused() {
    use pollscope::ResultFolder;
    let dir = tempfile::tempdir().unwrap();
    for name in ["-", "a\nb", "tab\there"] {
        let out = dir.path().join(name);
        let Err(error) = ResultFolder::create(&out) else {
            panic!("{name:?} accepted")
        };
        assert_eq!(error.exit_code(), 2, "{name:?}: {error}");
        assert!(!error.to_string().contains('\n'), "{error}");
        assert!(!out.exists(), "{name:?}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
