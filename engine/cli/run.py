"""``cxmatch validate``, ``cxmatch run`` and ``cxmatch generate``: a campaign checked, one
night run and written, a synthetic campaign made."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from engine.cli.app import (
    MAX_PROFILES,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_TOP_K,
    MAX_WORKERS,
    PACE_OPTION,
    BadOption,
    Progress,
    app,
    every_option,
    interactive,
    load_or_exit,
    night_date,
    one_of,
    out_folder,
    positive,
    say_warnings,
    setup_logging,
    whole,
    writable,
)
from engine.cli.pace import Pace, checked
from engine.domain.counts import counted
from engine.night.expected import still_missing
from engine.night.later import with_later_decisions_said

if TYPE_CHECKING:
    from engine.night.night import NightResult


@app.command()
def validate(
    campaign: Annotated[Path, typer.Argument(help="campaign folder")],
) -> None:
    """Check a campaign and list every problem (file, row, column). Exit 2 on bad input.

    Says how many values it read as codes per field (e.g. 'Cluster organisation')."""
    from engine.load.campaign import read_campaign

    setup_logging(False)
    read = read_campaign(campaign)
    loaded = read.campaign
    typer.echo(
        f"{campaign}: valid ({len(loaded.visitors)} visitors, {len(loaded.hosts)} hosts, "
        f"{len(loaded.history)} history rows, {len(loaded.quotas)} quotas)"
    )
    if read.normalised:
        total = sum(entry.count for entry in read.normalised)
        typer.echo(f"normalised {total:,} values to codes:")
        for entry in read.normalised:
            typer.echo(f"  {entry}")
    say_warnings(loaded.warnings)


@app.command()
def run(
    campaign: Annotated[
        Path | None, typer.Argument(help="campaign folder (default: the bundled demo)")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="run folder (default CAMPAIGN/runs/<run id>, where nightly looks)"),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            help="the whole run's time, seconds (loading to writing; the solver gets "
            "what the other stages leave)"
        ),
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="solver random seed")] = 0,
    workers: Annotated[int, typer.Option(help="solver threads")] = 2,
    top_k: Annotated[int, typer.Option(help="candidate hosts kept per visitor")] = 25,
    model: Annotated[
        Path | None,
        typer.Option(help="model from `cxmatch train` (default: learn from the history)"),
    ] = None,
    previous: Annotated[
        Path | None, typer.Option(help="last run: keep its unanswered proposals stable")
    ] = None,
    with_contacts: Annotated[
        bool, typer.Option("--with-contacts", help="put contact data in the proposals workbook")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="the night's date, YYYY-MM-DD or DD/MM/YYYY: nothing starts before it plus the policy's "
            "lead_days (default: today; the bundled demo: its own date)",
        ),
    ] = None,
    pace: Annotated[float | None, PACE_OPTION] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """The nightly job: score every eligible pair, solve one global assignment, write a run.

    Reads the campaign's decision log: accepted pairs are locked, rejected ones never proposed.
    """
    import time

    started = time.perf_counter()  # --time-limit counts from here
    from engine.cli.pace import machine_pace
    from engine.night.options import RunOptions
    from engine.output.run_folder import write_run
    from engine.output.store import OutputExists, new_run_id
    from engine.review.carryover import campaign_with_log
    from engine.review.checked_night import checked_night
    from engine.review.log import log_path, mark_read
    from engine.synthetic.generator import DEMO_AS_OF, demo_campaign_path

    setup_logging(verbose)
    night, *_ = every_option(
        lambda: night_date("--as-of", as_of),
        lambda: positive("--time-limit", time_limit, MAX_TIME_LIMIT_S),
        lambda: whole("--workers", workers, 1, MAX_WORKERS),
        lambda: whole("--top-k", top_k, 1, MAX_TOP_K),
        lambda: whole("--seed", seed, 0, MAX_SEED),
        lambda: out_folder("--out", out),
        lambda: pace is None or checked(str(pace), "--pace"),
    )
    if night is None and campaign is None:
        night = DEMO_AS_OF  # the bundled demo runs as of its own date, whatever today is
    machine = machine_pace(pace)  # measured once a boot (about 2.5 s) unless given
    progress = Progress(interactive())
    run_id = new_run_id()
    # runs live beside the campaign's decision log, where `nightly` and `decide` find them
    # (the bundled demo is read-only: its runs go to ./runs)
    target = out if out is not None else (Path(campaign) if campaign else Path()) / "runs" / run_id
    if target.exists() or target.is_symlink():
        raise OutputExists(f"{target} exists already; runs are never overwritten")
    if campaign is not None:
        inside_campaign(Path(campaign), target)
    writable(target.parent)
    scorer = None
    if model is not None:
        from engine.output.model_files import load_model, model_note
        from scoring.linear import DescribedScorer

        scorer = DescribedScorer(load_model(model), model_note(model))
    progress("loading campaign")
    folder = campaign if campaign is not None else demo_campaign_path()
    own = load_or_exit(campaign)
    loaded, carry, read = campaign_with_log(own, folder, previous)
    if log_path(Path(folder)).exists():  # the run records there that it read the log: before
        writable(Path(folder))  # the night runs (a damaged log is said first, exit 6)
    loaded = with_later_decisions_said(loaded, night or datetime.now(UTC).date(), own.history)
    say_warnings(loaded.warnings)  # the manifest keeps them too
    options = RunOptions(
        time_limit_s=time_limit,
        workers=workers,
        seed=seed,
        top_k=top_k,
        carryover=carry,
        scorer=scorer,
        as_of=night,
        pace=machine.value,
        started=started,
    )
    result = checked_night(loaded, options, progress)
    progress(f"writing {target}")
    write_run(
        target, run_id, loaded, options, result, campaign_folder=folder,
        include_contacts=with_contacts,
    )  # fmt: skip
    mark_read(log_path(Path(folder)), run_id, read)  # written: its answers are read for good
    typer.echo(
        night_summary(result, loaded.policy.min_sme_share, target, time_limit, started, machine)
    )


def night_summary(
    result: NightResult,
    min_share: float,
    target: Path,
    time_limit: float,
    started: float,
    machine: Pace,
) -> str:
    """What a night did, as ``run`` and ``nightly`` print it: proposals, the solver (and a cut
    by the wall clock), the run's time, the SME share, the targets, the checker, who is left
    out (the terminal audit: ``nightly`` said none of it, a cut run included)."""
    import time

    solve = result.solve
    smes, total = result.sme_share_plan()
    share = smes / max(1, total)
    before = result.sme_past[1]
    with_before = before and result.sme_past_counted
    exchanges = counted(before, "exchange")
    whose = f"with the {exchanges} accepted before" if with_before else "of tonight's proposals"
    short = (
        f" (the {exchanges} accepted before {'is' if before == 1 else 'are'} short of it"
        " already: tonight's proposals hold it on their own)"
        if before and not with_before
        else ""
    )
    sme_words = (
        f"SME share {share:.1%} {whose}, at least {min_share:.0%}{short}"
        if total
        else f"SME share n/a (no proposals; at least {min_share:.0%} of them go to SMEs)"
    )
    gap = "n/a" if solve.gap is None else f"{100 * solve.gap:.3f}%"
    cut = (
        " (cut by the wall clock: not guaranteed reproducible)"
        if "cut_by_wall_clock" in solve.stats
        else ""
    )
    added = int(solve.stats.get("top_up_added", 0))
    moved = int(solve.stats.get("top_up_moved", 0))
    topped = "".join(
        [
            f"; +{added} on other dates where the host's days had places" if added else "",
            f"; {moved} moved to a better pair of theirs" if moved else "",
            " (top-up)" if added or moved else "",
        ]
    )
    return (
        f"{len(result.proposals)} proposals -> {target}\n"
        f"  solver {solve.solver}: {solve.status.value}, objective {solve.objective}, "
        f"bound {solve.best_bound}, gap {gap}, {solve.wall_time_s:.1f}s{cut}{topped}; "
        f"run {time.perf_counter() - started:.1f}s of --time-limit {time_limit:g}s, "
        f"this machine's {machine.words()}\n"
        f"  {sme_words}; expected exchanges "
        "still needed for the targets "
        f"{still_missing(result.kpis):,.1f}; "
        f"checker: no broken rule\n" + left_out_summary(result.unmatched)
    )


def inside_campaign(campaign: Path, target: Path) -> None:
    """Refuse (exit 2) a run folder inside the campaign folder but outside its ``runs``: a run
    written as ``decisions.sqlite`` or ``profiles.parquet`` made every later command refuse
    the campaign (the failures audit)."""
    where, home = target.absolute().resolve(), campaign.absolute().resolve()
    runs = (home / "runs").resolve()
    if where.is_relative_to(home) and not where.is_relative_to(runs):
        raise BadOption(
            f"--out {target} is inside the campaign folder {campaign}: write a run to "
            f"{campaign / 'runs' / '<name>'} or outside the campaign"
        )


def left_out_summary(table: pd.DataFrame) -> str:
    """One line: how many visitors and hosts are left out tonight, and the top reasons."""
    if table.empty:
        return "  left out: nobody"
    parts = []
    for side in ("visitor", "host"):
        mine = table[table["side"] == side]
        if mine.empty:
            continue
        counts = mine["code"].value_counts()
        top = counts.head(3)
        reasons = ", ".join(f"{str(code).replace('_', ' ')} {count}" for code, count in top.items())
        if len(counts) > len(top):  # the rest said, so the counts add up
            reasons += f", {len(counts) - len(top)} other reasons {int(counts.iloc[3:].sum())}"
        parts.append(f"{counted(len(mine), side)} ({reasons})")
    return "  left out: " + "; ".join(parts) + " (unmatched.csv)"


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="campaign folder to create")],
    visitors: Annotated[int, typer.Option(help="number of visitor profiles")] = 800,
    hosts: Annotated[int, typer.Option(help="number of host profiles")] = 200,
    seed: Annotated[int, typer.Option(help="random seed")] = 2026,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    words: Annotated[
        str, typer.Option(help="labels: the IT tool's words (as the demo); codes: cxmatch's codes")
    ] = "labels",
) -> None:
    """Write a realistic synthetic campaign (deterministic for a seed)."""
    from engine.output.store import OutputExists
    from engine.synthetic.generator import generate_campaign, write_campaign

    setup_logging(False)
    every_option(
        lambda: one_of("--format", fmt, ("csv", "parquet")),
        lambda: one_of("--words", words, ("labels", "codes")),
        lambda: whole("--visitors", visitors, 1, MAX_PROFILES),
        lambda: whole("--hosts", hosts, 1, MAX_PROFILES),
        lambda: whole("--seed", seed, 0, MAX_SEED),
        lambda: out_folder("--out", out),
    )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputExists(f"{out} exists and is not an empty folder")
    generated = generate_campaign(visitors, hosts, seed)
    write_campaign(generated, out, fmt=fmt, words=words)  # type: ignore[arg-type]
    typer.echo(f"campaign of {visitors} visitors and {hosts} hosts -> {out}")
