"""Every lab notebook runs top to bottom in a fresh kernel (what ``make notebooks`` does), logging to MLflow.

Here each training run is capped at ``LAB_STEPS`` environment steps (``LB_LAB_STEPS``): the suite checks that
every cell runs against the project's current code; what full training shows is in the committed outputs
(test_committed_notebooks.py) and is re-run in full by ``make notebooks``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import mlflow
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from experiments.lab import MLFLOW_EXPERIMENT
from experiments.run import HERE, NOTEBOOKS, execute

pytestmark = pytest.mark.slow

# Above every learning_starts the notebooks use (DQN: 500 and 1,000), so the training updates run too.
LAB_STEPS = 2048
# Notebooks that log their training budget as an MLflow param: the cap must have reached the kernel.
BUDGET_PARAMS = {"01_dqn_basic": ("budget",), "02_ppo_basic": ("budget", "maze_budget")}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_and_logs_to_mlflow(name, tmp_path, mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)  # the kernel inherits the environment
    monkeypatch.setenv("LB_LAB_STEPS", str(LAB_STEPS))
    execute(HERE / f"{name}.ipynb", tmp_path)  # raises CellExecutionError if any cell raises
    executed = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    assert all(cell.execution_count for cell in executed.cells if cell.cell_type == "code")
    client = mlflow.MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name(MLFLOW_EXPERIMENT)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.notebook = '{name}'")
    assert runs and runs[0].info.status == "FINISHED" and runs[0].data.metrics
    for param in BUDGET_PARAMS.get(name, ()):
        assert runs[0].data.params[param] == str(LAB_STEPS)


def test_a_notebook_that_raises_fails_the_run(tmp_path):
    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise ValueError('lab note broke')")]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, broken)
    with pytest.raises(CellExecutionError, match="lab note broke"):
        execute(broken, tmp_path / "out")
    # The partly executed notebook is still written, traceback included, for whoever reads the failure.
    written = nbformat.read(tmp_path / "out" / "broken.ipynb", as_version=4)
    assert written.cells[1].outputs[0].output_type == "error"


def test_lab_budget_is_full_without_the_cap_and_capped_with_it():
    code = "import lab; print(lab.FULL_BUDGET, lab.budget(4_000), lab.budget(1_000))"
    env = {k: v for k, v in os.environ.items() if k != "LB_LAB_STEPS"}
    full = subprocess.run([sys.executable, "-c", code], cwd=HERE, env=env, capture_output=True, text=True, check=True)
    assert full.stdout.split() == ["True", "4000", "1000"]
    capped = subprocess.run(
        [sys.executable, "-c", code],
        cwd=HERE,
        env={**env, "LB_LAB_STEPS": "2048"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert capped.stdout.split() == ["False", "2048", "1000"]
