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
    earlier = latest_run(tmp_path, before="20270104-nightly")
    assert earlier is not None and earlier.path.name == "a-test"
