"""The service's own addresses, as services need them (the links port): built from the web layer's paths."""

from __future__ import annotations

from annuaires.web import paths


class WebLinks:
    """Paths and addresses of this service, seen from outside at its public address."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url

    def unsubscribe(self, group: str, member_id: int, token: str) -> str:
        """The path of one member's one-click unsubscribe link."""
        return paths.UNSUBSCRIBE.replace("<group>", group).replace("<member_id>", str(member_id)).replace("<token>", token)

    def unsubscribe_sample(self) -> str:
        """An unsubscribe address as a preview shows it: "…" stands for each member's own."""
        return self.absolute(paths.UNSUBSCRIBE.partition("<")[0] + "…")

    def absolute(self, path: str) -> str:
        """A path of this service as an address from outside."""
        return self.public_url + path

    def send_task(self) -> str:
        """The address the task queue calls to send a batch."""
        return self.absolute(paths.SEND_TASK)
