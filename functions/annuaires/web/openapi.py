"""The OpenAPI description of the JSON API, built from one table of operations."""

from __future__ import annotations

import functools

from annuaires.services.directories import directories, directory, group
from annuaires.services.dump.dump import MIN_PASSPHRASE
from annuaires.services.mail.feed import MIN_TOKEN
from annuaires.services.mail.values import MIN_QUOTA_MB
from annuaires.services.mailing import mailers
from annuaires.services.mailing.report import HELD_CAUSES
from annuaires.services.roles import MAIL, ROLES
from annuaires.services.values import GROUP_TYPES, WEEKDAYS, Field

S = {"type": "string"}
B = {"type": "boolean"}
ERROR = {"$ref": "#/components/schemas/Error"}
GROUP = {"$ref": "#/components/schemas/Group"}


def obj(required: tuple[str, ...] = (), **props: dict) -> dict:
    """An object schema."""
    schema: dict = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def arr(items: dict) -> dict:
    """An array schema."""
    return {"type": "array", "items": items}


def given(fields: tuple[Field, ...], *, partial: bool = False, **schemas: dict) -> dict:
    """An act's request schema from its input's declaration: its fields, those required (none when each may be
    left out), each of the schema named here (text when not)."""
    required = () if partial else tuple(f.name for f in fields if f.required)
    return obj(required, **{f.name: schemas.get(f.name, S) for f in fields})


DIRECTORY_ROW = obj(code=S, name=S, initials=S, active=B, created={"type": "string", "format": "date-time"})
MAILING = obj(day={"type": ["string", "null"], "enum": [*WEEKDAYS, None]},
              mailer={"type": "string", "pattern": "^[A-Z]$"}, responsible={"type": ["string", "null"]},
              responsible_name={"type": ["string", "null"]})
MEMBER = obj(id=S, name=S, email=S, active=B)
PER_MINUTE = {"type": ["integer", "null"], "minimum": mailers.PER_MINUTE.low}
PER_DAY = {"type": ["integer", "null"], "minimum": mailers.PER_DAY.low}
MAILER = obj(letter=S, **{"from": S}, smtp_host=S, smtp_port={"type": "integer"}, username=S, starttls=B, has_password=B,
             per_minute=PER_MINUTE, per_day=PER_DAY)
MAILER_INPUT = given(mailers.MAILER_INPUT, starttls=B, per_minute=PER_MINUTE, per_day=PER_DAY,
                     smtp_port={"type": "integer", "minimum": mailers.SMTP_PORT.low, "maximum": mailers.SMTP_PORT.high})
AUDIT = obj(at=S, actor=S, actor_role=S, actor_name=S, action=S, target=S, target_name=S, detail=S)
SHORT_GROUP = obj(code=S, type=S, name=S, initials=S)
TIME = {"type": ["string", "null"]}
BATCH = obj(("id", "week", "started", "finished", "status", "sent", "deferred", "refused", "errors"), id=S, week=S,
            started=TIME, finished=TIME, status=S, sent={"type": "integer"}, deferred={"type": "integer"},
            refused={"type": "integer"}, errors={"type": "integer"}, unknown={"type": "integer"},
            held={"type": ["object", "null"], "description": "why a batch not done waits, and until when",
                  "properties": {"cause": {"type": "string", "enum": list(HELD_CAUSES)},
                                 "until": TIME, "detail": S}})
# A composite page's lists show their first page; each list's next page is at its own path, from this cursor.
NEXT = {"type": "object", "additionalProperties": {"type": ["string", "null"]}}
COMPANIONS = obj(secours=S, backup=S, archives=S)
MAIL_DOMAIN = obj(("name", "site"), name=S, display=S, site=S, companions=COMPANIONS, retention_days={"type": ["integer", "null"]})
QUOTA = {"type": ["integer", "null"], "minimum": MIN_QUOTA_MB}
MAIL_ACCOUNT = obj(("address", "display_name", "active", "companions"), address=S, display_name=S, active=B, quota_mb=QUOTA,
                   origin=S, companions=COMPANIONS)
MAIL_ALIAS = obj(("address", "targets"), address=S, targets=arr(S), origin=S)
OPERATOR = obj(("login", "domains", "admin", "active"), login=S, domains=arr(S), admin=B, active=B)
SIGN_IN = obj(("role",), role={"type": "string", "enum": list(ROLES)},
              email=S, password=S, directory=S, group=S, login=S)

# (method, path, summary, request schema or None, {status: answer schema or None})
OPERATIONS: list[tuple[str, str, str, dict | None, dict[int, dict | None]]] = [
    ("get", "/healthz", "Health check", None, {200: obj(ok=B)}),
    ("post", "/api/session", "Sign in", SIGN_IN, {200: obj(role=S, csrf=S, must_change_password=B), 401: ERROR, 429: ERROR}),
    ("get", "/api/session", "The current session", None, {200: obj(role=S, csrf=S, must_change_password=B), 401: ERROR}),
    ("delete", "/api/session", "Sign out", None, {204: None}),
    ("post", "/api/session/password", "Change one's own password", obj(("current", "new"), current=S, new=S), {204: None, 400: ERROR}),
    ("put", "/api/directories-admin/password", "Set the directories-admin password (general admin)",
     obj(("password",), password=S), {204: None, 400: ERROR}),
    ("get", "/api/mailers", "The 25 mailers, without their passwords (general admin)", None, {200: arr(MAILER)}),
    ("put", "/api/mailers/{letter}", "Configure a mailer (letter A–Y); a missing password keeps the stored one only "
     "while smtp_host, smtp_port, starttls and username stay the same, and is cleared otherwise",
     MAILER_INPUT, {200: MAILER, 400: ERROR, 404: ERROR}),
    ("get", "/api/technical-state", "Where the service runs, and with count=1 how much it holds (general admin)", None,
     {200: obj(mode=S, project=S, namespace=S, timezone=S, test_datastore=B, counts={"type": ["object", "null"]})}),
    ("get", "/api/directories", "List directories (directories admin)", None, {200: arr(DIRECTORY_ROW)}),
    ("get", "/api/dump", "A dump of the datastore, an entity a line (directories admin: session or HTTP Basic)", None,
     {200: {"type": "string", "description": "JSON Lines: the dump's description, then Datastore's JSON form of each entity"},
      400: ERROR, 429: ERROR}),
    ("post", "/api/reload", "Reload a dump into a test datastore (directories admin: session and CSRF, or HTTP Basic)",
     {"type": "string", "description": "a dump's JSON Lines (application/x-ndjson): only the kinds a dump holds, each line "
      "read through its kind's schema, into this instance's namespace; a refusal names its line, nothing written"},
     {200: obj(("entities",), entities={"type": "integer"}), 400: ERROR, 429: ERROR}),
    ("post", "/api/directories", "Create a directory", given(directories.CREATE_INPUT),
     {201: DIRECTORY_ROW, 400: ERROR, 409: ERROR}),
    ("post", "/api/directories/{code}/password-reset", "Reset a directory's password to 0000", None, {204: None, 404: ERROR}),
    ("post", "/api/directories/{code}/deactivate", "Deactivate a directory", None, {204: None, 404: ERROR}),
    ("post", "/api/directories/{code}/activate", "Reactivate a directory", None, {204: None, 404: ERROR}),
    ("get", "/api/directory", "The signed-in directory, its groups and audit log", None,
     {200: obj(code=S, name=S, initials=S, color=S, comment=S, groups=arr(GROUP), recent=arr(GROUP),
               deactivated=arr(GROUP), audit=arr(AUDIT), next=NEXT)}),
    ("patch", "/api/directory", "Rename or describe the directory", given(directory.UPDATE_INPUT, partial=True),
     {200: obj(), 400: ERROR, 409: ERROR}),
    ("post", "/api/directory/groups", "Create a group or groupement",
     given(directory.CREATE_GROUP_INPUT, type={"type": "string", "enum": list(GROUP_TYPES)}),
     {201: GROUP, 400: ERROR, 409: ERROR}),
    ("post", "/api/directory/references", "Reference a group another directory references",
     given(directory.REFERENCE_INPUT), {201: GROUP, 403: ERROR, 404: ERROR}),
    ("delete", "/api/directory/groups/{code}", "Dereference a group", None,
     {200: obj(state={"type": "string", "enum": ["recent", "deactivated"]}), 404: ERROR}),
    ("post", "/api/directory/groups/{code}/reactivate", "Reactivate a group this directory deactivated", None,
     {200: GROUP, 403: ERROR, 404: ERROR}),
    ("post", "/api/directory/groups/{code}/password-reset", "Reset a group's password to 0000", None, {204: None, 404: ERROR}),
    ("put", "/api/directory/groups/{code}/mailing", "Configure a group's weekly mailing (a configured mailer, or Z)", MAILING,
     {200: GROUP, 400: ERROR, 404: ERROR}),
    ("get", "/api/group", "The signed-in group or groupement", None,
     {200: obj(code=S, type=S, name=S, initials=S, members=arr(MEMBER), audit=arr(AUDIT), next=NEXT)}),
    ("post", "/api/group/members", "Add a member", given(group.MEMBER_INPUT), {201: MEMBER, 400: ERROR}),
    ("patch", "/api/group/members/{id}", "Change a member", given(group.MEMBER_CHANGES, partial=True, active=B),
     {200: MEMBER, 404: ERROR}),
    ("delete", "/api/group/members/{id}", "Remove a member", None, {204: None, 404: ERROR}),
    ("put", "/api/group/message", "Write the weekly message", given(group.MESSAGE_INPUT), {200: obj()}),
    ("post", "/api/group/deliveries", "Deliver a group (groupement only)", given(group.DELIVERY_INPUT), {201: obj(), 403: ERROR}),
    ("delete", "/api/group/deliveries/{code}", "Stop delivering a group", None, {204: None, 404: ERROR}),
    ("get", "/api/openapi.json", "This document", None, {200: obj()}),
    ("get", "/api/directories-admin/audit", "The directories admin's audit log, newest first", None, {200: arr(AUDIT)}),
    ("get", "/api/directory/groups", "The groups and groupements the directory references, by name", None, {200: arr(GROUP)}),
    ("get", "/api/directory/former", "The groups the directory referenced recently or deactivated (state, until)", None,
     {200: arr(GROUP)}),
    ("get", "/api/directory/mailing", "The last weeks' batches of the groups this directory is responsible for", None,
     {200: arr(obj(("group", "batches"), group=S, name=S, initials=S, batches=arr(BATCH)))}),
    ("get", "/api/directory/groups/{code}/mailing/last", "The last batch of a group, recipient by recipient", None,
     {200: obj(("batch", "recipients"), batch=BATCH, group=obj(),
               recipients=arr(obj(("member", "email", "status", "at", "anomaly"), member=S, name=S, email=S, status=S,
                                  at={"type": ["string", "null"]}, anomaly=S))), 404: ERROR}),
    ("post", "/api/directory/groups/{code}/mailing/resend", "Send the last batch again to its recipients not sent", None,
     {202: BATCH, 404: ERROR}),
    ("get", "/api/directory/audit", "The directory's audit log, newest first", None, {200: arr(AUDIT)}),
    ("get", "/api/group/audit", "The group's audit log, newest first", None, {200: arr(AUDIT)}),
    ("get", "/api/group/members", "The group's members, in the order they were added", None, {200: arr(MEMBER)}),
    ("get", "/api/group/suppliers", "The groupements delivering this group", None, {200: arr(obj(suspended=B))}),
    ("get", "/api/group/mailing/preview", "This week's e-mail as a member receives it", None,
     {200: obj(("subject", "text", "html"), subject=S, text=S, html=S)}),
    ("post", "/api/group/members/import", "Add many members from text, one a line (dry_run: nothing written)",
     given(group.IMPORT_INPUT, dry_run=B),
     {200: obj(("added", "refused"), added=arr({**MEMBER, "properties": {**MEMBER["properties"], "id": {"type": ["string", "null"]}}}),
               refused=arr(obj(("line", "reason", "text"), line={"type": "integer"}, reason=S, text=S)))}),
    ("get", "/api/group/deliveries/eligible", "The groups a groupement may deliver now, not yet delivered", None,
     {200: arr(SHORT_GROUP)}),
    ("get", "/api/mail/domains", "The mail domains, each with its site's companion domains (mail admin)", None,
     {200: arr(MAIL_DOMAIN)}),
    ("post", "/api/mail/domains", "Add a mail domain to a site", obj(("name", "site"), name=S, site=S), {201: MAIL_DOMAIN}),
    ("get", "/api/mail/domains/{name}/audit", "The audit log of a domain (its accounts and aliases), newest first", None,
     {200: arr(AUDIT), 403: ERROR, 404: ERROR}),
    ("get", "/api/mail/accounts", "A page of a domain's accounts, in address order; with q, those it begins", None,
     {200: arr(MAIL_ACCOUNT), 400: ERROR}),
    ("post", "/api/mail/accounts", "Create a mail account, with its companion mailboxes",
     obj(("address", "password"), address=S, display_name=S, password=S, quota_mb=QUOTA), {201: MAIL_ACCOUNT, 409: ERROR}),
    ("get", "/api/mail/accounts/{address}", "One mail account", None, {200: MAIL_ACCOUNT, 404: ERROR}),
    ("patch", "/api/mail/accounts/{address}", "Rename, describe, disable or reset the password of a mail account",
     obj(address=S, display_name=S, active=B, quota_mb=QUOTA, password=S), {200: MAIL_ACCOUNT, 404: ERROR, 409: ERROR}),
    ("delete", "/api/mail/accounts/{address}", "Delete a mail account and its companions", None, {204: None, 404: ERROR}),
    ("get", "/api/mail/aliases", "A page of a domain's aliases, in address order", None, {200: arr(MAIL_ALIAS), 400: ERROR}),
    ("post", "/api/mail/aliases", "Create an alias", obj(("address", "targets"), address=S, targets=arr(S)),
     {201: MAIL_ALIAS, 409: ERROR}),
    ("delete", "/api/mail/aliases/{address}", "Delete an alias", None, {204: None, 404: ERROR}),
    ("get", "/api/mail/operators", "Mail admins and operators (mail admin)", None, {200: arr(OPERATOR)}),
    ("post", "/api/mail/operators", "Name an operator of some domains (or, by the general admin, a mail admin)",
     obj(("login", "password"), login=S, password=S, domains=arr(S), admin=B), {201: OPERATOR, 409: ERROR}),
    ("delete", "/api/mail/operators/{login}", "Remove an operator", None, {204: None, 404: ERROR}),
    ("put", "/api/mail/export-token", "Set the export token of the mail host and followers (mail admin)",
     obj(("token",), token={"type": "string", "minLength": MIN_TOKEN}), {204: None}),
    ("get", "/api/mail/changes", "The change feed after a cursor, each change with its entity's state now "
     "(Bearer export token, or a mail admin's session)", None,
     {200: obj(("changes", "cursor"), changes=arr(obj(("number", "kind", "name", "state"), number={"type": "integer"},
                                                       kind=S, name=S, state={"type": ["object", "null"]})), cursor=S,
                more=B),
      400: ERROR}),
    ("get", "/api/mail/sync/runs", "The last runs of this instance's sync with its reference (mail admin)", None,
     {200: arr(obj(("started", "finished", "applied", "errors", "cursor"), started=TIME, finished=TIME,
                   applied={"type": "integer"}, errors=arr(obj(name=S, reason=S)), cursor=S, cursor_from=S,
                   seconds={"type": ["number", "null"]}))}),
    ("get", "/api/mail/export/{name}", "A map, the passwd-file or the maintenance script as the mail host reads it "
     "(Bearer export token, or a mail admin's session)", None,
     {200: {"type": "string", "description": "text, streamed"}, 404: ERROR}),
    ("post", "/api/mail/password", "A mailbox user's own new password (no session; throttled, a browser that changed it "
     "before keeps its own counter through the device cookie this sets)",
     obj(("address", "current", "new"), address=S, current=S, new=S), {204: None, 429: ERROR}),
]


# Lists that can grow are read a page at a time: `cursor` in, the next page's cursor out in `X-Next-Cursor`.
PAGED = {"/api/directories", "/api/directories-admin/audit", "/api/directory/audit", "/api/directory/groups",
         "/api/directory/former", "/api/group/audit",
         "/api/group/members", "/api/group/suppliers", "/api/mail/accounts", "/api/mail/aliases"}
# Parameters beyond the path's, the role's and the cursor: by operation.
PASSPHRASE = {"name": "X-Dump-Passphrase", "in": "header", "required": True, "schema": {"type": "string", "minLength": MIN_PASSPHRASE},
              "description": "password hashes and sealed secrets travel only encrypted under a key derived from it"}
DOMAIN = {"name": "domain", "in": "query", "required": True, "schema": S, "description": "the mail domain"}
MORE_PARAMETERS = {("get", "/api/mail/changes"): [
    {"name": "since", "in": "query", "required": False, "schema": S, "description": "the cursor of the last page read"}],
    ("get", "/api/mail/aliases"): [DOMAIN], ("get", "/api/mail/accounts"): [
    DOMAIN, {"name": "q", "in": "query", "required": False, "schema": S,
             "description": "the beginning of an address or a display name (the first page of those found)"}],
    ("post", "/api/reload"): [PASSPHRASE], ("get", "/api/dump"): [
    {"name": "kinds", "in": "query", "required": False, "schema": S,
     "description": "comma-separated kinds (all that are dumped when absent)"},
    {"name": "directory", "in": "query", "required": False, "schema": S,
     "description": "one directory (its code or initials) and what it references"},
    PASSPHRASE,
]}
NDJSON_ANSWERS, NDJSON_BODIES = {("get", "/api/dump")}, {("post", "/api/reload")}  # in JSON Lines
TEXT_ANSWERS = {("get", "/api/mail/export/{name}")}
NEXT_CURSOR = {"X-Next-Cursor": {"description": "the cursor of the next page; absent on the last page", "schema": S}}

# Lost updates refused (R2). An ETag names the version of each editable thing its answer shows, as
# `"<tag>-<version>.<tag>-<version>…"` (tag: 8 hexadecimal digits naming the thing, the same in every answer that
# shows it); a write taking If-Match checks only the version of the thing it changes.
ETAG_ANSWERS = {("get", p) for p in ("/api/directory", "/api/directory/groups", "/api/group", "/api/group/members",
                                     "/api/mailers", "/api/mailers/{letter}", "/api/mail/accounts",
                                     "/api/mail/accounts/{address}", "/api/mail/aliases", "/api/mail/operators")}
IF_MATCH_WRITES = {("patch", "/api/directory"), ("put", "/api/directory/groups/{code}/mailing"), ("put", "/api/group/message"),
                   ("patch", "/api/group/members/{id}"), ("delete", "/api/group/members/{id}"), ("put", "/api/mailers/{letter}"),
                   ("patch", "/api/mail/accounts/{address}"), ("delete", "/api/mail/accounts/{address}"),
                   ("delete", "/api/mail/aliases/{address}"), ("delete", "/api/mail/operators/{login}")}
ETAG = {"ETag": {"schema": S, "description": "the versions of the editable things this answer shows, one part each "
                 "(`<tag>-<version>`, dots between): send it back in If-Match to write only over what was seen"}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": S, "description":
            "an ETag of an answer that showed the thing this write changes (several, comma-separated: any may match), "
            "or `*`. When that thing's version is no longer the one the ETag names, or the ETag does not name it, or "
            "the header cannot be read (a weak ETag never matches): 412 `changed_elsewhere` and nothing changes; the "
            "error's `current` holds what is stored now. A change to another thing of the same answer does not count. "
            "Without If-Match, the write is taken as it comes (scripts)."}
VERSION = {"type": "integer", "description": "moves on with each change people make to it (R2)"}
for _schema in (MEMBER, MAILER, MAIL_ACCOUNT, MAIL_ALIAS, OPERATOR):
    _schema["properties"]["version"] = VERSION
OPERATIONS += [("get", "/api/mailers/{letter}", "One mailer, without its password (general admin)", None,
                {200: MAILER, 404: ERROR})]


def _operation(method: str, path: str, summary: str, body: dict | None, answers: dict[int, dict | None]) -> dict:
    operation: dict = {"summary": summary, "operationId": f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", ""),
                       "responses": {}}
    params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
    parameters = [{"name": p, "in": "path", "required": True, "schema": S} for p in params]
    if path.startswith("/api/session") and (method, path) != ("post", "/api/session"):
        parameters.append({"name": "role", "in": "query", "required": False,
                           "schema": {"type": "string", "enum": [name for name, role in ROLES.items() if role is not MAIL]},
                           "description": "the session meant, when this client holds more than one"})
    parameters += MORE_PARAMETERS.get((method, path), [])
    if (method, path) in IF_MATCH_WRITES:
        parameters.append(IF_MATCH)
        answers = {**answers, 412: ERROR}
    if method == "get" and path in PAGED:
        parameters.append({"name": "cursor", "in": "query", "required": False, "schema": S,
                           "description": "where the next page starts (from the previous answer)"})
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        # JSON Lines travel as text too (the service reads the lines, whatever the type says)
        media = ["application/x-ndjson", "text/plain"] if (method, path) in NDJSON_BODIES else ["application/json"]
        operation["requestBody"] = {"required": True, "content": {m: {"schema": body} for m in media}}
    common = {} if path in ("/healthz", "/api/openapi.json") else {401: ERROR, 403: ERROR}
    if method != "get" and body is not None:
        common[400] = ERROR
    for status, schema in {**common, **answers}.items():
        entry: dict = {"description": str(status)}
        if schema is not None:
            media = "application/json"
            if status == 200 and (method, path) in NDJSON_ANSWERS | TEXT_ANSWERS:
                media = "application/x-ndjson" if (method, path) in NDJSON_ANSWERS else "text/plain"
            entry["content"] = {media: {"schema": schema}}
        if status == 200 and method == "get" and path in PAGED:
            entry["headers"] = NEXT_CURSOR
        if status == 200 and (method, path) in ETAG_ANSWERS:
            entry["headers"] = {**entry.get("headers", {}), **ETAG}
        operation["responses"][str(status)] = entry
    return operation


@functools.cache
def openapi_document() -> dict:
    """The whole OpenAPI 3.1 document."""
    paths: dict[str, dict] = {}
    for method, path, summary, body, answers in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, body, answers)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Annuaires", "version": "1.0.0",
                 "description": "Administration of directories, groups and groupements (see API.md). Lost updates are "
                                "refused: editable answers carry an ETag, writes take If-Match (412 `changed_elsewhere`)."},
        "paths": paths,
        "components": {"schemas": {
            "Error": obj(("error",), error=obj(("code", "message"), code=S, message=S, fields={"type": "object"},
                                               current={"type": "object"})),
            "Group": obj(code=S, type=S, name=S, initials=S, mailing=MAILING, version=VERSION),
        }},
    }
