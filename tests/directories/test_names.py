"""How names and initials compare (A1): Unicode's confusable skeleton, without case, accents, punctuation or invisibles."""

from __future__ import annotations

import re

import pytest

from annuaires.services.names import MAX_SKELETON, _prototypes, fits, skeleton, skeleton_key

SAME = [
    pytest.param("Les Radis", "LES RADIS", id="case"),
    pytest.param("Élan", "elan", id="accent"),
    pytest.param("Les Radis", "Les R\u0430dis", id="cyrillic-a"),
    pytest.param("Le Potager", "L\u0435 P\u043et\u0430g\u0435r", id="cyrillic-e-o-a"),
    pytest.param("Les Pressoirs", "Les \u0440ressoirs", id="cyrillic-er"),
    pytest.param("Les Cerises", "Les \u0441erises", id="cyrillic-es"),
    pytest.param("Les Radis", "Les Rad\u0131s", id="dotless-i"),
    pytest.param("Le Potager", "Le P\u03bftager", id="greek-omicron"),
    pytest.param("BIO", "\u0412I\u041e", id="cyrillic-capitals"),
    pytest.param("TAXI", "\u03a4\u0391\u03a7\u0399", id="greek-capitals"),
    pytest.param("Lyon 3", "Lyon \u0417", id="cyrillic-ze-as-3"),
    pytest.param("Les Radis", "Les\u034fRadis", id="combining-grapheme-joiner"),
    pytest.param("Les Radis", "Les Ra\ufe0fdis", id="variation-selector"),
    pytest.param("Les Radis", "Les Ra\u180bdis", id="mongolian-selector"),
    pytest.param("Les Radis", "Les\u3164Radis", id="hangul-filler"),
    pytest.param("Les Radis", "Les\u115fRadis", id="hangul-choseong-filler"),
    pytest.param("Les Radis", "Les\uffa0Radis", id="halfwidth-hangul-filler"),
    pytest.param("Les Radis", "Les\u2800Radis", id="braille-blank"),
    pytest.param("Les Radis", "Les Ra\u200bdis", id="zero-width-space"),
    pytest.param("Les Radis", "Les Ra\u00addis", id="soft-hyphen"),
    pytest.param("Les Radis", "Les Radis\u2060\u200d", id="word-joiner-zwj"),
    pytest.param("Cœur", "Coeur", id="ligature-oe"),
    pytest.param("CŒUR", "coeur", id="capital-ligature-oe"),
    pytest.param("Æther", "aether", id="ligature-ae"),
    pytest.param("\ufb01let", "filet", id="ligature-fi"),
    pytest.param("L\u2019Épi", "L'epi", id="right-quote"),
    pytest.param("L\u02bcÉpi", "L'epi", id="modifier-apostrophe"),
    pytest.param("L'epi", "L Epi", id="apostrophe-or-space"),
    pytest.param("Saint-Genis", "Saint\u2010Genis", id="hyphen"),
    pytest.param("Saint-Genis", "Saint\u2011Genis", id="non-breaking-hyphen"),
    pytest.param("Saint-Genis", "Saint\u2013Genis", id="en-dash"),
    pytest.param("Saint-Genis", "Saint\u2014Genis", id="em-dash"),
    pytest.param("Saint-Genis", "Saint\u2212Genis", id="minus-sign"),
    pytest.param("Croix-Rousse", "croix rousse", id="hyphen-or-space"),
    pytest.param("Croix-Rousse", "CroixRousse", id="hyphen-or-nothing"),
    pytest.param("Croix Rousse", "  Croix \u00a0\u3000Rousse ", id="spaces"),
    pytest.param("Valence Centre.", "Valence Centre", id="full-stop"),
    pytest.param("Radis", "\uff32\uff41\uff44\uff49\uff53", id="fullwidth"),
    pytest.param("Radis", "\U0001d411\U0001d41a\U0001d41d\U0001d422\U0001d42c", id="mathematical-bold"),
    pytest.param("Lyon 0", "Lyon O", id="zero-as-o"),
    pytest.param("Lyon 1", "Lyon l", id="one-as-l"),
]


@pytest.mark.parametrize(("plain", "variant"), SAME)
def test_a1_what_a_reader_does_not_see_leaves_the_skeleton_unchanged(plain: str, variant: str) -> None:
    assert plain != variant
    assert skeleton(variant) == skeleton(plain)
    assert skeleton(plain) != ""


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("Les Radis", "Les Radies", id="one-letter-more"),
        pytest.param("Les Radis", "Les Rodis", id="one-letter-changed"),
        pytest.param("Lyon 1", "Lyon 2", id="digits"),
        pytest.param("Croix-Rousse", "Croix-Roussé-Sud", id="word-more"),
        pytest.param("LR", "RL", id="order"),
    ],
)
def test_a1_different_names_keep_different_skeletons(one: str, other: str) -> None:
    assert skeleton(one) != skeleton(other)
    assert skeleton_key(one) != skeleton_key(other)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("\u034f\ufe0f\u180b\u3164\u115f\u2800\u200b\u00ad", id="invisible"),
        pytest.param(" .-\u2019'\u2014 ", id="punctuation"),
    ],
)
def test_a1_a_name_with_nothing_visible_has_an_empty_skeleton(text: str) -> None:
    assert skeleton(text) == ""


def test_a1_skeleton_is_lowercase_letters_and_digits() -> None:
    assert skeleton("  L\u2019Épi d'Or — Croix-Rousse 2 ") == "lepidorcroixrousse2"


def test_a1_a_skeleton_is_its_own_skeleton() -> None:
    # Every look-alike of Unicode's data, and the cases above: mapping then folding has settled.
    for text in [*_prototypes(), *(variant for case in SAME for variant in case.values)]:
        once = skeleton(text)
        assert skeleton(once) == once, (text, once)


def test_a1_confusables_come_from_unicode_data() -> None:
    # A hand list would not hold Unicode's thousands of entries, Cherokee capitals among them.
    assert len(_prototypes()) > 6000
    assert skeleton("\u13aa\u13a2") == skeleton("AT")


def test_a1_expansion_is_bounded() -> None:
    # U+FDFA is one character that NFKD turns into 18: 80 of them make a short input with a long skeleton.
    expanding = "\ufdfa" * 80
    assert len(expanding) <= MAX_SKELETON
    assert len(skeleton(expanding)) > MAX_SKELETON
    assert not fits(expanding)
    assert not fits("a" * (MAX_SKELETON + 1))
    assert not fits(" " * (MAX_SKELETON + 1))
    assert fits("Les Radis de la Croix-Rousse")
    assert fits("a" * MAX_SKELETON)


def test_a1_skeleton_key_is_a_fixed_length_digest_of_the_skeleton() -> None:
    keys = {skeleton_key(text) for text in ("Les Radis", "LES R\u0430DIS", "Les\u200bRadis")}
    assert len(keys) == 1
    for text in ("", "a", "\ufdfa" * 80, "Les Radis"):
        key = skeleton_key(text)
        assert re.fullmatch(r"[0-9a-f]{64}", key), key
    assert skeleton_key("Les Radis") != skeleton_key("Les Radies")
