"""Member import (R1: every door checks; R2: a pasted list stays pasted): lines as people paste them, each refused
line named with its number and its text, and no input answers 5xx or writes on a dry run (fuzzed)."""

from __future__ import annotations

import html
import io
import re

from hypothesis import HealthCheck, settings
from hypothesis import given as generated
from hypothesis import strategies as st

from annuaires.services.directories import member_lines
from tests.test_pages import form_post

IMPORT = "/api/group/members/import"


def animator(given, name: str = "Les Radis", initials: str = "LR"):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    return given.animator(given.group(paris, name=name, initials=initials)["code"])


def check(api, text: str, *, dry_run: bool = True) -> dict:
    return api.post(IMPORT, {"text": text, "dry_run": dry_run}, expect=200).get_json()


def test_r1_import_reads_what_spreadsheets_csv_files_and_address_books_paste(given):
    radis = animator(given)
    pasted = ("\ufeffNom;Adresse e-mail\n"  # a French CSV, saved by a spreadsheet with its byte-order mark
              "David ; david@example.org\n"
              "Emma Roux\temma@example.org\n"  # a row copied from a spreadsheet: tab-separated
              "fanny@example.org\n"  # a bare address
              "Gaël Le Bihan gael@example.org\n"  # a name, then the address
              "Hugo <hugo@example.org>, Inès <ines@example.org>; \"Roux, Jade\" <jade@example.org>\n"  # an address book
              "Karim;Benali;karim@example.org;;\n"  # first name and name in two columns, empty columns after
              "lea@example.org, marc@example.org; noe@example.org\n")  # addresses alone, several on a line
    result = check(radis, pasted)
    assert result["refused"] == []
    assert [(m["name"], m["email"]) for m in result["added"]] == [
        ("David", "david@example.org"), ("Emma Roux", "emma@example.org"), ("fanny", "fanny@example.org"),
        ("Gaël Le Bihan", "gael@example.org"), ("Hugo", "hugo@example.org"), ("Inès", "ines@example.org"),
        ("Roux, Jade", "jade@example.org"), ("Karim Benali", "karim@example.org"), ("lea", "lea@example.org"),
        ("marc", "marc@example.org"), ("noe", "noe@example.org")]
    assert {m["id"] for m in result["added"]} == {None}  # checked, not written: no member has an id yet
    assert check(radis, "name,email\r\nLiam,liam@example.org\r")["added"][0]["name"] == "Liam"  # a CSV's header, CR LF
    upload = radis.client.post("/animateur/members/import", content_type="multipart/form-data", data={
        "csrf": radis.csrf, "text": "", "file": (io.BytesIO("Zoé Noël;zoe@example.org\n".encode("cp1252")), "liste.csv")})
    assert "Zoé Noël" in upload.get_data(as_text=True)  # a spreadsheet of Windows saves in its own encoding


def test_r1_import_names_each_refused_line_by_its_number_and_its_text_and_drops_none_silently(given):
    radis = animator(given)
    result = check(radis, "Ana <ana@example.org>, Bob <bob@exemple>, Chloé <chloe@example.org>\n"
                          "no address here\n"
                          "Two;two@example.org;deux@example.org\n"
                          "Ana again <ANA@example.org>\n")
    assert [m["email"] for m in result["added"]] == ["ana@example.org", "chloe@example.org"]
    assert result["refused"] == [
        {"line": 1, "reason": "invalid_email", "text": "Bob <bob@exemple>"},  # one entry of a line, the others kept
        {"line": 2, "reason": "invalid_line", "text": "no address here"},
        {"line": 3, "reason": "invalid_line", "text": "Two;two@example.org;deux@example.org"},
        {"line": 4, "reason": "duplicate_line", "text": "Ana again <ANA@example.org>"}]
    spaced = check(radis, "Léo <leo@example.org> Mia <mia@example.org>")  # no comma between them: both
    assert [m["email"] for m in spaced["added"]] == ["leo@example.org", "mia@example.org"] and spaced["refused"] == []
    garbled = check(radis, "Ana <ana@example.org>, <<>> trailing words")
    assert [m["email"] for m in garbled["added"]] == ["ana@example.org"]
    assert garbled["refused"] == [{"line": 1, "reason": "invalid_line", "text": "<<>> trailing words"}]


def test_r1_import_no_line_length_or_content_answers_a_server_error(given):
    radis = animator(given)
    for line in ("x" * 131_072, "a," * 65_536, "a;" + "b" * 131_072 + "@example.org", '"' * 131_072,
                 "<" * 100_000 + ">", "N <" + "a" * 131_000 + "@example.org>"):
        result = check(radis, f"Ana,ana@example.org\n{line}")
        assert [m["email"] for m in result["added"]] == ["ana@example.org"]
        assert result["refused"][0]["line"] == 2 and result["refused"][0]["reason"] == "line_too_long"
        assert len(result["refused"][0]["text"]) <= member_lines.SHOWN_TEXT + 1
    for text in ("\x00" * 1000, "\ud800", "\u202e<evil@example.org>", "A,a@example.org\x00", "\x1b[31m;b@example.org"):
        assert check(radis, text)["added"] == []
    assert radis.post(IMPORT, {"text": "x" * 1_000_001}, expect=400).get_json()["error"]["fields"] == {"text": "trop long"}
    assert radis.post(IMPORT, {"text": ["a"]}, expect=400).get_json()["error"]["fields"] == {"text": "doit être du texte"}
    assert radis.get("/api/group").get_json()["members"] == []  # all of these were dry runs


# Cheap to make (hypothesis's own e-mail strategy is slow): addresses good and bad, names of any characters.
ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}", st.text(alphabet="abcé.+_-\"", min_size=0, max_size=10),
                    st.sampled_from(["example.org", "exemple", "xn--bcher-kva.example", "-bad.org", "a.b", ""]))
NAME = st.text(max_size=20)
LINE = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(list(' \t,;<>"@.\r\n\ufeff\x00éa-_')), max_size=60),
    st.builds(lambda n, a, s: f"{n}{s}{a}", NAME, ADDRESS, st.sampled_from([",", ";", "\t", " ", ""])),
    st.builds(lambda n, a: f'"{n}" <{a}>', NAME, ADDRESS),
    st.lists(st.builds(lambda n, a: f"{n} <{a}>", st.text(alphabet="abc ,;", max_size=8), ADDRESS), max_size=4).map(", ".join),
    st.integers(900, 20_000).map(lambda n: "a" * n),  # (131,072 and more: the test above)
)
TEXTS = st.lists(LINE, max_size=12).map("\n".join)


@settings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@generated(TEXTS)
def test_r1_import_lines_fuzzed_every_line_is_read_or_refused_with_its_number(text):
    """The reader alone, on thousands of lists: it never fails, every member it reads is one the member form takes,
    and every refused entry names a line of the list."""
    entries, refused = member_lines.read(text)
    count = len(member_lines.lines_of(text))
    for entry in entries:
        assert 1 <= entry.line <= count and "@" in entry.email and entry.name.strip() == entry.name and entry.name
    for item in refused:
        assert 1 <= item["line"] <= count and item["reason"] and len(item["text"]) <= member_lines.SHOWN_TEXT + 1
    assert len({e.email.lower() for e in entries}) == len(entries)


def test_r1_import_fuzzed_through_the_api_never_5xx_and_a_dry_run_never_writes(given):
    radis = animator(given)
    seen = {"cases": 0}

    @settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @generated(TEXTS, st.integers(0, 9).map(lambda n: n == 0))  # a page's form one time in ten
    def run(text, as_form):
        seen["cases"] += 1
        if as_form:
            answer = form_post(radis, "/animateur/members/import", text=text)
            assert answer.status_code in (200, 400), answer.status_code
        else:
            answer = radis.post(IMPORT, {"text": text, "dry_run": True})
            assert answer.status_code in (200, 400), answer.status_code
            if answer.status_code == 200:
                assert all(set(r) == {"line", "reason", "text"} for r in answer.get_json()["refused"])

    run()
    assert seen["cases"] >= 300
    view = radis.get("/api/group").get_json()
    assert view["members"] == [] and not any(e["action"] == "members_imported" for e in view["audit"])


def test_r1_import_fuzzed_what_a_confirmed_import_adds_is_what_its_check_showed(given):
    radis = animator(given)
    total = {"added": 0}

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @generated(TEXTS)
    def run(text):
        checked = radis.post(IMPORT, {"text": text, "dry_run": True})
        done = radis.post(IMPORT, {"text": text})
        assert checked.status_code == done.status_code and done.status_code in (200, 400)
        if done.status_code == 200:
            assert [m["email"] for m in done.get_json()["added"]] == [m["email"] for m in checked.get_json()["added"]]
            total["added"] += len(done.get_json()["added"])

    run()
    assert total["added"] > 0 and len(all_members(radis)) == total["added"]  # nothing added twice, nothing half-written


def all_members(api) -> list[dict]:
    found, cursor = [], ""
    while True:
        answer = api.get(f"/api/group/members?cursor={cursor}" if cursor else "/api/group/members", expect=200)
        found += answer.get_json()
        cursor = answer.headers.get("X-Next-Cursor", "")
        if not cursor:
            return found


def test_r2_the_pasted_list_stays_pasted_and_refused_lines_show_their_text(given):
    radis = animator(given)
    pasted = "David ; david@example.org\nno address <here>\nEmma\temma@example.org"
    preview = form_post(radis, "/animateur/members/import", text=pasted)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    textarea = re.search(r'<textarea id="import_members-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert html.unescape(textarea) == pasted  # still there, to fix a line and check again
    assert "Seront ajoutés (2)" in page and "Lignes refusées (1)" in page
    assert '<code class="line-text">no address &lt;here&gt;</code>' in page
    assert 'id="import"' in page and 'action="/animateur/members/import#import"' in page  # the page opens on the preview
    refused = form_post(radis, "/animateur/members/import", text="x" * 1_000_001)
    assert refused.status_code == 400
    kept = re.search(r'<textarea id="import_members-text"[^>]*>(.*?)</textarea>', refused.get_data(as_text=True), re.S)
    assert len(kept.group(1)) == 1_000_001  # refused whole, kept whole
