"""``cxmatch simulate``, ``cxmatch sweep`` and ``cxmatch compare``: campaign scenarios."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from engine.cli.app import (
    MAX_SEED,
    MAX_WORKERS,
    BadOption,
    Progress,
    SomeRunsFailed,
    app,
    interactive,
    out_folder,
    setup_logging,
    whole,
)

MAX_SEEDS = 10_000  # seeds per scenario in a sweep


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
    from engine.output.store import OutputExists
    from scenarios.report import simulation_report
    from scenarios.simulate import simulate as run_simulation
    from scenarios.spec import load_scenario
    from scenarios.store import write_simulation
    from scenarios.whatif import load_base, prepare

    setup_logging(verbose)
    progress = Progress(interactive())
    if seed is not None:
        whole("--seed", seed, 0, MAX_SEED)
    out_folder("--out", out)
    loaded = load_scenario(scenario)
    chosen_seed = loaded.scenario.seed if seed is None else seed
    target = out or Path("simulations") / f"{loaded.scenario.name}-seed{chosen_seed}"
    if target.exists() or target.is_symlink():
        raise OutputExists(f"{target} exists already; choose another --out")
    progress("loading the base campaign and applying the changes")
    prepared = prepare(loaded.scenario, load_base(loaded), chosen_seed, loaded.path)
    result = run_simulation(prepared, progress)
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
    logging.getLogger("distributed").setLevel(logging.WARNING)  # its INFO lines drown ours
    progress = Progress(interactive() or verbose)
    whole("--seeds", seeds, 1, MAX_SEEDS)
    whole("--first-seed", first_seed, 0, MAX_SEED - seeds)
    if workers is not None:
        whole("--workers", workers, 1, MAX_WORKERS)
    out_folder("--out", out)
    problems: list[str] = []
    loaded = []
    for path in scenarios:
        try:
            loaded.append(load_scenario(path))
        except ScenarioInvalid as invalid:
            problems.append(str(invalid))
    if problems:
        raise BadOption("\n".join(problems))
    outcome = run_sweep(
        loaded,
        _seed_list(seeds, first_seed),
        out,
        serial=serial,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
    )
    typer.echo(
        f"{len(outcome.runs)} results -> {out}: ran {len(outcome.ran)}, "
        f"reused {len(outcome.reused)}, failed {len(outcome.failed)} "
        f"({outcome.wall_time_s:.1f}s)"
    )
    for (name, seed), error in sorted(outcome.failed.items()):
        typer.secho(f"  failed: {name} seed {seed}: {error}", err=True, fg=typer.colors.RED)
    if outcome.failed:
        raise SomeRunsFailed(f"{len(outcome.failed)} of {len(outcome.runs)} runs failed")


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="simulation or sweep folder")],
    b: Annotated[Path, typer.Argument(help="simulation or sweep folder of the same kind")],
    out: Annotated[Path | None, typer.Option(help="also write the tables to this folder")] = None,
) -> None:
    """Differences between two simulations (or two sweeps): accepted pairs that changed, KPI
    deltas, score and spend deltas."""
    from engine.output.store import json_writer, write_atomically
    from scenarios.compare import compare as run_compare
    from scenarios.compare import text_report
    from scenarios.store import write_csv

    setup_logging(False)
    out_folder("--out", out)
    comparison = run_compare(a, b)
    typer.echo(text_report(comparison, a, b))
    if out is not None:
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
        typer.echo(f"tables -> {out}")
