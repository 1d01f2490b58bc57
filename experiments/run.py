"""Execute the lab notebooks top to bottom with nbclient (``make notebooks``; the test suite does the same).

    .venv/bin/python experiments/run.py                 # all five -> experiments/_executed/
    .venv/bin/python experiments/run.py 03_maze_env     # one of them
    .venv/bin/python experiments/run.py --update        # refresh the committed notebooks' outputs
    LB_LAB_STEPS=2048 .venv/bin/python experiments/run.py  # every training run capped (what the tests do)

A notebook whose cell raises fails the run (exit status 1); the partly
executed notebook is still written, so the traceback can be read in it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ("00_rl_basic", "01_dqn_basic", "02_ppo_basic", "03_maze_env", "04_onnx_export")
EXECUTED_DIR = HERE / "_executed"
CELL_TIMEOUT_S = 600


def execute(source: Path, out_dir: Path, timeout: int = CELL_TIMEOUT_S) -> float:
    """Run the notebook ``source`` in a fresh kernel (working directory ``experiments/``, so ``import lab``
    works), write the executed copy to ``out_dir``; seconds taken.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell raises.
    """
    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    started = time.monotonic()
    try:
        client.execute()
    finally:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, out_dir / source.name)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"notebooks to run (default: all five: {', '.join(NOTEBOOKS)})")
    parser.add_argument("--update", action="store_true", help="write the outputs into the committed notebooks")
    args = parser.parse_args(argv)
    if args.update and os.environ.get("LB_LAB_STEPS"):
        parser.error("LB_LAB_STEPS caps training: unset it before refreshing the committed outputs")
    unknown = sorted(set(args.names) - set(NOTEBOOKS))
    if unknown:
        parser.error(f"unknown notebooks {unknown}; choose from {list(NOTEBOOKS)}")
    out_dir = HERE if args.update else EXECUTED_DIR
    failed, total = [], 0.0
    for name in args.names or NOTEBOOKS:
        try:
            seconds = execute(HERE / f"{name}.ipynb", out_dir)
        except Exception as exc:  # nbclient raises CellExecutionError, DeadKernelError, TimeoutError
            failed.append(name)
            print(
                f"FAILED {name}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__}",
                flush=True,
            )
            continue
        total += seconds
        print(f"ok     {name}: {seconds:6.1f} s -> {out_dir / (name + '.ipynb')}", flush=True)
    print(f"{len(args.names or NOTEBOOKS) - len(failed)} executed, {len(failed)} failed, {total:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
