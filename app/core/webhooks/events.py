"""The events webhooks carry: CloudEvents 1.0 in JSON (structured mode)."""

from datetime import datetime
from typing import Any

ALERT_EVENT = "airspace-risk.watch.alert"
TEST_EVENT = "airspace-risk.webhook.test"
EVENT_TYPES = (ALERT_EVENT, TEST_EVENT)
SPEC_VERSION = "1.0"


def cloud_event(
    event_type: str, event_id: str, source: str, subject: str, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """One event; `source` and `id` together identify it. The `webhook-id` header names the
    delivery (one per endpoint); either deduplicates retries."""
    return {
        "specversion": SPEC_VERSION,
        "type": event_type,
        "source": source,
        "id": event_id,
        "time": at.isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }
