"""Google's published signing keys (IAP's, and the OAuth2 certificates of OIDC tokens), fetched at most once an hour."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

import google.auth.transport.requests

TTL_SECONDS = 3600


def published_keys(url: str) -> Callable[[], Mapping[str, str]]:
    """A function giving the keys (key id → PEM) published at `url`, cached for an hour."""
    cache: dict[str, object] = {}

    def keys() -> Mapping[str, str]:
        if cache.get("until", 0) < time.time():  # type: ignore[operator]
            response = google.auth.transport.requests.Request()(url, method="GET")
            if response.status != 200:
                raise ValueError(f"{url} answered {response.status}")
            cache.update(keys=json.loads(response.data), until=time.time() + TTL_SECONDS)
        return cache["keys"]  # type: ignore[return-value]

    return keys
