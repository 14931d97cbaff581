//! The server's command-line options (`stripe_fake::cli`), shared by the `stripe-fake` binary
//! and `stripe-cli fake`: every option, the help, and each typed refusal.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use stripe_fake::cli::{OptionsError, help, parse_args};
use stripe_fake::server::WebhookEvents;

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn every_option_reaches_the_server_options() {
    let dir = std::env::temp_dir().join(format!("stripe-fake-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let plan = dir.join("plan.json");
    std::fs::write(
        &plan,
        r#"[{"method": "POST", "path": "/v1/charges", "fault": "drop_after", "times": 1}]"#,
    )
    .expect("write");
    let options = parse_args(&args(&[
        "--port",
        "12111",
        "--host=0.0.0.0",
        "--seed",
        "7",
        "--search-lag",
        "1.5",
        "--plan",
        plan.to_str().expect("utf-8"),
        "--webhook-url",
        "http://127.0.0.1:9/hook",
        "--webhook-secret",
        "whsec_x",
        "--webhook-events",
        "both",
    ]))
    .expect("valid")
    .expect("not the help");
    assert_eq!(options.port, 12111);
    assert_eq!(options.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(options.seed, 7);
    assert_eq!(options.search_lag, Duration::from_millis(1500));
    assert_eq!(
        options.plan.rules().len(),
        1,
        "the plan file's rule is loaded"
    );
    assert_eq!(
        options.webhook.as_ref().map(|w| w.url()),
        Some("http://127.0.0.1:9/hook")
    );
    assert_eq!(
        options.webhook.as_ref().map(|w| w.events()),
        Some(WebhookEvents::Both)
    );
    std::fs::remove_dir_all(&dir).ok();

    let defaults = parse_args(&[]).expect("valid").expect("options");
    assert_eq!((defaults.port, defaults.webhook.is_none()), (0, true));
}

#[test]
fn help_is_asked_for_anywhere() {
    for words in [&["--help"][..], &["-h"], &["--port", "0", "--help"]] {
        assert!(
            parse_args(&args(words)).expect("valid").is_none(),
            "{words:?}"
        );
    }
    let text = help("stripe-cli fake");
    assert!(
        text.starts_with("usage: stripe-cli fake [options]"),
        "{text}"
    );
    for option in [
        "--port",
        "--plan",
        "--seed",
        "--search-lag",
        "--webhook-url",
        "--webhook-secret",
        "--webhook-events",
    ] {
        assert!(text.contains(option), "{option} in {text}");
    }
}

#[test]
fn bad_options_are_typed_errors_that_say_what_was_wrong() {
    let err = |words: &[&str]| parse_args(&args(words)).expect_err("refused");
    assert!(matches!(err(&["--bogus"]), OptionsError::Unknown(a) if a == "--bogus"));
    assert!(matches!(err(&["serve"]), OptionsError::Unknown(_)));
    assert!(matches!(
        err(&["--port"]),
        OptionsError::MissingValue("--port")
    ));
    let e = err(&["--port", "70000"]);
    assert!(
        matches!(
            e,
            OptionsError::Invalid {
                option: "--port",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("70000"), "{e}");
    assert!(matches!(
        err(&["--host", "localhost"]),
        OptionsError::Invalid { .. }
    ));
    assert!(matches!(
        err(&["--search-lag", "-1"]),
        OptionsError::Invalid { .. }
    ));
    let e = err(&[
        "--webhook-url",
        "http://127.0.0.1:9/",
        "--webhook-events",
        "fat",
    ]);
    assert!(
        matches!(
            e,
            OptionsError::Invalid {
                option: "--webhook-events",
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(&["--plan", "/nonexistent/plan.json"]);
    assert!(matches!(e, OptionsError::PlanFile { .. }), "{e:?}");
    assert!(std::error::Error::source(&e).is_some());
    let dir = std::env::temp_dir().join(format!("stripe-fake-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "[{\"fault\": \"melt\"}]").expect("write");
    let e = err(&["--plan", bad.to_str().expect("utf-8")]);
    assert!(matches!(e, OptionsError::Plan { .. }), "{e:?}");
    std::fs::remove_dir_all(&dir).ok();
    let e = err(&["--webhook-url", "https://example.com/hook"]);
    assert!(matches!(e, OptionsError::WebhookUrl(_)), "{e:?}");
    assert!(e.to_string().contains("--webhook-url"), "{e}");
}
