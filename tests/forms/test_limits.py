"""R2: what is typed is never cut. Each text field says its limit on the page (and the page counts as one types);
what is longer is refused, the field named, and the page comes back with the whole text kept."""

from __future__ import annotations

import html
import re

from tests.support.client import form_post

WORDS = "Les paniers de la semaine arrivent jeudi soir à la salle des fêtes, apportez vos sacs. "
COMMENT = (WORDS * 8)[:680]  # a comment of 680 characters: its end is mid-word at 500


def fields_of(page: str) -> list[str]:
    """The page's text inputs and text areas, as tags."""
    return re.findall(r'<(?:textarea|input(?![^>]*type="(?:hidden|password|checkbox|color|file|radio)"))[^>]*>', page)


def test_r2_a_comment_longer_than_its_limit_is_refused_whole_never_cut(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    refused = paris.patch("/api/directory", {"comment": COMMENT}, expect=400).get_json()["error"]
    assert refused["code"] == "invalid_input" and refused["fields"] == {"comment": "trop long"}
    answer = form_post(paris, "/adminloc/settings", name="Paris", initials="PA", comment=COMMENT, color="#336699")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    kept = re.search(r'<textarea id="update_from_form-comment"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert html.unescape(kept) == COMMENT  # whole, to shorten it oneself
    assert "trop long : 680 caractères pour 500 au plus ; rien n&#39;a été coupé" in page
    assert paris.get("/api/directory").get_json()["comment"] == ""  # nothing saved, nothing cut
    paris.patch("/api/directory", {"comment": COMMENT[:500]}, expect=200)


def test_r2_a_weekly_subject_longer_than_200_is_refused_and_kept(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    animator = given.animator(given.group(paris, name="Les Radis", initials="LR")["code"])
    subject = "Livraison" + "s" * 201  # 210 characters
    assert animator.put("/api/group/message", {"subject": subject, "body": ""}, expect=400).get_json()["error"]["fields"] \
        == {"subject": "trop long"}
    page = form_post(animator, "/animateur/message", subject=subject, body="Bonjour").get_data(as_text=True)
    field = re.search(r'<input id="set_message-subject"[^>]*>', page).group(0)
    assert f'value="{subject}"' in field and 'aria-invalid="true"' in field
    assert "trop long : 210 caractères pour 200 au plus" in page


def test_r2_every_text_field_says_its_limit_and_none_cuts_what_is_pasted(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    animator = given.animator(given.group(paris, name="Les Radis", initials="LR")["code"])
    for api, path in ((paris, "/adminloc.html"), (animator, "/animateur.html"), (given.directories_admin(), "/admingen.html")):
        page = api.get(path).get_data(as_text=True)
        for tag in fields_of(page):
            if 'name="q"' in tag or 'id="import_members-text"' in tag:
                continue  # a search; the pasted list (its limit is in lines, said beside it)
            assert "maxlength" not in tag, (path, tag)  # a browser cuts a paste at maxlength without a word
            limit = re.search(r'data-limit="(\d+)"', tag)
            assert limit, (path, tag)
            field_id = re.search(r'id="([^"]+)"', tag).group(1)
            help_text = re.search(rf'<small id="{field_id}-help" class="help">([^<]*)</small>', page).group(1)
            assert help_text.endswith("caractères au plus"), (path, help_text)
            assert f'aria-describedby="{field_id}-help' in tag
    assert '<script src="/static/limits.js" defer></script>' in page
