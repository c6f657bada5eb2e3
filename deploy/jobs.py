"""Deploy jobs.yaml: Cloud Tasks queues and Cloud Scheduler jobs (OIDC tokens), run by cloudbuild.yaml.

Usage: python3 deploy/jobs.py PROJECT REGION SERVICE_URL SERVICE_ACCOUNT [--dry-run]
Each queue and job is created, or updated when it exists: running it twice is harmless.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

JOBS = Path(__file__).resolve().parent.parent / "jobs.yaml"


def commands(project: str, region: str, url: str, account: str) -> list[list[str]]:
    """The gcloud commands that make the declared queues and jobs exist, each as (create, update)."""
    declared = yaml.safe_load(JOBS.read_text())
    found: list[list[str]] = []
    for queue in declared["queues"]:
        settings = [f"--max-dispatches-per-second={queue['max_dispatches_per_second']}",
                    f"--max-concurrent-dispatches={queue['max_concurrent_dispatches']}",
                    f"--max-attempts={queue['max_attempts']}", f"--min-backoff={queue['min_backoff']}",
                    f"--max-backoff={queue['max_backoff']}", f"--location={region}", f"--project={project}"]
        found.append(["gcloud", "tasks", "queues", "create", queue["name"], *settings])
        found.append(["gcloud", "tasks", "queues", "update", queue["name"], *settings])
    for job in declared["jobs"]:
        settings = [f"--schedule={job['schedule']}", f"--time-zone={declared['time_zone']}", f"--uri={url}{job['route']}",
                    "--http-method=POST", f"--oidc-service-account-email={account}", f"--oidc-token-audience={url}",
                    f"--attempt-deadline={job['attempt_deadline']}", f"--max-retry-attempts={job['max_retry_attempts']}",
                    f"--min-backoff={job['min_backoff']}", f"--location={region}", f"--project={project}"]
        found.append(["gcloud", "scheduler", "jobs", "create", "http", job["name"], *settings])
        found.append(["gcloud", "scheduler", "jobs", "update", "http", job["name"], *settings])
    return found


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    dry_run = "--dry-run" in argv
    pairs = commands(*argv[:4])
    for create, update in zip(pairs[::2], pairs[1::2], strict=True):
        print(" ".join(create), flush=True)
        if not dry_run and subprocess.run(create, check=False).returncode != 0:
            subprocess.run(update, check=True)  # it exists already: bring it to what jobs.yaml says
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
