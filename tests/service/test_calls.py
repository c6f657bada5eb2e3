"""Datastore calls per request stay constant as data grows (batch gets, one query per list)."""

from __future__ import annotations

import dataclasses

from emulator.calls import RpcCounter


def calls(counter: RpcCounter, api, path: str) -> int:
    api.get(path, expect=200)
    _, counted = counter.during(lambda: api.get(path, expect=200))
    return sum(counted.values())


def test_directory_page_calls_do_not_grow_with_groups(given, new_api, datastore_client):
    counter = RpcCounter(datastore_client)
    given.directories_admin()
    given.mailers("A")
    _, small = given.directory("Petit", "PE")
    _, large = given.directory("Grand", "GR")
    for n in range(2):
        given.group(small, name=f"Petit {n}", initials=f"P{n}")
    for n in range(25):
        given.group(large, name=f"Grand {n}", initials=f"G{n}")
    large.delete(f"/api/directory/groups/{large.get('/api/directory').get_json()['groups'][0]['code']}", expect=200)
    for admin in (small, large):  # a mailing each: the responsible directories are read (in one batch)
        code = admin.get("/api/directory").get_json()["groups"][0]["code"]
        admin.put(f"/api/directory/groups/{code}/mailing", {"day": "mon", "mailer": "A"}, expect=200)
    # session and directory, groups, their responsible directories, former groups, audit log; the page adds
    # the mailers, whose senders its choices show, and the batches of the last weeks
    for path, expected in (("/api/directory", 5), ("/adminloc.html", 7)):
        assert calls(counter, small, path) == calls(counter, large, path) == expected, path


def test_directory_page_calls_stay_the_same_when_its_lists_run_past_a_page(given, new_api, datastore_client, ctx,
                                                                            monkeypatch):
    from annuaires.services import audit

    counter = RpcCounter(datastore_client)
    ctx.config = dataclasses.replace(ctx.config, page_size=3)
    monkeypatch.setattr(audit, "PAGE", 3)
    given.directories_admin()
    _, small = given.directory("Petit", "PE")
    _, large = given.directory("Grand", "GR")
    given.group(small, name="Petit 0", initials="P0")
    for n in range(8):  # more groups than a page, and as many audit entries concerning the directory
        given.group(large, name=f"Grand {n}", initials=f"G{n}")
    shown = large.get("/api/directory").get_json()
    assert (len(shown["groups"]), len(shown["audit"])) == (3, 3) and shown["next"]["groups"] and shown["next"]["audit"]
    for path in ("/api/directory", "/adminloc.html"):
        assert calls(counter, small, path) == calls(counter, large, path), path


def test_group_page_calls_do_not_grow_with_members_or_deliveries(given, new_api, datastore_client):
    counter = RpcCounter(datastore_client)
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    pages = []
    for size in (1, 12):
        groupement = given.group(paris, type="groupement", name=f"Fermes {size}", initials=f"F{size}")
        producer = given.animator(groupement["code"])
        for n in range(size):
            group = given.group(paris, name=f"Groupe {size}-{n}", initials=f"G{size}-{n}")
            producer.post("/api/group/deliveries", {"group": group["code"]}, expect=201)
            producer.post("/api/group/members", {"name": f"P{n}", "email": f"p{n}@example.org"}, expect=201)
        pages.append([calls(counter, producer, path) for path in ("/api/group", "/animateur.html")])
    # session and group, members, delivered, suppliers, message, directories, audit; the page adds the groups it
    # may deliver (its directories, and one query per directory, rarely more than 2-3) and the last batch
    assert pages[0] == pages[1] == [7, 10], pages


def test_b1_mail_accounts_list_and_search_calls_do_not_grow_with_accounts(new_api, datastore_client):
    from annuaires.store import mail

    counter = RpcCounter(datastore_client)
    admin = new_api().as_general()
    counts = []
    for size, name in ((3, "petit.org"), (120, "grand.org")):
        admin.post("/api/mail/domains", {"name": name, "site": "fr"}, expect=201)
        mail.ACCOUNTS.put_many(datastore_client, [mail.MailAccount(f"m{n:04d}@{name}", name, f"m{n:04d}", f"Membre {n}",
                                                                   f"membre {n}") for n in range(size)])
        mail.ALIASES.put_many(datastore_client, [mail.MailAlias(f"a{n:04d}@{name}", name, [f"m{n:04d}@{name}"])
                                                 for n in range(size)])
        counts.append([calls(counter, admin, f"/api/mail/accounts?domain={name}{query}")
                       for query in ("", "&q=m00", "&q=membre%201")]
                      + [calls(counter, admin, f"/messagerie/domains/{name}{query}") for query in ("", "?q=membre%201")]
                      + [calls(counter, admin, f"/messagerie/accounts/m0001@{name}")])
    # session, domain, its site, the page (a search: one query by address, one by name); the domain's page adds
    # a page of aliases and one of its log; an account's page: session, account, domain, site, its log
    assert counts[0] == counts[1] == [4, 5, 5, 6, 7, 7], counts
