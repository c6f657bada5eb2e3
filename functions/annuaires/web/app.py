"""create_app: the Flask app, its routes and the map from domain errors to answers."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, g, request
from google.api_core import exceptions as gexc
from google.cloud import datastore
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from annuaires.adapters.secrets_box import keys_of
from annuaires.config import Config
from annuaires.services.context import Context, utc_now
from annuaires.services.errors import DomainError, InvalidInput, TooManyAttempts
from annuaires.services.passwords import Passwords
from annuaires.services.versions import ChangedElsewhere
from annuaires.store.base import InvalidCursor, make_client
from annuaires.web import edge, forms
from annuaires.web.areas import status_of
from annuaires.web.i18n import language_of, translate
from annuaires.web.iap import google_keys
from annuaires.web.messages import MESSAGES
from annuaires.web.oidc import google_certs

HTTP_CODES = {400: "invalid_input", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "invalid_input", 503: "unavailable"}
RETRY_AFTER_SECONDS = 30  # when a page or a call is worth trying again while Datastore does not answer
log = logging.getLogger(__name__)

# Pages need no script at all (one optional one, from /static, counts characters); styles come from /static, plus
# the colour swatch's inline style.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def derived_keys(config: Config, purpose: str) -> list[bytes]:
    """Keys for one purpose, derived from the secrets keys, the newest first (one made per instance without any:
    then such signatures do not outlive the instance)."""
    return [hashlib.sha256(f"annuaires {purpose}\0{key}".encode()).digest()
            for key in keys_of(config.secrets_key)] or [os.urandom(32)]


def create_app(
    config: Config, client_factory: Callable[[], datastore.Client] | None = None, *,
    clock: Callable[[], datetime] = utc_now, iap_keys: Callable[[], Mapping[str, str]] = google_keys,
    oidc_certs: Callable[[], Mapping[str, str]] = google_certs,
) -> Flask:
    """The whole service as one Flask app; tests give their own Datastore client, clock and IAP keys."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent.parent / "templates"))
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # every form and JSON body is small
    app.json = forms.BoundedJson(app)  # JSON integers bounded in digits before Python reads them (issue 22)
    link_keys = derived_keys(config, "e-mail links")
    app.extensions["annuaires"] = Context(config, client_factory or (lambda: make_client(config)),
                                          Passwords(config.password_hashing), derived_keys(config, "device cookies")[0],
                                          link_keys[0], clock, tuple(link_keys[1:]))
    app.extensions["iap_keys"] = iap_keys
    app.extensions["oidc_certs"] = oidc_certs
    app.jinja_env.autoescape = True
    if config.trusted_proxies:
        # The client's address, for throttling, is the one the first trusted proxy saw (Google's
        # front end appends it; a load balancer in front appends one more).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies, x_proto=1)  # type: ignore[method-assign]
    app.jinja_env.globals.update(t=edge.t, language_link=edge.language_link, field_label=edge.field_label,
                                 known_message=MESSAGES.__contains__, emulator=config.emulator)
    app.jinja_env.filters["audit_detail"] = edge.audit_detail
    app.jinja_env.filters["localtime"] = functools.partial(edge.localtime, zone=ZoneInfo(config.timezone))

    from annuaires.web import auth, dump, mail, meta, public, tasks
    from annuaires.web import directories as directories_admin
    from annuaires.web import directory as directory_admin
    from annuaires.web import general as general_admin
    from annuaires.web import group as animator

    for module in (meta, auth, public, tasks, general_admin, directories_admin, directory_admin, animator, dump, mail):
        app.register_blueprint(module.blueprint)

    @app.before_request
    def first_checks() -> None:
        g.lang = language_of(request)
        edge.check_same_site()

    @app.after_request
    def headers(response: Response) -> Response:
        if request.args.get("lang") in ("fr", "en"):
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Pages and answers hold who is signed in and what they manage: never kept by a cache.
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        status = status_of(error)
        message = translate(error.message_key, g.get("lang", "fr"), **error.params)
        fields = error.fields if isinstance(error, InvalidInput) else None
        if edge.is_api():
            body: dict = {"code": error.code, "message": message}
            if fields is not None:
                body["fields"] = {name: translate(key, g.lang) for name, key in fields.items()}
            if isinstance(error, ChangedElsewhere) and error.current:
                body["current"] = error.current  # what is stored now, to show beside what the client sent (R2)
            response = edge.answer({"error": body}, status)
        else:
            response = edge.error_page(status, message, fields or {})
        if isinstance(error, TooManyAttempts):
            response.headers["Retry-After"] = str(60 * int(error.params.get("minutes", 1)))
        return response

    @app.errorhandler(InvalidCursor)
    def invalid_cursor(_: InvalidCursor) -> Response:
        return domain_error(InvalidInput({"cursor": "invalid_cursor"}))

    @app.errorhandler(gexc.RetryError)
    @app.errorhandler(gexc.ServiceUnavailable)
    @app.errorhandler(gexc.DeadlineExceeded)
    def datastore_unavailable(error: Exception) -> Response:
        """Datastore did not answer (after the client library's own retries): say so, and when to try again."""
        log.warning("datastore unavailable for %s %s: %s", request.method, request.path, type(error).__name__)
        response = http_error(ServiceUnavailable())
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = HTTP_CODES.get(status, "error")
        if edge.is_api():
            message = translate(code, g.get("lang", "fr"))
            return edge.answer({"error": {"code": code, "message": message}}, status)
        return edge.error_page(status, translate(code, g.get("lang", "fr")), {})

    return app
