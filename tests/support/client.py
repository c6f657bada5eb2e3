"""The API client: one class, in process (Flask's test client) or over HTTP (a running service); the tests' credentials."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

GENERAL_ADMIN = "admin@example.org"
DIRECTORIES_PASSWORD = "directories-secret"
STRONG = "a-long-enough-password"


class Answer:
    """An HTTP answer, the same whichever way the request went."""

    def __init__(self, status_code: int, headers: Any, body: bytes) -> None:
        self.status_code, self.headers, self.body = status_code, headers, body

    def get_json(self) -> Any:
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


def form_post(api: Api, path: str, **data: str):
    """Send a page's form as a browser would, with the session's CSRF token."""
    return api.client.post(path, data={"csrf": api.csrf, **data})
