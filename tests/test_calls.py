"""Datastore calls per request stay constant as data grows (batch gets, one query per list)."""

from __future__ import annotations

from bench.common import RpcCounter
from tests.helpers import init_datastore, make_directory
from tests.test_directory import animator, group_of


def calls(counter: RpcCounter, api, path: str) -> int:
    api.get(path, expect=200)
    _, counted = counter.during(lambda: api.get(path, expect=200))
    return sum(counted.values())


def test_directory_page_calls_do_not_grow_with_groups(new_api, datastore_client):
    counter = RpcCounter(datastore_client)
    directories = init_datastore(new_api)
    _, small = make_directory(directories, new_api, "Petit", "PE")
    _, large = make_directory(directories, new_api, "Grand", "GR")
    for n in range(2):
        group_of(small, name=f"Petit {n}", initials=f"P{n}")
    for n in range(25):
        group_of(large, name=f"Grand {n}", initials=f"G{n}")
    large.delete(f"/api/directory/groups/{large.get('/api/directory').get_json()['groups'][0]['code']}", expect=200)
    for path in ("/api/directory", "/adminloc.html"):
        assert calls(counter, small, path) == calls(counter, large, path) == 4, path


def test_group_page_calls_do_not_grow_with_members_or_deliveries(new_api, datastore_client):
    counter = RpcCounter(datastore_client)
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    pages = []
    for size in (1, 12):
        groupement = group_of(paris, type="groupement", name=f"Fermes {size}", initials=f"F{size}")
        producer = animator(new_api, groupement["code"])
        for n in range(size):
            group = group_of(paris, name=f"Groupe {size}-{n}", initials=f"G{size}-{n}")
            producer.post("/api/group/deliveries", {"group": group["code"]}, expect=201)
            producer.post("/api/group/members", {"name": f"P{n}", "email": f"p{n}@example.org"}, expect=201)
        pages.append([calls(counter, producer, path) for path in ("/api/group", "/animateur.html")])
    assert pages[0] == pages[1] == [6, 6], pages  # session+group, members, delivered, suppliers, directories, audit
