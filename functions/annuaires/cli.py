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

from .services.dump import MIN_PASSPHRASE
from .services.errors import BadDumpLine, InvalidInput
from .services.reload import checked
from .web.i18n import translate

TIMEOUT = (10, 600)  # seconds to connect, then between two pieces of the answer
CHUNK = 256 * 1024
err = Console(stderr=True)


class Credentials:
    """The directories-admin password and the dump's passphrase, asked once."""

    def __init__(self, ask_passphrase: bool) -> None:
        self.password = os.environ.get("ANNUAIRES_DIRECTORIES_PASSWORD") or click.prompt(
            "Mot de passe de l'administration des annuaires", hide_input=True, err=True)
        if ask_passphrase:
            self.passphrase = click.prompt("Phrase de passe du fichier", hide_input=True, confirmation_prompt=True, err=True)
        else:
            self.passphrase = os.environ.get("ANNUAIRES_DUMP_PASSPHRASE") or self.password
        if len(self.passphrase) < MIN_PASSPHRASE:
            raise click.UsageError(f"the dump's passphrase needs {MIN_PASSPHRASE} characters at least: give a longer one "
                                   "(ANNUAIRES_DUMP_PASSPHRASE or --ask-passphrase)")

    def headers(self) -> dict[str, str]:
        return {"X-Dump-Passphrase": self.passphrase}


def _refused(answer: requests.Response) -> click.ClickException:
    try:
        error = answer.json()["error"]
        return click.ClickException(f"{answer.status_code}: {error['message']}")
    except (ValueError, KeyError, TypeError):
        return click.ClickException(f"{answer.status_code}: {answer.text[:500]}")


def _progress(total: bool) -> Progress:
    """A bar with counts, rate and time left on a terminal; plain lines otherwise (rich decides)."""
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn(), DownloadColumn() if total else TextColumn(
        "{task.completed} entités"), TaskProgressColumn() if total else TextColumn(""), TimeElapsedColumn()]
    if total:
        columns += [TransferSpeedColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=err, disable=not err.is_terminal)


@click.group()
@click.option("--url", default=lambda: os.environ.get("ANNUAIRES_URL", "http://127.0.0.1:8080"), show_default="$ANNUAIRES_URL "
              "or http://127.0.0.1:8080", help="the instance, local or deployed")
@click.option("--ask-passphrase", is_flag=True, help="ask for the dump's passphrase instead of using the password")
@click.pass_context
def main(context: click.Context, url: str, ask_passphrase: bool) -> None:
    """Dump an instance of Annuaires to a file, or reload a dump into a test instance."""
    context.obj = {"url": url.rstrip("/"), "ask": ask_passphrase}


@main.command()
@click.option("--kinds", help="comma-separated kinds (all of them when absent)")
@click.option("--directory", help="one directory and what it references")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=True), default="-", show_default="standard output")
@click.pass_obj
def dump(options: dict, kinds: str | None, directory: str | None, output: IO[str]) -> None:
    """Write a dump: a line describing it, then an entity a line (Datastore's JSON form)."""
    credentials = Credentials(options["ask"])
    query = {k: v for k, v in (("kinds", kinds), ("directory", directory)) if v}
    with requests.get(f"{options['url']}/api/dump", params=query, headers=credentials.headers(), stream=True,
                      auth=("directories", credentials.password), timeout=TIMEOUT) as answer:
        if answer.status_code != 200:
            raise _refused(answer)
        written = Counter()
        with _progress(total=False) as progress:
            task = progress.add_task("Dump", total=None)
            for number, line in enumerate(answer.iter_lines(chunk_size=CHUNK, decode_unicode=False)):
                output.write(line.decode() + "\n")
                if number:
                    written[_kind(line)] += 1
                    progress.advance(task)
    err.print(f"{sum(written.values())} entités écrites : " + ", ".join(f"{k} {n}" for k, n in written.items()))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="read and check the whole file, say what it would write, write nothing")
@click.pass_obj
def reload(options: dict, file: Path, dry_run: bool) -> None:
    """Reload a dump into a test instance (the instance refuses unless it is marked as a test one)."""
    credentials = Credentials(options["ask"])
    if dry_run:
        found: Counter = Counter()
        with file.open("rb") as lines, _progress(total=True) as progress:
            task = progress.add_task("Vérification", total=file.stat().st_size)
            try:
                for _, raw in checked(credentials.passphrase, _counted(lines, progress, task), "check", ""):
                    found[raw.key.path[-1].kind] += 1
            except (BadDumpLine, InvalidInput) as error:
                raise click.ClickException(_reason(error)) from error
        err.print(f"Le fichier est bon ; il écrirait {sum(found.values())} entités : "
                  + ", ".join(f"{k} {n}" for k, n in sorted(found.items())))
        return
    with file.open("rb") as lines, _progress(total=True) as progress:
        task = progress.add_task("Envoi", total=file.stat().st_size)
        answer = requests.post(f"{options['url']}/api/reload", data=_counted(lines, progress, task, chunks=True),
                               headers={**credentials.headers(), "Content-Type": "application/x-ndjson"},
                               auth=("directories", credentials.password), timeout=TIMEOUT)
    if answer.status_code != 200:
        raise _refused(answer)
    err.print(f"{answer.json()['entities']} entités rechargées.")


def _counted(lines: IO[bytes], progress: Progress, task: Any, chunks: bool = False) -> Any:
    """The file's lines (or pieces, to send), moving the bar by their bytes."""
    while piece := (lines.read(CHUNK) if chunks else lines.readline()):
        progress.advance(task, len(piece))
        yield piece


def _kind(line: bytes) -> str:
    return json.loads(line)["key"]["path"][-1]["kind"]


def _reason(error: InvalidInput) -> str:
    return translate(error.message_key, "fr", **error.params) if isinstance(error, BadDumpLine) else \
        f"phrase de passe : {', '.join(error.fields.values())}"


if __name__ == "__main__":
    sys.exit(main())
