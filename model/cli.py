"""The `workforce` command line: run scenarios and check scenario files.

Exit codes: 0 success, 2 bad input (one line naming the problem, nothing written), 1 internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from typer.exceptions import TyperException

from model.errors import InputError
from model.runner import check_output_dir, check_seed, resolve_scenario, simulate, write_results, write_run
from model.scenario import load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Agent-based model of Jiangsu's industrial workers and the industrial-worker reform.")
err = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    scale: Annotated[float, typer.Option(help="Share of the ~23 million workers simulated (1.0 = full scale).")] = 0.01,
    seed: Annotated[int, typer.Option(help="Random seed (0 to 2^63-1).")] = 0,
    start: Annotated[str | None, typer.Option(help="First reported month, YYYY-MM (default: the scenario's).")] = None,
    end: Annotated[str | None, typer.Option(help="Last month, YYYY-MM (default: the scenario's).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output directory (default: runs/<scenario file name>).")] = None,
    threads: Annotated[int | None, typer.Option(help="Threads for the kernels; results do not depend on it.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace a run already in the output directory.")] = False,
) -> None:
    """Run one scenario; write DIR/kpis.parquet, DIR/ledger.parquet and DIR/manifest.json."""
    spec, _ = resolve_scenario(scenario, start, end)
    check_seed(seed)
    out = out or Path("runs") / scenario.stem
    check_output_dir(out, overwrite)
    if threads is not None and threads < 1:
        raise InputError(f"threads: {threads} is outside the allowed range (1 or more)")
    with _progress() as progress:
        task = progress.add_task(f"{spec.name} ×{scale:g}", total=None)
        result = simulate(scenario, scale, seed, start, end, threads,
                          on_month=lambda k, n: progress.update(task, completed=k, total=n))
    write_run(out, result)
    table = result.table
    err.print(_summary(table, spec.name))
    seconds = result.manifest["timings_seconds"]["total"]
    period = f"{spec.period.start}..{spec.period.end}"
    err.print(f"{spec.name}: {len(table):,} KPI rows for {period} in {seconds:.1f} s → {out}")


SUMMARY_KPIS = ("workers", "high_skill_workers", "high_skill_share", "certified_share", "mean_wage_yuan_month",
                "turnover_rate_annual", "mean_age", "share_over_50", "output_index")


def _summary(table, title: str) -> Table:  # noqa: ANN001 - the tidy KPI DataFrame
    """Province KPIs at the first, a middle and the last reported month."""
    province = table[table.dimension == "province"].pivot(index="date", columns="kpi", values="value")
    dates = sorted({province.index[0], province.index[len(province) // 2], province.index[-1]})
    summary = Table(title=f"{title}: Jiangsu, province", title_justify="left")
    summary.add_column("kpi")
    for date in dates:
        summary.add_column(date.strftime("%Y-%m"), justify="right")
    for kpi in SUMMARY_KPIS:
        values = province.loc[dates, kpi]
        cells = [f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3f}" for v in values]
        summary.add_row(kpi, *cells)
    return summary


@app.command()
def compare(
    baseline: Annotated[Path, typer.Argument(help="Baseline scenario file (any scenario can serve).")],
    reforms: Annotated[list[Path], typer.Argument(help="One or more reform scenario files.")],
    seeds: Annotated[int, typer.Option(help="Paired replications (seeds seed .. seed + R - 1).")] = 10,
    scale: Annotated[float, typer.Option(help="Share of the ~23 million workers simulated.")] = 0.01,
    seed: Annotated[int, typer.Option(help="First seed.")] = 0,
    start: Annotated[str | None, typer.Option(help="First reported month, YYYY-MM.")] = None,
    end: Annotated[str | None, typer.Option(help="Last month, YYYY-MM.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output directory (default: runs/compare-<baseline>).")] = None,
    threads: Annotated[int | None, typer.Option(help="Threads for the kernels.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace results already in the output directory.")] = False,
    discount_rate: Annotated[float, typer.Option(help="Annual rate for the discounted costs (0 to 0.5).")] = 0.08,
    workers: Annotated[int | None, typer.Option(help="Replications run at once in separate processes "
                                                     "(default: as cores and memory allow).")] = None,
) -> None:
    """Reform minus baseline on the same seeds: effects.parquet, headline.csv, manifest.json."""
    from model.compare import compare as run_comparison

    for path in [baseline, *reforms]:
        resolve_scenario(path, start, end)
    out = out or Path("runs") / f"compare-{baseline.stem}"
    check_output_dir(out, overwrite)
    with _progress() as progress:
        task = progress.add_task("paired runs", total=None)
        result = run_comparison(baseline, list(reforms), seeds, scale, seed, start, end, threads,
                                on_run=lambda k, n: progress.update(task, completed=k, total=n),
                                discount_rate=discount_rate, workers=workers)
    write_results(out, {"effects.parquet": lambda p: result.effects.to_parquet(p, index=False),
                        "headline.csv": lambda p: result.headline.to_csv(p, index=False)}, result.manifest)
    headline = _headline(result.headline, result.manifest["baseline"])
    err.print(headline, width=max(err.width, 40 + 40 * len(reforms)))  # never squeeze the numbers
    err.print(f"{len(reforms)} reform(s) x {seeds} seed(s) at scale {scale:g} → {out}", soft_wrap=True, markup=False)


HEADLINE_COLUMNS = (("delta_high_skill_workers", "Δ high-skill workers", "{:,.0f}"),
                    ("delta_high_skill_share", "Δ high-skill share", "{:+.4f}"),
                    ("delta_turnover_pp", "Δ turnover (pp)", "{:+.2f}"),
                    ("delta_mean_wage_yuan_month", "Δ mean wage (yuan/month)", "{:+,.0f}"),
                    ("delta_retained_workers", "Δ retained workers (fewer quits)", "{:,.0f}"),
                    ("fiscal_cost_yuan_total", "fiscal cost (bn yuan)", "bn"),
                    ("employer_cost_yuan_total", "employer cost (bn yuan)", "bn"),
                    ("fiscal_cost_per_high_skill_worker_yuan", "fiscal cost per high-skill worker", "{:,.0f}"),
                    ("fiscal_cost_per_retained_worker_yuan", "fiscal cost per retained worker", "{:,.0f}"),
                    ("wage_winners_share", "wage winners (>1%)", "{:.1%}"),
                    ("wage_losers_share", "wage losers (>1%)", "{:.1%}"))


def _headline(headline, baseline: str) -> Table:  # noqa: ANN001 - the headline DataFrame
    """Each reform's headline effects as mean [90% interval]."""
    table = Table(title=f"Reform minus {baseline}, Jiangsu (costs summed over the period)", title_justify="left")
    table.add_column("")
    for name in headline.scenario:
        table.add_column(str(name), justify="right")

    def cell(value: float, style: str) -> str:
        if not np.isfinite(value):
            return "–"
        return f"{value / 1e9:,.2f}" if style == "bn" else style.format(value)

    for column, label, style in HEADLINE_COLUMNS:
        cells = []
        for _, row in headline.iterrows():
            lo, hi = row[f"{column}_lo"], row[f"{column}_hi"]
            interval = f" [{cell(lo, style)}, {cell(hi, style)}]" if np.isfinite(lo) and np.isfinite(hi) else ""
            cells.append(cell(row[column], style) + interval)
        table.add_row(label, *cells)
    return table


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")]) -> None:
    """Check scenario files without running them."""
    for path in files:
        spec = load_scenario(path)
        levers = ", ".join(module.NAME for module, _ in spec.levers.active()) or "no levers"
        err.print(f"{path}: ok ({spec.name}, {spec.period.start}..{spec.period.end}; {levers})", soft_wrap=True,
                  markup=False)


def main() -> None:
    """Entry point: one-line errors with exit code 2 for bad input, 1 for internal errors."""
    command = typer.main.get_command(app)
    try:
        command.main(standalone_mode=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("error: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    except TyperException as exc:  # usage errors: bad flag, bad value, missing argument
        print("error: " + " ".join(exc.format_message().split()), file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
