"""`make run`: the Datastore emulator (data kept under .data/) and the service, stopped together."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from annuaires.services.secrets_box import new_key
from emulator import datastore

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PROJECT = "annuaires-local"


def local_secrets_key() -> str:
    """The key sealing mailer passwords locally: made once, kept beside the local datastore."""
    path = DATA / "secrets.key"
    if not path.exists():
        path.write_text(new_key())
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> int:
    """Start everything, say how to sign in, and stop everything on Ctrl-C or SIGTERM."""
    port = os.environ.get("PORT", "8080")
    DATA.mkdir(exist_ok=True)
    print("Starting the Datastore emulator (data in .data/datastore; `make reset` empties it)…", flush=True)
    store = datastore.start(PROJECT, data_dir=DATA / "datastore", log=DATA / "datastore.log")
    env = {**os.environ, **store.env(), "PYTHONPATH": str(ROOT / "functions")}
    env.setdefault("ANNUAIRES_TASKS_TOKEN", secrets.token_urlsafe(24))
    env.setdefault("ANNUAIRES_GENERAL_ADMINS", "admin@example.org")
    env.setdefault("ANNUAIRES_SECRETS_KEY", local_secrets_key())
    service = subprocess.Popen(
        [sys.executable, "-m", "functions_framework", "--target=annuaires_web", "--source=functions/main.py",
         "--host=127.0.0.1", f"--port={port}"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    admins = env["ANNUAIRES_GENERAL_ADMINS"].split(",")[0].strip()
    print(f"""
Annuaires runs at http://127.0.0.1:{port}/
  General admin:      http://127.0.0.1:{port}/admin/pwd.html  (local sign-in with {admins})
  Directories admin:  http://127.0.0.1:{port}/admingen.html
  Directory admin:    http://127.0.0.1:{port}/adminloc.html
  Animators:          http://127.0.0.1:{port}/animateur.html
  Tasks token:        {env['ANNUAIRES_TASKS_TOKEN']}
Ctrl-C stops everything.
""", flush=True)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        return service.wait()
    except KeyboardInterrupt:
        print("\nStopping the service and the emulator…", flush=True)
        return 0
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGTERM)
            try:
                service.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)
        store.stop()


if __name__ == "__main__":
    sys.exit(main())
