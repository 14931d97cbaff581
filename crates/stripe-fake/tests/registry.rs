//! The registry's claims, one test each: every route is an endpoint of Stripe's spec, the
//! collections answer `resource_missing` themselves and keep their index through removals,
//! every recorded event is one its resource declares, searchable fields come from the entry,
//! and a resource is refused (with a typed error, nothing added) when it clashes.

mod common;
#[path = "spec/validate.rs"]
#[allow(dead_code)]
mod validate;

use common::{delete, get, json, ok, post, t0};
use serde_json::{Value, json};
use stripe_fake::registry::{Call, Registry, RegistryError, Resource, Route};
use stripe_fake::{Model, model::ApiError};

fn noop(_: &mut Model, _: &Call<'_>) -> Result<Value, ApiError> {
    Ok(json!({}))
}

/// Every v1 route is in the vendored spec. The spec (API version 2023-08-16, the newest full
/// one available) has no v2 path: v2 routes are held to the official SDKs' v2 types instead
/// (`tests/model_v2.rs`). Nor has it the files host's download of a file's contents, which
/// answers bytes, not JSON (`tests/model_files.rs`).
#[test]
fn every_built_in_route_is_an_endpoint_of_stripes_spec() {
    let spec = validate::Spec::load();
    let endpoints: Vec<String> = spec.endpoints();
    let registry = Registry::builtin();
    let mut routes = 0;
    for resource in registry.resources() {
        for route in resource.routes() {
            if route.path().starts_with("/v2/")
                || route.spec_key() == "GET /v1/files/{file}/contents"
            {
                continue;
            }
            routes += 1;
            assert!(
                endpoints.iter().any(|e| e == route.spec_key()),
                "{}: {} is not in the vendored spec",
                resource.object(),
                route.spec_key()
            );
        }
    }
    assert_eq!(
        routes,
        endpoints.len(),
        "the spec's endpoints and the routes match"
    );
}

#[test]
fn an_unknown_id_in_any_path_answers_resource_missing_naming_the_object() {
    let mut model = Model::new(5);
    let mut checked = 0;
    for resource in Registry::builtin().resources() {
        for route in resource.routes() {
            let (method, template) = route.spec_key().split_once(' ').expect("METHOD path");
            if !template.contains('{') {
                continue;
            }
            let path: String = template
                .split('/')
                .map(|s| if s.starts_with('{') { "zz_missing" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let body = if route.spec_key().ends_with("/attach") {
                "customer=cus_x"
            } else if route.spec_key().ends_with("/advance") {
                "frozen_time=1"
            } else {
                ""
            };
            let req = common::request(method, &path, body, None);
            let resp = model.handle(&req, t0());
            let err = &json(&resp)["error"];
            assert_eq!(resp.status(), 404, "{}: {err}", route.spec_key());
            assert_eq!(err["code"], "resource_missing", "{}", route.spec_key());
            let message = err["message"].as_str().unwrap_or_default();
            assert!(message.starts_with("No such "), "{message}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} routes with an id");
}

#[test]
fn a_collection_keeps_its_index_through_removals() {
    let mut model = Model::new(9);
    let ids: Vec<String> = (0..6)
        .map(|i| {
            ok(&mut model, &post("/v1/customers", &format!("name=c{i}")))["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    for gone in [&ids[1], &ids[4]] {
        assert_eq!(
            ok(&mut model, &delete(&format!("/v1/customers/{gone}")))["deleted"],
            true
        );
    }
    for (i, id) in ids.iter().enumerate() {
        let got = ok(&mut model, &get(&format!("/v1/customers/{id}")));
        if i == 1 || i == 4 {
            assert_eq!(
                got,
                json!({"id": id, "object": "customer", "deleted": true})
            );
        } else {
            assert_eq!(got["name"], format!("c{i}"));
            assert_eq!(
                model.find(id).map(|c| c["name"].clone()),
                Some(json!(format!("c{i}")))
            );
        }
    }
    let names: Vec<&str> = model
        .customers()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["c0", "c2", "c3", "c5"],
        "oldest first, the removed ones gone"
    );
    // The find-then-update idiom answers resource_missing itself.
    let customers = model.collection_mut("customer").expect("registered");
    let err = customers
        .update("cus_missing", |_| Ok(()))
        .expect_err("no such customer");
    assert_eq!(
        (err.status(), err.error_code()),
        (404, Some("resource_missing"))
    );
    assert_eq!(err.message(), "No such customer: 'cus_missing'");
    let changed = customers
        .update(&ids[0], |c| {
            c["name"] = json!("renamed");
            Ok(())
        })
        .expect("updated");
    assert_eq!(changed["name"], "renamed");
    assert_eq!(customers.get(&ids[0]).expect("there")["name"], "renamed");
}

#[test]
fn every_event_recorded_is_declared_by_the_resource_of_its_object() {
    let mut model = Model::new(11);
    let cus = ok(
        &mut model,
        &post("/v1/customers", "source=tok_visa&email=a@b.c"),
    );
    let cus = cus["id"].as_str().expect("id");
    ok(&mut model, &post(&format!("/v1/customers/{cus}"), "name=A"));
    let pi = ok(
        &mut model,
        &post(
            "/v1/payment_intents",
            &format!(
                "amount=500&currency=usd&customer={cus}&payment_method=pm_card_visa&capture_method=manual&confirm=true&setup_future_usage=off_session"
            ),
        ),
    );
    let pi = pi["id"].as_str().expect("id");
    ok(
        &mut model,
        &post(&format!("/v1/payment_intents/{pi}/capture"), ""),
    );
    ok(
        &mut model,
        &post("/v1/refunds", &format!("payment_intent={pi}")),
    );
    let ch = ok(
        &mut model,
        &post(
            "/v1/charges",
            "amount=300&currency=usd&source=tok_visa&capture=false",
        ),
    );
    let ch = ch["id"].as_str().expect("id");
    ok(
        &mut model,
        &post(&format!("/v1/charges/{ch}"), "metadata[a]=b"),
    );
    ok(&mut model, &post(&format!("/v1/charges/{ch}/capture"), ""));
    let declined = model.handle(
        &post(
            "/v1/charges",
            "amount=300&currency=usd&source=tok_chargeDeclined",
        ),
        t0(),
    );
    assert_eq!(declined.status(), 402);
    let pi2 = ok(
        &mut model,
        &post("/v1/payment_intents", "amount=9&currency=usd"),
    );
    let pi2 = pi2["id"].as_str().expect("id");
    ok(
        &mut model,
        &post(&format!("/v1/payment_intents/{pi2}/cancel"), ""),
    );
    let failed = model.handle(
        &post(
            &format!("/v1/payment_intents/{pi2}/confirm"),
            "payment_method=pm_card_chargeDeclined",
        ),
        t0(),
    );
    assert_eq!(
        failed.status(),
        400,
        "a canceled intent cannot be confirmed"
    );
    let seti = ok(
        &mut model,
        &post(
            "/v1/setup_intents",
            &format!("customer={cus}&payment_method=pm_card_visa&confirm=true"),
        ),
    );
    let pm = seti["payment_method"].as_str().expect("pm");
    ok(
        &mut model,
        &post(&format!("/v1/payment_methods/{pm}/detach"), ""),
    );
    ok(&mut model, &delete(&format!("/v1/customers/{cus}")));

    let registry = model.registry().clone();
    let mut kinds: Vec<&str> = Vec::new();
    let events = model.events();
    for event in &events {
        let kind = event["type"].as_str().expect("type");
        let object = event["data"]["object"]["object"].as_str().expect("object");
        let resource = registry.resource(object).expect("the object's resource");
        assert!(
            resource.events().contains(&kind),
            "{kind} is not declared by {object}"
        );
        kinds.push(kind);
    }
    kinds.sort_unstable();
    kinds.dedup();
    assert!(kinds.len() >= 15, "{kinds:?}");
}

#[test]
fn search_fields_come_from_the_entry() {
    let mut model = Model::new(13);
    for resource in Registry::builtin().resources() {
        let Some(route) = resource
            .routes()
            .iter()
            .find(|r| r.spec_key().ends_with("/search"))
        else {
            assert!(
                resource.searchable().is_empty(),
                "{} has fields but no search",
                resource.object()
            );
            continue;
        };
        let resp = model.handle(&get(&format!("{}?query=colour:'x'", route.path())), t0());
        assert_eq!(resp.status(), 400);
        let message = json(&resp)["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains(&resource.searchable().join(", ")),
            "{message}"
        );
        for field in resource.searchable() {
            let resp = model.handle(&get(&format!("{}?query={field}:'1'", route.path())), t0());
            assert_eq!(resp.status(), 200, "{field}");
        }
    }
    let refunds = model.handle(&get("/v1/refunds/search?query=status:'x'"), t0());
    let message = json(&refunds)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.starts_with("Unrecognized request URL"), "{message}");
}

#[test]
fn clashing_or_malformed_resources_are_refused_and_nothing_is_added() {
    let base = Registry::builtin();
    let count = base.resources().len();
    let cases: Vec<(Resource, RegistryError)> = vec![
        (
            Resource::new("charge"),
            RegistryError::DuplicateObject { object: "charge" },
        ),
        (
            Resource::new("gadget").with_prefix("ch_"),
            RegistryError::DuplicatePrefix {
                object: "gadget",
                prefix: "ch_",
                registered_by: "charge",
            },
        ),
        (
            Resource::new("gadget").with_prefix("Gad"),
            RegistryError::BadPrefix {
                object: "gadget",
                prefix: "Gad",
            },
        ),
        (
            Resource::new("gadget").with_route(Route::new("GET /v1/customers/{id}", noop)),
            RegistryError::DuplicateRoute {
                spec_key: "GET /v1/customers/{id}",
                object: "gadget",
                registered_by: "customer",
            },
        ),
        (
            Resource::new("gadget")
                .with_route(Route::new("GET /v1/gadgets", noop))
                .with_route(Route::new("GET /v1/gadgets/", noop)),
            RegistryError::BadSpecKey {
                object: "gadget",
                spec_key: "GET /v1/gadgets/",
                reason: "the path has an empty segment",
            },
        ),
        (
            Resource::new("gadget").with_route(Route::new("/v1/gadgets", noop)),
            RegistryError::BadSpecKey {
                object: "gadget",
                spec_key: "/v1/gadgets",
                reason: "expected `METHOD /path`",
            },
        ),
        (
            Resource::new("gadget").with_route(Route::new("GET /v1/gadgets/x{id}", noop)),
            RegistryError::BadSpecKey {
                object: "gadget",
                spec_key: "GET /v1/gadgets/x{id}",
                reason: "a segment is neither a literal nor a whole `{param}`",
            },
        ),
    ];
    for (resource, expected) in cases {
        let err = base.clone().with_resource(resource).expect_err("refused");
        assert!(!err.to_string().is_empty());
        assert_eq!(err, expected);
    }
    assert_eq!(base.resources().len(), count);
    // A route whose shape is new is accepted, a literal before a parameter.
    let registry = base
        .with_resource(
            Resource::new("gadget")
                .with_prefix("gad_")
                .with_route(Route::new("GET /v1/customers/{customer}/gadgets", noop)),
        )
        .expect("accepted");
    let mut model = Model::with_registry(1, registry);
    assert_eq!(
        ok(&mut model, &get("/v1/customers/cus_1/gadgets")),
        json!({})
    );
}
