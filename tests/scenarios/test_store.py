"""Files of sweeps and comparisons are written as a run's are: atomically, with the user's
umask (``mkstemp`` alone makes them 0600, unreadable to the colleagues a run's files reach)."""

from __future__ import annotations

import os
import stat

import pandas as pd

from scenarios.store import replace_file, text_writer


def test_replaced_files_get_the_user_s_umask(tmp_path):
    old = os.umask(0o022)
    try:
        replace_file(tmp_path / "report.html", text_writer("<p>sweep</p>"))
        replace_file(tmp_path / "runs.parquet", lambda p: pd.DataFrame({"a": [1]}).to_parquet(p))
    finally:
        os.umask(old)
    for name in ("report.html", "runs.parquet"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
    assert (tmp_path / "report.html").read_text() == "<p>sweep</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "runs.parquet"]
