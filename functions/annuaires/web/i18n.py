"""French first, English on request: the language of a request (catalogs.py holds the messages)."""

from __future__ import annotations

from flask import Request

from annuaires.catalogs import LANGUAGES

DEFAULT = "fr"


def language_of(request: Request) -> str:
    """The language of a request: the `lang` switch (query or cookie), then Accept-Language."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT

