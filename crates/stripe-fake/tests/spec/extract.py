#!/usr/bin/env python3
"""Extracts from Stripe's OpenAPI spec (stripe/openapi, MIT) the subset the fake's spec test needs.

Usage: extract.py SPEC_JSON LICENSE_FILE OUT_JSON OUT_RS

OUT_RS receives the Rust table of the parameters each endpoint accepts (the fake's
`src/model/spec_params.rs`).

For every endpoint the fake serves (ENDPOINTS below) it keeps the names of the parameters
Stripe accepts (query parameters for GET/DELETE, form properties for POST) and the response
schemas by status, plus every component schema those reference (transitively). Descriptions
and other documentation-only keywords are dropped to keep the file small. Stripe has no refunds
search, so neither the spec nor this subset has one (the fake answers it as an unknown URL).
"""
import json
import sys

ENDPOINTS = [
    ("GET", "/v1/balance"),
    ("GET", "/v1/customers"),
    ("POST", "/v1/customers"),
    ("GET", "/v1/customers/search"),
    ("GET", "/v1/customers/{customer}"),
    ("POST", "/v1/customers/{customer}"),
    ("DELETE", "/v1/customers/{customer}"),
    ("GET", "/v1/customers/{customer}/payment_methods"),
    ("GET", "/v1/charges"),
    ("POST", "/v1/charges"),
    ("GET", "/v1/charges/search"),
    ("GET", "/v1/charges/{charge}"),
    ("POST", "/v1/charges/{charge}"),
    ("POST", "/v1/charges/{charge}/capture"),
    ("GET", "/v1/payment_intents"),
    ("POST", "/v1/payment_intents"),
    ("GET", "/v1/payment_intents/search"),
    ("GET", "/v1/payment_intents/{intent}"),
    ("POST", "/v1/payment_intents/{intent}"),
    ("POST", "/v1/payment_intents/{intent}/confirm"),
    ("POST", "/v1/payment_intents/{intent}/capture"),
    ("POST", "/v1/payment_intents/{intent}/cancel"),
    ("GET", "/v1/refunds"),
    ("POST", "/v1/refunds"),
    ("GET", "/v1/refunds/{refund}"),
    ("POST", "/v1/refunds/{refund}"),
    ("POST", "/v1/refunds/{refund}/cancel"),
    ("GET", "/v1/payment_methods"),
    ("POST", "/v1/payment_methods"),
    ("GET", "/v1/payment_methods/{payment_method}"),
    ("POST", "/v1/payment_methods/{payment_method}/attach"),
    ("POST", "/v1/payment_methods/{payment_method}/detach"),
    ("GET", "/v1/setup_intents"),
    ("POST", "/v1/setup_intents"),
    ("GET", "/v1/setup_intents/{intent}"),
    ("POST", "/v1/setup_intents/{intent}/confirm"),
    ("GET", "/v1/disputes"),
    ("GET", "/v1/disputes/{dispute}"),
    ("POST", "/v1/disputes/{dispute}"),
    ("POST", "/v1/disputes/{dispute}/close"),
    ("GET", "/v1/events"),
    ("GET", "/v1/events/{id}"),
    # Billing basics.
    ("GET", "/v1/products"),
    ("POST", "/v1/products"),
    ("GET", "/v1/products/{id}"),
    ("POST", "/v1/products/{id}"),
    ("DELETE", "/v1/products/{id}"),
    ("GET", "/v1/prices"),
    ("POST", "/v1/prices"),
    ("GET", "/v1/prices/{price}"),
    ("POST", "/v1/prices/{price}"),
    ("GET", "/v1/coupons"),
    ("POST", "/v1/coupons"),
    ("GET", "/v1/coupons/{coupon}"),
    ("POST", "/v1/coupons/{coupon}"),
    ("DELETE", "/v1/coupons/{coupon}"),
    # Test clocks.
    ("GET", "/v1/test_helpers/test_clocks"),
    ("POST", "/v1/test_helpers/test_clocks"),
    ("GET", "/v1/test_helpers/test_clocks/{test_clock}"),
    ("DELETE", "/v1/test_helpers/test_clocks/{test_clock}"),
    ("POST", "/v1/test_helpers/test_clocks/{test_clock}/advance"),
    # Subscriptions, invoices, invoice items.
    ("GET", "/v1/subscriptions"),
    ("POST", "/v1/subscriptions"),
    ("GET", "/v1/subscriptions/{subscription_exposed_id}"),
    ("POST", "/v1/subscriptions/{subscription_exposed_id}"),
    ("DELETE", "/v1/subscriptions/{subscription_exposed_id}"),
    ("GET", "/v1/invoices"),
    ("POST", "/v1/invoices"),
    ("GET", "/v1/invoices/upcoming"),
    ("GET", "/v1/invoices/{invoice}"),
    ("POST", "/v1/invoices/{invoice}"),
    ("DELETE", "/v1/invoices/{invoice}"),
    ("POST", "/v1/invoices/{invoice}/finalize"),
    ("POST", "/v1/invoices/{invoice}/pay"),
    ("POST", "/v1/invoices/{invoice}/void"),
    ("POST", "/v1/invoices/{invoice}/mark_uncollectible"),
    ("GET", "/v1/invoices/{invoice}/lines"),
    ("GET", "/v1/invoiceitems"),
    ("POST", "/v1/invoiceitems"),
    ("GET", "/v1/invoiceitems/{invoiceitem}"),
    ("POST", "/v1/invoiceitems/{invoiceitem}"),
    ("DELETE", "/v1/invoiceitems/{invoiceitem}"),
    # Checkout.
    ("GET", "/v1/checkout/sessions"),
    ("POST", "/v1/checkout/sessions"),
    ("GET", "/v1/checkout/sessions/{session}"),
    ("GET", "/v1/checkout/sessions/{session}/line_items"),
    ("POST", "/v1/checkout/sessions/{session}/expire"),
    # Files (their upload is multipart/form-data; the download of their contents,
    # `GET /v1/files/{file}/contents` on the files host, is not in the spec).
    ("GET", "/v1/files"),
    ("POST", "/v1/files"),
    ("GET", "/v1/files/{file}"),
]

KEEP = {"type", "properties", "required", "nullable", "anyOf", "oneOf", "allOf", "enum",
        "items", "$ref", "additionalProperties", "format"}


def strip_schema(node):
    """Keeps validation keywords; property maps keep every property name."""
    if isinstance(node, list):
        return [strip_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "properties":
            out[k] = {name: strip_schema(s) for name, s in v.items()}
        elif k in ("anyOf", "oneOf", "allOf", "items"):
            out[k] = strip_schema(v)
        elif k == "additionalProperties":
            out[k] = strip_schema(v) if isinstance(v, dict) else v
        elif k in KEEP:
            out[k] = v
    return out


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            found.add(ref.rsplit("/", 1)[-1])
        for v in node.values():
            refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)


def params_of(op):
    names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
    content = op.get("requestBody", {}).get("content", {})
    for kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        body = content.get(kind, {}).get("schema", {})
        names += list(body.get("properties", {}).keys())
    return sorted(set(names))


def main():
    spec_path, license_path, out_path, rs_path = sys.argv[1:5]
    with open(spec_path) as f:
        spec = json.load(f)
    with open(license_path) as f:
        license_text = f.read()
    components = spec["components"]["schemas"]
    endpoints = {}
    wanted = set()
    for method, path in ENDPOINTS:
        op = spec["paths"][path][method.lower()]
        responses = {}
        for status, resp in op["responses"].items():
            schema = resp["content"]["application/json"]["schema"]
            responses[status] = strip_schema(schema)
            refs(schema, wanted)
        endpoints[f"{method} {path}"] = {"params": params_of(op), "responses": responses}
    schemas = {}
    todo = sorted(wanted)
    while todo:
        name = todo.pop()
        if name in schemas:
            continue
        schemas[name] = strip_schema(components[name])
        found = set()
        refs(components[name], found)
        todo.extend(sorted(found - set(schemas)))
    out = {
        "source": "Stripe's OpenAPI description, repository stripe/openapi, file spec3.json",
        "spec_version": spec["info"]["version"],
        "license": license_text,
        "generated_by": "crates/stripe-fake/tests/spec/extract.py",
        "endpoints": endpoints,
        "schemas": dict(sorted(schemas.items())),
    }
    with open(out_path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    with open(rs_path, "w") as f:
        f.write("//! The parameters Stripe accepts on each endpoint the fake serves (top-level names).\n")
        f.write("//!\n//! Generated by `tests/spec/extract.py` from Stripe's OpenAPI spec (stripe/openapi, MIT\n")
        f.write(f"//! License), API version {spec['info']['version']}. Do not edit by hand.\n\n")
        f.write("/// `(\"METHOD /v1/path/{template}\", accepted parameter names)`, sorted by endpoint.\n")
        f.write("pub(crate) const SPEC_PARAMS: &[(&str, &[&str])] = &[\n")
        for key in sorted(endpoints):
            names = ", ".join(json.dumps(n) for n in endpoints[key]["params"])
            f.write(f"    (\n        {json.dumps(key)},\n        &[{names}],\n    ),\n")
        f.write("];\n")
    print(f"{len(endpoints)} endpoints, {len(schemas)} schemas -> {out_path}")


if __name__ == "__main__":
    main()
