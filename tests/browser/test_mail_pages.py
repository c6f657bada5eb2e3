"""The mail pages in Chromium (B1–B3): a mail admin, an operator and a mailbox user, as they see them (French first)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.support.browser import (
    GENERAL,
    audit_rows,
    cells,
    change_password,
    click_in_row,
    expect_done,
    expect_field_error,
    expect_form_error,
    expect_who,
    press,
    row,
    sign_in_general,
    table,
)
from tests.support.given import Given
from tests.support.service import Server

MAIL = "Messagerie"
PASSWORD = "une phrase de passe pour la boîte"
FIRST_PASSWORD = "donné par la DSI"


def by_id(page: Page, element_id: str):
    """An element by its id (ids of a domain's or an account's forms hold its name: no `#id` selector)."""
    return page.locator(f'[id="{element_id}"]')


def new_site(server: Server) -> tuple[str, str, Given]:
    """A domain of a site of its own (companion addresses are the site's): its name, its site code."""
    tail = uuid.uuid4().hex[:6]
    domain, site = f"asso-{tail}.org", f"s{tail}"
    server.api().as_general().post("/api/mail/domains", {"name": domain, "site": site}, expect=201)
    return domain, site, server.given()


def open_mail_as_general(page: Page) -> None:
    """The general admin signs in on its page and follows the link to the mail pages."""
    sign_in_general(page, Given.GENERAL_ADMIN)
    press(page, page.locator("main").get_by_role("link", name=MAIL, exact=True))
    expect(page.locator("main h1")).to_have_text(MAIL)
    expect_who(page, f"{GENERAL} — {Given.GENERAL_ADMIN}")


def create_account(page: Page, domain: str, local: str, name: str, password: str = PASSWORD, confirm: str | None = None,
                   quota: str = "") -> None:
    form = page.locator(f"main form[action='/messagerie/domains/{domain}/accounts']")
    prefix = f"create_account_from_form-{domain}"
    by_id(page, f"{prefix}-address").fill(local)
    by_id(page, f"{prefix}-display_name").fill(name)
    by_id(page, f"{prefix}-password").fill(password)
    by_id(page, f"{prefix}-confirm").fill(password if confirm is None else confirm)
    by_id(page, f"{prefix}-quota_mb").fill(quota)
    press(page, form.get_by_role("button", name="Créer le compte"))


def test_a_mail_admin_adds_a_domain_then_an_account_and_follows_it_through_its_life(server: Server, new_page, shot) -> None:
    page = new_page()
    open_mail_as_general(page)
    tail = uuid.uuid4().hex[:6]
    domain, site = f"ecole-{tail}.org", f"e{tail}"

    # A domain: a refused name comes back next to its field; then the domain is listed with its companion domains.
    form = page.locator("main form[action='/messagerie/domains']")
    by_id(page, "create_domain-name").fill("pas un domaine")
    by_id(page, "create_domain-site").fill(site)
    assert press(page, form.get_by_role("button", name="Ajouter")).status == 400
    expect_field_error(page, "create_domain-name", "nom de domaine invalide")
    expect(by_id(page, "create_domain-site")).to_have_value(site)
    by_id(page, "create_domain-name").fill(domain.upper())
    press(page, form.get_by_role("button", name="Ajouter"))
    expect_done(page, "/messagerie.html", "mail_domain_created", "Domaine ajouté.")
    assert cells(row(page, "Domaines de messagerie", domain)) == [
        domain, site, f"{site}.secours, {site}.backup, {site}.archives"]
    shot(page, "mail-admin")

    # Its page: no account yet; an account's local part is enough, a common password is refused next to it.
    press(page, row(page, "Domaines de messagerie", domain).get_by_role("link", name=domain))
    expect(page.locator("main h1")).to_have_text(domain)
    expect(row(page, "Comptes", "Aucun compte")).to_have_count(1)
    create_account(page, domain, "jeanne.martin", "Jeanne Martin", password="aaaaaaaaaaaaaaa")
    expect_field_error(page, f"create_account_from_form-{domain}-password", "mot de passe trop courant")
    expect(by_id(page, f"create_account_from_form-{domain}-address")).to_have_value("jeanne.martin")
    expect(by_id(page, f"create_account_from_form-{domain}-password")).to_have_value("")
    create_account(page, domain, "jeanne.martin", "Jeanne Martin", quota="2048")

    # The account's page: its companions, generated, never typed.
    expect_done(page, f"/messagerie/accounts/jeanne.martin@{domain}", "mail_account_created", "Compte créé.")
    expect(page.locator("main h1")).to_have_text(f"jeanne.martin@{domain}")
    expect(page.locator("main")).to_contain_text("Jeanne Martin — actif — 2048 Mo")
    assert cells(row(page, "Boîtes compagnes", "Secours")) == [
        "Secours", f"jeanne.martin@{site}.secours", "une copie de chaque message reçu, gardée 15 jours"]
    assert cells(row(page, "Boîtes compagnes", "Sauvegarde"))[1] == f"jeanne.martin@{site}.backup"
    assert cells(row(page, "Boîtes compagnes", "Archives"))[1] == f"jeanne.martin@{site}.archives"
    expect(page.locator("main input[value$='.secours']")).to_have_count(0)
    shot(page, "mail-account")

    # Renamed: its companions follow.
    by_id(page, f"rename_account-jeanne.martin@{domain}-address").fill("j.martin")
    press(page, page.locator("main form[action$='/rename']").get_by_role("button", name="Renommer"))
    expect_done(page, f"/messagerie/accounts/j.martin@{domain}", "mail_account_renamed",
                "Compte renommé, avec ses boîtes compagnes.")
    assert cells(row(page, "Boîtes compagnes", "Secours"))[1] == f"j.martin@{site}.secours"

    # Deactivated, then reactivated; a password reset that differs from its confirmation is refused.
    press(page, page.locator("main").get_by_role("button", name="Désactiver"))
    expect_done(page, f"/messagerie/accounts/j.martin@{domain}", "mail_account_deactivated", "Compte désactivé.")
    expect(page.locator("main p strong.warning")).to_have_text("inactif")
    press(page, page.locator("main").get_by_role("button", name="Réactiver"))
    reset = page.locator("main form[action$='/password']")
    by_id(page, f"reset_account_password-j.martin@{domain}-password").fill(PASSWORD + " neuve")
    by_id(page, f"reset_account_password-j.martin@{domain}-confirm").fill(PASSWORD)
    assert press(page, reset.get_by_role("button", name="Réinitialiser le mot de passe")).status == 400
    expect_field_error(page, f"reset_account_password-j.martin@{domain}-confirm", "ne correspond pas au nouveau mot de passe")
    actions = [r[2] for r in audit_rows(page)]
    assert actions[:3] == [f"compte de messagerie activé — j.martin@{domain}",
                           f"compte de messagerie désactivé — j.martin@{domain}",
                           f"compte de messagerie renommé — jeanne.martin@{domain}"]

    # An alias to the account and an address elsewhere; then the domain's page lists it and its log.
    press(page, page.locator("main").get_by_role("link", name=f"← {domain}"))
    alias_form = page.locator(f"main form[action='/messagerie/domains/{domain}/aliases']")
    by_id(page, f"create_alias_from_form-{domain}-address").fill("contact")
    by_id(page, f"create_alias_from_form-{domain}-targets").fill(f"contact@{domain}")
    assert press(page, alias_form.get_by_role("button", name="Créer l'alias")).status == 400
    expect_field_error(page, f"create_alias_from_form-{domain}-targets", "un alias ne peut renvoyer vers lui-même")
    by_id(page, f"create_alias_from_form-{domain}-targets").fill(f"j.martin@{domain}\nsecretariat@ailleurs.example")
    press(page, alias_form.get_by_role("button", name="Créer l'alias"))
    expect_done(page, f"/messagerie/domains/{domain}", "mail_alias_created", "Alias créé.")
    assert cells(row(page, "Alias", f"contact@{domain}"))[:2] == [
        f"contact@{domain}", f"j.martin@{domain}, secretariat@ailleurs.example"]
    assert cells(row(page, "Comptes", "j.martin")) == [f"j.martin@{domain}", "Jeanne Martin", "actif", "2048 Mo"]
    shot(page, "mail-domain")

    # Found by the start of its display name; a search that finds nothing says so.
    page.locator("#q").fill("jean")
    press(page, page.locator("main form[role=search]").get_by_role("button", name="Chercher"))
    expect(table(page, "Comptes trouvés pour « jean »").locator("tbody tr")).to_have_count(1)
    page.locator("#q").fill("zzz")
    press(page, page.locator("main form[role=search]").get_by_role("button", name="Chercher"))
    expect(page.locator("main")).to_contain_text("Aucun compte ne commence ainsi.")
    press(page, page.locator("main").get_by_role("link", name="Tous les comptes"))

    # Deleting asks first, naming the alias; cancelling goes back to the page and keeps it.
    press(page, row(page, "Alias", f"contact@{domain}").get_by_role("button", name="Supprimer"))
    expect(page.locator("main .card strong")).to_have_text(
        f"contact@{domain} → j.martin@{domain}, secretariat@ailleurs.example")
    press(page, page.locator("main").get_by_role("link", name="Annuler"))
    expect(page).to_have_url(re.compile(rf"/messagerie/domains/{re.escape(domain)}$"))
    click_in_row(page, "Alias", f"contact@{domain}", "Supprimer",
                 subject=f"contact@{domain} → j.martin@{domain}, secretariat@ailleurs.example")
    expect_done(page, f"/messagerie/domains/{domain}", "mail_alias_deleted", "Alias supprimé.")

    # The account deleted from its page: back on the domain's page, which no longer lists it.
    press(page, row(page, "Comptes", "j.martin").get_by_role("link", name=f"j.martin@{domain}"))
    press(page, page.locator("main").get_by_role("button", name="Supprimer"))
    expect(page.locator("main .card strong")).to_have_text(f"j.martin@{domain} (Jeanne Martin)")
    press(page, page.locator("main").get_by_role("button", name="Supprimer"))
    expect_done(page, f"/messagerie/domains/{domain}", "mail_account_deleted", "Compte supprimé.")
    expect(row(page, "Comptes", "Aucun compte")).to_have_count(1)
    assert [r[2] for r in audit_rows(page)][:2] == [f"compte de messagerie supprimé — j.martin@{domain}",
                                                     f"alias supprimé — contact@{domain}"]


def test_an_operator_named_on_the_page_manages_its_domain_only(server: Server, new_page, shot) -> None:
    mine, _, _ = new_site(server)
    other, _, _ = new_site(server)
    admin = new_page()
    open_mail_as_general(admin)
    login = f"rh-{uuid.uuid4().hex[:6]}"
    form = admin.locator("main form[action='/messagerie/operators']")
    by_id(admin, "create_operator-login").fill(login)
    by_id(admin, "create_operator-password").fill(FIRST_PASSWORD)
    form.get_by_label(mine).check()
    press(admin, form.get_by_role("button", name="Ajouter"))
    expect_done(admin, "/messagerie.html", "mail_operator_created", "Opérateur ajouté.")
    assert cells(row(admin, "Opérateurs et administrateurs", login))[:2] == [login, mine]

    # The operator signs in with the given password, changes it first, then sees its domain only.
    page = new_page()
    page.goto("/messagerie.html")
    expect(page.locator("main h1")).to_have_text(MAIL)
    shot(page, "mail-sign-in")
    sign_in_form = page.locator("main form[action='/signin']")
    by_id(page, "sign_in-login").fill(login.upper())
    by_id(page, "sign_in-password").fill("pas le bon")
    assert press(page, sign_in_form.get_by_role("button", name="Se connecter")).status == 401
    expect(by_id(page, "sign_in-login")).to_have_value(login.upper())
    by_id(page, "sign_in-password").fill(FIRST_PASSWORD)
    press(page, sign_in_form.get_by_role("button", name="Se connecter"))
    change_password(page, FIRST_PASSWORD, Given.STRONG)
    expect_done(page, "/messagerie.html", "password_changed", "Mot de passe changé.")
    expect_who(page, f"{MAIL} — {login}")
    expect(table(page, "Domaines de messagerie").locator("tbody tr")).to_have_count(1)
    expect(row(page, "Domaines de messagerie", mine)).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Jeton d'export")
    expect(page.locator("main")).not_to_contain_text("Ajouter un domaine")
    shot(page, "mail-operator")

    press(page, page.locator("main").get_by_role("link", name=mine))
    create_account(page, mine, "paul", "Paul Durand")
    expect_done(page, f"/messagerie/accounts/paul@{mine}", "mail_account_created", "Compte créé.")
    answer = page.goto(f"/messagerie/domains/{other}")
    assert answer is not None and answer.status == 403
    expect(page.locator("main")).to_contain_text("Action non autorisée.")

    # The admin removes it, asked first: its session ends.
    admin.reload()
    click_in_row(admin, "Opérateurs et administrateurs", login, "Supprimer", subject=f"{login} ({mine})")
    expect_done(admin, "/messagerie.html", "mail_operator_deleted", "Opérateur supprimé.")
    page.goto("/messagerie.html")
    expect(page.locator("main form[action='/signin']")).to_have_count(1)


def test_a_mailbox_user_changes_its_own_password(server: Server, new_page, shot) -> None:
    domain, _, _ = new_site(server)
    admin = server.api().as_general()
    admin.post("/api/mail/accounts", {"address": f"lea@{domain}", "display_name": "Léa", "password": PASSWORD}, expect=201)
    page = new_page()
    page.goto("/")
    press(page, page.locator("main").get_by_role("link", name="Changer le mot de passe de ma boîte"))
    expect(page.locator("main h1")).to_have_text("Changer le mot de passe de ma boîte")
    shot(page, "mailbox-password")
    form = page.locator("main form")

    def send(current: str, new: str, confirm: str | None = None) -> int:
        by_id(page, "mailbox_password-address").fill(f"lea@{domain}")
        by_id(page, "mailbox_password-current").fill(current)
        by_id(page, "mailbox_password-new").fill(new)
        by_id(page, "mailbox_password-confirm").fill(new if confirm is None else confirm)
        return press(page, form.get_by_role("button", name="Changer le mot de passe")).status

    assert send("pas le bon", PASSWORD + " neuve") == 400
    expect_field_error(page, "mailbox_password-current", "mot de passe actuel incorrect")
    expect(by_id(page, "mailbox_password-address")).to_have_value(f"lea@{domain}")
    assert send(PASSWORD, f"lea@{domain} 2026") == 400
    expect_field_error(page, "mailbox_password-new", "ne doit pas contenir l'adresse")
    assert send(PASSWORD, PASSWORD + " neuve") == 200
    expect_done(page, "/messagerie/mot-de-passe.html", "mailbox_password_changed", "Votre mot de passe est changé.")
    # The new one is the current one now.
    server.api().post("/api/mail/password", {"address": f"lea@{domain}", "current": PASSWORD + " neuve",
                                             "new": PASSWORD}, expect=204)
    for _ in range(10):
        if send("encore faux", PASSWORD + " autre") == 429:
            break
    expect_form_error(page.locator("main form"), "Trop d'essais infructueux : réessayez dans 15 minutes.")
