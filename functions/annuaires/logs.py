"""Log lines as Cloud Logging reads them: one JSON object a line on stderr, with its severity, message and, for an
error, its stack trace (which Error Reporting groups). What is logged never holds a password, a hash or a token:
the code logs codes and addresses, never bodies, headers or cookies."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime


class CloudLoggingFormatter(logging.Formatter):
    """A record as a structured log entry (https://cloud.google.com/logging/docs/structured-logging)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"severity": record.levelname, "message": record.getMessage(), "logger": record.name,
                 "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z")}
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
            entry["message"] = f"{entry['message']}\n{entry['stack_trace']}"  # Error Reporting reads it in the message
        return json.dumps(entry, ensure_ascii=False)


def to_stderr(level: int = logging.INFO) -> None:
    """Every logger of the process writes structured lines to stderr (once, however often it is called)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, CloudLoggingFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(CloudLoggingFormatter())
    root.handlers = [handler]
    root.setLevel(level)
