"""The reference feed port over HTTP (B5): a page of the reference's change feed, read in bounded size and time."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from annuaires.services.ports import ReferenceUnavailable

TIMEOUT = (10, 60)  # seconds to connect to the reference, then between two pieces of a page
PAGE_SECONDS = 120  # a page read at most this long (a reference trickling bytes does not hold a run)
MAX_PAGE_BYTES = 8 * 1024 * 1024  # a page read at most this large (a legitimate one is well under 1 MiB)


class HttpReferenceFeed:
    """Pages of a reference's feed over HTTP (its address, as the web layer names it), with its export token."""

    def __init__(self, feed_url: str, token: str) -> None:
        self.feed_url, self.token = feed_url, token

    def __call__(self, cursor: str) -> Any:
        """The page after a cursor (ReferenceUnavailable when the reference does not give one)."""
        began = time.monotonic()
        try:
            with requests.get(self.feed_url, params={"since": cursor}, timeout=TIMEOUT, stream=True,
                              headers={"Authorization": f"Bearer {self.token}"}) as answer:
                if answer.status_code != 200:
                    raise ReferenceUnavailable(f"the reference answers {answer.status_code}")
                body = bytearray()
                for piece in answer.iter_content(64 * 1024):
                    body += piece
                    if len(body) > MAX_PAGE_BYTES:
                        raise ReferenceUnavailable(f"the reference's page is larger than {MAX_PAGE_BYTES // 2**20} MiB")
                    if time.monotonic() - began > PAGE_SECONDS:
                        raise ReferenceUnavailable(f"the reference's page took more than {PAGE_SECONDS} s")
        except requests.RequestException as error:
            raise ReferenceUnavailable(f"the reference does not answer ({type(error).__name__})") from error
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise ReferenceUnavailable("the reference's answer is not a change feed") from None
