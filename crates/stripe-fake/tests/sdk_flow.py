"""A realistic payments flow through Stripe's official Python SDK against the fake.

Usage: python sdk_flow.py BASE_URL. Exits 0 and prints `flow ok: ...` when every step behaved
as Stripe does; any unexpected SDK exception (or missing attribute) fails the run.
"""
import sys

import stripe


def main(base):
    client = stripe.StripeClient(
        "sk_test_sdkflow", base_addresses={"api": base}, max_network_retries=0
    )
    v1 = client.v1
    steps = []

    cus = v1.customers.create(
        {"email": "flow@example.com", "name": "Flow", "metadata": {"op": "order-42/customer"}}
    )
    assert cus.id.startswith("cus_") and cus.email == "flow@example.com"
    assert cus.invoice_settings.default_payment_method is None and cus.default_source is None
    steps.append("customer")

    pm = v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    pm = v1.payment_methods.attach(pm.id, {"customer": cus.id})
    assert pm.customer == cus.id and pm.card.last4 == "4242" and pm.billing_details.email is None
    listed = v1.payment_methods.list({"customer": cus.id, "type": "card"})
    assert [m.id for m in listed.data] == [pm.id]
    cus = v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": pm.id}})
    assert cus.invoice_settings.default_payment_method == pm.id
    steps.append("payment method attach")

    pi = v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "customer": cus.id,
            "payment_method": pm.id,
            "capture_method": "manual",
            "metadata": {"op": "order-42/pi"},
        }
    )
    assert pi.status == "requires_confirmation" and pi.latest_charge is None
    pi = v1.payment_intents.confirm(pi.id)
    assert pi.status == "requires_capture" and pi.amount_capturable == 2000
    pi = v1.payment_intents.capture(pi.id, {"amount_to_capture": 1500})
    assert pi.status == "succeeded" and pi.amount_received == 1500
    charge = v1.charges.retrieve(pi.latest_charge, {"expand": ["customer", "payment_intent"]})
    assert charge.customer.id == cus.id and charge.payment_intent.id == pi.id
    assert charge.disputed is False and charge.billing_details.name is None
    assert charge.payment_method == pm.id and charge.payment_method_details.card.brand == "visa"
    assert charge.amount_captured == 1500 and charge.captured is True
    other = v1.payment_intents.create({"amount": 900, "currency": "usd"})
    other = v1.payment_intents.cancel(other.id, {"cancellation_reason": "requested_by_customer"})
    assert other.status == "canceled" and other.cancellation_reason == "requested_by_customer"
    steps.append("payment intent create/confirm/capture/cancel")

    try:
        v1.payment_intents.create(
            {"amount": 500, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
        )
        raise AssertionError("a declined card must raise CardError")
    except stripe.CardError as e:
        assert e.code == "card_declined" and e.error.decline_code == "generic_decline"
        assert e.error.payment_intent.status == "requires_payment_method"
    steps.append("declined card")

    params = {"amount": 1234, "currency": "usd", "source": "tok_mastercard", "metadata": {"op": "order-42/charge"}}
    ch = v1.charges.create(params, {"idempotency_key": "flow-charge-1"})
    again = v1.charges.create(params, {"idempotency_key": "flow-charge-1"})
    assert again.id == ch.id
    assert again.last_response.headers.get("idempotent-replayed") == "true"
    assert ch.source.object == "card" and ch.payment_method == ch.source.id
    steps.append("charge with idempotent replay")

    refund = v1.refunds.create({"charge": ch.id, "amount": 234, "metadata": {"op": "order-42/refund"}})
    assert refund.status == "succeeded" and refund.amount == 234
    ch = v1.charges.retrieve(ch.id)
    assert ch.amount_refunded == 234 and ch.refunded is False
    steps.append("refund")

    found = v1.charges.search({"query": "metadata['op']:'order-42/charge'"})
    assert found.object == "search_result" and [c.id for c in found.data] == [ch.id]
    found = v1.customers.search({"query": "email:'flow@example.com'"})
    assert [c.id for c in found.data] == [cus.id]
    found = v1.payment_intents.search({"query": "status:'succeeded' AND metadata['op']:'order-42/pi'"})
    assert [p.id for p in found.data] == [pi.id]
    for i in range(3):
        v1.customers.create({"metadata": {"batch": "search-pages"}, "name": f"page {i}"})
    paged = v1.customers.search({"query": "metadata['batch']:'search-pages'", "limit": 1})
    assert paged.has_more and paged.next_page
    assert len(list(paged.auto_paging_iter())) == 3
    steps.append("search")

    bare = v1.customers.create({"description": "no card"})
    try:
        v1.charges.create({"amount": 100, "currency": "usd", "customer": bare.id})
        raise AssertionError("a customer without a card cannot be charged")
    except stripe.CardError as e:
        assert e.code == "missing" and e.param == "card"
    try:
        v1.charges.create({"amount": 100, "currency": "usd", "source": "tok_visa", "colour": "red"})
        raise AssertionError("an unknown parameter is refused")
    except stripe.InvalidRequestError as e:
        assert e.code == "parameter_unknown" and e.param == "colour"
    steps.append("expected errors")

    for i in range(105):
        v1.charges.create({"amount": 100 + i, "currency": "usd", "source": "tok_visa", "metadata": {"batch": "many"}})
    seen = [c.id for c in v1.charges.list({"limit": 100}).auto_paging_iter()]
    assert len(seen) == len(set(seen)) and len(seen) >= 107, len(seen)
    steps.append(f"auto-pagination over {len(seen)} charges")

    seti = v1.setup_intents.create({"customer": cus.id, "payment_method": "pm_card_mastercard"})
    seti = v1.setup_intents.confirm(seti.id)
    assert seti.status == "succeeded"
    attached = v1.payment_methods.list({"customer": cus.id, "type": "card"})
    assert len(attached.data) == 2
    events = v1.events.list({"type": "charge.succeeded", "limit": 3})
    assert events.data[0].data.object.object == "charge"
    balance = v1.balance.retrieve()
    assert balance.available[0].amount > 0
    steps.append("setup intent, events, balance")

    print("flow ok: " + ", ".join(steps))


if __name__ == "__main__":
    main(sys.argv[1])
