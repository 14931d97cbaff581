"""API v2 through Stripe's official Python SDK against the fake: a raw v2 request, typed v2
calls (meter events, event destinations with their keyed DELETE), and a thin event notification
received as a webhook, verified and parsed by the SDK, its event and related object fetched.

Usage: python sdk_v2.py BASE_URL SECRET. Prints `SDKV2 {json}` (the raw notification with its
signature header, and what the SDK made of it and fetched) for the Rust side to compare with
stripe-core's parse and stripe-client's fetch, then `v2 ok: ...`. Any unexpected SDK exception or
missing attribute fails the run.
"""
import json
import queue
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import stripe


def receiver():
    """A webhook endpoint on a free port: every delivery's signature header and raw body."""
    got = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            got.put((self.headers.get("stripe-signature"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/hook", got


def configure_webhooks(base, url, secret):
    """The fake's run-time webhook setting: thin notifications of v2 events to `url`."""
    body = json.dumps({"url": url, "secret": secret, "events": "thin"}).encode()
    req = urllib.request.Request(
        f"{base}/_fake/webhooks", data=body, method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200, resp.status


def main(base, secret):
    url, deliveries = receiver()
    configure_webhooks(base, url, secret)
    client = stripe.StripeClient(
        "sk_test_sdkv2", base_addresses={"api": base}, max_network_retries=0
    )
    steps = []

    # A raw v2 request: JSON body, a key of ours, a context; the same key again is the same
    # account (v2 idempotency), not a second one.
    raw = client.raw_request(
        "post", "/v2/core/accounts",
        display_name="Shop", metadata={"order": "o-1"},
        stripe_context="acct_parent", idempotency_key="sdk-v2-account",
    )
    account = client.deserialize(raw, api_mode="V2")
    assert account.object == "v2.core.account" and account.display_name == "Shop"
    assert account.metadata["order"] == "o-1" and account.created.endswith("Z")
    again = client.deserialize(
        client.raw_request(
            "post", "/v2/core/accounts",
            display_name="Shop", metadata={"order": "o-1"},
            stripe_context="acct_parent", idempotency_key="sdk-v2-account",
        ),
        api_mode="V2",
    )
    assert again.id == account.id, (again.id, account.id)
    typed = client.v2.core.accounts.retrieve(account.id)
    assert typed.id == account.id and typed.display_name == "Shop"
    listed = client.v2.core.accounts.list({"limit": 10})
    assert [a.id for a in listed.data] == [account.id]
    steps.append("raw v2 request (same key, same account)")

    # Meter events: the same identifier twice is one event.
    event = client.v2.billing.meter_events.create(
        {
            "event_name": "api_calls",
            "payload": {"stripe_customer_id": "cus_sdk", "value": "3"},
            "identifier": "sdk-v2-usage-1",
        }
    )
    assert event.object == "v2.billing.meter_event" and event.identifier == "sdk-v2-usage-1"
    assert event.payload["value"] == "3" and event.event_name == "api_calls"
    same = client.v2.billing.meter_events.create(
        {
            "event_name": "api_calls",
            "payload": {"stripe_customer_id": "cus_sdk", "value": "3"},
            "identifier": "sdk-v2-usage-1",
        }
    )
    assert same.identifier == event.identifier and same.created == event.created
    steps.append("meter events")

    # Event destinations, typed, with the keyed DELETE.
    dest = client.v2.core.event_destinations.create(
        {
            "name": "usage alerts",
            "type": "webhook_endpoint",
            "event_payload": "thin",
            "enabled_events": ["v1.billing.meter.error_report_triggered"],
            "webhook_endpoint": {"url": "https://example.com/hook"},
            "include": ["webhook_endpoint.url"],
        }
    )
    assert dest.object == "v2.core.event_destination" and dest.status == "enabled"
    assert dest.webhook_endpoint.url == "https://example.com/hook"
    dest = client.v2.core.event_destinations.disable(dest.id)
    assert dest.status == "disabled"
    deleted = client.v2.core.event_destinations.delete(dest.id)
    assert deleted.id == dest.id and deleted.object == "v2.core.event_destination"
    try:
        client.v2.core.event_destinations.retrieve(dest.id)
        raise AssertionError("a deleted destination was retrieved")
    except stripe.StripeError as e:
        assert e.http_status == 404, e.http_status
    steps.append("event destinations (keyed DELETE)")

    # The thin notification of the account's creation: verified and parsed by the SDK, its
    # event and its related object fetched in its context.
    signature, body = deliveries.get(timeout=10)
    note = client.parse_event_notification(body, signature, secret)
    assert note.type == "v2.core.account.created", note.type
    assert note.related_object.id == account.id
    assert str(note.context) == "acct_parent", note.context
    fetched = note.fetch_event()
    assert fetched.id == note.id and fetched.type == note.type
    related = note.fetch_related_object()
    assert related.id == account.id and related.display_name == "Shop"
    try:
        client.parse_event_notification(body, signature, "whsec_wrong")
        raise AssertionError("a notification signed with another secret was accepted")
    except stripe.SignatureVerificationError:
        pass
    steps.append("thin notification parsed, event and object fetched")

    print(
        "SDKV2 "
        + json.dumps(
            {
                "signature": signature,
                "body": body.decode(),
                "notification": {
                    "id": note.id,
                    "type": note.type,
                    "created": note.created,
                    "context": str(note.context),
                    "related_object": {
                        "id": note.related_object.id,
                        "type": note.related_object.type,
                        "url": note.related_object.url,
                    },
                },
                "event": fetched.to_dict(),
                "related": related.to_dict(),
            }
        )
    )
    print("v2 ok: " + ", ".join(steps))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
