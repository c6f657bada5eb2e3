"""Where the service is put together, once per instance: the Context with its adapters, from the configuration,
then the web app over it. The entry point, the command line, the tests and the benchmarks start here."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from datetime import datetime

from flask import Flask
from google.cloud import datastore

from annuaires.adapters.reference_feed import HttpReferenceFeed
from annuaires.adapters.secrets_box import SecretBox, keys_of
from annuaires.adapters.smtp_relay import SmtpRelay
from annuaires.adapters.task_queue import CloudTasksQueue
from annuaires.config import Config
from annuaires.services.context import Context, utc_now
from annuaires.services.passwords import Passwords
from annuaires.store.base import make_client
from annuaires.web import paths
from annuaires.web.app import create_app
from annuaires.web.iap import google_keys
from annuaires.web.links import WebLinks
from annuaires.web.oidc import google_certs


def derived_keys(config: Config, purpose: str) -> list[bytes]:
    """Keys for one purpose, derived from the secrets keys, the newest first (one made per instance without any:
    then such signatures do not outlive the instance)."""
    return [hashlib.sha256(f"annuaires {purpose}\0{key}".encode()).digest()
            for key in keys_of(config.secrets_key)] or [os.urandom(32)]


def context(config: Config, client_factory: Callable[[], datastore.Client] | None = None, *,
            clock: Callable[[], datetime] = utc_now) -> Context:
    """What the services act with; tests give their own Datastore client and clock."""
    links, link_keys = WebLinks(config.public_url), derived_keys(config, "e-mail links")
    feed = (HttpReferenceFeed(config.mail_reference_url + paths.MAIL_CHANGES, config.mail_reference_token)
            if config.mail_reference_url else None)
    return Context(config, client_factory or (lambda: make_client(config)), Passwords(config.password_hashing),
                   derived_keys(config, "device cookies")[0], link_keys[0],
                   queue=CloudTasksQueue(config, links.send_task()), relay=SmtpRelay(),
                   secrets=SecretBox(config.secrets_key), links=links, reference_feed=feed, clock=clock,
                   old_link_keys=tuple(link_keys[1:]))


def app(config: Config, client_factory: Callable[[], datastore.Client] | None = None, *,
        clock: Callable[[], datetime] = utc_now, iap_keys: Callable[[], Mapping[str, str]] = google_keys,
        oidc_certs: Callable[[], Mapping[str, str]] = google_certs) -> Flask:
    """The whole service as one Flask app over a fresh Context; tests give their own client, clock and keys."""
    return create_app(context(config, client_factory, clock=clock), iap_keys=iap_keys, oidc_certs=oidc_certs)
