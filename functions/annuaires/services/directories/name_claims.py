"""A1 for directories and groups: their names and initials claimed in the transaction that writes them."""

from __future__ import annotations

from google.cloud import datastore

from annuaires.services.errors import InitialsTaken, NameTaken
from annuaires.services.names import skeleton_key
from annuaires.store import name_claims as claims
from annuaires.store.accounts import Account


def claim_names(client: datastore.Client, family: str, account: Account, name: str | None = None, initials: str | None = None) -> None:
    """Inside a transaction: take the claims of a new name and initials for `account`, release its old ones (A1).

    Raises NameTaken or InitialsTaken (and claims nothing) when another account holds one.
    """
    wanted = {field: skeleton_key(value) for field, value in (("name", name), ("initials", initials)) if value is not None}
    changed = {field: key for field, key in wanted.items() if key != getattr(account, f"{field}_key")}
    taken = claims.take(client, family, account.code, changed)
    if taken == "name":
        raise NameTaken(field="name")
    if taken == "initials":
        raise InitialsTaken(field="initials")
    for field, key in changed.items():
        if old := getattr(account, f"{field}_key"):
            claims.release(client, family, field, old)
        setattr(account, f"{field}_key", key)
