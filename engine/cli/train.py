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
    interactive,
    load_or_exit,
    out_folder,
    setup_logging,
    whole,
)


@app.command()
def train(
    campaign: Annotated[Path, typer.Argument(help="campaign folder with a history")],
    out: Annotated[Path, typer.Option(help="model folder to create")],
    seed: Annotated[int, typer.Option(help="random seed (sampled pairs, folds)")] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Learn weights from past decisions; print and save the model report (held-out AUC,
    Brier, hit@k, NDCG@k, learned vs default weights). `run --model MODEL` uses the model."""
    from engine.output.model_files import format_report, model_report, save_model
    from engine.output.store import OutputExists
    from scoring.training import ScoringContext, TrainingSettings, evaluate, labelled_pairs
    from scoring.training import train as train_model

    setup_logging(verbose)
    progress = Progress(interactive())
    whole("--seed", seed, 0, MAX_SEED)
    out_folder("--out", out)
    if out.exists() or out.is_symlink():
        raise OutputExists(f"{out} exists already; choose another --out")
    progress("loading campaign")
    loaded = load_or_exit(campaign)
    scoring = ScoringContext.of(loaded)
    labels = labelled_pairs(loaded, scoring.encoded)
    if len(set(labels.label.tolist())) < 2:
        raise BadOption(
            f"{campaign}: the history has {len(labels)} decisions on known profiles; learning "
            "needs accepted (or completed) and rejected (or cancelled) ones",
        )
    settings = TrainingSettings()
    progress(f"evaluating on a time split of {len(labels)} decisions")
    try:
        evaluation = evaluate(scoring, settings, random_state=seed)
    except ValueError as too_few:
        evaluation = None
        progress(f"no held-out evaluation: {too_few}")
    progress("training on every decision")
    trained = train_model(scoring, settings, random_state=seed)
    report = model_report(trained, loaded, evaluation)
    save_model(out, trained, loaded, evaluation)
    typer.echo(format_report(report))
    typer.echo(f"model -> {out}")
