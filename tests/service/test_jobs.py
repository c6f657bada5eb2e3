"""Scheduled and queued work is declared once (jobs.yaml): deployed by cloudbuild.yaml, fired locally on the same cron."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import yaml

from emulator import scheduler
from tests.support import ROOT

sys.path.insert(0, str(ROOT / "deploy"))

import jobs as deploy_jobs  # noqa: E402


def declared() -> dict:
    return yaml.safe_load((ROOT / "jobs.yaml").read_text())


def test_every_job_and_queue_names_a_route_of_the_service(app):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    jobs = declared()
    assert jobs["jobs"] and jobs["queues"]
    for entry in jobs["jobs"] + jobs["queues"]:
        assert (entry["route"], "POST") in routes, entry


def test_the_local_scheduler_fires_on_the_declared_cron_in_the_declared_zone():
    zone, jobs = scheduler.load()
    dispatch = next(job for job in jobs if job.name == "mailing-dispatch")
    assert zone == ZoneInfo("Europe/Paris")
    after = datetime(2026, 11, 24, 6, 59, tzinfo=ZoneInfo("Europe/Paris"))
    assert scheduler.next_fire(dispatch, zone, after) == datetime(2026, 11, 24, 7, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert scheduler.next_fire(dispatch, zone, after.replace(hour=7)) == datetime(2026, 11, 25, 7, 0,
                                                                                   tzinfo=ZoneInfo("Europe/Paris"))


def test_deployment_creates_every_declared_queue_and_job_with_oidc_tokens():
    commands = deploy_jobs.commands("project", "europe-west1", "https://annuaires.example.org", "tasks@project.iam")
    flat = [" ".join(c) for c in commands]
    for queue in declared()["queues"]:
        assert any(f"tasks queues create {queue['name']} " in c for c in flat)
    for job in declared()["jobs"]:
        create = next(c for c in flat if f"scheduler jobs create http {job['name']} " in c)
        assert f"--uri=https://annuaires.example.org{job['route']}" in create
        assert "--oidc-service-account-email=tasks@project.iam" in create and "--time-zone=Europe/Paris" in create
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    assert any("deploy/jobs.py" in " ".join(step.get("args", [])) for step in build["steps"])
