"""The campaign generator: determinism, the data contract, realism and the hidden model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from engine.domain.contract import (
    EXCHANGE_TYPES,
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL_COLUMNS,
    HOST_ONLY_ORG_TYPES,
    ORG_TYPES,
    POSITIVE_OUTCOMES,
    PROFILE_OPTIONAL_COLUMNS,
    PROFILE_REQUIRED_COLUMNS,
)
from engine.domain.reference import canonical_country, language_codes, nace_divisions
from engine.load.campaign import load_campaign
from engine.synthetic.generator import (
    DEMO_ARGUMENTS,
    DEMO_WORDS,
    HIDDEN_FEATURES,
    HIDDEN_WEIGHTS,
    GeneratedCampaign,
    demo_campaign_path,
    generate_campaign,
    hidden_acceptance_probability,
    hidden_features,
    write_campaign,
)

START = date(2027, 1, 4)
FILES = ("profiles.csv", "history.csv", "quotas.csv", "policy.toml")


@pytest.fixture(scope="module")
def campaign() -> GeneratedCampaign:
    return generate_campaign(3000, 800, 11)


@pytest.fixture(scope="module")
def positions(campaign: GeneratedCampaign) -> tuple[np.ndarray, np.ndarray]:
    """Profile positions of every history row's visitor and host."""
    position = pd.Series(np.arange(len(campaign.profiles)), index=campaign.profiles["profile_id"])
    history = campaign.history
    return position[history["visitor_id"]].to_numpy(), position[history["host_id"]].to_numpy()


def _canonical(codes: pd.Series) -> pd.Series:
    return codes.map(canonical_country)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_identical_frames() -> None:
    first, second = generate_campaign(300, 80, 5), generate_campaign(300, 80, 5)
    for name in ("profiles", "history", "quotas"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert first.policy == second.policy


def test_different_seed_gives_different_campaign() -> None:
    first, second = generate_campaign(300, 80, 5), generate_campaign(300, 80, 6)
    assert not first.profiles["org_name"].equals(second.profiles["org_name"])
    assert not first.history.equals(second.history)


def test_bundled_demo_is_a_fresh_generation(tmp_path: Path) -> None:
    write_campaign(generate_campaign(*DEMO_ARGUMENTS), tmp_path, words=DEMO_WORDS)
    demo = demo_campaign_path()
    assert (demo / "__init__.py").is_file()
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (demo / name).read_bytes(), name


# --- the data contract -----------------------------------------------------------------------


def test_sizes_and_columns(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    assert list(profiles.columns) == [*PROFILE_REQUIRED_COLUMNS, *PROFILE_OPTIONAL_COLUMNS]
    assert (profiles["role"] == "visitor").sum() == 3000
    assert (profiles["role"] == "host").sum() == 800
    assert profiles["profile_id"].is_unique
    assert list(campaign.history.columns) == [*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS]
    assert list(campaign.quotas.columns) == ["partnership", "category", "target"]


def test_organisation_types(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    visitors, hosts = profiles[profiles["role"] == "visitor"], profiles[profiles["role"] == "host"]
    assert profiles["org_type"].isin(ORG_TYPES).all()
    assert 0.45 <= (visitors["org_type"] == "sme").mean() <= 0.55
    assert not visitors["org_type"].isin(HOST_ONLY_ORG_TYPES).any()
    assert (hosts["org_type"] == "large_company").any()
    assert (hosts["org_type"] == "sme").mean() < 0.15
    # an organisation has one host profile at most, some have several visitor profiles (issue
    # 11: "one physical visit per organisation" needs them), and its profiles share its facts
    assert not hosts.duplicated("org_id").any()
    per_org = visitors.groupby("org_id").size()
    assert 0.05 <= (per_org > 1).mean() <= 0.2
    assert per_org.max() <= 4
    shared = profiles[profiles["org_id"].duplicated(keep=False)]
    assert set(shared["role"]) == {"visitor", "host"}
    facts = ["org_name", "org_type", "country", "partnership"]
    assert (shared.groupby("org_id")[facts].nunique() == 1).all().all()


def test_countries_are_cosme(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    assert _canonical(profiles["country"]).notna().all()
    assert {"DE", "FR", "IT", "ES", "PL"} <= set(profiles["country"].value_counts().index[:8])
    targets = profiles["target_countries"].explode().dropna()
    assert _canonical(targets).notna().all()
    # a few Greek profiles spell their country the EU way
    assert {"EL", "GR"} <= set(profiles["country"])


def test_list_columns_hold_valid_codes(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    divisions = set(nace_divisions().index)
    assert profiles["sectors"].map(lambda row: 1 <= len(row) <= 3).all()
    assert profiles["sectors"].explode().isin(divisions).all()
    assert profiles["target_sectors"].explode().dropna().isin(divisions).all()
    assert profiles["languages"].explode().isin(language_codes()).all()
    assert 0.7 <= profiles["languages"].map(lambda row: "en" in row).mean() <= 0.9
    assert profiles["target_org_types"].explode().dropna().isin(ORG_TYPES).all()
    assert profiles["exchange_types"].map(lambda row: 1 <= len(row) <= 3).all()
    assert profiles["exchange_types"].explode().isin(EXCHANGE_TYPES).all()
    for column in (
        "sectors",
        "languages",
        "target_org_types",
        "target_countries",
        "exchange_types",
    ):
        assert profiles[column].map(lambda row: len(row) == len(set(row))).all(), column
    # preferences are often left empty
    assert 0.4 <= profiles["target_countries"].map(len).eq(0).mean() <= 0.9


def test_days_windows_and_capacity(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    assert (profiles["min_days"] >= 3).all() and (profiles["max_days"] <= 22).all()
    assert (profiles["min_days"] <= profiles["max_days"]).all()
    assert set(profiles["min_days"]) == {3, 4, 5}
    assert (profiles["min_days"] == 3).mean() > 0.8  # stays are mostly 3 working days
    assert (profiles["available_from"] <= profiles["available_to"]).all()
    assert (profiles["available_from"] >= pd.Timestamp(START)).all()
    assert (profiles["available_to"] < pd.Timestamp(2027, 7, 4)).all()
    length = (profiles["available_to"] - profiles["available_from"]).dt.days + 1
    assert (length >= 21).all()
    visitors = profiles["role"] == "visitor"
    assert (profiles.loc[visitors, "capacity"] == 1).all()
    hosts = profiles[~visitors]
    assert hosts["capacity"].between(1, 10).all()
    assert (hosts["capacity"] >= 8).mean() > 0.15  # some hosts take groups of 8-10
    group_hosts = hosts[hosts["capacity"] >= 6]
    assert group_hosts["exchange_types"].map(lambda kinds: "group_event" in kinds).all()
    assert 0.1 <= (profiles["mode"] == "virtual").mean() <= 0.3
    assert 0.9 <= (profiles["status"] == "published").mean() < 1.0
    assert 0.9 <= profiles["validated"].mean() < 1.0


def test_contact_data_is_filled_and_fake(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    for column in ("contact_name", "contact_email", "contact_phone", "description", "website"):
        assert (profiles[column].str.len() > 0).all(), column
    assert profiles["contact_email"].str.endswith("@example.org").all()


def test_start_and_months_shape_the_windows() -> None:
    generated = generate_campaign(200, 50, 3, start=date(2028, 3, 1), months=2)
    profiles = generated.profiles
    assert (profiles["available_from"] >= pd.Timestamp(2028, 3, 1)).all()
    assert (profiles["available_to"] <= pd.Timestamp(2028, 4, 30)).all()
    assert (generated.history["decided_on"] < pd.Timestamp(2028, 3, 1)).all()


# --- history ---------------------------------------------------------------------------------


def test_history_references_profiles_of_other_countries(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles.set_index("profile_id")
    history = campaign.history
    assert 0.8 <= len(history) / 3000 <= 1.1  # about one decision per visitor
    assert (profiles.loc[history["visitor_id"], "role"] == "visitor").all()
    assert (profiles.loc[history["host_id"], "role"] == "host").all()
    visitor_country = _canonical(profiles.loc[history["visitor_id"], "country"]).to_numpy()
    host_country = _canonical(profiles.loc[history["host_id"], "country"]).to_numpy()
    assert (visitor_country != host_country).all()
    assert not history.duplicated(["visitor_id", "host_id"]).any()


def test_history_dates_outcomes_and_modes(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles.set_index("profile_id")
    history = campaign.history
    assert history["decided_on"].is_monotonic_increasing
    # the year before the campaign's first night, two weeks before it starts
    assert (history["decided_on"] < pd.Timestamp(2026, 12, 21)).all()
    assert (history["decided_on"] >= pd.Timestamp(2025, 12, 21)).all()
    assert set(history["outcome"]) == {"accepted", "rejected", "cancelled", "completed"}
    assert (history["outcome"] == "rejected").sum() > (history["outcome"] == "cancelled").sum()
    visitor_mode = profiles.loc[history["visitor_id"], "mode"].to_numpy()
    host_mode = profiles.loc[history["host_id"], "mode"].to_numpy()
    physical = history["mode"].to_numpy() == "physical"
    assert (visitor_mode[physical] != "virtual").all() and (host_mode[physical] != "virtual").all()
    assert (visitor_mode[~physical] != "physical").all() and (
        host_mode[~physical] != "physical"
    ).all()
    # one physical exchange per visiting organisation (not per profile)
    used = history[history["outcome"].isin(POSITIVE_OUTCOMES) & (history["mode"] == "physical")]
    assert profiles.loc[used["visitor_id"], "org_id"].is_unique


def test_accepted_pairs_are_more_likely_under_the_hidden_model(
    campaign: GeneratedCampaign, positions: tuple[np.ndarray, np.ndarray]
) -> None:
    probability = hidden_acceptance_probability(campaign.profiles, *positions)
    assert ((probability > 0) & (probability < 1)).all()
    outcome = campaign.history["outcome"]
    accepted = probability[outcome.isin(POSITIVE_OUTCOMES).to_numpy()].mean()
    rejected = probability[(outcome == "rejected").to_numpy()].mean()
    assert accepted > rejected + 0.1


def test_a_learner_recovers_the_hidden_weights(
    campaign: GeneratedCampaign, positions: tuple[np.ndarray, np.ndarray]
) -> None:
    features = hidden_features(campaign.profiles, *positions)
    assert list(features.columns) == list(HIDDEN_FEATURES)
    accepted = campaign.history["outcome"].isin(POSITIVE_OUTCOMES).to_numpy()
    model = LogisticRegression(C=1e4, max_iter=1000).fit(features.to_numpy(), accepted)
    learned = dict(zip(HIDDEN_FEATURES, model.coef_[0], strict=True))
    for name in ("sector_overlap", "host_type_targeted", "shared_non_english_language"):
        assert learned[name] == pytest.approx(HIDDEN_WEIGHTS[name], abs=0.5), name
    assert learned["same_partnership"] < 0
    strongest = max(learned, key=lambda name: learned[name])
    assert strongest in ("sector_overlap", "seek_offer_similarity", "host_type_targeted")


def test_hidden_model_reads_loaded_campaigns_too(tmp_path: Path) -> None:
    generated = generate_campaign(150, 40, 9)
    write_campaign(generated, tmp_path)
    loaded = load_campaign(tmp_path)
    visitors = np.arange(150)
    hosts = 150 + np.arange(150) % 40
    np.testing.assert_allclose(
        hidden_acceptance_probability(loaded.profiles, visitors, hosts),
        hidden_acceptance_probability(generated.profiles, visitors, hosts),
    )


def test_seek_and_offer_texts_carry_the_theme(campaign: GeneratedCampaign) -> None:
    profiles = campaign.profiles
    visitors = profiles[profiles["role"] == "visitor"].head(600)
    hosts = profiles[profiles["role"] == "host"].head(300)
    tfidf = TfidfVectorizer(stop_words="english").fit(
        pd.concat([profiles["seek"], profiles["offer"]])
    )
    similarity = (tfidf.transform(visitors["seek"]) @ tfidf.transform(hosts["offer"]).T).toarray()
    same = visitors["partnership"].to_numpy()[:, None] == hosts["partnership"].to_numpy()[None, :]
    assert similarity[same].mean() > 2 * similarity[~same].mean()


# --- quotas ----------------------------------------------------------------------------------


def test_quotas_are_the_pilots_targets(campaign: GeneratedCampaign) -> None:
    demo = generate_campaign(*DEMO_ARGUMENTS).quotas
    assert len(set(demo["partnership"])) == 13
    pilot_categories = ("sme", "cluster", "technology_centre", "scaling_up", "total")
    assert (demo.groupby("partnership")["category"].apply(tuple) == pilot_categories).all()
    recipe = demo[demo["partnership"] == "RECiPE4Mobility"].set_index("category")["target"]
    # seed 000: at least 50 exchanges, 25 SMEs, 5 cluster managers, 10 technology centres,
    # 10 scaling-up support organisations
    assert recipe.to_dict() == {
        "sme": 25, "cluster": 5, "technology_centre": 10, "scaling_up": 10, "total": 50
    }  # fmt: skip
    totals = demo[demo["category"] == "total"]["target"]
    assert totals.sum() == 695  # seed 003: 695 planned, about 54 per partnership
    for _, group in demo.groupby("partnership"):
        targets = group.set_index("category")["target"]
        assert targets.drop("total").sum() == targets["total"]
        assert targets["sme"] == targets["total"] - targets.drop(["sme", "total"]).sum()
    # a campaign of another size scales the targets: 3000 visitors, 3.75 times the demo
    scaled = campaign.quotas.set_index(["partnership", "category"])["target"]
    assert scaled[("RECiPE4Mobility", "total")] == 188  # 50 x 3000 / 800, rounded


# --- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_campaigns_load_without_problems(tmp_path: Path, fmt: str) -> None:
    generated = generate_campaign(400, 100, 21)
    write_campaign(generated, tmp_path, fmt)  # type: ignore[arg-type]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"history.{fmt}", "policy.toml", f"profiles.{fmt}", f"quotas.{fmt}"]
    )
    loaded = load_campaign(tmp_path)
    assert len(loaded.profiles) == 500
    assert len(loaded.history) == len(generated.history)
    assert loaded.quotas["target"].tolist() == generated.quotas["target"].tolist()
    assert loaded.policy.min_sme_share == 0.5
    assert tuple(loaded.profiles.loc[0, "sectors"]) == tuple(generated.profiles.loc[0, "sectors"])


def test_csv_cells_follow_the_contract(tmp_path: Path) -> None:
    write_campaign(generate_campaign(100, 30, 4), tmp_path)
    raw = pd.read_csv(tmp_path / "profiles.csv", dtype=str, keep_default_na=False)
    assert set(raw["validated"]) <= {"true", "false"}
    assert raw["available_from"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert raw["languages"].str.contains(";").any()
    history = pd.read_csv(tmp_path / "history.csv", dtype=str)
    assert history["decided_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_the_demo_campaign_loads() -> None:
    loaded = load_campaign(demo_campaign_path())
    assert (loaded.profiles["role"] == "visitor").sum() == DEMO_ARGUMENTS[0]
    assert (loaded.profiles["role"] == "host").sum() == DEMO_ARGUMENTS[1]


@pytest.mark.parametrize(("n_visitors", "n_hosts"), [(0, 0), (3, 0), (0, 3), (1, 1), (6, 2)])
def test_tiny_campaigns(tmp_path: Path, n_visitors: int, n_hosts: int) -> None:
    generated = generate_campaign(n_visitors, n_hosts, 1)
    assert len(generated.profiles) == n_visitors + n_hosts
    write_campaign(generated, tmp_path)
    if n_visitors and n_hosts:
        load_campaign(tmp_path)


def test_invalid_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="negative"):
        generate_campaign(-1, 3, 1)
    with pytest.raises(ValueError, match="fmt"):
        write_campaign(generate_campaign(2, 2, 1), tmp_path, "xlsx")  # type: ignore[arg-type]
