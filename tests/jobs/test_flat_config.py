"""jobs/recording.flat_config: the config's MLflow params, read by the upload's rules but leniently
(a submission stored before those rules keeps its job recordable) and parsed in the limited child."""

from __future__ import annotations

import os

from jobs.recording import flat_config


def test_keys_mlflow_would_refuse_are_dropped_and_the_rest_kept(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("bad key!: 1\nok: 2\nnested:\n  lr: 0.1\n  'x$': 3\nname: \"a\\0b\"\n")
    assert flat_config(path) == {"ok": 2, "nested.lr": 0.1, "name": "ab"}


def test_bombs_and_strangers_give_no_params(tmp_path):
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    for name, text in {
        "laughs.yaml": "\n".join(laughs),
        "big.yaml": "a: 1\n" * 20000,
        "deep.yaml": "a: " + "[" * 5000 + "]" * 5000,
    }.items():
        (tmp_path / name).write_text(text)
        assert flat_config(tmp_path / name) == {}, name
    os.symlink("/etc/passwd", tmp_path / "link.yaml")
    assert flat_config(tmp_path / "link.yaml") == {}  # never followed
    assert flat_config(tmp_path / "missing.yaml") == {}
