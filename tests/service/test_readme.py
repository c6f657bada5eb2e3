"""The README's layout names every package and test folder, and every path it names exists."""

from __future__ import annotations

import re

from tests.support import ROOT

README = ROOT / "README.md"
NAMED_IN_TEXT = re.compile(r"`([\w./-]+(?:/|\.(?:py|txt|yaml|toml|sh|html|css|js)))`")


def layout() -> list[str]:
    """The lines of the code block of the README's "## Layout" section."""
    section = README.read_text().split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```\n", 2)[1].splitlines()


def named_paths(lines: list[str]) -> dict[str, int]:
    """Every path the layout names, relative to the repository, with its line: each entry's own path (under the less
    indented directory above it) and the paths its description names in backquotes (under the entry)."""
    description_column = len(lines[0]) - len(lines[0].split(None, 1)[1])
    parents: list[tuple[int, str]] = []
    named: dict[str, int] = {}
    here = ""
    for number, line in enumerate(lines, start=1):
        indent = len(line) - len(line.lstrip())
        if indent < description_column:
            entry, _, description = line.strip().partition(" ")
            while parents and parents[-1][0] >= indent:
                parents.pop()
            path = (parents[-1][1] if parents else "") + entry
            named[path] = number
            if path.endswith("/"):
                parents.append((indent, path))
            here = path if path.endswith("/") else path.rpartition("/")[0] + "/" if "/" in path else ""
        else:
            description = line
        for mentioned in NAMED_IN_TEXT.findall(description):
            named.setdefault(here + mentioned, number)
    return named


def packages_and_test_folders() -> set[str]:
    """What the layout must name: each Python package of functions/annuaires, and each folder of tests/."""
    packages = {init.parent for init in (ROOT / "functions" / "annuaires").rglob("__init__.py")}
    folders = {folder for folder in (ROOT / "tests").rglob("*") if folder.is_dir() and folder.name != "__pycache__"}
    return {f"{folder.relative_to(ROOT)}/" for folder in packages | folders | {ROOT / "tests"}}


def test_every_package_and_test_folder_is_named_in_the_readme_s_layout():
    missing = sorted(packages_and_test_folders() - set(named_paths(layout())))
    assert missing == [], f"add to README.md's Layout, with one line on what each holds: {missing}"


def test_every_path_the_readme_s_layout_names_exists():
    gone = sorted(f"{path} (line {number} of the layout)" for path, number in named_paths(layout()).items()
                  if not (ROOT / path).exists() or path.endswith("/") != (ROOT / path).is_dir())
    assert gone == [], f"README.md's Layout names what is not there: {gone}"


def test_the_layout_reads_indented_entries_and_paths_named_in_descriptions():
    lines = ["a/           the first",
             "  b/         under a, naming `c.py`",
             "             and, further on, `d/`",
             "    e.txt    under a/b",
             "f.toml       at the root"]
    assert named_paths(lines) == {"a/": 1, "a/b/": 2, "a/b/c.py": 2, "a/b/d/": 3, "a/b/e.txt": 4, "f.toml": 5}
