"""The one build step pyproject.toml cannot say: the message catalogs compiled into the package (.po to .mo), so that
`pip install .` or `pipx install .` from a checkout gives an `annuaires` command that speaks (the .mo files are never
committed; `make` compiles them in place for the checkout itself)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path("functions/annuaires/locales")


class BuildWithCatalogs(build_py):
    """The package's files, then each catalog compiled beside its source."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
            compiled = Path(self.build_lib) / "annuaires" / source.relative_to("functions/annuaires").with_suffix(".mo")
            compiled.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as po, compiled.open("wb") as mo:
                write_mo(mo, read_po(po, locale=source.parts[-3]))


setup(cmdclass={"build_py": BuildWithCatalogs})
