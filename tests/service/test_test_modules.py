"""Tests stay in their areas' folders: a test module imports what tests share from tests.support, never another test
module nor a conftest (fixtures come by name)."""

from __future__ import annotations

import ast

from tests.support import ROOT


def imports_of_tests(module) -> list[str]:
    """The modules of tests/ this file imports."""
    found = []
    for node in ast.walk(ast.parse(module.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
            f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) and node.module else []
        found += [name for name in names if name.split(".")[0] == "tests"]
    return found


def test_test_modules_and_conftests_import_only_tests_support():
    wrong = {str(module.relative_to(ROOT)): name for module in (ROOT / "tests").rglob("*.py")
             for name in imports_of_tests(module) if not name.startswith("tests.support.")}
    assert wrong == {}, "move what is shared into tests/support/ (or a fixture of a conftest.py)"
