"""The service answers and describes itself."""

import re


def test_healthz_needs_no_authentication(api):
    assert api.get("/healthz", expect=200).get_json() == {"ok": True}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_openapi_lists_every_api_route(app, api):
    document = api.get("/api/openapi.json", expect=200).get_json()
    documented = {(method.upper(), _shape(path)) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            choices = re.search(r"<any\(([^)]*)\):\w+>", rule.rule)
            variants = [a.strip(" '") for a in choices.group(1).split(",")] if choices else [None]
            for variant in variants:
                path = rule.rule if variant is None else rule.rule.replace(choices.group(0), variant)
                assert (method, re.sub(r"<[^>]*>", "{}", path)) in documented, (method, path)


def test_oversized_bodies_are_refused_clearly(api):
    response = api.post("/api/session", {"role": "directories", "password": "x" * (2 * 1024 * 1024)}, expect=413)
    assert response.get_json()["error"]["code"] == "too_large"


def test_unknown_api_path_and_method_answer_json(api):
    assert api.get("/api/nothing", expect=404).get_json()["error"]["code"] == "not_found"
    assert api.put("/healthz", expect=405).status_code == 405
    assert api.call("PATCH", "/api/directories", expect=405).get_json()["error"]["code"] == "method_not_allowed"


def test_pages_forbid_scripts_and_framing(api):
    headers = api.get("/admin/pwd.html").headers
    assert "script-src 'self';" in headers["Content-Security-Policy"]  # the optional character counter only, never inline
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_datastore_not_answering_is_a_clear_503_never_a_trace(given, new_api, datastore_client, monkeypatch):
    from google.api_core import exceptions as gexc

    given.directories_admin()
    _, paris = given.directory("Paris", "PA")

    def unavailable(*_, **__):
        raise gexc.RetryError("Timeout of 60.0s exceeded, last exception: 503 failed to connect", gexc.ServiceUnavailable("x"))

    monkeypatch.setattr(datastore_client, "get_multi", unavailable)
    answer = paris.get("/api/directory")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert answer.get_json() == {"error": {"code": "unavailable", "message": "Le service est momentanément indisponible : "
                                                                              "rien n'a été perdu, réessayez dans une minute."}}
    page = paris.get("/adminloc.html")
    assert page.status_code == 503 and "réessayez dans une minute" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True) and "RetryError" not in page.get_data(as_text=True)
    monkeypatch.undo()
    paris.get("/api/directory", expect=200)
