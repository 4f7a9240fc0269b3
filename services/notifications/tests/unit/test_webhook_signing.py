"""Standard Webhooks signatures: the specification's published test vector, rotation, tampering."""

from __future__ import annotations

import pytest
from pathfinder.notifications.adapters.webhook_signing import SignatureMismatch, sign, verify, webhook_headers

# From the Standard Webhooks specification and its reference libraries' tests.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
OTHER_SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"


def test_the_published_test_vector() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_during_rotation_both_secrets_sign_and_either_verifies() -> None:
    headers = webhook_headers([OTHER_SECRET, VECTOR_SECRET], VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (OTHER_SECRET, VECTOR_SECRET):
        verify(secret, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 10)


@pytest.mark.parametrize("tamper", ["body", "id", "timestamp", "signature", "stale"])
def test_a_tampered_or_stale_message_does_not_verify(tamper: str) -> None:
    headers = webhook_headers([VECTOR_SECRET], VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
    body, now = VECTOR_BODY, VECTOR_TIMESTAMP
    if tamper == "body":
        body = b'{"test": 2432232315}'
    elif tamper == "id":
        headers["webhook-id"] = "msg_other"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(VECTOR_TIMESTAMP + 1)
    elif tamper == "signature":
        headers["webhook-signature"] = "v1,AAAA" + headers["webhook-signature"][7:]
    else:
        now = VECTOR_TIMESTAMP + 3600
    with pytest.raises(SignatureMismatch):
        verify(VECTOR_SECRET, headers, body, now=now)
