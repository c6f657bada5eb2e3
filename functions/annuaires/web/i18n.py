"""French first, English on request: the language of a request and the messages."""

from __future__ import annotations

from flask import Request

from annuaires.web.messages import MESSAGES

LANGUAGES = ("fr", "en")
DEFAULT = "fr"


def language_of(request: Request) -> str:
    """The language of a request: the `lang` switch (query or cookie), then Accept-Language."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def translate(key: str, lang: str, **params: object) -> str:
    """The message for a key in a language; the key itself if unknown (a visible defect)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry[0] if lang == "fr" else entry[1]
    return text.format(**params) if params else text
