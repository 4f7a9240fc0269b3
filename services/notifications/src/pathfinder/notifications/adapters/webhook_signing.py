"""Standard Webhooks signatures (https://www.standardwebhooks.com/, spec section "Signature scheme").

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; each signature is ``v1,`` followed by the
base64 HMAC-SHA256 of it under the base64-decoded part of a ``whsec_`` secret. During a rotation every active
secret signs, space-separated, so a receiver holding either secret verifies the message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from pathfinder.notifications.domain.la_subscription import SECRET_PREFIX

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureMismatch(ValueError):
    pass


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


def signature_header(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets)


def webhook_headers(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(secrets, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    *,
    now: int,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """What a receiver does: any one of the signatures must match, and the timestamp be recent."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        message_id, timestamp = lowered[ID_HEADER], int(lowered[TIMESTAMP_HEADER])
        offered = lowered[SIGNATURE_HEADER].split(" ")
    except (KeyError, ValueError):
        raise SignatureMismatch("missing or malformed webhook headers") from None
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureMismatch("timestamp outside the tolerance")
    expected = sign(secret, message_id, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        raise SignatureMismatch("no signature matches")
