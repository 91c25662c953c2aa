"""Model files and reports: a trained scorer saved with skops (never pickle), a readable
JSON sidecar, and the model report in JSON and plain text.

A model folder (``cxmatch train CAMPAIGN --out MODEL``) holds:

============  =============================================================================
model.skops   the fitted :class:`scoring.model.MatchScorer` (skops format, loaded with an
              explicit list of trusted types)
model.json    weights with feature names, intercept, calibration, versions, training-data hash
report.json   the held-out evaluation: learned model and default weights side by side
report.txt    the same report, as printed by ``cxmatch train``
============  =============================================================================
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import skops.io

from engine.domain.contract import Campaign
from engine.output.run_folder import versions as run_versions
from engine.output.store import json_writer, write_atomically
from scoring.features import DEFAULT_WEIGHTS, FEATURE_NAMES, REGISTRY
from scoring.metrics import KS
from scoring.model import MatchScorer
from scoring.training import Evaluation, TrainedModel

MODEL_FILE = "model.skops"
SIDECAR_FILE = "model.json"
REPORT_JSON = "report.json"
REPORT_TEXT = "report.txt"
FORMAT = "cxmatch-model/1"
# The only types a model file may contain beyond what skops trusts by default.
TRUSTED_TYPES = frozenset({"scoring.model.MatchScorer"})


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


def sidecar(trained: TrainedModel, campaign: Campaign) -> dict[str, Any]:
    """The readable summary saved beside the model."""
    described = trained.scorer.describe()
    return {
        "format": FORMAT,
        "model_file": MODEL_FILE,
        "feature_names": list(trained.scorer.feature_names_),
        "feature_meanings": {feature.name: feature.meaning for feature in REGISTRY},
        "weights": described["weights"],
        "intercept": described["intercept"],
        "calibration": described["calibration"],
        "prior_scale": described["prior_scale"],
        "prior_correction": described["prior_correction"],
        "cold_start": described["cold_start"],
        "parameters": described["parameters"],
        "training_data": {
            "sha256": trained.training_hash,
            "labelled_pairs": trained.labelled,
            "sampled_pairs": trained.sampled,
            "campaign": campaign.name,
            "campaign_input_hashes": dict(sorted(campaign.input_hashes.items())),
        },
        "versions": versions(),
    }


def save_model(
    target: Path, trained: TrainedModel, campaign: Campaign, evaluation: Evaluation | None
) -> Path:
    """Write a model folder atomically (raises runstore.OutputExists if it exists)."""
    report = model_report(trained, campaign, evaluation)
    return write_atomically(
        target,
        {
            MODEL_FILE: lambda path: skops.io.dump(trained.scorer, path),
            SIDECAR_FILE: json_writer(sidecar(trained, campaign)),
            REPORT_JSON: json_writer(report),
            REPORT_TEXT: lambda path: _write_text(path, format_report(report)),
        },
    )


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def load_model(path: Path) -> MatchScorer:
    """A model saved by save_model: its folder or its ``model.skops`` file."""
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
    scorer = skops.io.load(file, trusted=sorted(untrusted))
    if not isinstance(scorer, MatchScorer):
        raise ModelInvalid(f"{file}: holds a {type(scorer).__name__}, not a MatchScorer")
    if tuple(getattr(scorer, "feature_names_", ())) != FEATURE_NAMES:
        raise ModelInvalid(
            f"{file}: trained on features {list(getattr(scorer, 'feature_names_', []))}, "
            f"this engine computes {list(FEATURE_NAMES)}: retrain it with `cxmatch train`"
        )
    return scorer


def model_report(
    trained: TrainedModel, campaign: Campaign, evaluation: Evaluation | None
) -> dict[str, Any]:
    described = trained.scorer.describe()
    scale = described["prior_scale"]
    report: dict[str, Any] = {
        "campaign": campaign.name,
        "model": described,
        "default_weights_scaled": {
            name: round(DEFAULT_WEIGHTS[name] * scale, 6) for name in FEATURE_NAMES
        },
        "notes": [],
    }
    if evaluation is None:
        report["evaluation"] = None
        report["notes"].append("no held-out evaluation: too few decisions to split in time")
    else:
        report["evaluation"] = {
            "split": evaluation.split,
            "learned": evaluation.learned,
            "default": evaluation.default,
        }
        report["notes"].extend(evaluation.notes)
    if described["cold_start"]:
        report["notes"].append(
            f"cold start: the saved model learned from {described['labelled_pairs']} labelled "
            "decisions only; its weights stay close to the (scaled) default weights"
        )
    return report


def format_report(report: dict[str, Any]) -> str:
    """The model report as plain text (what `cxmatch train` prints)."""
    model = report["model"]
    lines = [f"Model report: {report['campaign']}", ""]
    evaluation = report["evaluation"]
    if evaluation is not None:
        split = evaluation["split"]
        lines += [
            f"Held-out test: decisions from {split['cutoff']} on ({split['test_decisions']}, "
            f"{split['test_positive']} accepted); trained on the older decisions of other "
            f"visitors ({split['train_decisions']}, {split['train_positive']} accepted, "
            f"+ {split['sampled_pairs']} sampled never-proposed pairs).",
            f"Ranking: {split['ranked_visitors']} test visitors with an accepted host, each "
            f"ranking ~{split['hosts_per_ranked_visitor']:.0f} eligible hosts.",
            "",
            f"{'metric':<20}{'learned':>10}{'default':>10}",
        ]
        rows = [
            ("AUC", "auc"),
            ("Brier score", "brier"),
            ("calibration error", "calibration_error"),
        ]
        for k in KS:
            rows += [(f"hit@{k}", f"hit@{k}"), (f"NDCG@{k}", f"ndcg@{k}")]
        for label, key in rows:
            learned, default = evaluation["learned"][key], evaluation["default"][key]
            lines.append(f"{label:<20}{learned:>10.4f}{default:>10.4f}")
        lines.append("(default: the hand-set weights' 0-100 score read as a probability)")
        lines.append("")
    lines += [
        f"Saved model: {model['model']}; trained on all {model['labelled_pairs']} labelled "
        f"decisions ({model['positive_pairs']} accepted) + {model['sampled_pairs']} sampled "
        "never-proposed pairs.",
        f"score = 100 * sigmoid(intercept + sum of weight x feature); intercept "
        f"{model['intercept']:+.3f} (prior correction {model['prior_correction']:+.3f}, "
        f"calibration slope {model['calibration']['slope']:.3f}).",
        "",
        f"{'feature':<18}{'weight':>9}{'default':>9}  meaning",
    ]
    scaled = report["default_weights_scaled"]
    for feature in REGISTRY:
        name = feature.name
        lines.append(
            f"{name:<18}{model['weights'][name]:>+9.3f}{scaled[name]:>+9.3f}  {feature.meaning}"
        )
    lines.append(f"(default: the hand-set weights x {model['prior_scale']:.3f}, the prior centre)")
    if report["notes"]:
        lines.append("")
        lines += [f"Note: {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def model_note(path: Path) -> dict[str, Any]:
    """What a run's manifest says about a model it loaded."""
    import hashlib

    file = path / MODEL_FILE if path.is_dir() else path
    return {
        "source": "model file (cxmatch train)",
        "model_path": str(path),
        "model_sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
    }
