"""The app-level import graph, read from the source with ``ast`` (imports inside
functions count too): the apps are layers in the order the README's Architecture
section draws them, and each imports only the apps below it; ``benchmarks/`` imports
no app and no Django; ``core/`` sits below every app."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# Bottom to top, as README.md's Architecture diagram draws them (top to bottom there).
LAYERS = [
    "accounts",
    "teams",
    "phases",
    "submissions",
    "jobs",
    "agents",
    "leaderboard",
    "notifications",
    "fleet",
    "remote_workers",
    "site_wide",
]
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
    return {
        app: {dep: files for dep, files in imported_top_levels(app).items() if dep in APPS and dep != app}
        for app in APPS
    }


def upward_imports(graph: dict[str, dict[str, set[str]]], layers: list[str]) -> list[str]:
    """Every import of an app at the same level or above: ``"app -> dep in [files]"``."""
    found = []
    for app, deps in graph.items():
        below = layers[: layers.index(app)]
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
    diagram = readme[readme.index("## Architecture") :].split("```")[1]
    drawn = [name for name in re.findall(r"│ (\w+)/ ", diagram) if name in LAYERS]
    assert drawn == LAYERS[::-1]


def test_benchmarks_import_no_app_and_no_django():
    imported = imported_top_levels("benchmarks")
    forbidden = {dep: sorted(files) for dep, files in imported.items() if dep in [*APPS, "core", "config", "django"]}
    assert forbidden == {}


def test_core_imports_no_app():
    imported = imported_top_levels("core")
    assert {dep: sorted(files) for dep, files in imported.items() if dep in [*APPS, "config"]} == {}


def test_no_app_imports_config():
    """``config/`` wires the apps together (settings, urls, routing, entry points); an app that
    imports it reaches up past every app. Settings are read through ``django.conf``."""
    imported = {app: sorted(imported_top_levels(app).get("config", ())) for app in APPS}
    assert {app: files for app, files in imported.items() if files} == {}


def imports_of_file(path: Path) -> set[str]:
    """The absolute module names a file imports (any scope); ``from a import b`` gives ``a`` and ``a.b``
    (``b`` may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def project_files_of(module: str) -> list[Path]:
    """The project files importing ``module`` runs: its own and its packages' ``__init__.py``."""
    parts, files = module.split("."), []
    for depth in range(1, len(parts) + 1):
        base = ROOT.joinpath(*parts[:depth])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                files.append(candidate)
    return files


def modules_reached(package: str) -> dict[str, set[str]]:
    """Top-level packages that ``package`` imports, followed module by module through the
    project's own files (``sandbox`` -> ``core.nvml`` -> ...): top-level name -> importing files."""
    reached: dict[str, set[str]] = {}
    todo = sorted((ROOT / package).rglob("*.py"))
    seen = set(todo)
    while todo:
        path = todo.pop()
        for module in imports_of_file(path):
            reached.setdefault(module.split(".")[0], set()).add(str(path.relative_to(ROOT)))
            for found in project_files_of(module):
                if found not in seen:
                    seen.add(found)
                    todo.append(found)
    return reached


def test_the_sandbox_imports_no_django_and_no_app():
    """``sandbox/`` runs untrusted code for the worker and is plain Python, like
    ``benchmarks/``: no Django, no app, no ``config``, followed through what it imports
    from the project (``core.nvml``) too."""
    reached = modules_reached("sandbox")
    forbidden = {
        dep: sorted(files) for dep, files in reached.items() if dep in [*APPS, "config", "django", "rest_framework"]
    }
    assert forbidden == {}


def test_the_sandbox_check_follows_project_imports(tmp_path, monkeypatch):
    """The check above sees Django reached through a project module in between, and not
    through a sibling module that is never imported."""
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "__init__.py").write_text("from mid.inner import thing\n")
    (tmp_path / "mid").mkdir()
    (tmp_path / "mid" / "__init__.py").write_text("")
    (tmp_path / "mid" / "inner.py").write_text("import low\n")
    (tmp_path / "mid" / "unused.py").write_text("import flask\n")
    (tmp_path / "low.py").write_text("from django.conf import settings\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    reached = modules_reached("top")
    assert reached["django"] == {"low.py"}
    assert "flask" not in reached
