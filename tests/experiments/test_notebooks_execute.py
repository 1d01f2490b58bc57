"""Every lab notebook runs top to bottom in a fresh kernel (what ``make notebooks`` does), logging to MLflow."""

from __future__ import annotations

import mlflow
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from experiments.lab import MLFLOW_EXPERIMENT
from experiments.run import HERE, NOTEBOOKS, execute

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_and_logs_to_mlflow(name, tmp_path, mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)  # the kernel inherits the environment
    execute(HERE / f"{name}.ipynb", tmp_path)  # raises CellExecutionError if any cell raises
    executed = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    assert all(cell.execution_count for cell in executed.cells if cell.cell_type == "code")
    client = mlflow.MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name(MLFLOW_EXPERIMENT)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.notebook = '{name}'")
    assert runs and runs[0].info.status == "FINISHED" and runs[0].data.metrics


def test_a_notebook_that_raises_fails_the_run(tmp_path):
    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                               nbformat.v4.new_code_cell("raise ValueError('lab note broke')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, broken)
    with pytest.raises(CellExecutionError, match="lab note broke"):
        execute(broken, tmp_path / "out")
    # The partly executed notebook is still written, traceback included, for whoever reads the failure.
    written = nbformat.read(tmp_path / "out" / "broken.ipynb", as_version=4)
    assert written.cells[1].outputs[0].output_type == "error"
