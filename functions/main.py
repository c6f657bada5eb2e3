"""Cloud Functions entry points: each hands its request to the app, built once per instance.

An entry point must not be named like an importable module (`annuaires`): functions-framework
builds `Flask(<target>)`, and Flask would then look for /static/ inside that package.
"""

from __future__ import annotations

import functools

import functions_framework
from flask import Flask, Request
from werkzeug.wrappers import Response

from annuaires import bootstrap, logs
from annuaires.config import Config


@functools.cache
def _app() -> Flask:
    logs.to_stderr()
    return bootstrap.app(Config.from_env())


@functions_framework.http
def annuaires_web(request: Request) -> Response:
    """The whole web service: pages, JSON API, tasks."""
    return Response.from_app(_app().wsgi_app, request.environ)
