"""Mail accounts benchmark (B4, B5): a following site's first sync of 20,000 accounts and an incremental sync of
500 changes, through two service processes (the site pulls the reference's feed over HTTP), against a bare
`put_multi` of the same entities (accounts and their address claims) in batches of 500; and the export of
20,000 accounts' `virtual_mailbox_maps` against writing the same lines from a bare query. In the same run;
prints accounts/s and the ratios (the goals: 0.5 for the sync, 0.8 for the export). Then the reference grows to
50,000 accounts, and a fresh service's peak memory is read around their passwd-file's export (bounded: streamed).

Run from the project root: `make bench`, or `.venv/bin/python -m bench.mail [ACCOUNTS [EXPORTED_ACCOUNTS]]`.
"""

from __future__ import annotations

import hashlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from google.cloud import datastore

from annuaires.config import Config
from annuaires.services.mail import values as mail_values
from annuaires.services.passwords import Passwords
from annuaires.store import mail, mail_feed
from annuaires.store.base import in_transaction, make_client
from bench.common import instance_env, progress, save, start_service
from emulator import datastore as datastore_emulator
from emulator.datastore import free_port
from emulator.processes import group_peak_kib, stop_group

PROJECT = "annuaires-bench-mail"
ACCOUNTS = 20_000
CHANGES = 500
EXPORT_ACCOUNTS = 50_000  # the export's memory is measured on a site of this size
TOKEN = "le-jeton-d-export-du-banc-d-essai"
TASKS_TOKEN = "bench-tasks-token"
DOMAIN, SITE = "auf.org", "fr"


def add_accounts(client: datastore.Client, start: int, stop: int) -> list[mail.MailAccount]:
    """Accounts m<start>..m<stop - 1> of the domain, with their claims, as the service writes them."""
    at, password_hash = datetime.now(UTC), Passwords("fast").hash("un mot de passe de banc d'essai")
    site, added = mail_values.default_site(SITE), []
    for first in range(start, stop, 100):
        accounts = [mail.MailAccount(f"m{n:06d}@{DOMAIN}", DOMAIN, f"m{n:06d}", f"Membre {n}", f"membre {n}", password_hash,
                                     created=at, updated=at) for n in range(first, min(stop, first + 100))]
        claims = [c for a in accounts for c in mail_values.account_claims(a.address, site)]
        client.put_multi([mail.ACCOUNTS.entity(client, a) for a in accounts] + [mail.ADDRESSES.entity(client, c) for c in claims])
        added += accounts
        if (first + 100 - start) % 5000 == 0:
            progress(f"mail: seeded {first + 100 - start}/{stop - start} accounts")
    return added


def seed(client: datastore.Client, count: int) -> None:
    """A domain of site fr and `count` accounts with their claims, each change in the feed, as the service writes them."""
    at = datetime.now(UTC)
    site = mail_values.default_site(SITE)
    site.created = at
    mail.SITES.put(client, site)
    domains = [mail.MailDomain(DOMAIN, DOMAIN, SITE, "", created=at),
               *(mail.MailDomain(n, n, SITE, c, created=at) for c, n in site.companion_domains().items())]
    mail.DOMAINS.put_many(client, domains)
    changes = [("MailSite", SITE), *(("MailDomain", d.name) for d in domains),
               *(("MailAccount", a.address) for a in add_accounts(client, 0, count))]
    for start in range(0, len(changes), 500):
        in_transaction(client, lambda part=changes[start:start + 500]: mail_feed.add(client, part, at), lookup_first=True)
    mail.SETTINGS.put(client, mail.MailSettings("mail", hashlib.sha256(TOKEN.encode()).hexdigest(), at))


def change_some(client: datastore.Client, count: int) -> list[mail.MailAccount]:
    """`count` accounts renamed in their display name at the reference, each change in the feed."""
    at = datetime.now(UTC)
    keys = [mail.ACCOUNTS.key(client, f"m{n:06d}@{DOMAIN}", DOMAIN) for n in range(count)]
    accounts = [mail.ACCOUNTS.read(e) for e in client.get_multi(keys)]
    for account in accounts:
        account.display_name, account.updated = f"{account.display_name} (changé)", at
    mail.ACCOUNTS.put_many(client, accounts)
    in_transaction(client, lambda: mail_feed.add(client, [("MailAccount", a.address) for a in accounts], at), lookup_first=True)
    return accounts


def bare_put(client: datastore.Client, accounts: list[mail.MailAccount]) -> float:
    """Seconds for put_multi of these accounts and their claims, 500 entities a call, into another namespace."""
    site = mail_values.default_site(SITE)
    entities = [e for a in accounts for e in (mail.ACCOUNTS.entity(client, a),
                                              *(mail.ADDRESSES.entity(client, c) for c in mail_values.account_claims(a.address, site)))]
    began = time.perf_counter()
    for start in range(0, len(entities), 500):
        client.put_multi(entities[start:start + 500])
    return time.perf_counter() - began


def timed_post(url: str) -> float:
    request = urllib.request.Request(url, method="POST", headers={"Authorization": f"Bearer {TASKS_TOKEN}"})  # noqa: S310
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as answer:  # noqa: S310 (local)
        answer.read()
    return time.perf_counter() - began


def timed_export(url: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})  # noqa: S310
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as answer:  # noqa: S310 (local)
        lines = answer.read().count(b"\n")
    return time.perf_counter() - began, lines


def bare_export(client: datastore.Client) -> tuple[float, int]:
    """The same lines from a bare query of every account (and the site's policy, read once)."""
    began = time.perf_counter()
    site = mail.SITES.get(client, SITE)
    lines = []
    for entity in client.query(kind=mail.ACCOUNTS.kind).fetch():
        address = entity.key.name
        for each in (address, *mail_values.companions(address, site).values()):
            local, domain = each.rsplit("@", 1)
            lines.append(f"{each} {domain}/{local}/\n")
    text = "".join(lines)
    return time.perf_counter() - began, text.count("\n")


def export_memory(env: dict[str, str], work: Path, client: datastore.Client, count: int, total: int) -> tuple[int, int, int]:
    """The reference grown to `total` accounts, a fresh service exports its passwd-file (the longest export): its
    bytes, and the service's peak memory (KiB) after a tiny export and after this one."""
    progress(f"mail: {total - count} more accounts at the reference ({total} in all), then a fresh service exports them")
    add_accounts(client, count, total)
    port = free_port()
    service = start_service(env, port, work / "export.log")
    try:
        url = f"http://127.0.0.1:{port}/api/mail/export"
        timed_export(f"{url}/virtual_mailbox_domains")
        before = group_peak_kib(service.pid)
        request = urllib.request.Request(f"{url}/dovecot_passwd", headers={"Authorization": f"Bearer {TOKEN}"})  # noqa: S310
        size = 0
        with urllib.request.urlopen(request, timeout=3600) as answer:  # noqa: S310 (local)
            while piece := answer.read(1 << 16):
                size += len(piece)
        return size, before, group_peak_kib(service.pid)
    finally:
        stop_group(service)


def interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, interrupted)
    count = int(argv[0]) if argv else ACCOUNTS
    export_accounts = int(argv[1]) if len(argv) > 1 else EXPORT_ACCOUNTS
    work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    progress(f"mail: starting the emulator and two services (logs in {work})")
    store = datastore_emulator.start(PROJECT, log=work / "datastore.log")
    os.environ.update(store.env())
    services: list[subprocess.Popen] = []
    try:
        urls, clients, envs = [], [], []
        for name in ("reference", "site", "baseline"):
            port = free_port()
            env = instance_env(store.env(), name, port, ANNUAIRES_TASKS_TOKEN=TASKS_TOKEN)
            envs.append(env)
            if name == "site":
                env.update(ANNUAIRES_MAIL_REFERENCE_URL=urls[0], ANNUAIRES_MAIL_REFERENCE_TOKEN=TOKEN)
            clients.append(make_client(Config.from_env(env)))
            if name != "baseline":
                services.append(start_service(env, port, work / f"{name}.log"))
                urls.append(f"http://127.0.0.1:{port}")
        reference, site, baseline = clients
        progress(f"mail: seeding {count} accounts at the reference")
        seed(reference, count)
        progress("mail: the site's first sync, then the bare put_multi")
        first = timed_post(f"{urls[1]}/tasks/mail/sync")
        synced = len(list(site.query(kind=mail.ACCOUNTS.kind).fetch()))
        assert synced == count, (synced, count)
        accounts = [mail.ACCOUNTS.read(e) for e in reference.query(kind=mail.ACCOUNTS.kind).fetch()]
        first_put = bare_put(baseline, accounts)
        progress(f"mail: {CHANGES} changes at the reference, the site's sync, then the bare put_multi")
        changed = change_some(reference, CHANGES)
        incremental = timed_post(f"{urls[1]}/tasks/mail/sync")
        assert site.get(mail.ACCOUNTS.key(site, changed[0].address, DOMAIN))["display_name"].endswith("(changé)")
        incremental_put = bare_put(baseline, changed)
        progress("mail: the export of virtual_mailbox_maps, then the bare query")
        export_seconds, export_lines = timed_export(f"{urls[0]}/api/mail/export/virtual_mailbox_maps")
        bare_seconds, bare_lines = bare_export(reference)
        assert export_lines == bare_lines == count * 4, (export_lines, bare_lines)
        exported, before, after = export_memory(envs[0], work, reference, count, export_accounts)
    finally:
        for service in services:
            stop_group(service)
        store.stop()
    ratios = {"first_sync": first_put / first, "incremental_sync": incremental_put / incremental,
              "export": bare_seconds / export_seconds}
    print(f"mail: first sync of {count} accounts in {first:.1f} s ({count / first:.0f} accounts/s); bare put_multi of the "
          f"same entities {first_put:.1f} s ({count / first_put:.0f}/s): ratio {ratios['first_sync']:.2f} (goal 0.50)", flush=True)
    print(f"mail: incremental sync of {CHANGES} changes in {incremental:.2f} s ({CHANGES / incremental:.0f} accounts/s); bare "
          f"put_multi {incremental_put:.2f} s ({CHANGES / incremental_put:.0f}/s): ratio {ratios['incremental_sync']:.2f} "
          "(goal 0.50)", flush=True)
    print(f"mail: export of {count} accounts ({export_lines} lines) in {export_seconds:.1f} s ({count / export_seconds:.0f} "
          f"accounts/s); bare query and lines {bare_seconds:.1f} s ({count / bare_seconds:.0f}/s): ratio {ratios['export']:.2f} "
          "(goal 0.80)", flush=True)
    print(f"mail: export of {export_accounts} accounts' dovecot_passwd ({exported / 1e6:.1f} MB) by a fresh service: its peak "
          f"memory {before / 1024:.0f} MiB before, {after / 1024:.0f} MiB after (+{(after - before) / 1024:.1f} MiB)", flush=True)
    save("mail", {"benchmark": "mail", "when": datetime.now(UTC).isoformat(), "python": platform.python_version(),
                  "cpus": os.cpu_count(), "accounts": count, "changes": CHANGES,
                  "seconds": {"first_sync": round(first, 2), "first_put": round(first_put, 2),
                              "incremental_sync": round(incremental, 2), "incremental_put": round(incremental_put, 2),
                              "export": round(export_seconds, 2), "bare_export": round(bare_seconds, 2)},
                  "ratios": {k: round(v, 3) for k, v in ratios.items()},
                  "export_memory": {"accounts": export_accounts, "bytes": exported, "peak_kib_before": before,
                                    "peak_kib_after": after}})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
