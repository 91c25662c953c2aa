"""Which run came last: by run id (a timestamp, or a nightly run's night), whatever the folder
is called (``run --out CAMPAIGN/runs/n1`` once sorted after every nightly run and was never
the nightly's previous run)."""

from __future__ import annotations

import json

from engine.output.folders import latest_run, list_runs


def make_run(root, name: str, run_id: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "manifest.json").write_text(json.dumps({"run_id": run_id}))


def test_runs_are_ordered_by_run_id_not_folder_name(tmp_path):
    make_run(tmp_path, "20270104-nightly", "20270104-nightly")
    make_run(tmp_path, "n1", "20270104T230000000000Z")  # a run --out on the 4th, late
    make_run(tmp_path, "a-test", "20270103T120000000000Z")
    (tmp_path / ".tmp-killed").mkdir()  # a killed run: no manifest
    ids = [run.run_id for run in list_runs(tmp_path)]
    assert ids == ["20270103T120000000000Z", "20270104-nightly", "20270104T230000000000Z"]
    previous = latest_run(tmp_path, before="20270105-nightly")
    assert previous is not None and previous.path.name == "n1"
    # the night of the 4th run (again) now: n1, made for that night apart from it, is its
    # previous run (a run id's time of day sorts after "-nightly": the README audit)
    same = latest_run(tmp_path, before="20270104-nightly")
    assert same is not None and same.path.name == "n1"


def make_dated_run(root, name: str, run_id: str, as_of: str) -> None:
    (root / name).mkdir(parents=True)
    manifest = {"run_id": run_id, "calendar": {"as_of": as_of}}
    (root / name / "manifest.json").write_text(json.dumps(manifest))


def test_a_nightly_s_previous_run_is_the_last_made_for_its_night_or_an_earlier_one(tmp_path):
    """The README audit: `cxmatch run` in the day, then `nightly` for that day, found no
    previous run (no drift, every proposal "new"); a nightly catching up the 3rd after runs
    made on the 7th for the 1st and 2nd found none either."""
    make_dated_run(tmp_path, "day", "20261207T164158000000Z", "2026-12-07")
    assert latest_run(tmp_path, before="20261207-nightly").path.name == "day"
    make_dated_run(tmp_path, "first", "20261207T170000000000Z", "2026-12-01")
    make_dated_run(tmp_path, "second", "20261207T171000000000Z", "2026-12-02")
    make_dated_run(tmp_path, "ahead", "20261207T172000000000Z", "2026-12-21")
    assert latest_run(tmp_path, before="20261203-nightly").path.name == "second"
    assert latest_run(tmp_path, before="20261201-nightly").path.name == "first"
    assert latest_run(tmp_path, before="20261130-nightly") is None
    assert latest_run(tmp_path, before="20261208-nightly").path.name == "day"
