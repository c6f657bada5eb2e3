"""The one policy of passwords people choose (PRODUCT.md R3), for every page, API call and task that takes one.

Volunteers' accounts (the directories admin, directories, groups and groupements): 8 characters at least, not among
the common passwords zxcvbn ships, and a zxcvbn score of 2 at least. Mail accounts, mail admins and operators:
12 characters at least, a score of 3 at least, and not made of the account's address. zxcvbn is given the
account's own names (name, initials, code, login, address) so that a password built on them scores as weak as
it is. A refusal is a message key saying why, in the product's words (REASONS), never zxcvbn's own English.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from annuaires.services.passwords import INITIAL_PASSWORD

MAX_LENGTH = 128
# zxcvbn's matching grows fast with length (a random 72 characters took 0.8 s here, 40 took 0.13 s, on a loaded
# machine) and the policy is checked before any throttling: it scores a password's first 40 characters, which hold
# any guessable pattern of a longer one's beginning (and 40 random characters score 4).
SCORED_LENGTH = 40


@dataclass(frozen=True)
class Policy:
    """What a new password of one kind of account must be."""

    name: str
    min_length: int
    min_score: int  # zxcvbn's 0–4
    too_short: str  # the message key of a password shorter than min_length
    rule: str  # the message key of the rule, shown under every field taking such a password, before the first try


VOLUNTEER = Policy("volunteer", 8, 2, "password_too_short", "password_rules")
MAIL = Policy("mail", 12, 3, "mail_password_too_short", "mail_password_rules")

# Why a password is refused, by what made zxcvbn find it easy (its longest guessable part).
WEAK_BECAUSE = {"spatial": "password_keyboard", "repeat": "password_repeated", "sequence": "password_sequence",
                "date": "password_date", "regex": "password_date"}
REASONS = ("not_text", "too_long", "password_too_short", "mail_password_too_short", "password_too_common",
           "password_too_weak", "password_like_common", "password_like_name", "password_contains_address",
           "password_common_words", *WEAK_BECAUSE.values())

# zxcvbn keeps the user inputs of a call in a module-level dictionary: two threads scoring at once would mix them.
_zxcvbn_lock = threading.Lock()


MAIL_ROLES = ("mail", "mailbox")  # mail admins and operators, mailbox users: the mail policy


def policy_of(role_name: str) -> Policy:
    """The policy of a role's accounts: the mail one for mail admins, operators and mailboxes, else the volunteers'."""
    return MAIL if role_name in MAIL_ROLES else VOLUNTEER


def names_of(account: object) -> list[str]:
    """An account's own names, which its password should not be built on: code, name, initials, login."""
    return [value for field in ("code", "name", "initials", "login")
            if isinstance(value := getattr(account, field, None), str) and value]


@functools.cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])  # the 30,000 most common passwords, as zxcvbn ships them


def _weak_reason(sequence: list[dict[str, Any]]) -> str:
    """The product's words for what made a password easy to guess: its longest part that is not random."""
    found = [m for m in sequence if m.get("pattern") != "bruteforce"]
    if not found:
        return "password_too_weak"
    match = max(found, key=lambda m: len(m.get("token", "")))
    if match["pattern"] == "dictionary":
        source = match.get("dictionary_name")
        return {"passwords": "password_like_common", "user_inputs": "password_like_name"}.get(source, "password_common_words")
    return WEAK_BECAUSE.get(match["pattern"], "password_too_weak")


def _name_parts(names: Iterable[str]) -> set[str]:
    """Each name whole, without its spaces and punctuation, and word by word: "Les Radis" gives "lesradis", "radis"."""
    return {part for n in names if isinstance(n, str)
            for part in (n.strip(), re.sub(r"\W+", "", n), *re.split(r"\W+", n)) if len(part) >= 3}


def score(password: str, names: Iterable[str] = ()) -> tuple[int, str]:
    """zxcvbn's score of a password (its first SCORED_LENGTH characters), and why it is weak if it is."""
    with _zxcvbn_lock:
        result = zxcvbn(password[:SCORED_LENGTH], user_inputs=sorted(_name_parts(names)))
    return result["score"], _weak_reason(result["sequence"])


def _address_parts(address: str) -> list[str]:
    local = address.split("@", 1)[0].strip().casefold()
    return [part for part in (local, *re.split(r"[._+-]", local)) if len(part) >= 3]


def problem(policy: Policy, password: Any, names: Iterable[str] = (), *, address: str = "") -> str | None:
    """What is wrong with a new password under a policy (a message key), or None.

    `names`: the account's own names, initials, code or login; `address`: a mail account's address, which the
    password may not contain.
    """
    if not isinstance(password, str):
        return "not_text"
    if len(password) < policy.min_length:
        return policy.too_short
    if len(password) > MAX_LENGTH:
        return "too_long"
    folded = password.casefold()
    if folded in _common() or folded.strip() == INITIAL_PASSWORD or len(set(folded)) < 4:
        return "password_too_common"
    if address and any(part in folded for part in _address_parts(address)):
        return "password_contains_address"
    names = [*names, *([address, *_address_parts(address)] if address else [])]
    found, reason = score(password, names)
    if found < policy.min_score:
        return reason
    # zxcvbn counts a name it was given as one more word, so "LesRadis2026" still scores 2: what is left once the
    # account's own names are taken out must be strong enough by itself.
    remainder = folded
    for part in sorted(_name_parts(names), key=len, reverse=True):
        remainder = remainder.replace(part.casefold(), "")
    if remainder != folded and score(remainder)[0] < policy.min_score:
        return "password_like_name"
    return None


def check(policy: Policy, names: Iterable[str] = (), *, address: str = "") -> Callable[[Any], str]:
    """The check of a new password, for values.checked (said with the other fields' errors)."""
    names = tuple(names)

    def checked(password: Any) -> str:
        if reason := problem(policy, password, names, address=address):
            raise ValueError(reason)
        return password

    return checked
