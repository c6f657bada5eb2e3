"""What tests share: the API client, set-ups, the service in a subprocess, area helpers and generated entities."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
