"""The application's own log lines: JSON, one per line on stderr, each with the request id
(AIRSPACE_RISK_LOG_LEVEL sets the level)."""

import json
import logging
from datetime import UTC, datetime

from app.request_context import request_id

HANDLER_NAME = "airspace-risk-json"


class JsonLines(logging.Formatter):
    """time, level, logger, message, request_id (and the traceback, if any) as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object for one record."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Give the `app` loggers a JSON handler at this level (once, however often called)."""
    logger = logging.getLogger("app")
    logger.setLevel(level.upper())
    if not any(h.get_name() == HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
        logger.propagate = False
