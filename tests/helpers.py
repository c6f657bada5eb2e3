"""Test helpers: an API client that carries the session's CSRF token, and common set-ups."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

GENERAL_ADMIN = "admin@example.org"
DIRECTORIES_PASSWORD = "directories-secret"
STRONG = "a-long-enough-password"


class Api:
    """Calls the JSON API like another application would, keeping cookie and CSRF token."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.csrf = ""

    def call(self, method: str, path: str, json: Any = None, *, expect: int | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.csrf and method != "GET":
            headers.setdefault("X-CSRF-Token", self.csrf)
        response = self.client.open(path, method=method, json=json, headers=headers)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.get_data(as_text=True))
        return response

    def get(self, path: str, **kw: Any):
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.call("POST", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any):
        return self.call("PUT", path, json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.call("PATCH", path, json, **kw)

    def delete(self, path: str, **kw: Any):
        return self.call("DELETE", path, **kw)

    def sign_in(self, expect: int | None = 200, **body: Any):
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


def init_datastore(new_api) -> Api:
    """An initialised datastore: the general admin has set the directories-admin password."""
    general = new_api().as_general()
    general.put("/api/directories-admin/password", {"password": DIRECTORIES_PASSWORD}, expect=204)
    return new_api().as_directories()


def make_directory(directories: Api, new_api, name: str, initials: str) -> tuple[str, Api]:
    """A directory created and signed in, its first password already changed."""
    code = directories.post("/api/directories", {"name": name, "initials": initials}, expect=201).get_json()["code"]
    admin = new_api()
    admin.sign_in(role="directory", directory=code, password="0000")
    admin.change_password()
    return code, admin


def concurrently(api: Api, path: str, body: dict, times: int = 20) -> list[int]:
    """POST the same body `times` times at once, each from its own client sharing `api`'s session."""
    cookie = api.client.get_cookie("annuaires_session").value
    clients = []
    for _ in range(times):
        other = Api(api.client.application.test_client())
        other.csrf = api.csrf
        other.client.set_cookie("annuaires_session", cookie)
        clients.append(other)
    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(lambda c: c.post(path, body).status_code, clients))
