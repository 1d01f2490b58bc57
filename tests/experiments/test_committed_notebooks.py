"""The lab notebooks as committed: executed, with their outputs, small, and showing what they claim."""

from __future__ import annotations

import re

import nbformat
import pytest

from experiments.run import HERE, NOTEBOOKS

MAX_BYTES = 2 * 1024 * 1024


def _outputs(notebook) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def _text(notebook) -> str:
    return "".join(output.get("text", "") for output in _outputs(notebook))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_executed_with_outputs_and_small(name):
    path = HERE / f"{name}.ipynb"
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    # Executed top to bottom in one kernel: counts 1, 2, 3, … with no cell skipped.
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = _outputs(notebook)
    assert not [o for o in outputs if o.output_type == "error"], f"{name} was committed with an error"
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} has no figure"
    assert any(cell.cell_type == "markdown" and "What we learned" in cell.source for cell in notebook.cells)


def test_rl_basic_shows_random_beside_trained_and_the_trained_agent_balances_500_steps():
    notebook = nbformat.read(HERE / "00_rl_basic.ipynb", as_version=4)
    assert any("image/gif" in o.get("data", {}) for o in _outputs(notebook)), "no side-by-side animation"
    match = re.search(r"random agent: fell after (\d+) steps; trained agent: (\d+) steps", _text(notebook))
    assert match and int(match.group(1)) < 100 and int(match.group(2)) == 500
    assert len(re.findall(r"20 test episodes: min 500, mean 500", _text(notebook))) == 3


def test_onnx_export_notebook_shows_agreement_below_1e_5():
    notebook = nbformat.read(HERE / "04_onnx_export.ipynb", as_version=4)
    match = re.search(r"largest max abs difference: ([0-9.e+-]+) \(limit 1e-5\)", _text(notebook))
    assert match and float(match.group(1)) < 1e-5
    tables = [o["data"]["text/markdown"] for o in _outputs(notebook) if "text/markdown" in o.get("data", {})]
    assert tables and "max abs difference" in tables[0]
