"""A pasted list of members read line by line, as people paste them (R1, R2): from a spreadsheet (tabs), a
French CSV (`;`), a CSV (`,`), an address book (`Name <address>`, several on a line) or bare addresses.

Every line is read on its own: a line that cannot be read is refused with its number, its text and why,
never the whole list, and nothing a line holds (length, characters, quoting) can make reading fail.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass

from annuaires.services import values
from annuaires.services.errors import InvalidInput

LINE_LENGTH = 1000  # characters a line may hold: a member is a name and an address, far less
SHOWN_TEXT = 200  # characters of a refused line given back to name it (the line itself is never stored)
HEADER_WORDS = {"name", "nom", "prenom", "prénom", "email", "e-mail", "mail", "courriel", "adresse", "address",
                "adresse e-mail", "adresse mail", "e-mail address", "email address"}
CONTROL = {"Cc", "Cf", "Cs", "Co"}  # what the member form refuses too (services/values.py)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# One `Name <address>` of a line that may hold several, separated by commas, semicolons, tabs or spaces.
ENTRY = re.compile(r'\s*(?:"(?P<quoted>[^"]*)"|(?P<plain>[^"<>,;\t]*?))\s*<(?P<address>[^<>]*)>\s*[,;\t]?')


@dataclass(frozen=True)
class Entry:
    """One member read from a line: its line's number, the name and address as checked."""

    line: int
    name: str
    email: str


def shown(text: str) -> str:
    """A refused line's text as given back: whole when short, its start when long."""
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT] + "…"


def lines_of(text: str) -> list[str]:
    """The lines of a pasted text, whatever ends them, without a byte-order mark."""
    return LINE_BREAK.split(text.removeprefix("\ufeff"))


def read(text: str) -> tuple[list[Entry], list[dict]]:
    """The members the text names, in order, and each refused line or entry: `{"line", "reason", "text"}`.

    An address given twice in the list is kept once: the later line is refused (`duplicate_line`).
    """
    entries: list[Entry] = []
    refused: list[dict] = []
    seen: set[str] = set()
    first = True
    for number, raw in enumerate(lines_of(text), start=1):
        line = raw.strip()
        if not line:
            continue
        if first and _is_header(line):
            first = False
            continue
        first = False
        for item_text, found in _entries(line):
            if isinstance(found, str):
                refused.append({"line": number, "reason": found, "text": shown(item_text)})
            elif found[1].lower() in seen:
                refused.append({"line": number, "reason": "duplicate_line", "text": shown(item_text)})
            else:
                seen.add(found[1].lower())
                entries.append(Entry(number, *found))
    return entries, refused


def _is_header(line: str) -> bool:
    if "@" in line:
        return False
    words = [w.strip().strip('"').strip().lower() for w in re.split(r"[,;\t]", line)]
    return all(w in HEADER_WORDS for w in words if w) and any(words)


def _entries(line: str) -> list[tuple[str, tuple[str, str] | str]]:
    """What a line names: each entry's text with its (name, address), or with the reason it is refused."""
    if len(line) > LINE_LENGTH:
        return [(line, "line_too_long")]
    if any(unicodedata.category(c) in CONTROL and c != "\t" for c in line):
        return [(line, "control_characters")]
    if "<" in line or ">" in line:
        return _address_book(line)
    addresses = _bare_addresses(line)
    if addresses:
        return [(address, _checked("", address)) for address in addresses]
    return [(line, _checked(*_fields(line)))]


def _bare_addresses(line: str) -> list[str]:
    """Several addresses alone on a line, separated by commas, semicolons, tabs or spaces (none if not only that)."""
    parts = [p for p in re.split(r"[,;\t ]+", line) if p]
    return parts if len(parts) > 1 and all("@" in p and '"' not in p for p in parts) else []


def _address_book(line: str) -> list[tuple[str, tuple[str, str] | str]]:
    """`Name <address>`, `"Last, First" <address>`, or several of them on a line."""
    if line.count("<") == 1 and line.endswith(">"):  # one entry: the name is all before `<`, commas too
        name, _, address = line[:-1].partition("<")
        return [(line, _checked(name.strip().strip('"').strip(), address.strip()) if address.strip() else "invalid_line")]
    found: list[tuple[str, tuple[str, str] | str]] = []
    at = 0
    while at < len(line):
        match = ENTRY.match(line, at)
        if match is None or match.end() == at:
            rest = line[at:].strip(" ,;\t")
            if rest:
                found.append((rest, "invalid_line"))
            break
        name = match["quoted"] if match["quoted"] is not None else match["plain"]
        found.append((match.group(0).strip(" ,;\t"), _checked(name.strip(), match["address"].strip())))
        at = match.end()
    return found


def _fields(line: str) -> tuple[str, str]:
    """A line without `<…>`: fields separated by a tab, a semicolon or a comma (CSV quoting allowed), or a
    bare address, or a name then an address. The one field holding an `@` is the address, the others the name."""
    separator = next((s for s in ("\t", ";", ",") if s in line), None)
    if separator is None:
        name, _, address = line.rpartition(" ")
        return name, address
    try:
        fields = [f.strip() for f in next(csv.reader([line], delimiter=separator))]
    except csv.Error:
        return "", ""
    addresses = [f for f in fields if "@" in f]
    if len(addresses) != 1:
        return "", ""  # no address, or more than one on a line that does not say which is whose
    return " ".join(f for f in fields if f and f != addresses[0]), addresses[0]


def _checked(name: str, address: str) -> tuple[str, str] | str:
    """A member's name and address as the member form checks them; without a name, the address's local part."""
    if not address or "@" not in address:
        return "invalid_line"
    name = " ".join(name.split()) or address.rpartition("@")[0]
    try:
        given = values.checked(name=(values.MEMBER_NAME, name), email=(values.email, address))
    except InvalidInput as error:
        return error.fields.get("email") or error.fields["name"]
    return given["name"], given["email"]
