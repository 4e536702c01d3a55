"""Every third-party module the code imports is declared in pyproject.toml, in the group of the
code that imports it, and every declared package is imported (or listed here with the reason).

The browser tests (tests/browser) have their own venv and lock, and are not counted."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli

from bot.paths import REPO_ROOT

# code -> the pyproject groups whose packages it may import ("" = [project] dependencies)
GROUPS = {"bot": ("",), "actions": ("",), "scripts": ("",), "tests": ("", "test"),
          "bench": ("",)}
LOCAL = {*GROUPS, "conftest"}
# declared, never imported: a plugin, a tool, or what a declared library needs for a feature
NOT_IMPORTED = {
    "pytest-asyncio": "pytest plugin (asyncio_mode = auto)",
    "ruff": "the linter (make lint)",
    "cryptography": "wechatpy's AES for WeChat's safe mode",
}


def _distribution_name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name, requirement
    return _normal(name.group())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, set[str]]:
    """pyproject's groups: "" for [project] dependencies, else the optional group's name."""
    project = tomli.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"": project["dependencies"], **project.get("optional-dependencies", {})}
    return {group: {_distribution_name(r) for r in requirements}
            for group, requirements in groups.items()}


def _top_level_modules(dist: importlib.metadata.Distribution) -> set[str]:
    top_level = dist.read_text("top_level.txt")
    if top_level:
        return set(top_level.split())
    names = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first.endswith((".dist-info", ".egg-info", ".data")) or first in ("..", "__pycache__"):
            continue
        names.add(first.removesuffix(".py"))
    return names


def distributions_of_modules() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for dist in importlib.metadata.distributions():
        for module in _top_level_modules(dist):
            owners.setdefault(module, set()).add(_normal(dist.metadata["Name"]))
    return owners


def imports() -> Iterator[tuple[str, Path, str]]:
    """(top folder, file, top-level module) for every absolute import in the code."""
    for folder in GROUPS:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if "browser" in path.relative_to(REPO_ROOT).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in LOCAL | {"__future__"}:
                        yield folder, path, top


@pytest.fixture(scope="module")
def groups() -> dict[str, set[str]]:
    return declared()


def test_every_import_is_declared_in_its_group(groups: dict[str, set[str]]) -> None:
    owners = distributions_of_modules()
    missing = set()
    for folder, path, module in imports():
        allowed = set().union(*(groups.get(group, set()) for group in GROUPS[folder]))
        if not owners.get(module, set()) & allowed:
            missing.add(f"{path.relative_to(REPO_ROOT)}: {module} "
                        f"(installed as {sorted(owners.get(module, ())) or 'nothing'})")
    assert not missing, "\n".join(sorted(missing))


def test_every_declared_package_is_imported(groups: dict[str, set[str]]) -> None:
    owners = distributions_of_modules()
    imported = {dist for _, _, module in imports() for dist in owners.get(module, ())}
    unused = {name for names in groups.values() for name in names} - imported - set(NOT_IMPORTED)
    assert not unused, sorted(unused)
