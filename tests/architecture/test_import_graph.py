"""The app-level import graph, read from the source with ``ast`` (imports inside
functions count too): apps depend on each other without a cycle, ``benchmarks/``
imports no app and no Django, ``core/`` sits below every app, and the job's side
(``jobs``, ``submissions``) never reaches up into ``leaderboard``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = [name for name in ("accounts", "submissions", "jobs", "leaderboard", "agents", "fleet") if (ROOT / name).is_dir()]


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


def find_cycle(graph: dict[str, dict[str, set[str]]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                return path + [node, dep]
            if dep not in state and (cycle := visit(dep, path + [node])):
                return cycle
        state[node] = "done"
        return None

    for app in sorted(graph):
        if app not in state and (cycle := visit(app, [])):
            return cycle[cycle.index(cycle[-1]):]
    return None


def test_the_app_import_graph_has_no_cycle():
    graph = app_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle " + " -> ".join(cycle) + "; edges: " + "; ".join(
        f"{a} -> {b} in {sorted(graph[a][b])}" for a, b in zip(cycle, cycle[1:]))


def test_the_cycle_finder_sees_a_cycle():
    assert find_cycle({"a": {"b": set()}, "b": {"c": set()}, "c": {"a": set()}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": set()}, "b": {}}) is None


def test_benchmarks_import_no_app_and_no_django():
    imported = imported_top_levels("benchmarks")
    forbidden = {dep: sorted(files) for dep, files in imported.items() if dep in [*APPS, "core", "config", "django"]}
    assert forbidden == {}


def test_the_job_side_imports_nothing_from_the_leaderboard():
    for app in ("jobs", "submissions"):
        assert "leaderboard" not in imported_top_levels(app), sorted(imported_top_levels(app)["leaderboard"])


def test_core_imports_no_app():
    imported = imported_top_levels("core")
    assert {dep: sorted(files) for dep, files in imported.items() if dep in [*APPS, "config"]} == {}
