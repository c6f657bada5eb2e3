"""The mailing's task queue: Cloud Tasks (its emulator locally), one HTTP task per batch slice to send."""

from __future__ import annotations

import contextlib
import functools
import json
from datetime import datetime

from google.api_core import exceptions as gexc
from google.cloud import tasks_v2
from google.protobuf import timestamp_pb2

from annuaires.config import Config

SEND_ROUTE = "/tasks/mailing/send"


class Queue:
    """Creates the send tasks; in production they carry Google's OIDC token, locally the local token."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @functools.cached_property
    def client(self) -> tasks_v2.CloudTasksClient:
        if self.config.tasks_emulator_host:
            import grpc
            from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

            channel = grpc.insecure_channel(self.config.tasks_emulator_host)
            return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
        return tasks_v2.CloudTasksClient()

    def send_later(self, group: str, week: str, at: datetime | None = None) -> None:
        """Queue a send task for one batch (at a time, or now)."""
        request: dict = {
            "http_method": tasks_v2.HttpMethod.POST,
            "url": self.config.public_url + SEND_ROUTE,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"group": group, "week": week}).encode(),
        }
        if self.config.emulator:
            request["headers"]["Authorization"] = f"Bearer {self.config.tasks_token}"
        else:
            request["oidc_token"] = {"service_account_email": self.config.tasks_service_account,
                                     "audience": self.config.tasks_audience}
        task: dict = {"http_request": request}
        if at is not None:
            stamp = timestamp_pb2.Timestamp()
            stamp.FromDatetime(at)
            task["schedule_time"] = stamp
        with contextlib.suppress(gexc.AlreadyExists):  # the same task queued twice: once is enough
            self.client.create_task(parent=self.config.tasks_queue, task=task)
