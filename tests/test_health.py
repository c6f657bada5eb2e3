"""The service answers and describes itself."""


def test_healthz_needs_no_authentication(api):
    assert api.get("/healthz", expect=200).get_json() == {"ok": True}


def test_openapi_lists_every_api_route(app, api):
    document = api.get("/api/openapi.json", expect=200).get_json()
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule.replace("<code>", "{code}").replace("<id>", "{id}")
        path = path.replace("<any(activate, deactivate):action>", "{action}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if "{action}" in path:
                assert any((method, path.replace("{action}", a)) in documented for a in ("activate", "deactivate"))
            else:
                assert (method, path) in documented, (method, path)
