"""A 3D Secure payment and Checkout Sessions (payment, setup and subscription mode) through
Stripe's official Python SDK against the fake's binary, with the fake's webhooks received,
verified by the SDK and checked in order.

Usage: python sdk_checkout.py STRIPE_FAKE_BINARY. It starts a webhook receiver (http.server on
127.0.0.1:0), starts the fake with `--webhook-url` pointing at it, runs the flows, stops the
fake, and exits 0 printing `checkout flows ok: ...` when every object state and every ordered
list of events is Stripe's; any failed assertion or unexpected SDK exception fails the run.
"""
import http.server
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import stripe

SECRET = "whsec_sdk_checkout"
URLS = {"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cart"}


class Receiver:
    """A webhook endpoint: each delivery's signature checked by the SDK, the events kept in
    arrival order."""

    def __init__(self):
        self.events = []
        self.failures = []
        self.taken = 0
        self.cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                payload = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                signature = self.headers.get("Stripe-Signature")
                try:
                    event = stripe.Webhook.construct_event(payload, signature, SECRET)
                    try:
                        stripe.Webhook.construct_event(payload, signature, "whsec_wrong")
                        raise AssertionError("a wrong secret must not verify")
                    except stripe.SignatureVerificationError:
                        pass
                except Exception as e:  # recorded, and the run fails on it
                    with receiver.cond:
                        receiver.failures.append(repr(e))
                        receiver.cond.notify_all()
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with receiver.cond:
                    receiver.events.append(event)
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.HTTPServer):
            # One delivery at a time, in the order the fake connected; room for a burst.
            request_queue_size = 64

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def take(self, n, timeout=10.0):
        """The next `n` events, in arrival order."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.events) < self.taken + n and not self.failures:
                left = deadline - time.monotonic()
                assert left > 0, f"{n} events expected, got {self.types(self.events[self.taken:])}"
                self.cond.wait(left)
            assert not self.failures, self.failures
            got = self.events[self.taken:self.taken + n]
            self.taken += n
            return got

    def nothing_more(self, wait=0.5):
        time.sleep(wait)
        with self.cond:
            assert not self.failures, self.failures
            extra = self.types(self.events[self.taken:])
            assert not extra, f"unexpected events: {extra}"

    @staticmethod
    def types(events):
        return [e.type for e in events]


def fake_page(method, url, body=None):
    """A fake-only endpoint: its status and JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def three_d_secure(v1, base, hooks):
    pi = v1.payment_intents.create({
        "amount": 4200, "currency": "usd", "payment_method": "pm_card_threeDSecure2Required",
        "confirm": True, "return_url": "https://shop.example/back",
    })
    assert pi.status == "requires_action", pi.status
    assert pi.next_action.type == "redirect_to_url"
    assert pi.next_action.redirect_to_url.return_url == "https://shop.example/back"
    assert pi.next_action.redirect_to_url.url, "a page to send the cardholder to"
    assert pi.latest_charge is None and pi.amount_received == 0
    events = hooks.take(2)
    assert hooks.types(events) == ["payment_intent.created", "payment_intent.requires_action"]
    assert events[1].data.object.id == pi.id and events[1].data.object.status == "requires_action"

    status, answer = fake_page("POST", f"{base}/_fake/payment_intents/{pi.id}/authenticate",
                               {"outcome": "succeed"})
    assert status == 200 and answer["status"] == "succeeded", (status, answer)
    pi = v1.payment_intents.retrieve(pi.id, {"expand": ["latest_charge"]})
    assert pi.status == "succeeded" and pi.amount_received == 4200 and pi.next_action is None
    assert pi.latest_charge.status == "succeeded" and pi.latest_charge.payment_intent == pi.id
    events = hooks.take(2)
    assert hooks.types(events) == ["charge.succeeded", "payment_intent.succeeded"]
    assert events[0].data.object.id == pi.latest_charge.id
    assert events[1].data.object.status == "succeeded"
    return "3DS payment"


def checkout_payment(v1, base, hooks):
    tee = v1.prices.create({"currency": "usd", "unit_amount": 1500, "product_data": {"name": "Tee"}})
    assert hooks.types(hooks.take(2)) == ["product.created", "price.created"]
    cs = v1.checkout.sessions.create({
        **URLS, "mode": "payment", "customer_creation": "always", "client_reference_id": "cart-42",
        "line_items": [
            {"price": tee.id, "quantity": 2},
            {"price_data": {"currency": "usd", "unit_amount": 300,
                            "product_data": {"name": "Gift wrap"}}, "quantity": 1},
        ],
        "payment_intent_data": {"metadata": {"order": "42"}},
        "metadata": {"order": "42"},
    })
    # The inline price is made (with its product) when the session is.
    assert hooks.types(hooks.take(2)) == ["product.created", "price.created"]
    assert cs.object == "checkout.session" and cs.status == "open" and cs.mode == "payment"
    assert cs.payment_status == "unpaid" and cs.amount_total == 3300 and cs.currency == "usd"
    assert cs.payment_intent is None and cs.customer is None and cs.customer_creation == "always"
    assert cs.url == f"{base}/_fake/checkout/sessions/{cs.id}", cs.url
    items = v1.checkout.sessions.line_items.list(cs.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("Tee", 2, 3000), ("Gift wrap", 1, 300)]
    shown = v1.checkout.sessions.retrieve(cs.id, {"expand": ["line_items"]})
    assert shown.line_items.data[0].price.id == tee.id
    assert shown.line_items.data[1].price.active is False

    status, page = fake_page("GET", cs.url)
    assert status == 200 and page["id"] == cs.id and page["status"] == "open", (status, page)
    status, done = fake_page("POST", cs.url + "/complete",
                             {"payment_method": "pm_card_visa", "email": "ada@example.com",
                              "name": "Ada"})
    assert status == 200 and done["status"] == "complete", (status, done)
    events = hooks.take(5)
    assert hooks.types(events) == [
        "customer.created", "payment_intent.created", "charge.succeeded",
        "payment_intent.succeeded", "checkout.session.completed"], hooks.types(events)
    completed = events[4].data.object
    assert isinstance(completed, stripe.checkout.Session), type(completed)
    assert completed.id == cs.id and completed.payment_status == "paid"
    assert completed.client_reference_id == "cart-42"

    cs = v1.checkout.sessions.retrieve(cs.id, {"expand": ["payment_intent", "customer"]})
    assert cs.status == "complete" and cs.payment_status == "paid" and cs.url is None
    assert cs.customer.id == events[0].data.object.id and cs.customer.email == "ada@example.com"
    assert cs.customer_details.email == "ada@example.com" and cs.customer_details.name == "Ada"
    pi = cs.payment_intent
    assert pi.status == "succeeded" and pi.amount == 3300 and pi.customer == cs.customer.id
    assert pi.metadata["order"] == "42" and pi.id == events[3].data.object.id
    found = v1.checkout.sessions.list({"payment_intent": pi.id})
    assert [s.id for s in found.data] == [cs.id]
    try:
        v1.checkout.sessions.expire(cs.id)
        raise AssertionError("a complete session cannot be expired")
    except stripe.InvalidRequestError:
        pass

    other = v1.checkout.sessions.create({
        **URLS, "mode": "payment", "line_items": [{"price": tee.id, "quantity": 1}]})
    other = v1.checkout.sessions.expire(other.id)
    assert other.status == "expired" and other.url is None
    events = hooks.take(1)
    assert hooks.types(events) == ["checkout.session.expired"] and events[0].data.object.id == other.id
    return "Checkout Session payment"


def checkout_setup(v1, base, hooks):
    cus = v1.customers.create({"email": "saver@example.com"})
    assert hooks.types(hooks.take(1)) == ["customer.created"]
    cs = v1.checkout.sessions.create({
        **URLS, "mode": "setup", "payment_method_types": ["card"], "customer": cus.id,
        "setup_intent_data": {"metadata": {"why": "save"}}})
    assert cs.payment_status == "no_payment_required" and cs.amount_total is None
    status, done = fake_page("POST", cs.url + "/complete", {"payment_method": "tok_mastercard"})
    assert status == 200 and done["status"] == "complete", (status, done)
    assert hooks.types(hooks.take(4)) == [
        "setup_intent.created", "payment_method.attached", "setup_intent.succeeded",
        "checkout.session.completed"]
    cs = v1.checkout.sessions.retrieve(cs.id, {"expand": ["setup_intent"]})
    assert cs.status == "complete" and cs.setup_intent.status == "succeeded"
    assert cs.setup_intent.metadata["why"] == "save"
    saved = v1.payment_methods.list({"customer": cus.id, "type": "card"})
    assert [m.card.last4 for m in saved.data] == ["4444"]
    return "Checkout Session setup"


def checkout_subscription(v1, base, hooks):
    club = v1.prices.create({"currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"},
                             "product_data": {"name": "Club"}})
    assert hooks.types(hooks.take(2)) == ["product.created", "price.created"]
    cs = v1.checkout.sessions.create({
        **URLS, "mode": "subscription", "line_items": [{"price": club.id, "quantity": 2}],
        "subscription_data": {"metadata": {"plan": "club"}}})
    assert cs.mode == "subscription" and cs.amount_total == 1800 and cs.subscription is None
    status, done = fake_page("POST", cs.url + "/complete",
                             {"payment_method": "pm_card_visa", "email": "member@example.com"})
    assert status == 200 and done["status"] == "complete", (status, done)
    events = hooks.take(12)
    assert hooks.types(events) == [
        "customer.created", "payment_method.attached", "customer.subscription.created",
        "invoice.created", "payment_intent.created", "invoice.finalized", "charge.succeeded",
        "payment_intent.succeeded", "invoice.paid", "invoice.payment_succeeded",
        "customer.subscription.updated", "checkout.session.completed"], hooks.types(events)
    assert events[11].data.object.subscription == events[2].data.object.id
    cs = v1.checkout.sessions.retrieve(cs.id, {"expand": ["subscription", "invoice"]})
    assert cs.status == "complete" and cs.payment_status == "paid"
    sub = cs.subscription
    assert sub.status == "active" and sub.customer == cs.customer and sub.metadata["plan"] == "club"
    assert sub["items"].data[0].price.id == club.id and sub["items"].data[0].quantity == 2
    assert cs.invoice.status == "paid" and cs.invoice.amount_paid == 1800
    assert cs.invoice.subscription == sub.id and sub.latest_invoice == cs.invoice.id
    return "Checkout Session subscription"


def main(binary):
    hooks = Receiver()
    fake = subprocess.Popen(
        [binary, "--port", "0", "--seed", "24301", "--webhook-url", hooks.url,
         "--webhook-secret", SECRET],
        stdout=subprocess.PIPE, text=True)
    try:
        line = fake.stdout.readline().strip()
        assert line.startswith("listening on http://"), line
        base = line.removeprefix("listening on ")
        client = stripe.StripeClient(
            "sk_test_sdkcheckout", base_addresses={"api": base}, max_network_retries=0)
        steps = [flow(client.v1, base, hooks)
                 for flow in (three_d_secure, checkout_payment, checkout_setup,
                              checkout_subscription)]
        hooks.nothing_more()
        print(f"checkout flows ok: {', '.join(steps)}; {len(hooks.events)} webhooks verified in order")
    finally:
        fake.kill()
        fake.wait()
        hooks.server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
