"""The app-level import graph, read from the source with ``ast`` (imports inside
functions count too): the apps are layers in the order the README's Architecture
section draws them, and each imports only the apps below it; ``benchmarks/`` imports
no app and no Django; ``core/`` sits below every app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# Bottom to top, as README.md's Architecture diagram draws them (top to bottom there).
LAYERS = ["accounts", "phases", "submissions", "jobs", "agents", "leaderboard", "fleet"]
APPS = [name for name in LAYERS if (ROOT / name).is_dir()]


def imported_top_levels(package: str) -> dict[str, set[str]]:
    """Top-level package -> the files of ``package`` that import it (any depth, any scope)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def app_graph() -> dict[str, dict[str, set[str]]]:
    return {app: {dep: files for dep, files in imported_top_levels(app).items() if dep in APPS and dep != app}
            for app in APPS}


def upward_imports(graph: dict[str, dict[str, set[str]]], layers: list[str]) -> list[str]:
    """Every import of an app at the same level or above: ``"app -> dep in [files]"``."""
    found = []
    for app, deps in graph.items():
        below = layers[:layers.index(app)]
        found += [f"{app} -> {dep} in {sorted(files)}" for dep, files in sorted(deps.items()) if dep not in below]
    return found


def test_each_app_imports_only_the_apps_below_it():
    assert upward_imports(app_graph(), APPS) == []


def test_the_layer_check_sees_an_upward_import():
    graph = {"low": {}, "mid": {"low": {"mid/a.py"}}, "top": {"mid": {"top/b.py"}, "low": set()}}
    assert upward_imports(graph, ["low", "mid", "top"]) == []
    graph["low"] = {"top": {"low/c.py"}}
    assert upward_imports(graph, ["low", "mid", "top"]) == ["low -> top in ['low/c.py']"]


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} - {"core"}
    assert sorted(apps - set(LAYERS)) == []


def test_the_readme_draws_the_same_order():
    readme = (ROOT / "README.md").read_text()
    diagram = readme[readme.index("## Architecture"):].split("```")[1]
    drawn = [name for name in re.findall(r"│ (\w+)/ ", diagram) if name in LAYERS]
    assert drawn == LAYERS[::-1]


def test_benchmarks_import_no_app_and_no_django():
    imported = imported_top_levels("benchmarks")
    forbidden = {dep: sorted(files) for dep, files in imported.items() if dep in [*APPS, "core", "config", "django"]}
    assert forbidden == {}


def test_core_imports_no_app():
    imported = imported_top_levels("core")
    assert {dep: sorted(files) for dep, files in imported.items() if dep in [*APPS, "config"]} == {}
