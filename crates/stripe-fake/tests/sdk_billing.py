"""A subscription's life on a test clock, through Stripe's official Python SDK against the fake,
with the fake's webhooks received, verified and checked in order.

Usage: python sdk_billing.py FAKE_BINARY. Runs a webhook receiver (http.server on
127.0.0.1:0) whose handler verifies each delivery's signature with the SDK
(`StripeClient.construct_event`) and records the event types in arrival order, then starts the
fake (`FAKE_BINARY --webhook-url ... --webhook-secret ...`) and runs: a subscription with a
7-day trial; the trial's end (its notice three days before, the first paid period); a renewal
paid; a renewal failing with a card that declines (`invoice.payment_failed`, `past_due`); the
retry Stripe makes three days later, paid with the customer's new card; cancel at period end,
honoured when the period ends. After each step it asserts the objects' states and the events
received since the step before, in order. Exits 0 and prints `billing flow ok: ...`.
"""
import http.server
import subprocess
import sys
import threading
import time

import stripe

SECRET = "whsec_billing_flow"
START = 1_700_000_000  # 2023-11-14 22:13:20 UTC
DAY = 86_400
HOUR = 3_600


class Receiver:
    """The webhook endpoint: verified event types, in arrival order."""

    def __init__(self, client):
        self.client = client
        self.types = []
        self.rejected = []
        self.seen = 0
        self.changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    event = receiver.client.construct_event(
                        body, self.headers.get("Stripe-Signature"), SECRET
                    )
                except (stripe.SignatureVerificationError, ValueError) as e:
                    with receiver.changed:
                        receiver.rejected.append(str(e))
                        receiver.changed.notify_all()
                    self.send_response(400)
                    self.end_headers()
                    return
                with receiver.changed:
                    receiver.types.append(event.type)
                    receiver.changed.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def expect(self, step, types, timeout=20.0):
        """The next len(types) events received must be `types`, in this order."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.types) < self.seen + len(types) and not self.rejected:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
            assert not self.rejected, f"{step}: a delivery failed verification: {self.rejected}"
            got = self.types[self.seen : self.seen + len(types)]
            assert got == types, f"{step}: events\n  got      {got}\n  expected {types}"
            self.seen += len(types)
        return step


def start_fake(binary, webhook_url):
    fake = subprocess.Popen(
        [binary, "--port", "0", "--seed", "4242", "--webhook-url", webhook_url,
         "--webhook-secret", SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = fake.stdout.readline().strip()
    assert line.startswith("listening on http://"), line
    return fake, line.removeprefix("listening on ")


def main(binary):
    client = stripe.StripeClient("sk_test_billing_flow", max_network_retries=0)
    hooks = Receiver(client)
    fake, base = start_fake(binary, hooks.url)
    try:
        steps = run(stripe.StripeClient(
            "sk_test_billing_flow", base_addresses={"api": base}, max_network_retries=0
        ).v1, hooks)
    finally:
        fake.terminate()
        fake.wait()
    assert len(hooks.types) == hooks.seen, f"unexpected extra events: {hooks.types[hooks.seen:]}"
    print(f"billing flow ok: {', '.join(steps)}; {hooks.seen} webhooks verified in order")


def run(v1, hooks):
    steps = []
    clock = v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "billing flow"})

    def advance(to):
        moving = v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": to})
        assert moving.status == "advancing" and moving.frozen_time == to
        assert v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready"

    def subscription():
        return v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})

    product = v1.products.create({"name": "Pro"})
    price = v1.prices.create(
        {"product": product.id, "currency": "usd", "unit_amount": 2000,
         "recurring": {"interval": "month"}}
    )
    customer = v1.customers.create({"test_clock": clock.id, "email": "pro@example.com"})
    card = v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": card.id}})
    hooks.expect("setup", [
        "test_helpers.test_clock.created", "product.created", "price.created",
        "customer.created", "payment_method.attached", "customer.updated",
    ])

    sub = v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": price.id}], "trial_period_days": 7}
    )
    trial_end = START + 7 * DAY
    assert sub.status == "trialing" and sub.trial_end == trial_end
    assert sub.current_period_end == trial_end and sub.test_clock == clock.id
    assert subscription().latest_invoice.amount_due == 0
    steps.append(hooks.expect("create with a trial", [
        "customer.subscription.created", "invoice.created", "invoice.finalized",
        "invoice.paid", "invoice.payment_succeeded",
    ]))

    paid_period = [
        "customer.subscription.updated", "invoice.created", "payment_intent.created",
        "invoice.finalized", "charge.succeeded", "payment_intent.succeeded",
        "invoice.paid", "invoice.payment_succeeded",
    ]
    advance(trial_end + 2 * HOUR)
    now = subscription()
    assert now.status == "active" and now.current_period_start == trial_end
    assert now.latest_invoice.status == "paid" and now.latest_invoice.amount_paid == 2000
    assert now.latest_invoice.billing_reason == "subscription_cycle"
    steps.append(hooks.expect("trial end", [
        "test_helpers.test_clock.advancing", "customer.subscription.trial_will_end",
        *paid_period, "test_helpers.test_clock.ready",
    ]))

    renewal = now.current_period_end
    advance(renewal + 2 * HOUR)
    now = subscription()
    assert now.status == "active" and now.current_period_start == renewal
    assert now.latest_invoice.status == "paid"
    steps.append(hooks.expect("renewal paid", [
        "test_helpers.test_clock.advancing", *paid_period, "test_helpers.test_clock.ready",
    ]))

    declining = v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": declining.id}})
    hooks.expect("a card that declines", ["payment_method.attached", "customer.updated"])
    renewal = now.current_period_end
    advance(renewal + 2 * HOUR)
    now = subscription()
    failed = now.latest_invoice
    assert now.status == "past_due"
    assert failed.status == "open" and failed.attempt_count == 1
    assert failed.next_payment_attempt == renewal + HOUR + 3 * DAY
    intent = v1.payment_intents.retrieve(failed.payment_intent)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "generic_decline"
    steps.append(hooks.expect("renewal failing", [
        "test_helpers.test_clock.advancing", "customer.subscription.updated", "invoice.created",
        "payment_intent.created", "invoice.finalized", "charge.failed",
        "payment_intent.payment_failed", "invoice.payment_failed",
        "customer.subscription.updated", "test_helpers.test_clock.ready",
    ]))

    fixed = v1.payment_methods.attach("pm_card_mastercard", {"customer": customer.id})
    v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": fixed.id}})
    hooks.expect("a new card", ["payment_method.attached", "customer.updated"])
    advance(failed.next_payment_attempt + HOUR)
    now = subscription()
    assert now.status == "active"
    assert now.latest_invoice.status == "paid" and now.latest_invoice.attempt_count == 2
    steps.append(hooks.expect("retry paid", [
        "test_helpers.test_clock.advancing", "charge.succeeded", "payment_intent.succeeded",
        "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated",
        "test_helpers.test_clock.ready",
    ]))

    ending = v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    assert ending.cancel_at_period_end is True and ending.cancel_at == ending.current_period_end
    assert ending.status == "active"
    hooks.expect("cancel at period end", ["customer.subscription.updated"])
    advance(ending.current_period_end + HOUR)
    now = subscription()
    assert now.status == "canceled" and now.ended_at == ending.current_period_end
    assert now.cancellation_details.reason == "cancellation_requested"
    steps.append(hooks.expect("canceled at period end", [
        "test_helpers.test_clock.advancing", "customer.subscription.deleted",
        "test_helpers.test_clock.ready",
    ]))

    invoices = v1.invoices.list({"subscription": sub.id, "limit": 10})
    assert [i.status for i in invoices.data] == ["paid"] * 4, [i.status for i in invoices.data]
    assert [i.amount_paid for i in invoices.data] == [2000, 2000, 2000, 0]
    return steps


if __name__ == "__main__":
    main(sys.argv[1])
