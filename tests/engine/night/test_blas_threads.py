"""A night's linear algebra runs on one BLAS thread, whatever the caller set: its products are
small, and waiting BLAS threads slowed the stage after them (``engine.night.night.run_night``)."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

import engine.night.night as night
from engine.night.options import RunOptions
from tests.factory import NIGHT, host, make_campaign, visitor


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_slots_are_built_on_one_blas_thread(tmp_path, monkeypatch):
    seen: list[set[int]] = []
    build_slots = night.build_slots

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(_blas_threads())
        return build_slots(*args, **kwargs)

    monkeypatch.setattr(night, "build_slots", watched)
    campaign = make_campaign(tmp_path, [visitor("V1"), host("H1", country="IT")])
    with threadpool_limits(2, user_api="blas"):
        assert _blas_threads() == {2}
        result = night.run_night(campaign, RunOptions(time_limit_s=2, workers=1, as_of=NIGHT))
        assert _blas_threads() == {2}  # the caller's setting again after the night
    assert seen == [{1}]
    assert len(result.proposals) == 1
