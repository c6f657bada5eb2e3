"""The dump tests' fixtures: another instance to reload into, and the dump's key derived at a test's cost."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from google.cloud import datastore

from annuaires import bootstrap
from annuaires.services.dump import dump
from annuaires.store import raw as raw_store
from annuaires.store.base import make_client
from tests.support import kind_strategies
from tests.support.client import Api
from tests.support.dump import in_namespace_of


@pytest.fixture
def cheap_kdf(monkeypatch):
    """The dump's key derived at a test's cost (argon2id with 64 KiB): generated cases each dump and reload."""
    monkeypatch.setitem(dump.KDF, "memory_kib", 64)
    monkeypatch.setitem(dump.KDF, "time_cost", 1)


@pytest.fixture
def fresh(config):
    """Another instance on a namespace of its own, marked as a test one, whose directories admin has the tests'
    password; its API and its client."""

    def make() -> tuple[Api, datastore.Client]:
        other = dataclasses.replace(config, namespace=f"t{uuid.uuid4().hex}", test_datastore=True)
        client = make_client(other)
        raw_store.upsert(client, [in_namespace_of(client, kind_strategies.settings_entity()).SerializeToString()])
        return Api(bootstrap.app(other, lambda: client).test_client()), client

    return make
