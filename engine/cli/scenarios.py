"""``cxmatch simulate``, ``cxmatch sweep`` and ``cxmatch compare``: campaign scenarios."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from engine.cli import exitcodes
from engine.cli.app import Progress, app, fail, interactive, refuse, setup_logging
from engine.domain.problems import CampaignInvalid


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="scenario file (scenarios/*.toml)")],
    out: Annotated[
        Path | None, typer.Option(help="output folder (default simulations/<name>-seed<seed>)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Replay a campaign night by night: propose, decide (simulated), next night. Writes
    per-night tables, KPI progress, lump sums and an HTML report, atomically."""
    from scenarios.report import simulation_report
    from scenarios.simulate import SimulationFailed
    from scenarios.simulate import simulate as run_simulation
    from scenarios.spec import ScenarioInvalid, load_scenario
    from scenarios.store import write_simulation
    from scenarios.whatif import load_base, prepare

    setup_logging(verbose)
    progress = Progress(interactive())
    try:
        loaded = load_scenario(scenario)
        chosen_seed = loaded.scenario.seed if seed is None else seed
        target = out or Path("simulations") / f"{loaded.scenario.name}-seed{chosen_seed}"
        if target.exists():
            raise fail(exitcodes.OUTPUT_EXISTS, f"{target} exists already; choose another --out")
        progress("loading the base campaign and applying the changes")
        prepared = prepare(loaded.scenario, load_base(loaded), chosen_seed, loaded.path)
        result = run_simulation(prepared, progress)
    except (ScenarioInvalid, CampaignInvalid) as invalid:
        raise refuse(invalid) from None
    except SimulationFailed as failed:
        raise refuse(failed, "simulation failed: ") from None
    progress(f"writing {target}")
    write_simulation(target, result, simulation_report(result))
    summary = result.summary
    reached = summary["nights_to_target"]
    typer.echo(
        f"{summary['scenario']} (seed {chosen_seed}), {summary['nights']} nights -> {target}\n"
        f"  {summary['accepted']} accepted of {summary['proposals']} proposals; "
        f"KPIs met {summary['kpis_met']}/{summary['kpis']} "
        f"(attainment {summary['kpi_attainment']}); "
        + (
            f"every KPI met by night {reached}"
            if reached is not None
            else f"not every KPI met (shortfall {summary['shortfall']})"
        )
        + f"\n  lump sums EUR {summary['lump_sum_eur']:,.0f}; "
        f"SME share of accepted {summary['sme_share_accepted']}"
    )


def _seed_list(seeds: int, first_seed: int) -> list[int]:
    return list(range(first_seed, first_seed + seeds))


class _NoClosedCommTraceback(logging.Filter):
    """Dask logs a connection closed on a normal shutdown with its traceback (below ERROR):
    keep the line under --verbose, never the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        from distributed.comm.core import CommClosedError

        if record.exc_info and isinstance(record.exc_info[1], CommClosedError):
            if record.levelno >= logging.ERROR:
                return True
            record.exc_info, record.exc_text = None, None
        return True


def _quiet_dask(verbose: bool) -> None:
    """Dask's loggers at WARNING (INFO with --verbose). Importing distributed sets its own
    levels, so this runs after that import."""
    import distributed  # noqa: F401

    logging.getLogger("distributed").setLevel(logging.INFO if verbose else logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoClosedCommTraceback())


@app.command()
def sweep(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files")],
    seeds: Annotated[int, typer.Option(help="seeds per scenario", min=1)] = 3,
    first_seed: Annotated[int, typer.Option(help="the first seed", min=0)] = 0,
    out: Annotated[Path, typer.Option(help="sweep folder (re-runs resume in it)")] = Path(
        "sweeps/sweep"
    ),
    scheduler: Annotated[
        str | None, typer.Option(help="address of an existing Dask scheduler")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="local Dask workers (default: one per core)", min=1)
    ] = None,
    serial: Annotated[bool, typer.Option("--serial", help="no Dask: run in this process")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run scenarios x seeds on Dask (or --serial) and compare them in one table and report.
    Finished results are kept and skipped on re-run; a failed run is reported."""
    from scenarios.spec import ScenarioInvalid, load_scenario
    from scenarios.sweep import run_sweep

    setup_logging(verbose)
    if not serial:
        _quiet_dask(verbose)
    progress = Progress(interactive() or verbose)
    problems: list[str] = []
    loaded = []
    for path in scenarios:
        try:
            loaded.append(load_scenario(path))
        except ScenarioInvalid as invalid:
            problems.append(str(invalid))
    if problems:
        raise fail(exitcodes.BAD_INPUT, "\n".join(problems))
    try:
        outcome = run_sweep(
            loaded,
            _seed_list(seeds, first_seed),
            out,
            serial=serial,
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            log_level=logging.INFO if verbose else logging.WARNING,
        )
    except (ScenarioInvalid, CampaignInvalid) as invalid:
        raise refuse(invalid) from None
    typer.echo(
        f"{len(outcome.runs)} results -> {out}: ran {len(outcome.ran)}, "
        f"reused {len(outcome.reused)}, failed {len(outcome.failed)} "
        f"({outcome.wall_time_s:.1f}s)"
    )
    for (name, seed), error in sorted(outcome.failed.items()):
        typer.secho(f"  failed: {name} seed {seed}: {error}", err=True, fg=typer.colors.RED)
    if outcome.failed:
        raise typer.Exit(exitcodes.INTERNAL_ERROR)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="simulation or sweep folder")],
    b: Annotated[Path, typer.Argument(help="simulation or sweep folder of the same kind")],
    out: Annotated[Path | None, typer.Option(help="also write the tables to this folder")] = None,
) -> None:
    """Differences between two simulations (or two sweeps): accepted pairs that changed, KPI
    deltas, score and spend deltas."""
    from engine.output.store import OutputExists, json_writer, write_atomically
    from scenarios.compare import NotComparable, text_report
    from scenarios.compare import compare as run_compare
    from scenarios.store import write_csv

    setup_logging(False)
    try:
        comparison = run_compare(a, b)
    except NotComparable as error:
        raise refuse(error) from None
    typer.echo(text_report(comparison, a, b))
    if out is not None:
        try:
            write_atomically(
                out,
                {
                    "headlines.csv": lambda path: write_csv(comparison.headlines, path),
                    "kpis.csv": lambda path: write_csv(comparison.kpis, path),
                    "pairs.csv": lambda path: write_csv(comparison.pairs, path),
                    "compare.json": json_writer(
                        {
                            "a": str(a),
                            "b": str(b),
                            "kind": comparison.kind,
                            "notes": comparison.notes,
                        }
                    ),
                },
            )
        except OutputExists as exists:
            raise fail(exitcodes.OUTPUT_EXISTS, str(exists)) from None
        typer.echo(f"tables -> {out}")
