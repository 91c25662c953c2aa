"""What ``nightly`` says on the terminal: what ``run`` says of a night; and a night cut by the
wall clock says so in its report too (the terminal audit: it printed the proposals' count and
the scorer only; a run cut by the wall clock, 10% from its bound and not reproducible, said
so in its manifest alone)."""

from __future__ import annotations

from typer.testing import CliRunner

import engine.night.night as night_module
from engine.cli import exitcodes
from engine.cli.main import app
from tests.reviewing import small_campaign

runner = CliRunner()


def test_the_nightly_summary_is_the_run_s_cut_included(tmp_path, monkeypatch):
    folder = small_campaign(tmp_path / "campaign", 40, 10, seed=5)
    solve = night_module.solve_assignment

    def cut(problem, options):  # as if the wall clock had cut the search
        solved = solve(problem, options)
        solved.stats["cut_by_wall_clock"] = "LNS"
        return solved

    monkeypatch.setattr(night_module, "solve_assignment", cut)
    args = ["nightly", str(folder), "--night", "2027-01-04", "--time-limit", "5", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == exitcodes.OK, result.output
    lines = result.output.splitlines()
    (solver,) = [line for line in lines if line.startswith("  solver ")]
    assert "(cut by the wall clock: not guaranteed reproducible)" in solver
    assert "of --time-limit 5s" in solver
    assert any(line.startswith("  SME share ") for line in lines)
    assert any("checker: no broken rule" in line for line in lines)
    assert any(line.startswith("  left out: ") for line in lines)
    page = (folder / "runs" / "20270104-nightly" / "report.html").read_text()
    assert "optimality gap (cut by the wall clock: not guaranteed reproducible)" in page
