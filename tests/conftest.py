"""Fixtures: one real Datastore emulator per run, one namespace per test; one API client; the set-ups tests share.

Tests reach everything through fixtures: `api` / `new_api` (JSON API clients, in process or over HTTP),
`given` (set-ups through the API, as a volunteer would make them), `clock` (the app's time), `server`
(the service as functions-framework serves it, for browser and fuzz tests).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]

from annuaires.adapters.secrets_box import new_key  # noqa: E402
from annuaires.config import Config  # noqa: E402
from annuaires.services.context import Context, utc_now  # noqa: E402
from annuaires.store.base import make_client  # noqa: E402
from annuaires.web.app import create_app  # noqa: E402
from emulator import datastore as datastore_emulator  # noqa: E402
from emulator import smtp_sink  # noqa: E402
from emulator import tasks as tasks_emulator_process  # noqa: E402
from emulator.datastore import free_port  # noqa: E402
from emulator.processes import stop_group  # noqa: E402

PROJECT = "annuaires-test"
SECRETS_KEY = "q5x0m2mZ1c9mJb3qVZkq8o3m4qJ6y2vQ0mH9lXcPpVY"
GENERAL_ADMIN = "admin@example.org"
DIRECTORIES_PASSWORD = "directories-secret"
STRONG = "a-long-enough-password"
READY_SECONDS = 30


# The API client: one class, in process (Flask's test client) or over HTTP (a running service).
class Answer:
    """An HTTP answer, the same whichever way the request went."""

    def __init__(self, status_code: int, headers: Any, body: bytes) -> None:
        self.status_code, self.headers, self.body = status_code, headers, body

    def get_json(self) -> Any:
        import json

        return json.loads(self.body) if self.body else None

    def get_data(self, as_text: bool = False) -> Any:
        return self.body.decode() if as_text else self.body


class Api:
    """Calls the JSON API like another application would, keeping its cookies and the session's CSRF token."""

    def __init__(self, client: Any = None, base_url: str = "") -> None:
        self.client, self.base_url = client, base_url  # a Flask test client, or a service's address
        self.http = requests.Session() if base_url else None
        self.csrf = ""

    def call(self, method: str, path: str, json: Any = None, *, expect: int | None = None, headers: dict | None = None,
             data: Any = None, content_type: str | None = None) -> Answer:
        headers = dict(headers or {})
        if self.csrf and method != "GET":
            headers.setdefault("X-CSRF-Token", self.csrf)
        if content_type:
            headers["Content-Type"] = content_type
        if self.http is not None:
            raw = self.http.request(method, self.base_url + path, json=json, data=data, headers=headers,
                                    allow_redirects=False, timeout=30)
            answer = Answer(raw.status_code, raw.headers, raw.content)
        else:
            raw = self.client.open(path, method=method, json=json, data=data, headers=headers)
            answer = Answer(raw.status_code, raw.headers, raw.get_data())
        if expect is not None:
            assert answer.status_code == expect, (method, path, answer.status_code, answer.get_data(as_text=True)[:2000])
        return answer

    def get(self, path: str, **kw: Any) -> Answer:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Answer:
        return self.call("POST", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Answer:
        return self.call("PUT", path, json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Answer:
        return self.call("PATCH", path, json, **kw)

    def delete(self, path: str, **kw: Any) -> Answer:
        return self.call("DELETE", path, **kw)

    def cookie(self, name: str) -> str | None:
        """The value of one of this client's cookies, if set."""
        if self.http is not None:
            return self.http.cookies.get(name)
        found = self.client.get_cookie(name)
        return found.value if found else None

    def set_cookie(self, name: str, value: str) -> None:
        if self.http is not None:
            self.http.cookies.set(name, value)
        else:
            self.client.set_cookie(name, value)

    def sign_in(self, expect: int | None = 200, **body: Any) -> Answer:
        response = self.post("/api/session", body, expect=expect)
        if response.status_code == 200:
            self.csrf = response.get_json()["csrf"]
        return response

    def as_general(self) -> Api:
        self.sign_in(role="general", email=GENERAL_ADMIN)
        return self

    def as_directories(self, password: str = DIRECTORIES_PASSWORD) -> Api:
        self.sign_in(role="directories", password=password)
        return self

    def as_directory(self, code: str, password: str = STRONG) -> Api:
        self.sign_in(role="directory", directory=code, password=password)
        return self

    def as_group(self, code: str, password: str = STRONG) -> Api:
        self.sign_in(role="group", group=code, password=password)
        return self

    def change_password(self, current: str = "0000", new: str = STRONG) -> None:
        self.post("/api/session/password", {"current": current, "new": new}, expect=204)

    def copies(self, times: int) -> list[Api]:
        """Clients sharing this one's cookies and CSRF token (one browser's parallel requests)."""
        assert self.client is not None
        copies = []
        for _ in range(times):
            other = Api(self.client.application.test_client())
            other.csrf = self.csrf
            for cookie in self.client._cookies.values():
                other.client.set_cookie(cookie.key, cookie.value)
            copies.append(other)
        return copies

    def concurrently(self, path: str, body: dict, times: int = 20) -> list[int]:
        """POST the same body `times` times at once, each from its own client sharing this session."""
        with ThreadPoolExecutor(max_workers=times) as pool:
            return list(pool.map(lambda c: c.post(path, body).status_code, self.copies(times)))


class Network(NamedTuple):
    """Two directories, Paris and Lyon; Paris references a group whose animator changed its password to STRONG."""

    directories: Api
    paris_code: str
    paris: Api
    lyon_code: str
    lyon: Api
    group: dict
    member: Api


class Given:
    """Set-ups through the API, as volunteers make them."""

    STRONG = STRONG
    DIRECTORIES_PASSWORD = DIRECTORIES_PASSWORD
    GENERAL_ADMIN = GENERAL_ADMIN

    def __init__(self, new_api: Callable[[], Api]) -> None:
        self.new_api = new_api
        self._directories: Api | None = None

    def directories_admin(self) -> Api:
        """An initialised datastore (the general admin has set the directories-admin password); its admin signed in."""
        if self._directories is None:
            general = self.new_api().as_general()
            general.put("/api/directories-admin/password", {"password": DIRECTORIES_PASSWORD}, expect=204)
            self._directories = self.new_api().as_directories()
        return self._directories

    def directory(self, name: str, initials: str) -> tuple[str, Api]:
        """A directory created and signed in, its first password already changed."""
        created = self.directories_admin().post("/api/directories", {"name": name, "initials": initials}, expect=201)
        code = created.get_json()["code"]
        admin = self.new_api()
        admin.sign_in(role="directory", directory=code, password="0000")
        admin.change_password()
        return code, admin

    def group(self, directory: Api, type: str = "group", **body: Any) -> dict:
        """A group or groupement created by a directory (password 0000)."""
        return directory.post("/api/directory/groups", {"type": type, **body}, expect=201).get_json()

    def animator(self, code: str) -> Api:
        """A group's animator signed in with 0000, then with a real password."""
        animator = self.new_api()
        animator.sign_in(role="group", group=code, password="0000")
        animator.change_password()
        return animator

    def mailers(self, letters: str = "ABC", port: int = 2525) -> None:
        """Mailers configured on a relay (a group's mailing takes only configured ones, A12)."""
        general = self.new_api().as_general()
        for letter in letters:
            general.put(f"/api/mailers/{letter}", {"from": f"envoi-{letter.lower()}@example.org", "smtp_host": "127.0.0.1",
                                                   "smtp_port": port, "username": "", "starttls": False}, expect=200)

    def network(self) -> Network:
        """Paris and Lyon, and a group of Paris with its animator."""
        directories = self.directories_admin()
        paris_code, paris = self.directory("Paris", "PA")
        lyon_code, lyon = self.directory("Lyon", "LY")
        group = self.group(paris, name="Les Radis", initials="LR")
        return Network(directories, paris_code, paris, lyon_code, lyon, group, self.animator(group["code"]))


@dataclass
class Clock:
    """The app's clock: real time, moved on by tests instead of rewriting stored times."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


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


def new_queue(tasks_emulator: tasks_emulator_process.TasksEmulator, name: str) -> str:
    """A queue of its own on the Cloud Tasks emulator."""
    import grpc
    from google.cloud import tasks_v2
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(tasks_emulator.host)))
    return client.create_queue(parent=f"projects/{PROJECT}/locations/local",
                               queue={"name": f"projects/{PROJECT}/locations/local/queues/{name}"}).name


def test_env(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator,
             namespace: str, public_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """The environment of a service under test, on its own namespace and task queue.

    In-process apps have no address the task queue could call: their tasks go to the discard port and die.
    """
    return {**emulator.env(), "ANNUAIRES_NAMESPACE": namespace,
            "ANNUAIRES_GENERAL_ADMINS": f"{GENERAL_ADMIN}, other@example.org",
            "ANNUAIRES_TASKS_TOKEN": "test-tasks-token", "ANNUAIRES_PASSWORD_HASHING": "fast",
            "ANNUAIRES_SECRETS_KEY": SECRETS_KEY, "CLOUD_TASKS_EMULATOR_HOST": tasks_emulator.host,
            "ANNUAIRES_TASKS_QUEUE": new_queue(tasks_emulator, namespace), "ANNUAIRES_PUBLIC_URL": public_url}


@pytest.fixture
def config(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator) -> Config:
    """A configuration on a namespace of this test's own."""
    return Config.from_env(test_env(emulator, tasks_emulator, f"t{uuid.uuid4().hex}"))


@pytest.fixture
def datastore_client(config: Config):
    return make_client(config)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(config: Config, datastore_client, clock: Clock):
    app = create_app(config, lambda: datastore_client, clock=clock)
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
@dataclass
class Server:
    """The service running as functions-framework serves it, on a namespace of its own."""

    url: str
    namespace: str
    process: subprocess.Popen
    log: Path

    def api(self) -> Api:
        """A new API client over HTTP."""
        return Api(base_url=self.url)

    def given(self) -> Given:
        """Set-ups through this service's API."""
        return Given(self.api)

    def stop(self) -> None:
        """Stop gunicorn and its worker: the whole process group."""
        stop_group(self.process)


@contextlib.contextmanager
def running_server(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator,
                   log_dir: Path, **more_env: str) -> Iterator[Server]:
    """Start the service on a free port and a fresh namespace and queue; wait for /healthz; stop it afterwards."""
    port, namespace = free_port(), f"service{uuid.uuid4().hex}"
    env = {**os.environ, **test_env(emulator, tasks_emulator, namespace, f"http://127.0.0.1:{port}"),
           "PYTHONPATH": str(ROOT / "functions"), "ANNUAIRES_SECRETS_KEY": new_key(), **more_env}
    log = log_dir / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target=annuaires_web",
             "--source=functions/main.py", "--host=127.0.0.1", f"--port={port}"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", namespace, process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the service stopped at start (exit {server.process.returncode}):\n{server.log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"the service did not answer /healthz within {READY_SECONDS}s:\n{server.log.read_text()}")


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
