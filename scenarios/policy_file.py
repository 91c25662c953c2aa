"""A policy written as ``policy.toml`` text (the changed campaign goes through the loader)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from engine.domain.contract import Policy


def policy_toml(policy: Policy) -> str:
    """A policy as ``policy.toml`` text: scalars first, then one table per mapping setting."""
    scalars, tables = [], []
    for key, value in policy.model_dump().items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append(f"\n[{key}]")
            tables += [f"{json.dumps(str(k))} = {_toml_scalar(v)}" for k, v in value.items()]
        else:
            scalars.append(f"{key} = {_toml_scalar(value)}")
    return "\n".join([*scalars, *tables]) + "\n"


def _toml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, date):  # a TOML local date (generation_start, the plausible dates)
        return value.isoformat()
    raise TypeError(f"cannot write policy value {value!r} to TOML")
