"""Issue 16, property test of scenario files: a hostile value for any key is refused with the
key named (``cxmatch simulate`` exits 2, nothing written) or read into a scenario, never a
traceback. Each key is its own test (``pytest --hypothesis-show-statistics`` counts them)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from scenarios.spec import ScenarioInvalid, load_scenario
from tests.hostile import toml_value

runner = CliRunner()
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "6"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# (table, key): every key a scenario file may set, a table's keys under its header
KEYS = [
    (None, "name"),
    (None, "description"),
    (None, "base"),
    (None, "nights"),
    (None, "seed"),
    (None, "first_night"),
    (None, "days_between_nights"),
    ("policy", "min_sme_share"),
    ("policy", "generation_start"),
    ("policy", "latest_date"),
    ("arrivals", "visitors_per_night"),
    ("arrivals", "from_night"),
    ("acceptance", "model"),
    ("acceptance", "scale"),
    ("engine", "time_limit_s"),
    ("engine", "top_k"),
    ("engine", "workers"),
    ("base", "visitors"),
    ("base", "seed"),
    ("base", "start"),
    ("changes", "count"),
    ("changes", "factor"),
]
CHANGE = 'action = "add"\nrole = "visitor"\ncount = 1\n'


def scenario_text(table: str | None, key: str, value: str) -> str:
    if table is None:
        return f'{key} = {value}\nbase = "demo"\n' if key != "base" else f"{key} = {value}\n"
    if table == "changes":
        change = CHANGE.replace(f"{key} = 1\n", "") if key == "count" else CHANGE
        if key == "factor":
            change = 'action = "scale_capacity"\n'
        return f"[[changes]]\n{change}{key} = {value}\n"
    if table == "base":
        return f"[base]\nvisitors = 5\nhosts = 2\n{key} = {value}\n".replace(f"{key} = 5\n", "", 1)
    return f"[{table}]\n{key} = {value}\n"


@pytest.mark.parametrize(("table", "key"), KEYS, ids=[f"{t or ''}.{k}" for t, k in KEYS])
@PROPERTY
@given(value=toml_value())
def test_a_hostile_scenario_value_is_refused_naming_its_key_or_read(table, key, value):
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "hostile.toml"
        path.write_text(scenario_text(table, key, value), encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioInvalid as invalid:
            assert invalid.problems
            assert any(key in problem or "TOML" in problem for problem in invalid.problems), (
                invalid.problems
            )
            out = Path(work) / "out"
            result = runner.invoke(app, ["simulate", str(path), "--out", str(out)])
            assert result.exit_code == exitcodes.BAD_INPUT, result.output
            assert "Traceback" not in result.output
            assert not out.exists()


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [(None, "days_between_nights", '"7"'), (None, "nights", "true"), ("engine", "top_k", "5.0"),
     ("arrivals", "visitors_per_night", '"3"'), ("changes", "count", '"1"')],
)  # fmt: skip
def test_a_number_is_read_as_written_as_in_policy_toml(table, key, value):
    """The audit: days_between_nights = "7" was read as 7, where policy.toml refuses "5"."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "quoted.toml"
        path.write_text(scenario_text(table, key, value), encoding="utf-8")
        with pytest.raises(ScenarioInvalid) as refused:
            load_scenario(path)
        assert any(key in problem for problem in refused.value.problems)


def refused_problems(path: Path, out: Path) -> list[str]:
    """``simulate`` refuses the scenario file (exit 2): the problems it lists, in order."""
    result = runner.invoke(app, ["simulate", str(path), "--out", str(out)])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    return [line.strip()[2:] for line in result.output.splitlines() if line.strip()[:2] == "- "]


def test_a_missing_base_is_listed_beside_the_file_s_other_problems(tmp_path):
    """The audit: base = "nowhere" showed only once the file's other problems were fixed."""
    path = tmp_path / "two.toml"
    path.write_text('base = "nowhere"\nnights = "3"\n', encoding="utf-8")
    with pytest.raises(ScenarioInvalid) as refused:
        load_scenario(path)
    assert refused.value.problems == [
        "nights: write a whole number (no quotes)",
        f"base: campaign folder {tmp_path / 'nowhere'} does not exist",
    ]


def test_every_problem_of_a_file_is_listed_at_once_in_its_order(tmp_path):
    """The scenarios audit: two values of the wrong type hid three changes naming what no base
    has (a country outside COSME, unknown partnerships), listed only once they were fixed."""
    path = tmp_path / "five.toml"
    path.write_text(
        "nights = 2\n[base]\nvisitors = 30\nhosts = 8\nseed = 11\n"
        '[[changes]]\naction = "add"\nrole = "host"\ncount = 1\nset = { country = "NO" }\n'
        '[[changes]]\naction = "remove"\nrole = "visitor"\nwhere = { partnership = "NOPE" }\n'
        '[[changes]]\naction = "set_quota"\npartnership = "P"\ncategory = "sme"\ntarget = -3\n'
        '[[changes]]\naction = "scale_capacity"\nfactor = 0.0\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    listed = refused_problems(path, out)
    assert [problem.split(":")[0].split(".")[0] for problem in listed] == [
        "changes[1]", "changes[2]", "changes[2]", "changes[3]", "changes[4]",
    ]  # fmt: skip
    assert "'NO' is not a COSME participating country" in listed[0]
    assert "'NOPE' has no profile" in listed[1]
    assert not out.exists()


def test_one_file_given_twice_is_said_so(tmp_path):
    """The scenarios' audit: ``sweep a.toml a.toml`` was refused as "name: 'baseline' is also
    the name of a.toml" (the file named itself)."""
    from scenarios.checks import ScenariosInvalid, check_files
    from tests.scenarios.conftest import tiny_scenarios

    path = tiny_scenarios(tmp_path / "in")[0]
    with pytest.raises(ScenariosInvalid) as refused:
        check_files([path, tmp_path / "in" / ".." / "in" / path.name])
    text = str(refused.value)
    assert "is given twice: give each scenario once" in text
    assert "is also the name of" not in text


@pytest.mark.parametrize("text", ["", "\n# only a comment\n"])
def test_an_empty_scenario_file_is_refused_not_run_on_every_default(tmp_path, text):
    """The scenarios' audit: a 0-byte scenario file ran the whole demo campaign, unsaid."""
    from scenarios.spec import read_scenario

    path = tmp_path / "empty.toml"
    path.write_text(text, encoding="utf-8")
    loaded, problems = read_scenario(path)
    assert loaded is None
    assert problems == [
        'is empty: a scenario names its base campaign at least (base = "demo" for the bundled '
        "one, or a campaign folder)"
    ]


def test_a_scenario_reads_categories_types_and_modes_as_the_campaign_files_do(tmp_path):
    """The hostile-input audit: ``set_quota`` with ``category = "SME"`` (as quotas.csv writes
    it, and reads it) was refused, and that refusal hid the change's unknown partnership."""
    path = tmp_path / "words.toml"
    path.write_text(
        "nights = 1\n[base]\nvisitors = 30\nhosts = 8\nseed = 11\n"
        '[[changes]]\naction = "set_quota"\npartnership = "NOPE"\ncategory = "SMEs"\ntarget = 3\n'
        '[[changes]]\naction = "scale_quotas"\nfactor = 2.0\ncategory = ["Cluster managers"]\n'
        '[[changes]]\naction = "add"\nrole = "host"\ncount = 1\nsource = "generate"\n'
        'set = { org_type = "Technology Center", mode = "online" }\n'
        '[[changes]]\naction = "remove"\nrole = "visitor"\n'
        'where = { category = "Scaling-up support organisations", mode = "Physical" }\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    listed = refused_problems(path, out)
    (problem,) = listed  # the partnership only: every word was read
    assert problem == "changes[1].partnership: 'NOPE' is not the partnership of any profile"
    scenario = load_scenario(path)
    set_quota, scale, add, remove = scenario.scenario.changes
    assert (set_quota.category, scale.category) == ("sme", ("cluster",))
    assert (add.set.org_type, add.set.mode) == ("technology_centre", "virtual")
    assert (remove.where.category, remove.where.mode) == (("scaling_up",), ("physical",))
