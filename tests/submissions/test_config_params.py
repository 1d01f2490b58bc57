"""submissions/config_params.py: the one rule for MLflow param names agrees with MLflow's own
validator, and the bounded YAML reader refuses alias and nesting bombs before they cost anything."""

from __future__ import annotations

import time

import pytest
from mlflow.exceptions import MlflowException
from mlflow.utils.validation import _validate_param_name

from submissions import config_params

NAMES = [
    "lr",
    "model.lr",
    "a b",
    "a:b",
    "a/b",
    "a-b_c.d",
    "ünïcode",
    "x" * 200,
    "bad key!",
    "a$b",
    "a\\b",
    "a\tb",
    "a\nb",
    "",
    ".",
    "..",
    "../x",
    "/abs",
    "a//b",
    "a/./b",
    "a/",
    "trailing\n",
    "semi;colon",
    "quote'",
    "x" * 251,
]


def _mlflow_accepts(name: str) -> bool:
    try:
        _validate_param_name(name)
    except MlflowException:
        return False
    return len(name) <= 250


@pytest.mark.parametrize("name", NAMES)
def test_a_name_we_accept_is_one_mlflow_accepts(name):
    if config_params.is_param_name(name):
        assert _mlflow_accepts(name), name
    # and the ordinary names MLflow takes are ours too (we are stricter only on a trailing
    # newline, which MLflow's `$` lets through, and on length)
    if _mlflow_accepts(name) and not name.endswith("\n") and len(name) <= config_params.MAX_KEY_CHARS:
        assert config_params.is_param_name(name), name


def test_nested_keys_and_lists_become_params():
    params = config_params.read_params(b"lr: 0.1\nmodel:\n  depth: 3\n  layers: [1, 2]\n", strict=True)
    assert params == {"lr": 0.1, "model.depth": 3, "model.layers": "[1, 2]"}


@pytest.mark.parametrize(
    "text, code",
    [
        pytest.param("bad key!: 1\n", "bad_config_key", id="bad-key"),
        pytest.param("'../up': 1\n", "bad_config_key", id="dotdot-key"),
        pytest.param("a: &x [1, 2]\nb: *x\n", "config_alias", id="alias"),
        pytest.param("a: " + "[" * 40 + "]" * 40 + "\n", "config_too_deep", id="deep"),
        pytest.param("a: [" + ", ".join(["1"] * 6000) + "]\n", "config_too_large", id="many-nodes"),
        pytest.param("".join(f"k{i}: {i}\n" for i in range(100)), "config_too_large", id="many-params"),
        pytest.param('name: "nul\\0here"\n', "bad_config_value", id="nul-value"),
    ],
)
def test_a_config_breaking_a_rule_is_refused_at_upload_and_trimmed_at_recording(text, code):
    with pytest.raises(config_params.ConfigProblem) as problem:
        config_params.read_params(text.encode(), strict=True)
    assert problem.value.code == code
    lenient = config_params.read_params(text.encode(), strict=False)
    assert all(config_params.is_param_name(key) for key in lenient) and len(lenient) <= config_params.MAX_PARAMS


def test_a_billion_laughs_is_refused_without_being_expanded():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    started = time.monotonic()
    with pytest.raises(config_params.ConfigProblem) as problem:
        config_params.read_params("\n".join(lines).encode(), strict=True)
    assert problem.value.code == "config_alias" and time.monotonic() - started < 1


def test_an_oversized_or_foreign_config_gives_no_params():
    with pytest.raises(config_params.ConfigProblem):
        config_params.read_params(b"a: 1\n" * 20000, strict=True)
    assert config_params.read_params(b"[tool]\nname = 'toml, not yaml'\n= broken\n", strict=True) == {}
    assert config_params.read_params(b"\xff\xfe binary", strict=True) == {}
