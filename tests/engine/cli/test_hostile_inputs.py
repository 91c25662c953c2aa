"""Issue 16, property tests on the command line: a hostile option of ``run``, a hostile cell of a
decision file given to ``decide``, and values at the edges of every bound that pass ``validate``
all end in a clean refusal (exit 2 naming the option or field, nothing written) or a clean run
(exit 0 with a complete run, or exit 4 naming the rule), never a traceback.

Each option and field is its own test (``pytest --hypothesis-show-statistics`` counts them).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.review.log import log_path, read_log
from tests.factory import NIGHT, host, make_campaign, visitor
from tests.hostile import hostile_text

runner = CliRunner()
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "6"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FAST = ["--time-limit", "0.5", "--workers", "1", "--as-of", str(NIGHT)]
OPTIONS = ("--time-limit", "--workers", "--top-k", "--seed", "--as-of", "--out")
DECISION_FIELDS = (
    "visitor_id",
    "host_id",
    "decision",
    "note",
    "decided_by",
    "decided_on",
    "run_id",
)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-cli") / "campaign"
    make_campaign(
        folder,
        [
            visitor("V1"),
            visitor("V2", country="IT", org_type="cluster_organisation"),
            host("H1", capacity=2),
            host("H2", country="DE"),
        ],
        quotas=[{"partnership": "P1", "category": "sme", "target": 1}],
    )
    return folder


@pytest.fixture(scope="module")
def answered(campaign, tmp_path_factory) -> Path:
    """A run of the campaign, whose proposals the decision files answer."""
    run = tmp_path_factory.mktemp("hostile-run") / "run"
    result = runner.invoke(app, ["run", str(campaign), "--out", str(run), *FAST])
    assert result.exit_code == exitcodes.OK, result.output
    return run


def clean(result, written: Path) -> None:
    """No traceback; a refusal leaves nothing at ``written``, a run leaves it complete."""
    assert "Traceback" not in result.output, result.output
    if result.exit_code == exitcodes.OK:
        assert (written / "manifest.json").is_file()
    else:
        assert not os.path.lexists(written)  # (False for a name too long to exist, not OSError)
        if written.parent.is_dir():
            assert not any(p.name.startswith(".tmp-") for p in written.parent.iterdir())


def argv_text() -> st.SearchStrategy[str]:
    """What a shell can pass: any hostile text without a NUL byte (argv are C strings)."""
    return hostile_text().filter(lambda text: "\x00" not in text)


@pytest.mark.parametrize("option", OPTIONS)
@PROPERTY
@given(value=argv_text())
def test_a_hostile_run_option_is_refused_naming_it_or_runs(campaign, option, value):
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "runs" / (value if option == "--out" else "run")
        if option == "--out" and (not value.strip() or value.strip(".") == "" or "/" in value):
            out = Path(work) / "runs" / "run"  # a path that names the folder itself or above
        settings_ = dict(zip(FAST[::2], FAST[1::2], strict=True))
        settings_[option] = str(out) if option == "--out" else value
        if option != "--out":
            settings_["--out"] = str(out)
        args = ["run", str(campaign)] + [part for pair in settings_.items() for part in pair]
        result = runner.invoke(app, args)
        assert result.exit_code in (exitcodes.OK, exitcodes.BAD_INPUT, exitcodes.NO_SOLUTION)
        if result.exit_code == exitcodes.BAD_INPUT:
            assert option in result.output, result.output
        clean(result, out)


def decisions_text(value: str, field: str, row: dict[str, str]) -> str:
    rows = [list(row), list({**row, field: value}.values())]
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("field", DECISION_FIELDS)
@PROPERTY
@given(value=hostile_text())
def test_a_hostile_decision_cell_is_refused_naming_it_or_recorded(campaign, answered, field, value):
    proposal = pd.read_parquet(answered / "proposals.parquet").iloc[0]
    row = {
        "visitor_id": str(proposal["visitor_id"]),
        "host_id": str(proposal["host_id"]),
        "decision": "rejected",
        "note": "n",
        "decided_by": "me",
        "decided_on": "2026-12-15",
        "run_id": json.loads((answered / "manifest.json").read_text())["run_id"],
    }
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "campaign"
        shutil.copytree(campaign, folder)
        answers = Path(work) / "answers.csv"
        answers.write_text(decisions_text(value, field, row), encoding="utf-8")
        result = runner.invoke(
            app, ["decide", str(answered), str(answers), "--campaign", str(folder)]
        )
        assert "Traceback" not in result.output, result.output
        assert result.exit_code in (exitcodes.OK, exitcodes.BAD_INPUT), result.output
        if result.exit_code == exitcodes.BAD_INPUT:
            pair_named = (
                field in ("visitor_id", "host_id") and "proposed by no run" in result.output
            )
            assert f"column {field}" in result.output or pair_named, result.output
            assert not log_path(folder).exists()  # nothing recorded
        else:
            # the log reads back: the row's answer for both sides (the Support Office's row)
            assert len(read_log(log_path(folder))) <= 2


# (file, {field: value}) at the edge of what validation accepts (the first profile changed)
EDGES = [
    ("profiles.csv", {"capacity": "10000"}),
    ("profiles.csv", {"capacity": "1"}),
    ("profiles.csv", {"min_days": "22", "max_days": "22", "available_to": "2027-12-31"}),
    ("profiles.csv", {"max_days": "3"}),
    ("profiles.csv", {"available_from": "2000-01-01"}),
    ("profiles.csv", {"available_to": "2099-12-31"}),
    ("profiles.csv", {"org_name": '=HYPERLINK("http://x")'}),
    ("profiles.csv", {"offer": "\U0001f600 " * 300}),
    ("profiles.csv", {"seek": "a\nb\r\nc"}),
    ("profiles.csv", {"org_id": "O-H1"}),  # the visitor of the host's organisation
    ("profiles.csv", {"languages": "en;de;fr;el;it;es;pt;pl;cs;sk;hu;ro;bg;hr;sl"}),
    ("quotas.csv", {"target": "1000000"}),
    ("policy.toml", {"policy": "quota_shortfall_penalty = 1000000"}),
    ("policy.toml", {"policy": "churn_penalty = 0\nhold_penalty = 1000000"}),
    ("policy.toml", {"policy": "min_sme_share = 1.0"}),
    ("policy.toml", {"policy": "min_sme_share = 0.0\nmax_group_size = 10000"}),
    ("policy.toml", {"policy": "lead_days = 366"}),
    ("policy.toml", {"policy": "slots_per_host = 100\nmax_groups_per_host = 100"}),
    ("policy.toml", {"policy": "group_event_bonus = 100.0"}),
    ("policy.toml", {"policy": "[lump_sums]\nFR = 0\nDE = 10000"}),
    ("policy.toml", {"policy": "[budgets]\nP1 = 0"}),
    ("policy.toml", {"policy": "[budgets]\nP1 = 100000000"}),
    ("policy.toml", {"policy": "generation_start = 2099-12-31"}),
]


@pytest.mark.parametrize(("file", "cells"), EDGES)
def test_values_at_the_edges_of_their_bounds_run_cleanly(campaign, file, cells):
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "campaign"
        shutil.copytree(campaign, folder)
        if file == "policy.toml":
            (folder / file).write_text(cells["policy"] + "\n")
        else:
            table = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
            for field, value in cells.items():
                table.loc[0, field] = value
            table.to_csv(folder / file, index=False)
        assert runner.invoke(app, ["validate", str(folder)]).exit_code == exitcodes.OK
        out = Path(work) / "runs" / "run"
        result = runner.invoke(app, ["run", str(folder), "--out", str(out), *FAST])
        assert result.exit_code in (exitcodes.OK, exitcodes.NO_SOLUTION), result.output
        clean(result, out)
