"""What every page shares: its stylesheet, its title, its language; and how it looks on a phone (390 px wide) and on a
laptop (1280 px): nothing pans sideways, every control of a row is on screen and large enough to touch, no button
label is cut in the middle of a word."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    DIRECTORIES_SIGN_IN,
    DIRECTORY_SIGN_IN,
    GENERAL,
    GROUP_SIGN_IN,
    NARROW,
    REFERENCED,
    WIDE,
    change_password,
    initials_for,
    press,
    row,
    sideways,
    sign_in,
    sign_in_general,
    sign_out,
    unfold,
    unique,
)
from tests.support.given import Given
from tests.support.service import Server

MIN_TARGET = 24  # px: WCAG 2.2 target size (minimum), for buttons and fields

# Controls that cannot be reached or touched: outside the viewport's width, or too small (a box is touched by its label).
OUT_OF_REACH = """([width, least]) => {
  const found = [];
  for (const el of document.querySelectorAll('main button, main input:not([type=hidden]), main select, main textarea, header button')) {
    const box = (el.closest('label') || el).getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : '') + ` "${(el.innerText || el.value || '').slice(0, 30)}"`;
    if (box.left < -0.5 || box.right > width + 0.5) found.push(`${name} off screen (${Math.round(box.left)}..${Math.round(box.right)} px)`);
    if (box.height < least || box.width < least) found.push(`${name} too small (${Math.round(box.width)}×${Math.round(box.height)} px)`);
  }
  return found;
}"""

# Buttons whose label has a word wider than the button: the word is cut in two ("Déréférenc / er").
CUT_WORDS = """() => {
  const found = [], probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(probe);
  for (const el of document.querySelectorAll('main button, header button, main .button-link')) {
    const style = getComputedStyle(el);
    if (el.clientWidth === 0) continue;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const key of ['fontFamily', 'fontSize', 'fontWeight', 'letterSpacing']) probe.style[key] = style[key];
    for (const word of el.textContent.split(/\\s+/).filter(Boolean)) {
      probe.textContent = word;
      const needed = probe.getBoundingClientRect().width;
      if (needed > room + 0.5) found.push(`"${el.textContent.trim()}": "${word}" needs ${Math.round(needed)} px, has ${Math.round(room)}`);
    }
  }
  probe.remove();
  return found;
}"""



def test_language_switch_to_english_stays_on_the_next_page(server: Server, new_page) -> None:
    page = new_page()
    page.goto("/adminloc.html")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("main h1")).to_have_text(DIRECTORY_SIGN_IN)

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/adminloc\.html\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Directory administration")
    expect(page.locator("main label[for=sign_in-directory]")).to_have_text("Directory code or initials")

    # The next pages, without ?lang, are English too.
    page.get_by_role("link", name="Annuaires", exact=True).click()
    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator("main p")).to_have_text(
        "Administration of directories of consumer groups and producer groupings.")
    page.get_by_role("link", name="Group or groupement animation").click()
    expect(page).to_have_url(re.compile(r"/animateur\.html$"))
    expect(page.locator("main h1")).to_have_text("Group or groupement animation")
    refused = sign_in(page, "/animateur.html", "wrong-password", identifier="nobody", button="Sign in")
    assert refused.status == 401
    expect(page.locator("main p.error")).to_have_text(
        "Wrong name or password. With the password 0000, sign in with the code, not the initials.")

    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto("/admingen.html")
    expect(page.locator("main h1")).to_have_text(DIRECTORIES_SIGN_IN)


def test_every_page_loads_its_stylesheet(server: Server, new_page) -> None:
    page = new_page()
    with page.expect_response(lambda r: r.url.endswith("/static/annuaires.css")) as stylesheet:
        page.goto("/")
    assert stylesheet.value.status == 200, f"/static/annuaires.css answered {stylesheet.value.status}: pages are unstyled"
    assert stylesheet.value.headers["content-type"].startswith("text/css")
    expect(page.locator("body > header")).to_have_css("background-color", "rgb(47, 111, 78)")


def test_every_role_page_has_its_own_title(server: Server, given: Given, new_page) -> None:
    page = new_page()
    for path, title in (("/", "Accueil"), ("/admin/pwd.html", GENERAL), ("/admingen.html", DIRECTORIES_SIGN_IN),
                        ("/adminloc.html", DIRECTORY_SIGN_IN), ("/animateur.html", GROUP_SIGN_IN)):
        page.goto(path)
        expect(page).to_have_title(f"{title} — Annuaires")

    name = unique("Annuaire du Titre")
    code, director = given.directory(name, initials_for(name))
    group = given.group(director, "group", name=unique("Groupe du Titre"), initials=initials_for(unique("Titre")))
    given.animator(group["code"])
    sign_in(page, "/admingen.html", Given.DIRECTORIES_PASSWORD)
    expect(page).to_have_title(f"{DIRECTORIES_SIGN_IN} — Annuaires")
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=code)
    expect(page).to_have_title(f"{name} — Annuaires")
    sign_in(page, "/animateur.html", Given.STRONG, identifier=group["code"])
    expect(page).to_have_title(f"{group['name']} — Annuaires")

    sign_in_general(page, Given.GENERAL_ADMIN)
    expect(page.locator("main h1")).to_have_text(GENERAL)
    title = page.title()
    assert title == f"{GENERAL} — Annuaires", f"title of {len(title)} characters: {title[:90]}…"


@dataclass
class Network:
    """A directory with a group, a groupement whose name is long and unbroken, a group still on 0000, a member, a delivery;
    a mail domain with a long name, an account with a long address, an alias and an operator."""

    code: str
    group: dict
    groupement: dict
    fresh: dict
    mail_domain: str
    mail_account: str
    operator: str


@pytest.fixture(scope="module")
def network(given: Given) -> Network:
    # Long names without spaces are the hardest to wrap: the header, headings and table cells hold them.
    long = "Groupement-des-producteurs-de-la-vallée-de-la-Croix-Rousse-" + unique("et").replace(" ", "-")
    directory_name = "Annuaire-des-Pentes-de-la-Croix-Rousse-et-du-Plateau-" + unique("x").replace(" ", "")
    code, director = given.directory(directory_name, initials_for(unique("Pentes")))
    group = given.group(director, "group", name=unique("Les Paniers"), initials=initials_for(unique("Paniers")))
    groupement = given.group(director, "groupement", name=long, initials=initials_for(unique("Vallée")))
    fresh = given.group(director, "group", name=unique("Groupe Neuf"), initials=initials_for(unique("Neuf")))
    animator, producer = given.animator(group["code"]), given.animator(groupement["code"])
    animator.post("/api/group/members", {"name": "Zoé Dupré-Lamarche", "email": "zoe.dupre-lamarche.longue@exemple.org"},
                  expect=201)
    producer.post("/api/group/deliveries", {"group": group["code"]}, expect=201)
    given.new_api().as_general().put("/api/mailers/E", {
        "from": "Alterconsos des Pentes de la Croix-Rousse <pentes.croix-rousse@exemple.org>",
        "smtp_host": "smtp.example.org", "smtp_port": 587, "username": "", "starttls": True}, expect=200)
    director.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "E"}, expect=200)
    tail = unique("x").replace(" ", "")
    mail_domain = f"association-des-producteurs-de-la-vallee-{tail}.org"
    mail_account = f"marie-christine.delaroche-vandenberghe@{mail_domain}"
    general = given.new_api().as_general()
    general.post("/api/mail/domains", {"name": mail_domain, "site": tail[:20]}, expect=201)
    general.post("/api/mail/accounts", {"address": mail_account, "display_name": "Marie-Christine Delaroche-Vandenberghe",
                                        "password": "une phrase de passe assez longue", "quota_mb": 4096}, expect=201)
    general.post("/api/mail/aliases", {"address": f"secretariat@{mail_domain}", "targets": [mail_account, "x@example.org"]},
                 expect=201)
    operator = f"rh-{tail}"[:40]
    general.post("/api/mail/operators", {"login": operator, "password": Given.STRONG, "domains": [mail_domain]}, expect=201)
    return Network(code, group, groupement, fresh, mail_domain, mail_account, operator)


def every_page(page: Page, network: Network) -> Iterator[str]:
    """Go through every page a volunteer meets, signed in or not, refused forms included; name each one."""
    for path in ("/", "/admin/pwd.html", "/admingen.html", "/adminloc.html", "/animateur.html", "/messagerie.html",
                 "/messagerie/mot-de-passe.html"):
        page.goto(path)
        yield f"sign-in {path.strip('/').removesuffix('.html') or 'home'}"
    sign_in(page, "/adminloc.html", "0000", identifier="inconnu")
    yield "sign-in refused"

    sign_in_general(page, Given.GENERAL_ADMIN)
    yield "general admin"
    page.goto("/messagerie.html")
    yield "mail admin"
    page.goto(f"/messagerie/domains/{network.mail_domain}")
    yield "mail domain"
    create = page.locator("main form[action$='/accounts']")
    create.locator("input[name=address]").fill("Marie Christine")
    for name in ("password", "confirm"):
        create.locator(f"input[name={name}]").fill("aaaaaaaaaaaaaaa")
    press(page, create.get_by_role("button", name="Créer le compte"))
    expect(create.locator(".field-error")).to_have_count(2)
    yield "mail domain refused form"
    page.goto(f"/messagerie/accounts/{network.mail_account}")
    yield "mail account"
    press(page, page.locator("main").get_by_role("button", name="Supprimer"))
    yield "mail confirm"
    page.goto("/messagerie/jeton")
    yield "mail token"
    sign_in(page, "/admingen.html", Given.DIRECTORIES_PASSWORD)
    expect(page.locator("main h1")).to_have_text(DIRECTORIES_SIGN_IN)
    yield "directories admin"
    page.goto(f"/admingen/directories/{network.code}")
    yield "directory handover"

    sign_in(page, "/adminloc.html", Given.STRONG, identifier=network.code)
    yield "directory admin"
    page.goto(f"/adminloc/groups/{network.fresh['code']}")
    yield "group handover"
    page.goto("/adminloc.html")
    press(page, unfold(row(page, REFERENCED, network.group["name"])).get_by_role("button", name="Déréférencer"))
    yield "confirm"
    page.goto("/adminloc.html")
    create = page.locator("main form[action='/adminloc/groups/create']")
    create.locator("#create_group-name").fill(network.groupement["name"])
    create.locator("#create_group-initials").fill("ZZZ")
    press(page, create.get_by_role("button", name="Créer"))
    yield "directory admin refused form"

    sign_in(page, "/animateur.html", "0000", identifier=network.fresh["code"])
    yield "first password"
    change_password(page, "0000", Given.STRONG, confirm=Given.STRONG + "x")
    yield "first password refused"
    sign_out(page)
    yield "signed out"
    sign_in(page, "/animateur.html", Given.STRONG, identifier=network.group["code"])
    yield "animator group"
    sign_out(page)
    sign_in(page, "/animateur.html", Given.STRONG, identifier=network.groupement["code"])
    yield "animator groupement"
    sign_out(page)
    page.goto("/messagerie.html")
    sign_out(page)  # the general admin's session, which the mail pages take too
    sign_in(page, "/messagerie.html", Given.STRONG, identifier=network.operator)
    yield "mail operator first password"


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {'; '.join(what)}" for name, what in found.items() if what)


SHOWN = {"sign-in adminloc", "general admin", "directories admin", "directory admin", "animator group", "mail domain",
         "mail account", "mail domain refused form"}  # screenshots


def test_every_page_fits_a_phone(server: Server, network: Network, new_page, shot) -> None:
    page = new_page(width=NARROW)
    found: dict[str, list[str]] = {}
    for name in every_page(page, network):
        wide = sideways(page)
        unlabelled = page.locator("main table.stack td:not([data-label]):not(.actions):not([colspan])").count()
        found[f"{name} ({page.url})"] = ([f"scrolls sideways, {wide}"] if wide else []) + page.evaluate(
            OUT_OF_REACH, [NARROW, MIN_TARGET]) + page.evaluate(CUT_WORDS) + (
            [f"{unlabelled} stacked cells do not say what they are (data-label)"] if unlabelled else [])
        if name in SHOWN:
            shot(page, re.sub(r"[^a-z0-9]+", "-", name))
    assert not report(found), report(found)


def test_no_button_label_is_cut_mid_word_on_a_laptop(server: Server, network: Network, new_page) -> None:
    page = new_page(width=WIDE)
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=network.code)
    assert not page.evaluate(CUT_WORDS), page.evaluate(CUT_WORDS)
