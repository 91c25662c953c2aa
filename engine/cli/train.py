"""``cxmatch train CAMPAIGN --out MODEL``: learn the score from a campaign's history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import (
    MAX_SEED,
    BadOption,
    Progress,
    app,
    every_option,
    interactive,
    load_or_exit,
    out_folder,
    say_warnings,
    setup_logging,
    whole,
)


@app.command()
def train(
    campaign: Annotated[Path, typer.Argument(help="campaign folder with a history")],
    out: Annotated[Path, typer.Option(help="model folder to create")],
    seed: Annotated[int, typer.Option(help="random seed (bootstrap draws)")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Learn the acceptance model from past decisions; print and save the model report
    (held-out AUC, log-loss, Brier score and calibration error with intervals, for the
    additive and linear models and the calibrated default weights). `run --model MODEL` uses
    the saved model."""
    from engine.output.model_files import save_model
    from engine.output.model_report import format_report, model_report
    from engine.output.store import OutputExists
    from scoring.additive import AdditiveScorer
    from scoring.evaluation import TrainingSettings, evaluate, fit_selected
    from scoring.training import ScoringContext, labelled_set

    setup_logging(verbose)
    progress = Progress(interactive())
    every_option(lambda: whole("--seed", seed, 0, MAX_SEED), lambda: out_folder("--out", out))
    if out.exists() or out.is_symlink():
        raise OutputExists(f"{out} exists already; choose another --out")
    progress("loading campaign")
    loaded = load_or_exit(campaign)
    say_warnings(loaded.warnings)  # what loading said (rows counted once, ...), as run says it
    data = labelled_set(ScoringContext.of(loaded))
    if len(set(data.label.tolist())) < 2:
        raise BadOption(
            f"{campaign}: the history has {len(data)} decisions on pairs eligible at the time; "
            "learning needs accepted (or completed) and rejected (or cancelled) ones",
        )
    settings = TrainingSettings()
    progress(f"evaluating on rolling time splits of {len(data)} decisions")
    try:
        evaluation = evaluate(data, settings, seed=seed)
    except ValueError as too_few:
        evaluation = None
        progress(f"no held-out evaluation: {too_few}")
    # the better learned model by the held-out results; with no evaluation, the linear one
    # (the cold start: near the default weights)
    family = "linear" if evaluation is None else evaluation.best_learned
    progress(f"training the {family} model on every decision")
    model, _params = fit_selected(family, data, settings)
    assert isinstance(model, AdditiveScorer)  # a learned family
    report = model_report(model, data, loaded, evaluation)
    save_model(out, model, data, loaded, evaluation)
    typer.echo(format_report(report))
    typer.echo(f"model -> {out}")
