"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp`, `webhook-signature`.

The signature is HMAC-SHA256 over `id.timestamp.body` with the subscription's secret, in the
`v1,<base64>` form (the `standardwebhooks` package computes it). While a rotated secret is still
honoured, both signatures are sent, separated by a space, as the standard allows.
"""

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A new signing secret in the `whsec_<base64>` form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(
    message_id: str, sent_at: datetime, body: str, secrets_in_use: list[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (one signature per secret)."""
    signatures = " ".join(Webhook(s).sign(message_id, sent_at, body) for s in secrets_in_use)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
    }
