"""Fixtures: one real Datastore emulator per run, one namespace per test."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from annuaires.config import Config  # noqa: E402
from annuaires.store.base import make_client  # noqa: E402
from annuaires.web.app import create_app  # noqa: E402
from emulator import datastore as datastore_emulator  # noqa: E402
from tests.helpers import Api  # noqa: E402

PROJECT = "annuaires-test"
SECRETS_KEY = "q5x0m2mZ1c9mJb3qVZkq8o3m4qJ6y2vQ0mH9lXcPpVY"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[datastore_emulator.Emulator]:
    log = tmp_path_factory.mktemp("emulator") / "datastore.log"
    running = datastore_emulator.start(PROJECT, log=log)
    saved = {k: os.environ.get(k) for k in running.env()}
    os.environ.update(running.env())
    yield running
    running.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def config(emulator: datastore_emulator.Emulator) -> Config:
    """A configuration on a namespace of this test's own."""
    env = {**emulator.env(), "ANNUAIRES_NAMESPACE": f"t{uuid.uuid4().hex}",
           "ANNUAIRES_GENERAL_ADMINS": "admin@example.org, other@example.org",
           "ANNUAIRES_TASKS_TOKEN": "test-tasks-token", "ANNUAIRES_PASSWORD_HASHING": "fast",
           "ANNUAIRES_SECRETS_KEY": SECRETS_KEY}
    return Config.from_env(env)


@pytest.fixture
def datastore_client(config: Config):
    return make_client(config)


@pytest.fixture
def app(config: Config, datastore_client):
    app = create_app(config, lambda: datastore_client)
    app.testing = True
    return app


@pytest.fixture
def api(app) -> Api:
    """A JSON API client with its own cookie jar."""
    return Api(app.test_client())


@pytest.fixture
def new_api(app):
    """Make more API clients (other browsers) on the same app."""
    return lambda: Api(app.test_client())
