"""The package declares what it needs (`pip install .`, `pipx install .`): every file of functions/annuaires goes into
it, and its dependencies name the distribution of every package the code imports."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.support import ROOT

SOURCE = ROOT / "functions" / "annuaires"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The package as setuptools builds it from pyproject.toml, in a copy of the project (the checkout stays clean):
    the files a wheel takes, and the metadata's dependencies."""
    copy = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "requirements.txt", "setup.py"):
        shutil.copy(ROOT / name, copy)
    # As a fresh checkout holds it: no compiled catalog (the build compiles them).
    shutil.copytree(SOURCE, copy / "functions" / "annuaires", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    lib, info = copy / "lib", copy / "info"
    info.mkdir()
    done = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", str(info), "build_py", "--build-lib",
                           str(lib)], cwd=copy, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return lib / "annuaires", info / "annuaires.egg-info" / "requires.txt"


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules() -> dict[str, list[str]]:
    """Each import of functions/annuaires from outside the standard library and the package: the names it may resolve
    to, the most precise first (`from google.cloud import datastore` is google.cloud.datastore), and where it is."""
    found: dict[str, list[str]] = {}
    for module in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                names = [[alias.name] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [[f"{node.module}.{alias.name}" for alias in node.names] + [node.module]]
            else:
                continue
            for candidates in names:
                if candidates[-1].split(".")[0] not in {*sys.stdlib_module_names, "annuaires"}:
                    found[f"{module.relative_to(ROOT)}:{node.lineno} {candidates[-1]}"] = candidates
    return found


def distribution_of(candidates: list[str], files: dict[str, str]) -> str | None:
    """The installed distribution that holds the first of these modules found (a module or a package's __init__)."""
    for name in candidates:
        path = name.replace(".", "/")
        for file in (f"{path}.py", f"{path}/__init__.py"):
            if file in files:
                return files[file]
    return None


def test_the_package_holds_every_file_of_functions_annuaires_templates_and_data_included(built):
    lib, _ = built
    source = {f.relative_to(SOURCE) for f in SOURCE.rglob("*") if f.is_file() and "__pycache__" not in f.parts}
    assert {p for p in source if p.parts[0] == "templates"} and Path("data/confusables.txt") in source
    shipped = {f.relative_to(lib) for f in lib.rglob("*") if f.is_file()}
    missing = sorted(map(str, source - shipped))
    assert missing == [], f"add to [tool.setuptools.package-data] in pyproject.toml: {missing}"


def test_the_package_s_dependencies_name_every_distribution_the_code_imports(built):
    _, requires = built
    declared = {normalized(re.split(r"[=<>!~;\[ ]", line, maxsplit=1)[0])
                for line in requires.read_text().splitlines() if line.strip() and not line.startswith("[")}
    files = {str(file): normalized(dist.metadata["Name"]) for dist in metadata.distributions() for file in dist.files or ()}
    undeclared = {}
    for where, candidates in imported_modules().items():
        distribution = distribution_of(candidates, files)
        if distribution not in declared:
            undeclared[where] = distribution or "not installed"
    assert undeclared == {}, "add to requirements.txt (pinned):\n" + "\n".join(f"{w}: {d}" for w, d in undeclared.items())
