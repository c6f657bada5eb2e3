"""What must stay true when requests cross: throttling, resets, references, deliveries (A1, A4, A8, A10)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor


def test_parallel_wrong_passwords_cannot_pass_the_throttle(given, new_api):
    given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    attackers = [new_api() for _ in range(30)]
    with ThreadPoolExecutor(max_workers=15) as pool:
        statuses = list(pool.map(
            lambda a: a.sign_in(role="directory", directory=code, password="guess", expect=None).status_code, attackers))
    assert statuses.count(401) <= 5 and statuses.count(429) >= 25, statuses


def test_code_and_initials_share_one_counter(given, new_api):
    given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    attacker = new_api()
    for name in ("PA", "pa", code, code.upper(), " Pa "):
        attacker.sign_in(role="directory", directory=name, password="guess", expect=401)
    attacker.sign_in(role="directory", directory=code, password=given.STRONG, expect=429)


def test_a4_a_sign_in_crossing_a_reset_opens_nothing(given, new_api, monkeypatch, ctx):
    directories = given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    real_verify = ctx.passwords.verify

    def verify_while_reset(stored_hash, password):
        monkeypatch.setattr(ctx.passwords, "verify", real_verify)
        directories.post(f"/api/directories/{code}/password-reset", expect=204)  # lands mid-sign-in
        return real_verify(stored_hash, password)

    monkeypatch.setattr(ctx.passwords, "verify", verify_while_reset)
    late = new_api()
    late.sign_in(role="directory", directory=code, password=given.STRONG, expect=200)
    late.get("/api/session", expect=401)
    taker = new_api()
    assert taker.sign_in(role="directory", directory=code, password="0000").get_json()["must_change_password"]


def test_a4_a_password_change_crossing_a_reset_loses(given, new_api, monkeypatch, ctx):
    directories = given.directories_admin()
    code, admin = given.directory("Paris", "PA")
    real_hash = ctx.passwords.hash

    def hash_while_reset(password):
        monkeypatch.setattr(ctx.passwords, "hash", real_hash)
        directories.post(f"/api/directories/{code}/password-reset", expect=204)
        return real_hash(password)

    monkeypatch.setattr(ctx.passwords, "hash", hash_while_reset)
    admin.post("/api/session/password", {"current": given.STRONG, "new": "another-long-password"}, expect=401)
    new_api().sign_in(role="directory", directory=code, password="0000", expect=200)
    new_api().sign_in(role="directory", directory=code, password="another-long-password", expect=401)


def test_a8_a_group_on_0000_cannot_consent(given, new_api):
    given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    _, lyon = given.directory("Lyon", "LY")
    group = given.group(paris, name="Les Radis", initials="LR")
    body = lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": "0000"},
                     expect=403).get_json()
    assert body["error"]["code"] == "forbidden"
    assert lyon.get("/api/directory").get_json()["groups"] == []


def test_a6_a8_a_deactivated_directory_vouches_for_nothing(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    directories.post(f"/api/directories/{paris_code}/deactivate", expect=204)
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": given.STRONG}, expect=403)


def test_a9_reactivation_keeps_references_made_meanwhile(given, new_api, datastore_client):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    paris.delete(f"/api/directory/groups/{group['code']}", expect=200)
    stored = datastore_client.get(datastore_client.key("Group", group["code"]))
    stored["refs"] = [lyon_code]  # as if a reference had crossed the dereferencing
    datastore_client.put(stored)
    paris.post(f"/api/directory/groups/{group['code']}/reactivate", expect=200)
    stored = datastore_client.get(datastore_client.key("Group", group["code"]))
    assert sorted(stored["refs"]) == sorted([paris_code, lyon_code])


def test_a10_concurrent_identical_deliveries_are_stored_once(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    farms = given.group(paris, type="groupement", name="Les Fermes", initials="LF")
    radis = given.group(paris, name="Les Radis", initials="LR")
    producer = given.animator(farms["code"])
    statuses = producer.concurrently("/api/group/deliveries", {"group": radis["code"]}, times=10)
    assert statuses.count(201) == 1 and set(statuses) == {201, 409}, statuses
    assert len(producer.get("/api/group").get_json()["deliveries"]) == 1


def test_texts_that_are_no_codes_are_not_found_never_a_server_error(given, new_api):
    directories = given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    long_code = "a" * 1600
    directories.post(f"/api/directories/{long_code}/password-reset", expect=404)
    directories.post("/api/directories/__x__/deactivate", expect=404)
    paris.post(f"/api/directory/groups/{long_code}/reactivate", expect=404)
    new_api().sign_in(role="group", group="__x__", password="whatever-password", expect=401)
    stranger = new_api()
    stranger.set_cookie("annuaires_directory", f"x.directory.{long_code}")
    stranger.get("/healthz", expect=200)
    stranger.get("/api/session", expect=401)


def test_a_general_admin_removed_from_the_configuration_is_signed_out(api, app, ctx):
    api.as_general()
    api.get("/api/mailers", expect=200)
    ctx.config = dataclasses.replace(ctx.config, general_admins=frozenset({"other@example.org"}))
    api.get("/api/mailers", expect=401)


def test_a_directories_admin_sign_in_crossing_a_new_password_opens_nothing(given, new_api, monkeypatch, ctx):
    given.directories_admin()
    general = new_api().as_general()
    real_verify = ctx.passwords.verify

    def verify_while_password_set(stored_hash, password):
        monkeypatch.setattr(ctx.passwords, "verify", real_verify)
        general.put("/api/directories-admin/password", {"password": "a-brand-new-secret"}, expect=204)
        return real_verify(stored_hash, password)

    monkeypatch.setattr(ctx.passwords, "verify", verify_while_password_set)
    late = new_api()
    late.sign_in(role="directories", password=given.DIRECTORIES_PASSWORD, expect=200)
    late.get("/api/directories", expect=401)
    new_api().as_directories("a-brand-new-secret").get("/api/directories", expect=200)


def test_concurrent_identical_members_are_stored_once(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    radis = given.animator(given.group(paris, name="Les Radis", initials="LR")["code"])
    statuses = radis.concurrently("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, times=10)
    assert statuses.count(201) == 1 and set(statuses) == {201, 400}, statuses
    assert len(radis.get("/api/group").get_json()["members"]) == 1


def test_a10_a_delivery_crossing_the_deactivation_of_the_shared_directory_is_refused(given, monkeypatch):
    from annuaires.services.directories import group as animator

    directories = given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    farms = given.group(paris, type="groupement", name="Les Fermes", initials="LF")
    radis = given.group(paris, name="Les Radis", initials="LR")
    producer = given.animator(farms["code"])
    real_resolve = animator.auth.resolve

    def resolve_while_deactivated(*args, **kwargs):
        found = real_resolve(*args, **kwargs)
        monkeypatch.setattr(animator.auth, "resolve", real_resolve)
        directories.post(f"/api/directories/{paris_code}/deactivate", expect=204)  # lands before the transaction
        return found

    monkeypatch.setattr(animator.auth, "resolve", resolve_while_deactivated)
    body = producer.post("/api/group/deliveries", {"group": radis["code"]}, expect=403).get_json()
    assert "Aucun annuaire actif" in body["error"]["message"]
    assert producer.get("/api/group").get_json()["deliveries"] == []


def test_a8_a_reference_crossing_the_deactivation_of_the_vouching_directory_is_refused(given, ctx, monkeypatch):
    net = given.network()
    real_verify = ctx.passwords.verify

    def verify_while_deactivated(stored_hash, password):
        monkeypatch.setattr(ctx.passwords, "verify", real_verify)
        net.directories.post(f"/api/directories/{net.paris_code}/deactivate", expect=204)
        return real_verify(stored_hash, password)

    monkeypatch.setattr(ctx.passwords, "verify", verify_while_deactivated)
    net.lyon.post("/api/directory/references", {"directory": net.paris_code, "group": net.group["code"],
                                                "password": given.STRONG}, expect=403)
    assert net.lyon.get("/api/directory").get_json()["groups"] == []


def test_a_transaction_datastore_no_longer_knows_runs_again_and_other_refusals_do_not(datastore_client):
    """After the emulator restarted mid-transaction (bench/load.py found it), its commit answers "transaction has
    expired or is invalid": nothing was written, so the whole work runs again; another bad request does not."""
    import pytest
    from google.api_core import exceptions as gexc
    from google.cloud import datastore

    from annuaires.store.base import in_transaction

    tries = []

    def work() -> str:
        tries.append(1)
        entity = datastore.Entity(datastore_client.key("Sample", "again"))
        entity["tries"] = len(tries)
        datastore_client.put(entity)
        if len(tries) == 1:
            raise gexc.InvalidArgument("transaction has expired or is invalid")
        return "written"

    assert in_transaction(datastore_client, work) == "written" and len(tries) == 2
    assert datastore_client.get(datastore_client.key("Sample", "again"))["tries"] == 2

    def bad() -> None:
        tries.append(1)
        raise gexc.InvalidArgument("The key path element name is the empty string.")

    tries.clear()
    with pytest.raises(gexc.InvalidArgument):
        in_transaction(datastore_client, bad)
    assert len(tries) == 1


def test_an_idempotent_write_waits_for_datastore_to_answer_again_then_gives_up():
    import time

    import pytest
    from google.api_core import exceptions as gexc

    from annuaires.store.base import until_available

    answers = [gexc.ServiceUnavailable("restarting"), gexc.ServiceUnavailable("restarting"), "written"]

    def work() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert until_available(work, seconds=5) == "written" and answers == []
    began = time.monotonic()
    with pytest.raises(gexc.ServiceUnavailable):
        until_available(lambda: (_ for _ in ()).throw(gexc.ServiceUnavailable("gone")), seconds=1)
    assert time.monotonic() - began < 2
