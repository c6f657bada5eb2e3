"""Every message the service shows, pages, answers, e-mails and the `annuaires` command alike, in French and in
English: the gettext catalogs locales/<lang>/LC_MESSAGES/messages.po, whose msgids are the keys the code names.

The set-up compiles them to .mo files (never committed); they are read once, when this module is imported, so that
an instance without them stops at start rather than at its first page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from babel.messages.mofile import read_mo

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("fr", "en")
DOMAIN = "messages"


def N_(key: str) -> str:
    """A message key named here and translated elsewhere (a field's error, a label chosen by a value): the key itself."""
    return key


def _load(lang: str) -> dict[str, str]:
    compiled = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.is_file():
        raise RuntimeError(f"{compiled} is missing: the message catalogs are compiled at set-up "
                           "(`make run` or `make test`, or `pybabel compile -d functions/annuaires/locales`)")
    with compiled.open("rb") as file:
        return {message.id: message.string for message in read_mo(file) if message.id}


_CATALOGS = {lang: _load(lang) for lang in LANGUAGES}


def translate(key: str, lang: str, **params: object) -> str:
    """The message for a key in a language (English for any but French); the key itself if unknown (a visible defect)."""
    text = _CATALOGS["fr" if lang == "fr" else "en"].get(key, key)
    return text.format(**params) if params else text


def known(key: str) -> bool:
    """Whether a key is a message of the service (a notice in a link shows only these)."""
    return key in _CATALOGS["fr"]


def messages(lang: str) -> Mapping[str, str]:
    """Every message of a language, key → text, read-only."""
    return MappingProxyType(_CATALOGS[lang])
