"""Every setting, read once from the environment into one frozen object."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """The service's configuration; see the README's table of environment variables."""

    project: str
    emulator: bool
    namespace: str | None = None
    general_admins: frozenset[str] = frozenset({"admin@example.org"})
    test_datastore: bool = False
    tasks_token: str = ""
    timezone: str = "Europe/Paris"
    iap_audience: str = ""
    secure_cookies: bool = True
    session_hours: int = 12
    throttle_account_failures: int = 5
    throttle_client_failures: int = 20
    throttle_window_seconds: int = 900
    recent_days: int = 180
    reactivation_days: int = 90
    initial_password_days: int = 30
    page_size: int = 100
    password_hashing: str = "standard"
    secrets_key: str = ""
    trusted_proxies: int = 0
    public_url: str = "http://127.0.0.1:8080"
    tasks_audience: str = ""
    tasks_service_account: str = ""
    tasks_queue: str = ""
    local_smtp: str = ""
    tasks_emulator_host: str = ""
    mail_reference_url: str = ""  # the instance this one follows (B5), if any
    mail_reference_token: str = ""  # that instance's export token

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from environment variables."""
        env = os.environ if env is None else env
        emulator = bool(env.get("DATASTORE_EMULATOR_HOST"))
        admins = env.get("ANNUAIRES_GENERAL_ADMINS", "admin@example.org")
        project = env.get("GOOGLE_CLOUD_PROJECT") or env.get("DATASTORE_DATASET") or "annuaires-local"
        return cls(
            project=project,
            emulator=emulator,
            namespace=env.get("ANNUAIRES_NAMESPACE") or None,
            general_admins=frozenset(a.strip().lower() for a in admins.split(",") if a.strip()),
            test_datastore=_flag(env.get("ANNUAIRES_TEST_DATASTORE"), emulator),
            tasks_token=env.get("ANNUAIRES_TASKS_TOKEN") or secrets.token_urlsafe(24),
            timezone=env.get("ANNUAIRES_TIMEZONE", "Europe/Paris"),
            iap_audience=env.get("ANNUAIRES_IAP_AUDIENCE", ""),
            secure_cookies=_flag(env.get("ANNUAIRES_SECURE_COOKIES"), not emulator),
            session_hours=int(env.get("ANNUAIRES_SESSION_HOURS", "12")),
            throttle_account_failures=int(env.get("ANNUAIRES_THROTTLE_ACCOUNT", "5")),
            throttle_client_failures=int(env.get("ANNUAIRES_THROTTLE_CLIENT", "20")),
            throttle_window_seconds=int(env.get("ANNUAIRES_THROTTLE_WINDOW", "900")),
            recent_days=int(env.get("ANNUAIRES_RECENT_DAYS", "180")),
            reactivation_days=int(env.get("ANNUAIRES_REACTIVATION_DAYS", "90")),
            initial_password_days=int(env.get("ANNUAIRES_INITIAL_PASSWORD_DAYS", "30")),
            secrets_key=env.get("ANNUAIRES_SECRETS_KEY", ""),
            trusted_proxies=int(env.get("ANNUAIRES_TRUSTED_PROXIES", "0" if emulator else "1")),
            tasks_audience=env.get("ANNUAIRES_TASKS_AUDIENCE", ""),
            tasks_queue=env.get("ANNUAIRES_TASKS_QUEUE") or f"projects/{project}/locations/local/queues/mailing",
            tasks_emulator_host=env.get("CLOUD_TASKS_EMULATOR_HOST", ""),
            local_smtp=env.get("ANNUAIRES_LOCAL_SMTP", "") if emulator else "",
            tasks_service_account=env.get("ANNUAIRES_TASKS_SERVICE_ACCOUNT", "").lower(),
            mail_reference_url=env.get("ANNUAIRES_MAIL_REFERENCE_URL", "").rstrip("/"),
            mail_reference_token=env.get("ANNUAIRES_MAIL_REFERENCE_TOKEN", ""),
            public_url=(env.get("ANNUAIRES_PUBLIC_URL") or f"http://127.0.0.1:{env.get('PORT', '8080')}").rstrip("/"),
            # Cheap hashing is for tests on the emulator; anywhere else it is ignored.
            password_hashing="fast" if emulator and env.get("ANNUAIRES_PASSWORD_HASHING") == "fast" else "standard",
        )
