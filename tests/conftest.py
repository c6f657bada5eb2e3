"""Fixtures: one real Datastore emulator per run, one namespace per test; one API client; the set-ups tests share.

Tests reach everything through fixtures: `api` / `new_api` (JSON API clients, in process or over HTTP),
`given` (set-ups through the API, as a volunteer would make them), `clock` (the app's time), `server`
(the service as functions-framework serves it, for browser and fuzz tests). What they are made of lives in
tests/support/, which test modules import; test modules never import each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from annuaires import bootstrap
from annuaires.config import Config
from annuaires.services.context import Context
from annuaires.store.base import make_client
from emulator import datastore as datastore_emulator
from emulator import smtp_sink
from emulator import tasks as tasks_emulator_process
from tests.support.client import Api
from tests.support.given import Clock, Given
from tests.support.service import PROJECT, Server, running_server, service_env


# The emulator, configurations, apps
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


@pytest.fixture(scope="session")
def tasks_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tasks_emulator_process.TasksEmulator]:
    """The Cloud Tasks emulator, once per run; each test gets a queue of its own."""
    log = tmp_path_factory.mktemp("tasks") / "tasks.log"
    running = tasks_emulator_process.start(f"projects/{PROJECT}/locations/local/queues/default", max_retries=2, log=log)
    yield running
    running.stop()


@pytest.fixture
def config(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator) -> Config:
    """A configuration on a namespace of this test's own."""
    return Config.from_env(service_env(emulator, tasks_emulator, f"t{uuid.uuid4().hex}"))


@pytest.fixture
def datastore_client(config: Config):
    return make_client(config)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(config: Config, datastore_client, clock: Clock):
    app = bootstrap.app(config, lambda: datastore_client, clock=clock)
    app.testing = True
    return app


@pytest.fixture
def ctx(app) -> Context:
    """What the app's services act with (its hasher, its clock)."""
    return app.extensions["annuaires"]


@pytest.fixture
def api(app) -> Api:
    """A JSON API client with its own cookie jar."""
    return Api(app.test_client())


@pytest.fixture
def new_api(app) -> Callable[[], Api]:
    """Make more API clients (other browsers) on the same app."""
    return lambda: Api(app.test_client())


@pytest.fixture
def api_of() -> Callable[[Any], Api]:
    """An API client on another app (another configuration)."""
    return lambda other_app: Api(other_app.test_client())


@pytest.fixture
def given(new_api) -> Given:
    return Given(new_api)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[smtp_sink.RunningSink]:
    """A real SMTP server (aiosmtpd) that keeps what it receives, for this test."""
    running = smtp_sink.start(tmp_path / "mail")
    yield running
    running.stop()


# The real service in a subprocess, as functions-framework serves it
@pytest.fixture(scope="module")
def server(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service per test module, on its own namespace; tests create their own, uniquely named, data."""
    with running_server(emulator, tasks_emulator, tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def empty_server(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator,
                 tmp_path: Path) -> Iterator[Server]:
    """A service on a namespace nobody has written to: an empty datastore."""
    with running_server(emulator, tasks_emulator, tmp_path) as running:
        yield running


@pytest.fixture
def mail_admin(new_api: Callable[[], Api]) -> Api:
    """The general admin, a mail admin, with the mail domains auf.org and autre.org of site fr (B1)."""
    api = new_api().as_general()
    for name in ("auf.org", "autre.org"):
        api.post("/api/mail/domains", {"name": name, "site": "fr"}, expect=201)
    return api
