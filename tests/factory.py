"""Tiny hand-made campaigns for tests: profiles from a few keyword overrides, loaded through
the real loader so tests see exactly what the engine sees."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.contract import Campaign
from engine.load.campaign import load_campaign

# the night the tests run as of (a Monday): nothing may start before 28 December 2026
NIGHT = date(2026, 12, 14)

PROFILE_DEFAULTS: dict[str, Any] = {
    "org_name": "Org",
    "org_type": "sme",
    "country": "DE",
    "partnership": "P1",
    "sectors": "C29",
    "languages": "en",
    "available_from": "2027-01-04",
    "available_to": "2027-06-30",
    "min_days": 3,
    "max_days": 5,
    "mode": "physical",
    "target_org_types": "",
    "target_countries": "",
    "target_sectors": "",
    "exchange_types": "learning_skills",
    "offer": "training on batteries",
    "seek": "training on batteries",
    "capacity": 1,
    "status": "published",
    "validated": "true",
}


def visitor(profile_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "profile_id": profile_id,
        "role": "visitor",
        "org_id": f"O-{profile_id}",
        **PROFILE_DEFAULTS,
        **fields,
    }


def host(profile_id: str, **fields: Any) -> dict[str, Any]:
    base = {**PROFILE_DEFAULTS, "country": "FR", "org_type": "technology_centre"}
    return {"profile_id": profile_id, "role": "host", "org_id": f"O-{profile_id}", **base, **fields}


def make_campaign(
    folder: Path,
    profiles: list[dict[str, Any]],
    history: list[dict[str, Any]] | None = None,
    quotas: list[dict[str, Any]] | None = None,
    policy: str = "",
) -> Campaign:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(profiles).to_csv(folder / "profiles.csv", index=False)
    columns = ["visitor_id", "host_id", "decided_on", "outcome", "mode"]
    if any("start" in row for row in history or []):
        columns += ["start", "end"]
    pd.DataFrame(history or [], columns=columns).to_csv(folder / "history.csv", index=False)
    pd.DataFrame(quotas or [], columns=["partnership", "category", "target"]).to_csv(
        folder / "quotas.csv", index=False
    )
    (folder / "policy.toml").write_text(policy)
    return load_campaign(folder)
