"""The local Cloud Scheduler: fires the jobs of jobs.yaml on their cron, as Cloud Scheduler does once deployed."""

from __future__ import annotations

import threading
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from croniter import croniter

JOBS = Path(__file__).resolve().parent.parent / "jobs.yaml"


@dataclass(frozen=True)
class Job:
    """One scheduled call: its name, cron, and the route it posts to."""

    name: str
    schedule: str
    route: str


def load(path: Path = JOBS) -> tuple[ZoneInfo, list[Job]]:
    """The time zone and jobs that jobs.yaml declares."""
    declared = yaml.safe_load(path.read_text())
    return ZoneInfo(declared["time_zone"]), [Job(j["name"], j["schedule"], j["route"]) for j in declared["jobs"]]


def next_fire(job: Job, zone: ZoneInfo, after: datetime) -> datetime:
    """When a job fires next after a time, on its cron in the zone of jobs.yaml."""
    return croniter(job.schedule, after.astimezone(zone)).get_next(datetime)


def fire(job: Job, service_url: str, token: str) -> int:
    """Post a job's call as Cloud Scheduler does (the local token instead of Google's OIDC token)."""
    request = urllib.request.Request(service_url + job.route, data=b"", method="POST",  # noqa: S310 (the local service)
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310
        return answer.status


def run(service_url: str, token: str, stop: threading.Event, log: callable = print) -> None:  # type: ignore[valid-type]
    """Fire every job on its cron until `stop` is set."""
    zone, jobs = load()
    upcoming = {job: next_fire(job, zone, datetime.now(zone)) for job in jobs}
    while not stop.is_set():
        job, at = min(upcoming.items(), key=lambda item: item[1])
        if stop.wait(max(0.0, (at - datetime.now(zone)).total_seconds())):
            return
        try:
            log(f"scheduler: {job.name} → POST {job.route}: {fire(job, service_url, token)}")
        except OSError as error:
            log(f"scheduler: {job.name} → POST {job.route} failed: {error}")
        upcoming[job] = next_fire(job, zone, at)
