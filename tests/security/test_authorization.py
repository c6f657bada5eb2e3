"""Who may do what: one table naming, for every route of the app (read from its own route table, so a new
route without a row fails) and every role, the answer it gets.

Each column is a browser holding one session (or none): nobody; the general admin; the directories admin;
the admins of two directories, A and B; the animators of group 1 (A's) and group 2 (B's); a group still on
its 0000 password; a mail admin (named by the general admin); an operator of another domain than the one the
rows act on; a mailbox user (no session: its own password is the only thing it may change).

A cell is the status code, or for a form's redirect `done` (the act was done: back with a notice) or `away`
(sent back without acting: to a sign-in page, or a page when the session cannot do it). Rows run in order, each
column left to right: what a row changes is its own (resources a column acts on are named after it, `{role}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.client import DIRECTORIES_PASSWORD, STRONG, Api, form_post
from tests.support.given import Given
from tests.support.mail import PASSWORD as MAIL_PASSWORD

COLUMNS = ("nobody", "general", "directories", "dir_a", "dir_b", "anim_1", "anim_2", "fresh", "mail_admin", "operator",
           "mailbox")


SESSION_ROLES = {"nobody": "group", "general": "general", "directories": "directories", "dir_a": "directory",
                 "dir_b": "directory", "anim_1": "group", "anim_2": "group", "fresh": "group", "mail_admin": "mail",
                 "operator": "mail", "mailbox": "mail"}  # the role a column's own forms name


@dataclass
class Row:
    method: str
    rule: str  # as the app's route table spells it
    answers: str  # a cell per column, in COLUMNS' order
    path: str = ""  # the path asked (the rule's by default), `{name}` from the world or the column
    body: Any = None  # JSON (API) or form fields (pages)

    def __post_init__(self) -> None:
        self.path = self.path or self.rule


# Method, rule, answers:  nobody general directories dir_a dir_b anim_1 anim_2 fresh mail_admin operator mailbox
ROWS = [
    # Public
    Row("GET", "/", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/healthz", "200 200 200 200 200 200 200 200 200 200 200"),
    # (the entry point serves /static/ from the project's folder, tested in test_deploy.py; the app's own route has none)
    Row("GET", "/static/<path:filename>", "404 404 404 404 404 404 404 404 404 404 404", path="/static/annuaires.css"),
    Row("GET", "/api/openapi.json", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/unsubscribe/<group>/<member_id>/<token>", "404 404 404 404 404 404 404 404 404 404 404",
        path="/unsubscribe/{g1}/{m1}/devine"),
    Row("POST", "/unsubscribe/<group>/<member_id>/<token>", "404 404 404 404 404 404 404 404 404 404 404",
        path="/unsubscribe/{g1}/{m1}/devine"),
    Row("POST", "/api/session", "400 400 400 400 400 400 400 400 400 400 400", body={"role": "aucun"}),
    Row("GET", "/api/session", "401 403 403 200 200 403 403 403 403 403 401", path="/api/session?role=directory"),
    Row("POST", "/signin", "400 400 400 400 400 400 400 400 400 400 400", body={"role": "aucun"}),
    Row("GET", "/confirm", "401 403 403 403 403 200 404 403 403 403 401", path="/confirm?to=/animateur/members/{m1}/remove"),
    # Tasks: Google's tokens (the local one in emulator mode), never a session
    Row("POST", "/tasks/mailing/dispatch", "403 403 403 403 403 403 403 403 403 403 403"),
    Row("POST", "/tasks/mailing/send", "403 403 403 403 403 403 403 403 403 403 403", body={"group": "{g1}", "week": "2026-W49"}),
    Row("POST", "/tasks/mail/sync", "403 403 403 403 403 403 403 403 403 403 403"),
    # The general admin
    Row("GET", "/admin/pwd.html", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/api/mailers", "401 200 403 403 403 403 403 403 403 403 401"),
    Row("GET", "/api/mailers/<letter>", "401 200 403 403 403 403 403 403 403 403 401", path="/api/mailers/C"),
    Row("PUT", "/api/mailers/<letter>", "401 200 403 403 403 403 403 403 403 403 401",
        path="/api/mailers/C",
        body={"from": "{role} <envoi@example.org>", "smtp_host": "smtp.example.org", "smtp_port": 587, "username": "", "starttls": True}),
    Row("POST", "/admin/mailers", "away done away away away away away away away away away",
        body={"letter": "D", "from": "envoi@example.org", "smtp_host": "smtp.example.org", "smtp_port": "587", "username": ""}),
    Row("GET", "/api/technical-state", "401 200 403 403 403 403 403 403 403 403 401"),
    # The directories admin
    Row("GET", "/admingen.html", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/api/directories", "401 403 200 403 403 403 403 403 403 403 401"),
    Row("POST", "/api/directories", "401 403 201 403 403 403 403 403 403 403 401", body={"name": "Annuaire {role}", "initials": "N{n}"}),
    Row("POST", "/admingen/directories", "away away done away away away away away away away away",
        body={"name": "Annuaire page {role}", "initials": "P{n}"}),
    Row("GET", "/api/directories-admin/audit", "401 403 200 403 403 403 403 403 403 403 401"),
    Row("POST", "/api/directories/<code>/deactivate", "401 403 204 403 403 403 403 403 403 403 401",
        path="/api/directories/{dirX}/deactivate"),
    Row("POST", "/api/directories/<code>/activate", "401 403 204 403 403 403 403 403 403 403 401", path="/api/directories/{dirX}/activate"),
    Row("POST", "/admingen/directories/<code>/deactivate", "away away done away away away away away away away away",
        path="/admingen/directories/{dirX}/deactivate"),
    Row("POST", "/admingen/directories/<code>/activate", "away away done away away away away away away away away",
        path="/admingen/directories/{dirX}/activate"),
    Row("POST", "/api/directories/<code>/password-reset", "401 403 204 403 403 403 403 403 403 403 401",
        path="/api/directories/{dirX}/password-reset"),
    Row("POST", "/admingen/directories/<code>/password-reset", "away away done away away away away away away away away",
        path="/admingen/directories/{dirX}/password-reset"),
    Row("GET", "/admingen/directories/<code>", "away away 200 away away away away away away away away",
        path="/admingen/directories/{dirX}"),  # what to hand over
    # A directory's admin (A's group 1; B references nothing of A's until it adds a reference below)
    Row("GET", "/adminloc.html", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/api/directory", "401 403 403 200 200 403 403 403 403 403 401"),
    Row("PATCH", "/api/directory", "401 403 403 200 200 403 403 403 403 403 401", body={"comment": "par {role}"}),
    Row("POST", "/adminloc/settings", "away away away done done away away away away away away",
        body={"name": "{role} page", "initials": "S{n}", "color": "#336699", "comment": ""}),
    Row("GET", "/api/directory/audit", "401 403 403 200 200 403 403 403 403 403 401"),
    Row("GET", "/api/directory/former", "401 403 403 200 200 403 403 403 403 403 401"),
    Row("GET", "/api/directory/groups", "401 403 403 200 200 403 403 403 403 403 401"),
    Row("POST", "/api/directory/groups", "401 403 403 201 201 403 403 403 403 403 401",
        body={"type": "group", "name": "Groupe {role}", "initials": "GG{n}"}),
    Row("POST", "/adminloc/groups/create", "away away away done done away away away away away away",
        body={"type": "group", "name": "Groupe page {role}", "initials": "GP{n}"}),
    Row("GET", "/api/directory/mailing", "401 403 403 200 200 403 403 403 403 403 401"),
    Row("PUT", "/api/directory/groups/<code>/mailing", "401 403 403 200 404 403 403 403 403 403 401",
        path="/api/directory/groups/{g1}/mailing", body={"day": "mon", "mailer": "B"}),
    Row("POST", "/adminloc/groups/<code>/mailing", "away away away done 404 away away away away away away",
        path="/adminloc/groups/{g1}/mailing", body={"day": "tue", "mailer": "B"}),
    # (no batch yet: A is told so, B is told nothing of A's group either)
    Row("GET", "/api/directory/groups/<code>/mailing/last", "401 403 403 404 404 403 403 403 403 403 401",
        path="/api/directory/groups/{g1}/mailing/last"),
    Row("GET", "/adminloc/groups/<code>/mailing", "away away away 404 404 away away away away away away",
        path="/adminloc/groups/{g1}/mailing"),
    Row("GET", "/adminloc/groups/<code>", "away away away 200 404 away away away away away away",
        path="/adminloc/groups/{g1}"),  # what to hand over: to the directories that reference it only
    Row("POST", "/api/directory/groups/<code>/mailing/resend", "401 403 403 404 404 403 403 403 403 403 401",
        path="/api/directory/groups/{g1}/mailing/resend"),
    Row("POST", "/adminloc/groups/<code>/mailing/resend", "away away away 404 404 away away away away away away",
        path="/adminloc/groups/{g1}/mailing/resend"),
    Row("POST", "/api/directory/groups/<code>/password-reset", "401 403 403 204 404 403 403 403 403 403 401",
        path="/api/directory/groups/{gX}/password-reset"),
    Row("POST", "/adminloc/groups/<code>/password-reset", "away away away done 404 away away away away away away",
        path="/adminloc/groups/{gX}/password-reset"),
    Row("DELETE", "/api/directory/groups/<code>", "401 403 403 200 404 403 403 403 403 403 401", path="/api/directory/groups/{gX}"),
    Row("POST", "/api/directory/groups/<code>/reactivate", "401 403 403 200 404 403 403 403 403 403 401",
        path="/api/directory/groups/{gX}/reactivate"),
    Row("POST", "/adminloc/groups/<code>/dereference", "away away away done 404 away away away away away away",
        path="/adminloc/groups/{gX}/dereference"),
    Row("POST", "/adminloc/groups/<code>/reactivate", "away away away done 404 away away away away away away",
        path="/adminloc/groups/{gX}/reactivate"),
    # (A references its own group already; B references it with its password, so B's form finds it referenced)
    Row("POST", "/api/directory/references", "401 403 403 409 201 403 403 403 403 403 401",
        body={"directory": "{dirA}", "group": "{g1}", "password": STRONG}),
    Row("POST", "/adminloc/groups/reference", "away away away 409 409 away away away away away away",
        body={"directory": "{dirA}", "group": "{g1}", "password": STRONG}),
    # Dumps and reloads: the directories admin's password (HTTP Basic) or session, and a passphrase
    Row("GET", "/api/dump", "401 403 400 403 403 403 403 403 403 403 401"),
    Row("POST", "/api/reload", "401 403 400 403 403 403 403 403 403 403 401"),
    # An animator (group 1 is A's and anim_1's; group 2 B's and anim_2's)
    Row("GET", "/animateur.html", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/api/group", "401 403 403 403 403 200 200 403 403 403 401"),
    Row("GET", "/api/group/audit", "401 403 403 403 403 200 200 403 403 403 401"),
    Row("GET", "/api/group/members", "401 403 403 403 403 200 200 403 403 403 401"),
    Row("POST", "/api/group/members", "401 403 403 403 403 201 201 403 403 403 401",
        body={"name": "Membre {role}", "email": "m-{role}@example.org"}),
    Row("POST", "/animateur/members", "away away away away away done done 403 away away away",
        body={"name": "Membre page {role}", "email": "p-{role}@example.org"}),
    Row("PATCH", "/api/group/members/<member_id>", "401 403 403 403 403 200 404 403 403 403 401",
        path="/api/group/members/{m1}", body={"name": "Zoé {role}"}),
    Row("POST", "/animateur/members/<member_id>/deactivate", "away away away away away done 404 403 away away away",
        path="/animateur/members/{m1}/deactivate"),
    Row("POST", "/animateur/members/<member_id>/activate", "away away away away away done 404 403 away away away",
        path="/animateur/members/{m1}/activate"),
    Row("POST", "/api/group/members/import", "401 403 403 403 403 200 200 403 403 403 401",
        body={"text": "Ana <ana-{role}@example.org>", "dry_run": True}),
    Row("POST", "/animateur/members/import", "away away away away away 200 200 403 away away away",
        body={"text": "Ana <ana-{role}@example.org>"}),
    Row("DELETE", "/api/group/members/<member_id>", "401 403 403 403 403 204 404 403 403 403 401", path="/api/group/members/{mX}"),
    Row("POST", "/animateur/members/<member_id>/remove", "away away away away away done 404 403 away away away",
        path="/animateur/members/{mY}/remove"),
    Row("PUT", "/api/group/message", "401 403 403 403 403 200 200 403 403 403 401", body={"subject": "Jeudi", "body": "par {role}"}),
    Row("POST", "/animateur/message", "away away away away away done done 403 away away away",
        body={"subject": "Jeudi", "body": "page {role}"}),
    Row("GET", "/api/group/mailing/preview", "401 403 403 403 403 200 200 403 403 403 401"),
    Row("GET", "/api/group/suppliers", "401 403 403 403 403 200 200 403 403 403 401"),
    # (both are groups: only a groupement delivers, tested in test_group.py)
    Row("GET", "/api/group/deliveries/eligible", "401 403 403 403 403 403 403 403 403 403 401"),
    Row("POST", "/api/group/deliveries", "401 403 403 403 403 403 403 403 403 403 401", body={"group": "{g2}"}),
    Row("POST", "/animateur/deliveries", "away away away away away 403 403 403 away away away", body={"group": "{g2}"}),
    Row("DELETE", "/api/group/deliveries/<code>", "401 403 403 403 403 404 404 403 403 403 401", path="/api/group/deliveries/{g2}"),
    Row("POST", "/animateur/deliveries/<code>/remove", "away away away away away 404 404 403 away away away",
        path="/animateur/deliveries/{g2}/remove"),
    # Mail accounts (auf.org: the operator's domain is autre.org)
    Row("GET", "/messagerie.html", "200 200 200 200 200 200 200 200 200 200 200"),
    Row("GET", "/api/mail/domains", "401 200 403 403 403 403 403 403 200 200 401"),
    Row("POST", "/api/mail/domains", "401 201 403 403 403 403 403 403 201 403 401", body={"name": "d{n}.example", "site": "s{n}"}),
    Row("POST", "/messagerie/domains", "away done away away away away away away done 403 away",
        body={"name": "page-{n}.example", "site": "p{n}"}),
    Row("GET", "/api/mail/domains/<domain>/audit", "401 200 403 403 403 403 403 403 200 403 401", path="/api/mail/domains/auf.org/audit"),
    Row("GET", "/messagerie/domains/<domain>", "away 200 away away away away away away 200 403 away", path="/messagerie/domains/auf.org"),
    Row("GET", "/api/mail/accounts", "401 200 403 403 403 403 403 403 200 403 401", path="/api/mail/accounts?domain=auf.org"),
    Row("POST", "/api/mail/accounts", "401 201 403 403 403 403 403 403 201 403 401",
        body={"address": "n-{role}@auf.org", "password": MAIL_PASSWORD}),
    Row("POST", "/messagerie/domains/<domain>/accounts", "away done away away away away away away done 403 away",
        path="/messagerie/domains/auf.org/accounts",
        body={"address": "p-{role}", "display_name": "", "password": MAIL_PASSWORD, "confirm": MAIL_PASSWORD, "quota_mb": ""}),
    Row("GET", "/api/mail/accounts/<address>", "401 200 403 403 403 403 403 403 200 403 401", path="/api/mail/accounts/boite@auf.org"),
    Row("GET", "/messagerie/accounts/<address>", "away 200 away away away away away away 200 403 away",
        path="/messagerie/accounts/boite@auf.org"),
    Row("PATCH", "/api/mail/accounts/<address>", "401 200 403 403 403 403 403 403 200 403 401",
        path="/api/mail/accounts/boite@auf.org", body={"display_name": "{role}"}),
    Row("POST", "/messagerie/accounts/<address>/describe", "away done away away away away away away done 403 away",
        path="/messagerie/accounts/boite@auf.org/describe", body={"display_name": "page {role}", "quota_mb": ""}),
    Row("POST", "/messagerie/accounts/<address>/deactivate", "away done away away away away away away done 403 away",
        path="/messagerie/accounts/boite@auf.org/deactivate"),
    Row("POST", "/messagerie/accounts/<address>/activate", "away done away away away away away away done 403 away",
        path="/messagerie/accounts/boite@auf.org/activate"),
    Row("POST", "/messagerie/accounts/<address>/password", "away done away away away away away away done 403 away",
        path="/messagerie/accounts/boite@auf.org/password", body={"password": MAIL_PASSWORD, "confirm": MAIL_PASSWORD}),
    Row("POST", "/messagerie/accounts/<address>/rename", "away done away away away away away away done 403 away",
        path="/messagerie/accounts/n-{role}@auf.org/rename", body={"address": "r-{role}"}),
    Row("DELETE", "/api/mail/accounts/<address>", "401 204 403 403 403 403 403 403 204 403 401",
        path="/api/mail/accounts/r-{role}@auf.org"),
    Row("POST", "/messagerie/accounts/<address>/delete", "away done away away away away away away done 403 away",
        path="/messagerie/accounts/p-{role}@auf.org/delete"),
    Row("GET", "/api/mail/aliases", "401 200 403 403 403 403 403 403 200 403 401", path="/api/mail/aliases?domain=auf.org"),
    Row("POST", "/api/mail/aliases", "401 201 403 403 403 403 403 403 201 403 401",
        body={"address": "a-{role}@auf.org", "targets": ["boite@auf.org"]}),
    Row("POST", "/messagerie/domains/<domain>/aliases", "away done away away away away away away done 403 away",
        path="/messagerie/domains/auf.org/aliases", body={"address": "b-{role}", "targets": "boite@auf.org"}),
    Row("DELETE", "/api/mail/aliases/<address>", "401 204 403 403 403 403 403 403 204 403 401", path="/api/mail/aliases/a-{role}@auf.org"),
    Row("POST", "/messagerie/aliases/<address>/delete", "away done away away away away away away done 403 away",
        path="/messagerie/aliases/b-{role}@auf.org/delete"),
    Row("GET", "/api/mail/operators", "401 200 403 403 403 403 403 403 200 403 401"),
    Row("POST", "/api/mail/operators", "401 201 403 403 403 403 403 403 201 403 401",
        body={"login": "o-{role}", "password": STRONG, "domains": ["auf.org"]}),
    Row("POST", "/messagerie/operators", "away done away away away away away away done 403 away",
        body={"login": "q-{role}", "password": STRONG}),
    Row("DELETE", "/api/mail/operators/<login>", "401 204 403 403 403 403 403 403 204 403 401", path="/api/mail/operators/o-{role}"),
    Row("POST", "/messagerie/operators/<login>/delete", "away done away away away away away away done 403 away",
        path="/messagerie/operators/q-{role}/delete"),
    Row("GET", "/api/mail/sync/runs", "401 200 403 403 403 403 403 403 200 403 401"),
    Row("PUT", "/api/mail/export-token", "401 204 403 403 403 403 403 403 204 403 401", body={"token": "un-jeton-assez-long-pour-{role}"}),
    Row("POST", "/messagerie/export-token", "away done away away away away away away done 403 away"),
    Row("GET", "/messagerie/jeton", "away 200 away away away away away away 200 403 away"),
    Row("GET", "/api/mail/changes", "401 200 403 403 403 403 403 403 200 403 401"),
    Row("GET", "/api/mail/export/<name>", "401 200 403 403 403 403 403 403 200 403 401", path="/api/mail/export/virtual_mailbox_maps"),
    Row("GET", "/messagerie/mot-de-passe.html", "200 200 200 200 200 200 200 200 200 200 200"),
    # (a mailbox user knows its password; the others' new one is refused before any password is tried)
    Row("POST", "/api/mail/password", "400 400 400 400 400 400 400 400 400 400 204",
        body={"address": "boite@auf.org", "current": "{box_password}", "new": "{box_new}"}),
    Row("POST", "/messagerie/mot-de-passe.html", "400 400 400 400 400 400 400 400 400 400 done",
        body={"address": "boite@auf.org", "current": "{box_new}", "new": "{box_newer}", "confirm": "{box_newer}"}),
    # One's own password, then the session's end: last, as they end sessions
    Row("POST", "/api/session/password", "401 403 403 400 400 400 400 400 400 400 401",
        body={"current": "pas le bon", "new": STRONG + "!"}),
    Row("POST", "/password", "401 403 403 400 400 400 400 400 400 400 401",
        body={"role": "{session_role}", "current": "pas le bon", "new": STRONG + "!"}),
    # (the general admin's change, just before in the row, ended the directories admin's session)
    Row("PUT", "/api/directories-admin/password", "401 204 401 403 403 403 403 403 403 403 401", body={"password": DIRECTORIES_PASSWORD}),
    Row("POST", "/admin/pwd.html", "away done away away away away away away away away away", body={"password": DIRECTORIES_PASSWORD}),
    Row("DELETE", "/api/session", "204 204 204 204 204 204 204 204 204 204 204", path="/api/session?role={session_role}"),
    Row("POST", "/signout", "away away away away away away away away away away away", body={"role": "{session_role}"}),
]


@dataclass
class World:
    """The resources the rows act on, and a browser per column."""

    names: dict[str, str]
    browsers: dict[str, Api]


def build_world(given: Given, new_api) -> World:
    directories = given.directories_admin()
    general = new_api().as_general()
    general.put("/api/mailers/B", {"from": "Envoi <envoi@example.org>", "smtp_host": "smtp.example.org", "smtp_port": 587,
                                   "username": "", "starttls": True}, expect=200)
    dir_a_code, dir_a = given.directory("Annuaire A", "AA")
    dir_b_code, dir_b = given.directory("Annuaire B", "BB")
    g1 = given.group(dir_a, name="Groupe 1", initials="G1")["code"]
    g2 = given.group(dir_b, name="Groupe 2", initials="G2")["code"]
    fresh_code = given.group(dir_a, name="Groupe neuf", initials="GN")["code"]
    anim_1, anim_2 = given.animator(g1), given.animator(g2)
    m1 = anim_1.post("/api/group/members", {"name": "Zoé", "email": "zoe@example.org"}, expect=201).get_json()["id"]
    fresh = new_api()
    fresh.sign_in(role="group", group=fresh_code, password="0000")

    general.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    general.post("/api/mail/domains", {"name": "autre.org", "site": "au"}, expect=201)
    general.post("/api/mail/accounts", {"address": "boite@auf.org", "password": MAIL_PASSWORD}, expect=201)
    for login, domains, admin in (("dsi", [], True), ("rh", ["autre.org"], False)):
        general.post("/api/mail/operators", {"login": login, "password": "donné par la DSI", "domains": domains,
                                             "admin": admin}, expect=201)
    mail_admin, operator = new_api(), new_api()
    for browser, login in ((mail_admin, "dsi"), (operator, "rh")):
        browser.sign_in(role="mail", login=login, password="donné par la DSI")
        browser.change_password(current="donné par la DSI", new=STRONG)

    dir_x = directories.post("/api/directories", {"name": "Annuaire X", "initials": "XX"}, expect=201).get_json()["code"]
    g_x = given.group(dir_a, name="Groupe X", initials="GX")["code"]
    m_x, m_y = (anim_1.post("/api/group/members", {"name": name, "email": f"{name}@example.org"}, expect=201).get_json()["id"]
                for name in ("xavier", "yves"))
    names = {"dirA": dir_a_code, "dirB": dir_b_code, "dirX": dir_x, "g1": g1, "g2": g2, "gX": g_x, "m1": m1, "mX": m_x,
             "mY": m_y}
    browsers = {"nobody": new_api(), "general": general, "directories": directories, "dir_a": dir_a, "dir_b": dir_b,
                "anim_1": anim_1, "anim_2": anim_2, "fresh": fresh, "mail_admin": mail_admin, "operator": operator,
                "mailbox": new_api()}
    return World(names, browsers)


def fill(value: Any, names: dict[str, str]) -> Any:
    """A path or body with the world's names and the column's in it."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def column_names(role: str) -> dict[str, str]:
    """What a column's rows name of its own: itself, the role its forms name, the mailbox passwords it knows."""
    mailbox = role == "mailbox"
    return {"role": role, "session_role": SESSION_ROLES[role], "box_password": MAIL_PASSWORD,
            "box_new": MAIL_PASSWORD + "!" if mailbox else "court", "box_newer": MAIL_PASSWORD + "?" if mailbox else "court"}


def observed(browser: Api, row: Row, names: dict[str, str]) -> str:
    """What a column gets for a row, as a cell."""
    path, body = fill(row.path, names), fill(row.body, names)
    is_form = row.method == "POST" and not path.startswith(("/api/", "/tasks/"))
    answer = form_post(browser, path, **(body or {})) if is_form else browser.call(row.method, path, body)
    status = answer.status_code
    if status in (302, 303):
        return "done" if "done=" in answer.headers["Location"] else "away"
    if is_form and status == 401 and 'action="/signin"' in answer.get_data(as_text=True):
        return "away"  # the sign-in page, carrying what the form held (R2)
    return str(status)


def test_every_route_has_a_row(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    rows = {(row.method, row.rule) for row in ROWS}
    assert sorted(routes - rows) == [] and sorted(rows - routes) == []


def test_every_role_gets_the_answer_its_row_names(given, new_api):
    world = build_world(given, new_api)
    wrong = []
    for row in ROWS:
        expected = row.answers.split()
        assert len(expected) == len(COLUMNS), row
        got = [observed(world.browsers[role], row, {**world.names, **column_names(role), "n": "ABCDEFGHIJK"[i]})
               for i, role in enumerate(COLUMNS)]
        if got != expected:
            wrong.append(f"{row.method} {row.path}\n  expected {' '.join(expected)}\n  got      {' '.join(got)}")
    assert not wrong, "\n".join(wrong)
    for role in COLUMNS:  # the last rows ended every session
        assert world.browsers[role].get("/api/session").status_code == 401, role
