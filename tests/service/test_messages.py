"""Every message a page or an answer can show exists in French and in English."""

from __future__ import annotations

import re

from annuaires.services.audit import ACTIONS
from annuaires.services.values import WEEKDAYS
from annuaires.web.messages import MESSAGES
from tests.support import ROOT

PACKAGE = ROOT / "functions" / "annuaires"


def _keys_in_code() -> set[str]:
    """Keys passed to t() in templates, and message keys raised or returned in Python code."""
    keys: set[str] = set()
    for template in (PACKAGE / "templates").rglob("*.html"):
        keys |= set(re.findall(r"\bt\('([a-z_]+)'\)", template.read_text()))
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text()
        keys |= set(re.findall(r"(?:raise (?!AssertionError)\w+|ValueError)\(\"([a-z_]+)\"", text))
        keys |= set(re.findall(r"action=\"([a-z_]+)\"", text))
        keys |= set(re.findall(r"back\([A-Z_]+, \"([a-z_]+)\"\)", text))
        keys |= set(re.findall(r"InvalidInput\(\{\"\w+\": \"([a-z_]+)\"\}\)", text))
    return keys


def test_every_message_key_used_has_both_languages():
    fields = {name for module in (PACKAGE / "web").glob("*.py")
              for name in re.findall(r"forms\.Field\(\"(\w+)\"", module.read_text())}
    dynamic = (
        {f"day_{d}" for d in WEEKDAYS} | {f"audit_{action}" for action in ACTIONS} | {f"field_{f}" for f in fields}
        | {f"role_{role}" for role in ("general", "directories", "directory", "group")}
        | {"type_group", "type_groupement", "members_group", "members_groupement", "state_recent", "state_deactivated",
           "activate", "deactivate", "password_reset"}
    )
    missing = sorted(k for k in _keys_in_code() | dynamic if k not in MESSAGES)
    assert missing == []
    assert all(len(texts) == 2 and all(texts) for texts in MESSAGES.values())


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

    from annuaires.store.base import digest
    from annuaires.web.app import create_app

    config = dataclasses.replace(app.extensions["annuaires"].config, trusted_proxies=2)
    client = create_app(config, lambda: datastore_client).test_client()
    client.post("/api/session", json={"role": "directories", "password": "wrong"},
                headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 35.191.0.1"})
    counter = datastore_client.get(datastore_client.key("Throttle", digest("client:203.0.113.7")))
    assert counter is not None and counter["failures"] == 1
