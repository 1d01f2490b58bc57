"""A submission's config file as MLflow params: one bounded reader, one name rule.

The config (``config.yaml`` by default) is the submitter's: every byte is hostile.
It is read at upload (a refusal is a 400 naming the problem) and again when the
job is recorded, both times by :func:`read_params`:

* at most ``MAX_CONFIG_BYTES``; PyYAML's ``SafeLoader`` (no Python objects);
* no aliases (``*name``): "billion laughs" builds a small tree whose flattening
  is exponential; no nesting deeper than ``MAX_DEPTH``; at most ``MAX_NODES`` nodes;
* flattened (nested keys joined with dots, lists as JSON) to at most
  ``MAX_PARAMS`` params (MLflow takes 100 params in one batch, and the platform adds
  its own), each key valid as an MLflow param name (:func:`is_param_name`) and
  each value free of NUL and other control characters (PostgreSQL-backed MLflow
  stores refuse NUL).

A file that is not YAML at all (a TOML or plain-text config) gives no params and
is not an error: the submission reads its own config. A YAML mapping that breaks a
rule is refused at upload, so a run is never scored and then refused by MLflow.

No Django, no MLflow import: the name rule mirrors MLflow's (``mlflow.utils.validation``:
``_validate_param_name``, which is private, on a non-Windows server) and is
checked against it in tests/submissions/test_config_params.py.
"""

from __future__ import annotations

import json
import posixpath
import re

import yaml

MAX_CONFIG_BYTES = 64 * 1024
MAX_DEPTH = 16
MAX_NODES = 5000
MAX_PARAMS = 64
MAX_KEY_CHARS = 200  # MLflow's limit is 250; the platform may prefix a colliding key with "config."
MAX_VALUE_CHARS = 6000  # MLflow's MAX_PARAM_VAL_LENGTH; longer values are truncated, not refused

# MLflow: "alphanumerics, underscores, dashes, periods, spaces, colons and slashes"
# (\w is Unicode, as in MLflow's re.match on str). fullmatch: MLflow's $ also lets a
# trailing newline through, which we do not.
_PARAM_NAME = re.compile(r"[/\w.\- :]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ConfigProblem(ValueError):
    """The config breaks a rule; ``code`` is the API's error code."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def is_param_name(name: str) -> bool:
    """Would MLflow accept ``name`` as a param key (and it fits our length)?"""
    if not name or len(name) > MAX_KEY_CHARS or not _PARAM_NAME.fullmatch(name):
        return False
    normal = posixpath.normpath(name)  # MLflow: names must not resolve to other paths
    return normal == name and normal != "." and not normal.startswith("..") and not normal.startswith("/")


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, deep nesting and too many nodes while composing."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            raise ConfigProblem(f"YAML aliases (*{anchor}) are not accepted in the config.", "config_alias")
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise ConfigProblem(f"The config nests deeper than {MAX_DEPTH} levels.", "config_too_deep")
        if self._nodes > MAX_NODES:
            raise ConfigProblem(f"The config has more than {MAX_NODES} YAML nodes.", "config_too_large")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(data: bytes):
    """The parsed config, or None when it is not YAML; ConfigProblem when it breaks a bound."""
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigProblem(f"The config file is larger than {MAX_CONFIG_BYTES // 1024} KiB.", "config_too_large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except ConfigProblem:
        raise
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return None  # not YAML (or a value PyYAML cannot build): no params
    finally:
        loader.dispose()


def _flatten(value: dict, prefix: str):
    for key, inner in value.items():
        name = f"{prefix}{key}"
        if isinstance(inner, dict):
            yield from _flatten(inner, f"{name}.")
        elif isinstance(inner, (list, tuple)):
            yield name, json.dumps(inner, default=str)
        else:
            yield name, inner


def _value_text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def read_params(data: bytes, *, strict: bool) -> dict[str, object]:
    """The config's params. ``strict`` (upload): ConfigProblem for any rule broken.
    Not strict (recording): drop what breaks a rule and keep the rest."""
    try:
        parsed = load(data)
    except ConfigProblem:
        if strict:
            raise
        return {}
    if not isinstance(parsed, dict):
        return {}
    params: dict[str, object] = {}
    for key, value in _flatten(parsed, ""):
        if not is_param_name(key):
            if strict:
                raise ConfigProblem(
                    f"Config key {key[:80]!r} is not a valid MLflow param name: use letters, digits, "
                    f"'_', '-', '.', ' ', ':' and '/', at most {MAX_KEY_CHARS} characters, no '..' or "
                    "leading '/'.",
                    "bad_config_key",
                )
            continue
        if _CONTROL.search(_value_text(value)):
            if strict:
                raise ConfigProblem(f"Config key {key[:80]!r}: its value holds control characters.", "bad_config_value")
            value = _CONTROL.sub("", _value_text(value))
        params[key] = value
        if len(params) > MAX_PARAMS:
            if strict:
                raise ConfigProblem(
                    f"The config has more than {MAX_PARAMS} settings (MLflow params).", "config_too_large"
                )
            break
    return dict(list(params.items())[:MAX_PARAMS])
