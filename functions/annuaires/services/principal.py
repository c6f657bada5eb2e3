"""Who acts in a request: the four roles of PRODUCT.md Part A and the signed-in principal."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.cloud import datastore

from ..store import entities

GENERAL, DIRECTORIES, DIRECTORY, GROUP = "general", "directories", "directory", "group"
# The roles that sign in as an entity of the datastore, with the kind and name family of that entity.
ENTITY_ROLES = {DIRECTORY: (entities.DIRECTORY, "directory"), GROUP: (entities.GROUP, "group")}


@dataclass
class Principal:
    """Who is acting in a request: a role, the entity signed in, its session's CSRF token."""

    role: str
    subject: str
    csrf: str = ""
    token: str = ""
    must_change_password: bool = False
    entity: datastore.Entity | None = field(default=None, repr=False)

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"{self.role}:{self.subject}"

    @property
    def display_name(self) -> str:
        """The principal's name as people know it (a directory's or group's name, an e-mail)."""
        if self.entity is not None and "name" in self.entity:
            return self.entity["name"]
        return self.subject if self.role == GENERAL else ""
