//! `stripe-cli journal audit`, through the binary, against the fake: an operation with two
//! charges reported and its extra refunded once (`--refund-extras`), a clean audit exiting 0,
//! bad flags as usage errors.

mod common;

use common::journal::{at_fake, db, journaled_charge, scratch};
use common::{cli, cli_at, code, json, stderr};
use stripe_fake::server::{self, ServerHandle};

/// `journal namespace`: the namespace the journal at `db` tags its objects with.
fn namespace(db: &str) -> String {
    let out = cli(&["journal", "namespace", "--db", db]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["namespace"]
        .as_str()
        .expect("namespace")
        .to_owned()
}

/// A charge made without the journal, carrying `op_tag` and `ns_tag` (as an old key executed
/// late would have made): its id.
fn tagged_charge(fake: &ServerHandle, op_tag: &str, ns_tag: &str) -> String {
    let post = cli_at(
        fake,
        &[
            "post",
            "/v1/charges",
            "-d",
            "amount=900",
            "-d",
            "currency=usd",
            "-d",
            "source=tok_visa",
            "-d",
            op_tag,
            "-d",
            ns_tag,
        ],
    );
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    json(&post)["id"].as_str().expect("id").to_owned()
}

#[test]
fn audit_reports_an_op_with_two_charges_and_refunds_the_extra_once() {
    let fake = server::start().expect("fake");
    let dir = scratch("audit");
    let db = db(&dir);
    let base = fake.base_url();
    // The journal's charge, then a second one carrying the same tags (as an old key executed
    // late would have made).
    let post = cli_at(&fake, &journaled_charge(&db, "order-3/charge", &[]));
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    let recorded = json(&post)["id"].as_str().expect("id").to_owned();
    let ns = namespace(&db);
    let op_tag = "metadata[op]=order-3/charge".to_owned();
    let ns_tag = format!("metadata[op_ns]={ns}");
    let extra = tagged_charge(&fake, &op_tag, &ns_tag);
    // Another namespace's charge with the same op id is not this journal's.
    tagged_charge(&fake, &op_tag, "metadata[op_ns]=someone-else");

    let audit = cli(&at_fake(
        &base,
        &["journal", "audit", "--since", "3600", "--db", &db],
    ));
    assert_eq!(code(&audit), 1, "{}", stderr(&audit));
    let report = json(&audit);
    let dups = report["duplicates"].as_array().expect("duplicates");
    assert_eq!(dups.len(), 1, "{report}");
    assert_eq!(dups[0]["op"], "order-3/charge");
    assert_eq!(dups[0]["resource"], "charges");
    let ids: Vec<&str> = dups[0]["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, [recorded.as_str(), extra.as_str()], "{report}");
    assert_eq!(dups[0]["recorded"], recorded.as_str());
    assert_eq!(
        report["refunds"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert_eq!(fake.count(stripe_fake::Kind::Refund), 0);

    // Refunding the extra, twice: one refund, of the extra charge only.
    let refund = [
        "journal",
        "audit",
        "--since",
        "3600",
        "--refund-extras",
        "--db",
        &db,
    ];
    let first = cli(&at_fake(&base, &refund));
    assert_eq!(code(&first), 1, "{}", stderr(&first));
    let report = json(&first);
    let refunds = report["refunds"].as_array().expect("refunds");
    assert_eq!(refunds.len(), 1, "{report}");
    assert_eq!(
        (refunds[0]["object"].as_str(), refunds[0]["result"].as_str()),
        (Some(extra.as_str()), Some("refunded"))
    );
    let second = cli(&at_fake(&base, &refund));
    assert_eq!(code(&second), 1, "{}", stderr(&second));
    let report = json(&second);
    assert_eq!(
        report["refunds"][0]["result"], "already_refunded",
        "{report}"
    );
    assert_eq!(fake.count(stripe_fake::Kind::Refund), 1);
    let refunded: Vec<bool> = [&recorded, &extra]
        .iter()
        .map(|id| {
            let got = cli_at(&fake, &["get", &format!("/v1/charges/{id}")]);
            json(&got)["refunded"].as_bool().unwrap_or(false)
        })
        .collect();
    assert_eq!(refunded, [false, true]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn audit_without_duplicates_exits_zero_and_bad_flags_are_usage_errors() {
    let fake = server::start().expect("fake");
    let dir = scratch("audit-clean");
    let db = db(&dir);
    let base = fake.base_url();
    let post = cli_at(&fake, &journaled_charge(&db, "order-2/charge", &[]));
    assert_eq!(code(&post), 0, "{}", stderr(&post));
    let audit = cli(&at_fake(&base, &["journal", "audit", "--db", &db]));
    assert_eq!(code(&audit), 0, "{}", stderr(&audit));
    let report = json(&audit);
    assert_eq!(
        report["duplicates"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert!(report["tagged"].as_u64() >= Some(1), "{report}");
    for bad in [
        vec!["journal", "audit", "--db", &db, "--since", "soon"],
        vec!["journal", "audit", "--db", &db, "--refund-extras=yes"],
        vec!["journal", "audit", "--db", &db],
    ] {
        assert_eq!(code(&cli(&bad)), 2, "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
