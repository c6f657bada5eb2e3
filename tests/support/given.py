"""Set-ups through the API, as volunteers make them, and the app's clock that tests move on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from annuaires.services.context import utc_now
from tests.support.client import DIRECTORIES_PASSWORD, GENERAL_ADMIN, STRONG, Api


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
