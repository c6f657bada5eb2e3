"""Counting a Datastore client's round trips: for the call-count tests and the pages benchmark alike."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from google.cloud import datastore


class RpcCounter:
    """Measurement only: counts, per method, the calls a Datastore client makes to its API object.

    It wraps the methods of `client._datastore_api` (the gRPC or HTTP API every lookup, query,
    transaction and commit goes through), so it sees every round trip the library makes.
    """

    METHODS = ("lookup", "run_query", "run_aggregation_query", "begin_transaction",
               "commit", "rollback", "allocate_ids", "reserve_ids")

    def __init__(self, client: datastore.Client) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        api = client._datastore_api  # the library caches it: every later call goes through this object
        for name in self.METHODS:
            setattr(api, name, self._counted(name, getattr(api, name)))

    def _counted(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._counts[name] += 1
            return method(*args, **kwargs)

        return call

    def snapshot(self) -> Counter[str]:
        """The counts so far, by method."""
        with self._lock:
            return Counter(self._counts)

    def during(self, work: Callable[[], Any]) -> tuple[Any, Counter[str]]:
        """Run `work` alone and return its result and the calls it made, by method."""
        before = self.snapshot()
        result = work()
        return result, self.snapshot() - before
