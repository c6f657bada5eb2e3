"""What cloudbuild.yaml deploys exists in the code."""

from __future__ import annotations

import ast
import dataclasses
import re

import functions_framework
import yaml

from annuaires.config import Config
from annuaires.store import kinds
from tests.support import ROOT


def deploy_steps() -> list[list[str]]:
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    return [step["args"] for step in build["steps"] if step.get("args", [])[:2] == ["functions", "deploy"]]


def test_every_deployed_entry_point_exists_in_main():
    tree = ast.parse((ROOT / "functions" / "main.py").read_text())
    http_functions = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d) == "functions_framework.http" for d in node.decorator_list)
    }
    steps = deploy_steps()
    assert steps
    for args in steps:
        options = dict(a.removeprefix("--").split("=", 1) for a in args if a.startswith("--") and "=" in a)
        assert options["entry-point"] in http_functions
        assert options["source"] == "functions" and options["runtime"] == "python312"
        assert "--gen2" in args


def test_deployed_environment_is_documented_and_read():
    documented = (ROOT / "README.md").read_text()
    for args in deploy_steps():
        for option in args:
            if option.startswith(("--set-env-vars=", "--set-secrets=")):
                for pair in option.split("=", 1)[1].split(","):
                    name = pair.split("=", 1)[0]
                    assert f"`{name}`" in documented, name
    assert Config.from_env({"ANNUAIRES_TIMEZONE": "UTC", "GOOGLE_CLOUD_PROJECT": "p"}).timezone == "UTC"


def test_entry_point_serves_the_whole_app(emulator, monkeypatch):
    monkeypatch.setenv("ANNUAIRES_NAMESPACE", "entrypoint")
    app = functions_framework.create_app("annuaires_web", str(ROOT / "functions" / "main.py"))
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"ok": True}
    assert client.get("/api/directory").status_code == 401
    assert "Annuaires" in client.get("/").get_data(as_text=True)


def test_static_files_are_served_by_the_entry_point(emulator, monkeypatch):
    monkeypatch.chdir(ROOT)  # locally and once deployed, static/ lies in the working directory
    app = functions_framework.create_app("annuaires_web", str(ROOT / "functions" / "main.py"))
    response = app.test_client().get("/static/annuaires.css")
    assert response.status_code == 200 and b"--accent" in response.data


def test_benchmarks_import():
    """`make bench` is not run by CI: at least its modules must still import (in a process of their own:
    tests and benchmarks do not import each other)."""
    import subprocess
    import sys

    for name in ("bench.pages", "bench.mailing", "bench.dump", "bench.mail", "bench.load"):
        run = subprocess.run([sys.executable, "-c", f"import {name}; assert callable({name}.main)"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr[-2000:]


def test_every_environment_variable_read_is_documented():
    import re

    readme = (ROOT / "README.md").read_text()
    read = set()
    for module in [*(ROOT / "functions").rglob("*.py"), *(ROOT / "emulator").glob("*.py")]:
        read |= set(re.findall(r"env(?:iron)?(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\"", module.read_text()))
        read |= set(re.findall(r"env\.setdefault\(\"([A-Z][A-Z0-9_]+)\"", module.read_text()))
    assert {"ANNUAIRES_GENERAL_ADMINS", "ANNUAIRES_TIMEZONE", "PORT"} <= read
    undocumented = sorted(name for name in read if f"`{name}`" not in readme)
    assert undocumented == []


def test_every_kind_with_an_end_has_its_ttl_policy_deployed():
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    script = next(step["args"][-1] for step in build["steps"] if step["id"] == "ttl")
    deployed = set(re.fullmatch(r"for kind in ([\w ]+); do gcloud firestore fields ttls update expires .*", script)[1].split())
    with_end = {schema.kind for schema in kinds.ALL if "expires" in {f.name for f in dataclasses.fields(schema.record)}}
    assert deployed == with_end == {"Session", "Throttle", "MailingBatch", "RecipientChunk", "Quota", "MailSyncRun"}


def build() -> dict:
    return yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())


def step_text(step_id: str) -> str:
    return " ".join(next(step for step in build()["steps"] if step["id"] == step_id)["args"])


def deploy_options() -> dict[str, str]:
    return dict(a.removeprefix("--").split("=", 1) for a in deploy_steps()[0] if a.startswith("--") and "=" in a)


def test_the_build_alone_deploys_everything_in_order():
    ids = [step["id"] for step in build()["steps"]]
    assert ids == ["apis", "database", "indexes", "ttl", "identities", "secrets", "jobs", "package", "deploy-annuaires",
                   "invoker"]
    text = (ROOT / "cloudbuild.yaml").read_text()
    used = set(re.findall(r"\$\{?(_[A-Z_]+)", text))
    assert used == set(build()["substitutions"]), used ^ set(build()["substitutions"])  # none unused, none undeclared
    for api in ("cloudfunctions", "run", "datastore", "cloudtasks", "cloudscheduler", "secretmanager", "iap"):
        assert f"{api}.googleapis.com" in step_text("apis"), api


def test_the_tasks_are_signed_for_the_audience_and_account_the_function_checks():
    env = dict(pair.split("=", 1) for pair in deploy_options()["set-env-vars"].split(","))
    jobs_call = step_text("jobs").split("deploy/jobs.py ", 1)[1].split()
    assert jobs_call == ["$PROJECT_ID", "$_REGION", "$_SERVICE_URL", "$_TASKS_SERVICE_ACCOUNT"]
    assert env["ANNUAIRES_TASKS_AUDIENCE"] == env["ANNUAIRES_PUBLIC_URL"] == "$_SERVICE_URL"
    assert env["ANNUAIRES_TASKS_SERVICE_ACCOUNT"] == "$_TASKS_SERVICE_ACCOUNT"
    queues = {queue["name"] for queue in yaml.safe_load((ROOT / "jobs.yaml").read_text())["queues"]}
    assert env["ANNUAIRES_TASKS_QUEUE"].rsplit("/", 1)[1] in queues
    assert "--member=serviceAccount:$_TASKS_SERVICE_ACCOUNT" in step_text("invoker")
    # The function runs as its own account, which may queue tasks that call it as the tasks account.
    assert deploy_options()["service-account"] == "$_RUNTIME_SERVICE_ACCOUNT"
    identities = step_text("identities")
    for role in ("roles/datastore.user", "roles/cloudtasks.enqueuer", "roles/secretmanager.secretAccessor"):
        assert role in identities, role
    assert ("add-iam-policy-binding $_TASKS_SERVICE_ACCOUNT --member=serviceAccount:$_RUNTIME_SERVICE_ACCOUNT "
            "--role=roles/iam.serviceAccountUser") in identities
    # A job may run as long as the function lets a request run.
    seconds = int(deploy_options()["timeout"].removesuffix("s"))
    for job in yaml.safe_load((ROOT / "jobs.yaml").read_text())["jobs"]:
        assert int(job["attempt_deadline"].removesuffix("s")) <= seconds, job["name"]


def test_every_secret_the_function_reads_is_made_by_the_build():
    secrets = [pair.split("=", 1)[1].split(":")[0] for pair in deploy_options()["set-secrets"].split(",")]
    made = step_text("secrets")
    assert secrets and all(f"gcloud secrets create {secret} " in made for secret in secrets), secrets
    assert {pair.split("=", 1)[0] for pair in deploy_options()["set-secrets"].split(",")} == {
        "ANNUAIRES_SECRETS_KEY", "ANNUAIRES_MAIL_REFERENCE_TOKEN"}


def test_the_package_compiles_the_message_catalogs_the_repository_leaves_out():
    assert "babel.messages.frontend compile --domain=messages --directory=functions/annuaires/locales" in step_text("package")
    assert "functions/annuaires/locales/*/LC_MESSAGES/*.mo" in (ROOT / ".gitignore").read_text().splitlines()
