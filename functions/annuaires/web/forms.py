"""Input at the edge: JSON bodies and form posts turned into clean values, or field errors.

The checks themselves are the domain's (services/values.py): the same for pages, API and services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask.json.provider import DefaultJSONProvider

from annuaires.services.errors import InvalidInput
from annuaires.services.values import Check, HugeNumber, json_integer


class BoundedJson(DefaultJSONProvider):
    """JSON bodies with their integers bounded in digits: a 5,000-digit number is its field's "out of range", not a
    body Python refuses in its own words."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON document, integers through values.json_integer."""
        kwargs.setdefault("parse_int", json_integer)
        return super().loads(s, **kwargs)

    @staticmethod
    def default(o: Any) -> Any:
        """A huge number given back (a refused line quoted, say) is its text, never a server error."""
        return o.text if isinstance(o, HugeNumber) else DefaultJSONProvider.default(o)


@dataclass(frozen=True)
class Field:
    """One expected input field: how to check it and turn it into a value."""

    name: str
    check: Check
    required: bool = True


def parse(data: Mapping[str, Any] | None, fields: list[Field], *, partial: bool = False) -> dict[str, Any]:
    """Check every field of the input; raise InvalidInput naming each bad field.

    With `partial`, missing fields are left out (PATCH); unknown fields are always refused.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput({"body": "invalid_body"})
    known = {f.name for f in fields}
    errors = {name: "unknown_field" for name in data if name not in known and name != "csrf"}
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in data:
            if field.required and not partial:
                errors[field.name] = "required"
            continue
        try:
            values[field.name] = field.check(data[field.name])
        except ValueError as problem:
            errors[field.name] = str(problem)
    if errors:
        raise InvalidInput(errors)
    return values


def confirmed(given: dict[str, Any], field: str = "new") -> dict[str, Any]:
    """A new password typed twice: the confirmation, when the form has one, must be the same."""
    confirm = given.pop("confirm", None)
    if confirm is not None and confirm != given[field]:
        raise InvalidInput({"confirm": "confirmation_differs"})
    return given
