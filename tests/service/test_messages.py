"""Every message a page, an answer, an e-mail or the command can show exists in French and in English, in the gettext
catalogs; every entry of the catalogs is named by the code; Babel's own extractor (babel.cfg) reads the code and templates."""

from __future__ import annotations

import gc
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from annuaires import catalogs
from annuaires.catalogs import LANGUAGES, LOCALES
from annuaires.services.audit import ACTIONS
from annuaires.services.roles import ROLES
from annuaires.services.values import WEEKDAYS
from annuaires.web import forms, labels

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"t": None, "N_": None, "say": None, "translate": None}  # README, "Messages": pybabel extract -k each


def _used() -> dict[str, list[str]]:
    """Each msgid the code and the templates name, with where."""
    with (REPO / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    used: dict[str, list[str]] = {}
    for filename, lineno, message, _, _ in extract_from_dir(str(REPO), method_map, options_map, keywords=KEYWORDS,
                                                           strip_comment_tags=True):
        assert isinstance(message, str), f"{filename}:{lineno}: one key per call: {message!r}"
        used.setdefault(message, []).append(f"{filename}:{lineno}")
    return used


def _catalog(lang: str):
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=lang)


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


USED = _used()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_named_by_the_code_is_in_the_catalog(lang):
    catalog = _catalog(lang)
    missing = sorted(f"{key} ({USED[key][0]})" for key in USED if key not in catalog or not catalog[key].string)
    assert missing == []
    assert [m.id for m in catalog if m.id and m.fuzzy] == []
    assert not catalog.fuzzy


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_of_the_catalog_is_named_by_the_code(lang):
    assert sorted(m.id for m in _catalog(lang) if m.id and m.id not in USED) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_message_is_in_the_catalog_once(lang):
    """Two entries of one key (a merge that kept both sides) would go unseen: Babel reads only one of them."""
    source = (LOCALES / lang / "LC_MESSAGES" / "messages.po").read_text()
    assert sum(line.startswith("msgid ") for line in source.splitlines()) == len(_catalog(lang)) + 1  # and the header


def test_french_and_english_fill_in_the_same_values():
    french, english = _catalog("fr"), _catalog("en")
    differ = sorted(m.id for m in french if m.id and _placeholders(m.string) != _placeholders(english[m.id].string))
    assert differ == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogs_are_those_of_the_sources(lang):
    """The .mo files are built at set-up: after a change to a .po file, `make test` or `make run` builds them again."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.mo").open("rb") as compiled:
        built = {m.id: m.string for m in read_mo(compiled) if m.id}
    assert built == {m.id: m.string for m in _catalog(lang) if m.id}, "make test (or pybabel compile -d functions/annuaires/locales)"


def test_a_missing_compiled_catalog_stops_the_start_and_says_how_to_build_it():
    with pytest.raises(RuntimeError, match="compiled at set-up"):
        catalogs._load("xx")


def test_values_shown_by_their_label_each_have_one(app):
    fields = {o.name for o in gc.get_objects() if isinstance(o, forms.Field)}  # every route's fields, once the app is built
    assert fields and fields <= set(labels.FIELDS)
    assert set(WEEKDAYS) == set(labels.DAYS)
    assert set(ACTIONS) == set(labels.AUDIT)
    assert set(ROLES) <= set(labels.ROLES)


def test_pages_switch_language(api):
    assert "Administration générale" in api.get("/admin/pwd.html").get_data(as_text=True)
    english = api.get("/admin/pwd.html", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "General administration" in english and 'lang="en"' in english
    switched = api.get("/admin/pwd.html?lang=en")
    assert "lang=en" in switched.headers["Set-Cookie"]
    assert "General administration" in api.get("/admin/pwd.html").get_data(as_text=True)


def test_api_errors_speak_the_requested_language(api):
    french = api.post("/api/session", {"role": "directories", "password": "x"}).get_json()["error"]["message"]
    english = api.post("/api/session", {"role": "directories", "password": "x"},
                       headers={"Accept-Language": "en"}).get_json()["error"]["message"]
    assert french != english and "Wrong" in english


def test_notices_show_only_the_service_own_messages(api):
    page = api.get("/admin/pwd.html?done=Call+06+12+34+56+78").get_data(as_text=True)
    assert "Call 06" not in page
    assert "Enregistré." in api.get("/admin/pwd.html?done=saved").get_data(as_text=True)


def test_client_address_is_the_one_the_trusted_proxies_saw(app, datastore_client):
    import dataclasses

    from annuaires import bootstrap
    from annuaires.store.base import digest

    config = dataclasses.replace(app.extensions["annuaires"].config, trusted_proxies=2)
    client = bootstrap.app(config, lambda: datastore_client).test_client()
    client.post("/api/session", json={"role": "directories", "password": "wrong"},
                headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 35.191.0.1"})
    counter = datastore_client.get(datastore_client.key("Throttle", digest("client:203.0.113.7")))
    assert counter is not None and counter["failures"] == 1
