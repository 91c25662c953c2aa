"""A campaign with one night for the review web app's tests, and its two partnerships: A (the
visitor's side of at least three proposals whose host is of B) and B."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import uvicorn

from engine.review.nightly import NightlyOptions, night_id, run_nightly
from engine.web.access import create_token
from engine.web.app import create_app
from tests.reviewing import FAST, small_campaign

NIGHTS = [date(2027, 1, 4), date(2027, 1, 5)]
SCRIPT = '<script>document.title="pwned"</script>'


@dataclass(frozen=True)
class Review:
    folder: Path
    proposals: pd.DataFrame  # night 1
    a: str
    b: str
    token_a: str
    token_b: str
    token_office: str

    def mine(self, partnership: str) -> set[tuple[str, str]]:
        p = self.proposals
        scope = p[
            (p["visitor_partnership"] == partnership) | (p["host_partnership"] == partnership)
        ]
        return set(zip(scope["visitor_id"], scope["host_id"], strict=True))

    def a_to_b(self) -> pd.DataFrame:
        p = self.proposals
        return p[(p["visitor_partnership"] == self.a) & (p["host_partnership"] == self.b)]

    def a_only(self) -> pd.DataFrame:
        """Proposals whose visitor side is A's and host side is not B's or A's."""
        p = self.proposals
        return p[(p["visitor_partnership"] == self.a) & ~p["host_partnership"].isin([self.a])]


def nightly(folder: Path, night: date) -> Path:
    run_nightly(folder, NightlyOptions(run=FAST, night=night))
    return folder / "runs" / night_id(night)


@pytest.fixture(scope="package")
def reviewed(tmp_path_factory) -> Review:
    folder = small_campaign(tmp_path_factory.mktemp("web") / "campaign", 120, 30, seed=7)
    profiles = pd.read_csv(folder / "profiles.csv", dtype=str, keep_default_na=False)
    profiles.loc[profiles.index[::3], "org_name"] = SCRIPT  # hostile text, shown escaped
    profiles.to_csv(folder / "profiles.csv", index=False)
    with (folder / "policy.toml").open("a") as policy:  # room for a reviewer's second group
        policy.write("max_groups_per_host = 2\n")
    proposals = pd.read_parquet(nightly(folder, NIGHTS[0]) / "proposals.parquet")
    crossing = proposals[proposals["visitor_partnership"] != proposals["host_partnership"]]
    counts = crossing.groupby(["visitor_partnership", "host_partnership"]).size()
    a, b = counts.idxmax()
    assert counts.max() >= 1 and (crossing["visitor_partnership"] == a).sum() >= 3
    tokens = [create_token(folder, p)[1] for p in (a, b, None)]
    return Review(folder, proposals, a, b, *tokens)


@pytest.fixture
def review(reviewed, tmp_path) -> Review:
    """A copy of the reviewed campaign each test may change."""
    copy = tmp_path / "campaign"
    shutil.copytree(reviewed.folder, copy)
    return Review(copy, *list(vars(reviewed).values())[1:])


@pytest.fixture
def server(review: Review) -> Iterator[str]:
    """The app of the campaign served on 127.0.0.1 (a free port), for a real browser."""
    config = uvicorn.Config(
        create_app(review.folder), host="127.0.0.1", port=0, log_level="warning"
    )
    app_server = uvicorn.Server(config)
    thread = threading.Thread(target=app_server.run, daemon=True)
    thread.start()
    for _ in range(600):  # wait until it listens (bounded)
        if app_server.started:
            break
        threading.Event().wait(0.05)
    assert app_server.started
    port = app_server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    app_server.should_exit = True
    thread.join(timeout=30)
