"""Members of a group or groupement: child entities of their group."""

from __future__ import annotations

from google.cloud import datastore

from .entities import fetch_page

KIND = "Member"


def key(client: datastore.Client, group: str, member_id: int) -> datastore.Key:
    """The key of one member."""
    return client.key("Group", group, KIND, member_id)


def new(client: datastore.Client, group: str) -> datastore.Entity:
    """A new member entity (its id is given by Datastore)."""
    return datastore.Entity(key=client.key("Group", group, KIND))


def of_group(
    client: datastore.Client, group: str, *, limit: int, cursor: str | None = None, email: str | None = None
) -> tuple[list[datastore.Entity], str | None]:
    """One page of a group's members, in creation order, and the next page's cursor."""
    query = client.query(kind=KIND, ancestor=client.key("Group", group))
    if email is not None:
        query.add_filter(filter=datastore.query.PropertyFilter("email_norm", "=", email))
    return fetch_page(query, limit, cursor)
