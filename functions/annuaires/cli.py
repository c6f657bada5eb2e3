"""The `annuaires` command (A15): dump a running instance, local or deployed, to a file, and reload a dump into a
test one, over GET /api/dump and POST /api/reload, as the directories admin (HTTP Basic).

The directories-admin password is asked without echo, or read from ANNUAIRES_DIRECTORIES_PASSWORD for
scripts; the dump's passphrase is that password unless another is given (ANNUAIRES_DUMP_PASSPHRASE, or
--ask-passphrase). Neither dump nor reload holds the file in memory: lines are written and sent as they go.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
import requests
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from annuaires.services.dump.dump import MIN_PASSPHRASE
from annuaires.services.dump.reload import LINE_LIMIT, checked
from annuaires.services.errors import BadDumpLine, InvalidInput
from annuaires.web.i18n import translate

TIMEOUT = (10, 600)  # seconds to connect, then between two pieces of the answer
CHUNK = 256 * 1024
err = Console(stderr=True)


def language() -> str:
    """The command speaks French, or English when the environment's locale is English (as the pages do)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        if value := os.environ.get(name):
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def say(key: str, **params: object) -> str:
    """One of the command's messages, in its language (messages.py holds them in both)."""
    return translate(key, language(), **params)


def default_url() -> str:
    """ANNUAIRES_URL, else the port `make run` was given (PORT), else make run's default one."""
    return os.environ.get("ANNUAIRES_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 8080}"


class Credentials:
    """The directories-admin password and the dump's passphrase, asked once."""

    def __init__(self, ask_passphrase: bool) -> None:
        self.password = os.environ.get("ANNUAIRES_DIRECTORIES_PASSWORD") or click.prompt(
            say("cli_password_prompt"), hide_input=True, err=True)
        self.given = ask_passphrase or bool(os.environ.get("ANNUAIRES_DUMP_PASSPHRASE"))
        if ask_passphrase:
            self.passphrase = click.prompt(say("cli_passphrase_prompt"), hide_input=True, confirmation_prompt=True, err=True)
        else:
            self.passphrase = os.environ.get("ANNUAIRES_DUMP_PASSPHRASE") or self.password
        # A passphrase given apart is checked here; the password standing for one is checked by the instance first:
        # a short wrong password is a wrong password.
        if self.given and len(self.passphrase) < MIN_PASSPHRASE:
            raise click.ClickException(say("cli_passphrase_too_short", least=MIN_PASSPHRASE))

    def headers(self) -> dict[str, str]:
        return {"X-Dump-Passphrase": self.passphrase, "Accept-Language": language()}


def _refused(answer: requests.Response, url: str, credentials: Credentials) -> click.ClickException:
    """What an answer other than 200 means, in the command's words."""
    try:
        error = answer.json()["error"]
        code, fields, message = error["code"], error.get("fields") or {}, error["message"]
    except (ValueError, KeyError, TypeError):
        return click.ClickException(say("cli_no_instance", url=url))  # something answers, not Annuaires
    if answer.status_code == 401:
        return click.ClickException(say("cli_wrong_password"))
    if code == "invalid_input" and "passphrase" in fields and not credentials.given:
        return click.ClickException(say("cli_password_as_passphrase", least=MIN_PASSPHRASE))
    named = "; ".join(f"{say(f'field_{name}')} : {say(key)}" for name, key in fields.items() if name != "line")
    return click.ClickException(f"{answer.status_code}: {message}" + (f" ({named})" if named else ""))


def _calling(url: str, call: Any) -> requests.Response:
    """A call to the instance; no Annuaires at its address is said in one line, never as a traceback."""
    try:
        return call()
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema) as error:
        raise click.ClickException(say("cli_no_instance", url=url)) from error


def _progress(total: bool) -> Progress:
    """A bar with counts, rate and time left on a terminal; plain lines otherwise (rich decides)."""
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn(), DownloadColumn() if total else TextColumn(
        "{task.completed} entités"), TaskProgressColumn() if total else TextColumn(""), TimeElapsedColumn()]
    if total:
        columns += [TransferSpeedColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=err, disable=not err.is_terminal)


@click.group()
@click.option("--url", default=default_url, show_default="$ANNUAIRES_URL, or http://127.0.0.1:$PORT (8080)",
              help="the instance, local or deployed")
@click.option("--ask-passphrase", is_flag=True, help="ask for the dump's passphrase instead of using the password")
@click.pass_context
def main(context: click.Context, url: str, ask_passphrase: bool) -> None:
    """Dump an instance of Annuaires to a file, or reload a dump into a test instance."""
    context.obj = {"url": url.rstrip("/"), "ask": ask_passphrase}


@main.command()
@click.option("--kinds", help="comma-separated kinds (all of them when absent)")
@click.option("--directory", help="one directory (its code or initials) and what it references")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=True), default="-", show_default="standard output")
@click.pass_obj
def dump(options: dict, kinds: str | None, directory: str | None, output: IO[str]) -> None:
    """Write a dump: a line describing it, then an entity a line (Datastore's JSON form)."""
    credentials, url = Credentials(options["ask"]), options["url"]
    query = {k: v for k, v in (("kinds", kinds), ("directory", directory)) if v}
    with _calling(url, lambda: requests.get(f"{url}/api/dump", params=query, headers=credentials.headers(), stream=True,
                                            auth=("directories", credentials.password), timeout=TIMEOUT)) as answer:
        if answer.status_code != 200 or not answer.headers.get("Content-Type", "").startswith("application/x-ndjson"):
            raise _refused(answer, url, credentials)
        written = Counter()
        with _progress(total=False) as progress:
            task = progress.add_task("Dump", total=None)
            for number, line in enumerate(_lines(answer.iter_content(chunk_size=CHUNK))):
                output.write(line.decode() + "\n")
                if number:
                    written[_kind(line)] += 1
                    progress.advance(task)
    err.print(say("cli_dumped", count=sum(written.values()), detail=", ".join(f"{k} {n}" for k, n in written.items())))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="read and check the whole file, say what it would write, write nothing")
@click.pass_obj
def reload(options: dict, file: Path, dry_run: bool) -> None:
    """Reload a dump into a test instance (the instance refuses unless it is marked as a test one)."""
    credentials, url = Credentials(options["ask"]), options["url"]
    if dry_run:
        found: Counter = Counter()
        with file.open("rb") as lines, _progress(total=True) as progress:
            task = progress.add_task(say("cli_checking"), total=file.stat().st_size)
            try:
                for _, raw in checked(credentials.passphrase, _counted(lines, progress, task), "check", ""):
                    found[raw.key.path[-1].kind] += 1
            except (BadDumpLine, InvalidInput) as error:
                raise click.ClickException(_reason(error, credentials)) from error
        err.print(say("cli_checked", count=sum(found.values()), detail=", ".join(f"{k} {n}" for k, n in sorted(found.items()))))
        return
    with file.open("rb") as lines, _progress(total=True) as progress:
        task = progress.add_task(say("cli_sending"), total=file.stat().st_size)
        answer = _calling(url, lambda: requests.post(
            f"{url}/api/reload", data=_counted(lines, progress, task, chunks=True),
            headers={**credentials.headers(), "Content-Type": "application/x-ndjson"},
            auth=("directories", credentials.password), timeout=TIMEOUT))
    if answer.status_code != 200:
        raise _refused(answer, url, credentials)
    err.print(say("cli_reloaded", count=answer.json()["entities"]))


def _counted(lines: IO[bytes], progress: Progress, task: Any, chunks: bool = False) -> Any:
    """The file's lines (bounded as the instance reads them) or pieces, to send, moving the bar by their bytes."""
    while piece := (lines.read(CHUNK) if chunks else lines.readline(LINE_LIMIT + 2)):
        progress.advance(task, len(piece))
        yield piece


def _lines(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """An answer's lines, split at line feeds only (a text may hold U+2028 or U+0085, which splitlines takes for ends)."""
    pending = b""
    for piece in pieces:
        *complete, pending = (pending + piece).split(b"\n")
        yield from complete
    if pending:
        yield pending


def _kind(line: bytes) -> str:
    return json.loads(line)["key"]["path"][-1]["kind"]


def _reason(error: InvalidInput, credentials: Credentials) -> str:
    if isinstance(error, BadDumpLine):
        return say(error.message_key, **error.params)
    if not credentials.given:  # the password standing for the passphrase is too short: not the one the dump was made with
        return say("cli_wrong_password")
    return say("cli_passphrase_too_short", least=MIN_PASSPHRASE)


if __name__ == "__main__":
    sys.exit(main())
