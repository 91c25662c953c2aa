"""The one policy.toml writer: what it writes reads back the same with ``tomllib``, whatever
the strings hold, and the loader takes it."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from engine.domain.contract import Policy
from engine.domain.policy_toml import policy_toml


def test_what_it_writes_reads_back_the_same():
    settings = {
        "min_sme_share": 0.6,
        "max_groups_per_host": 2,
        "group_common_language": True,
        "name": 'Łódź "north"\\ line\nnext\ttab \x01',
        "generation_start": date(2026, 3, 1),
        "left_out": None,
        "lump_sums": {"Ελλάδα": 1200, 'say "hi"': 3.5},
    }
    text = policy_toml(settings, comment="written by a test")
    assert text.startswith("# written by a test\n")
    read = tomllib.loads(text)
    expected = {key: value for key, value in settings.items() if value is not None}
    assert read == expected
    assert "Łódź" in text  # letters as they are, not escaped


def test_a_value_toml_cannot_hold_is_refused():
    with pytest.raises(TypeError, match="cannot write policy value"):
        policy_toml({"weights": [1, 2]})


def test_the_default_policy_reads_back_as_itself():
    policy = Policy()
    assert Policy(**tomllib.loads(policy_toml(policy.model_dump()))) == policy
