"""`make run`: the Datastore emulator (data kept under .data/), the Cloud Tasks emulator, an SMTP sink, the local
scheduler and the service, stopped together."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

from annuaires.adapters.secrets_box import new_key
from emulator import datastore, scheduler, smtp_sink, tasks
from emulator.processes import stop_group

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PROJECT = "annuaires-local"
QUEUE = f"projects/{PROJECT}/locations/local/queues/mailing"
SMTP_PORT = 2525


def local_secret(name: str, make: callable) -> str:  # type: ignore[valid-type]
    """A secret made once and kept beside the local datastore (the secrets key, the tasks token)."""
    path = DATA / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    """Start everything, say how to sign in and where mail goes, and stop everything on Ctrl-C or SIGTERM."""
    port = os.environ.get("PORT", "8080")
    url = f"http://127.0.0.1:{port}"
    DATA.mkdir(exist_ok=True)
    print("Starting the Datastore emulator (data in .data/datastore; `make reset` empties it)…", flush=True)
    store = datastore.start(PROJECT, data_dir=DATA / "datastore", log=DATA / "datastore.log")
    print("Starting the Cloud Tasks emulator and the SMTP sink…", flush=True)
    queue = tasks.start(QUEUE, log=DATA / "tasks.log")
    sink = smtp_sink.start(DATA / "mail", port=int(os.environ.get("SMTP_SINK_PORT", SMTP_PORT)))
    env = {**os.environ, **store.env(), "PYTHONPATH": str(ROOT / "functions"), "CLOUD_TASKS_EMULATOR_HOST": queue.host,
           "ANNUAIRES_TASKS_QUEUE": QUEUE, "ANNUAIRES_PUBLIC_URL": url, "ANNUAIRES_LOCAL_SMTP": f"127.0.0.1:{sink.port}"}
    env.setdefault("ANNUAIRES_TASKS_TOKEN", local_secret("tasks.token", lambda: secrets.token_urlsafe(24)))
    env.setdefault("ANNUAIRES_GENERAL_ADMINS", "admin@example.org")
    env.setdefault("ANNUAIRES_SECRETS_KEY", local_secret("secrets.key", new_key))
    service = subprocess.Popen(
        [sys.executable, "-m", "functions_framework", "--target=annuaires_web", "--source=functions/main.py",
         "--host=127.0.0.1", f"--port={port}"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    stop = threading.Event()
    threading.Thread(target=scheduler.run, args=(url, env["ANNUAIRES_TASKS_TOKEN"], stop), daemon=True).start()
    admins = env["ANNUAIRES_GENERAL_ADMINS"].split(",")[0].strip()
    print(f"""
Annuaires runs at {url}/
  General admin:      {url}/admin/pwd.html  (local sign-in with {admins})
  Directories admin:  {url}/admingen.html
  Directory admin:    {url}/adminloc.html
  Animators:          {url}/animateur.html
  Mail admins:        {url}/messagerie.html  (the general admin's session works there too)
  Mailbox users:      {url}/messagerie/mot-de-passe.html
  Dump and reload:    export ANNUAIRES_URL={url}; .venv/bin/annuaires dump -o annuaires.jsonl
Weekly mailing:
  SMTP sink:          127.0.0.1:{sink.port} (give it to a mailer: no STARTTLS, no username); every message it
                      receives is kept in .data/mail/ as a .eml file
  Scheduler:          jobs.yaml's jobs fire on their cron; `make mailing-now` runs today's dispatch at once
  Tasks token:        {env['ANNUAIRES_TASKS_TOKEN']} (in .data/tasks.token)
Ctrl-C stops everything.
""", flush=True)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        return service.wait()
    except KeyboardInterrupt:
        print("\nStopping the service, the scheduler, the SMTP sink and the emulators…", flush=True)
        return 0
    finally:
        stop.set()
        if service.poll() is None:
            stop_group(service)
        sink.stop()
        queue.stop()
        store.stop()


if __name__ == "__main__":
    sys.exit(main())
