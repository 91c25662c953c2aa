"""Policy settings written as ``policy.toml`` text: the one writer the generator and the
scenarios use (the loader reads the file back with ``tomllib``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any


def policy_toml(settings: Mapping[str, Any], comment: str | None = None) -> str:
    """``settings`` as TOML: an optional comment line, the scalars, then one table per
    mapping setting (its keys quoted); settings that are None are left out."""
    lines = [] if comment is None else [f"# {comment}"]
    tables: list[str] = []
    for key, value in settings.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            tables.append(f"\n[{key}]")
            tables += [f"{_string(str(k))} = {toml_scalar(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key} = {toml_scalar(value)}")
    return "\n".join([*lines, *tables]) + "\n"


def toml_scalar(value: Any) -> str:
    """One TOML value: a boolean, number, string or local date."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, date):  # a TOML local date (generation_start, the plausible dates)
        return value.isoformat()
    raise TypeError(f"cannot write policy value {value!r} to TOML")


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; other letters as they are)."""
    return json.dumps(value, ensure_ascii=False)
