"""Datastore's own messages, read and written without the client library's conversion to its `Entity` and back.

Dumps and reloads carry every entity once, as Datastore's message on one side and its JSON form on the other
(A15): the client library's conversion would cost them four times the call itself. These are the calls the
library makes (its own generated API, with its retries and routing), given messages instead of entities.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import datastore
from google.cloud.datastore_v1.types import datastore as datastore_pb2
from google.cloud.datastore_v1.types import query as query_pb2

from annuaires.store.entity_json import Entity

CommitRequest = datastore_pb2.CommitRequest.pb()
RunQueryRequest = datastore_pb2.RunQueryRequest.pb()
NOT_FINISHED = query_pb2.QueryResultBatch.MoreResultsType.NOT_FINISHED
AFTER_LIMIT = query_pb2.QueryResultBatch.MoreResultsType.MORE_RESULTS_AFTER_LIMIT
USUAL_BATCH = 300  # entities a batch of the emulator (Datastore's batches are bounded by their size)
FEWER = 4  # a batch too large for one gRPC message is asked again with a quarter of the entities


def of_kind(client: datastore.Client, kind: str) -> Iterator[list[Any]]:
    """Every entity of a kind in this client's partition, as messages, a batch of Datastore's choosing at a time
    (each batch resumes from the last one's cursor, as the client library's fetch does), or fewer when large
    entities make a batch larger than a gRPC message may be (the emulator sends 300 whatever their size)."""
    request = RunQueryRequest(project_id=client.project, database_id=client.database or "")
    request.partition_id.project_id, request.partition_id.namespace_id = client.project, client.namespace or ""
    request.query.kind.add(name=kind)
    limit = 0  # none: Datastore's choice
    while True:
        try:
            batch = _api(client).run_query(request=datastore_pb2.RunQueryRequest.wrap(request))._pb.batch
        except gexc.ResourceExhausted:
            if limit == 1:
                raise
            limit = request.query.limit.value = max(1, (limit or USUAL_BATCH) // FEWER)
            continue
        yield [result.entity for result in batch.entity_results]
        full = limit and len(batch.entity_results) == limit  # (the emulator says "more after the limit" of the last one)
        if batch.more_results != NOT_FINISHED and not (batch.more_results == AFTER_LIMIT and full):
            return
        request.query.start_cursor = batch.end_cursor


def upsert(client: datastore.Client, entities: Iterable[bytes]) -> None:
    """Write entities given as serialized messages with complete keys, in one commit (at most 500)."""
    request = CommitRequest(project_id=client.project, database_id=client.database or "",
                            mode=CommitRequest.Mode.NON_TRANSACTIONAL)
    for data in entities:
        request.mutations.add().upsert.MergeFromString(data)
    _api(client).commit(request=datastore_pb2.CommitRequest.wrap(request))


def _api(client: datastore.Client) -> Any:
    return client._datastore_api  # noqa: SLF001 (the generated API the client library calls itself)


__all__ = ["Entity", "of_kind", "upsert"]
