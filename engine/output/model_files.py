"""Model files: a trained model saved with skops (never pickle), a readable JSON sidecar, and
the model report (:mod:`engine.output.model_report`) in JSON and plain text.

A model folder (``cxmatch train CAMPAIGN --out MODEL``) holds:

============  =============================================================================
model.skops   the fitted model: a :class:`scoring.additive.AdditiveScorer` (format 2, the
              additive or the linear model) or, in folders saved before it, a
              :class:`scoring.model.MatchScorer` (format 1, still loaded and scored as
              then); loaded with an explicit list of trusted types
model.json    format, family, each feature's straight part and shape at its knots,
              intercept, calibration, sign constraints and why, versions, training-data hash
report.json   the held-out evaluation: each model and the calibrated default weights side by
              side, with intervals, and which one ``run`` would use
report.txt    the same report, as printed by ``cxmatch train``
============  =============================================================================
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path
from typing import Any

import skops.io

from engine.domain.contract import Campaign
from engine.output.model_report import format_report, model_report
from engine.output.run_folder import versions as run_versions
from engine.output.store import json_writer, write_atomically
from scoring.additive import AdditiveScorer
from scoring.evaluation import Evaluation
from scoring.features import FEATURE_NAMES, REGISTRY
from scoring.model import MatchScorer
from scoring.training import LabelledSet

MODEL_FILE = "model.skops"
SIDECAR_FILE = "model.json"
REPORT_JSON = "report.json"
REPORT_TEXT = "report.txt"
FORMAT = "cxmatch-model/2"
# The only types a model file may contain beyond what skops trusts by default.
TRUSTED_TYPES = frozenset({"scoring.model.MatchScorer", "scoring.additive.AdditiveScorer"})
SavedModel = AdditiveScorer | MatchScorer


class ModelInvalid(Exception):
    """A model file that cannot be used: missing, of unknown types, or other features."""


def versions() -> dict[str, str]:
    found = run_versions()
    for package in ("skops", "scipy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            found[package] = "not installed"
    return found


def sidecar(model: AdditiveScorer, data: LabelledSet, campaign: Campaign) -> dict[str, Any]:
    """The readable summary saved beside the model."""
    described = model.describe()
    return {
        "format": FORMAT,
        "model_file": MODEL_FILE,
        "family": described["family"],
        "feature_names": list(model.feature_names_),
        "feature_meanings": {feature.name: feature.meaning for feature in REGISTRY},
        "weights": described["weights"],
        "shapes": model.shape_values(),
        "intercept": described["intercept"],
        "calibration": described["calibration"],
        "prior_scale": described["prior_scale"],
        "parameters": described["parameters"],
        "excluded_features": [FEATURE_NAMES[j] for j in model.excluded_features or ()],
        "signs": {f.name: {"sign": f.sign, "reason": f.sign_reason} for f in REGISTRY},
        "training_data": {
            "sha256": data.digest(),
            "labelled_decisions": len(data),
            "accepted": data.positives,
            "left_out_not_eligible_then": data.dropped,
            "campaign": campaign.name,
            "campaign_input_hashes": dict(sorted(campaign.input_hashes.items())),
        },
        "versions": versions(),
    }


def save_model(
    target: Path,
    model: AdditiveScorer,
    data: LabelledSet,
    campaign: Campaign,
    evaluation: Evaluation | None,
) -> Path:
    """Write a model folder atomically (raises store.OutputExists if it exists)."""
    report = model_report(model, data, campaign, evaluation)
    return write_atomically(
        target,
        {
            MODEL_FILE: lambda path: skops.io.dump(model, path),
            SIDECAR_FILE: json_writer(sidecar(model, data, campaign)),
            REPORT_JSON: json_writer(report),
            REPORT_TEXT: lambda path: _write_text(path, format_report(report)),
        },
    )


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def load_model(path: Path) -> SavedModel:
    """A model saved by save_model (or before format 2): its folder or its model file."""
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise ModelInvalid(f"{file}: no such model file")
    try:
        untrusted = set(skops.io.get_untrusted_types(file=file))
    except Exception as error:  # a corrupt or foreign file
        raise ModelInvalid(f"{file}: not a skops model file ({error})") from None
    unknown = untrusted - TRUSTED_TYPES
    if unknown:
        raise ModelInvalid(f"{file}: refusing to load untrusted types {sorted(unknown)}")
    model = skops.io.load(file, trusted=sorted(untrusted))
    if not isinstance(model, AdditiveScorer | MatchScorer):
        raise ModelInvalid(f"{file}: holds a {type(model).__name__}, not a cxmatch model")
    if tuple(getattr(model, "feature_names_", ())) != FEATURE_NAMES:
        raise ModelInvalid(
            f"{file}: trained on features {list(getattr(model, 'feature_names_', []))}, "
            f"this engine computes {list(FEATURE_NAMES)}: retrain it with `cxmatch train`"
        )
    return model


def model_note(path: Path) -> dict[str, Any]:
    """What a run's manifest says about a model it loaded."""
    file = path / MODEL_FILE if path.is_dir() else path
    return {
        "source": "model file (cxmatch train)",
        "model_path": str(path),
        "model_sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
    }
