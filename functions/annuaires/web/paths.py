"""The route paths that leave the web layer: the ones services put in what they send (through `links`), the task
queue calls, another instance reads, and each role's own page."""

from __future__ import annotations

from annuaires.services.roles import DIRECTORIES, DIRECTORY, GENERAL, GROUP, MAIL, Role

UNSUBSCRIBE = "/unsubscribe/<group>/<member_id>/<token>"
SEND_TASK = "/tasks/mailing/send"
DISPATCH_TASK = "/tasks/mailing/dispatch"
MAIL_SYNC_TASK = "/tasks/mail/sync"
MAIL_CHANGES = "/api/mail/changes"  # the feed a site following this instance reads (B5)
MAILBOX_PASSWORD = "/messagerie/mot-de-passe.html"  # mailbox users change their own password here, with no session
HOMES = {GENERAL.name: "/admin/pwd.html", DIRECTORIES.name: "/admingen.html", DIRECTORY.name: "/adminloc.html",
         GROUP.name: "/animateur.html", MAIL.name: "/messagerie.html"}


def home(role: Role) -> str:
    """A role's page: where it signs in and what it manages."""
    return HOMES[role.name]
