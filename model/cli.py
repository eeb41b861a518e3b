"""The `workforce` command line: run scenarios and check scenario files.

Exit codes: 0 success, 2 bad input (one line naming the problem, nothing written), 1 internal error.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from enum import StrEnum
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

from model.errors import InputError, ReplicationsFailed
from model.experiments.overrides import parse_assignments
from model.experiments.results_store import output_lock
from model.experiments.runner import (
    check_output_dir,
    check_scale,
    check_seed,
    read_scenario,
    resolve_scenario,
    simulate,
    write_run,
)
from model.files import write_atomically
from model.scenario import load_scenario, read_text

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Agent-based model of Jiangsu's industrial workers and the industrial-worker reform.")


class Language(StrEnum):
    """The report's languages (the choices `--lang` shows)."""

    zh = "zh"
    en = "en"


def _version(value: bool) -> None:
    if value:
        from model.provenance import package_version

        print(f"workforce {package_version()}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                   help="Print the version and exit.")] = False) -> None:
    """Agent-based model of Jiangsu's industrial workers and the industrial-worker reform."""


err = Console(stderr=True, markup=False,  # text from scenario files is never read as rich markup
              width=None if sys.stderr.isatty() else 200)  # logs and pipes get whole tables
stdout = Console(markup=False, width=None if sys.stdout.isatty() else 200)
INTERRUPTED = "error: interrupted; nothing was written"


class Interrupted(Exception):  # noqa: N818 - reads as what happened
    """Ctrl-C, with what was kept (exit code 130)."""


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML), or a shipped scenario's name (baseline, "
                                                  "reform_2020, lever_training_subsidy, ...).")],
    scale: Annotated[float, typer.Option(help="Share of the ~23 million workers simulated (1.0 = full scale).")] = 0.01,
    seed: Annotated[int, typer.Option(help="Random seed (0 to 2^63-1).")] = 0,
    start: Annotated[str | None, typer.Option(help="First reported month, YYYY-MM (default: the scenario's).")] = None,
    end: Annotated[str | None, typer.Option(help="Last month, YYYY-MM (default: the scenario's).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output directory (default: runs/<scenario file name>).")] = None,
    threads: Annotated[int | None, typer.Option(help="Threads for the kernels; results do not depend on it.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace a run already in the output directory.")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Change a setting without a file: PATH=VALUE, "
                                                              "e.g. levers.training_subsidy.annual_quota=200000 or "
                                                              "parameters.learning_rate_monthly=0.03 (repeatable; "
                                                              "`workforce levers` / `parameters` list the paths).")]
    = None,
) -> None:
    """Run one scenario (a file, or a shipped scenario's name such as baseline); write DIR/kpis.parquet,
    DIR/ledger.parquet and DIR/manifest.json."""
    changes = parse_assignments(set_)
    spec, _, _ = resolve_scenario(scenario, start, end, changes)
    check_seed(seed)
    check_scale(scale)
    out = out or Path("runs") / scenario.stem
    check_output_dir(out, overwrite)
    if threads is not None and threads < 1:
        raise InputError(f"threads: {threads} is outside the allowed range (1 or more)")
    with output_lock(out), _progress() as progress:
        task = progress.add_task(f"{spec.key} ×{scale:g}", total=None)
        result = simulate(scenario, scale, seed, start, end, threads,
                          on_month=lambda k, n: progress.update(task, completed=k, total=n), overrides=changes)
        write_run(out, result)
    table = result.table
    err.print(_summary(table, spec.key))
    seconds = result.manifest["timings_seconds"]["total"]
    period = f"{spec.period.start}..{spec.period.end}"
    err.print(f"{spec.key}: {len(table):,} KPI rows for {period} in {seconds:.1f} s → {out}")


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
    baseline: Annotated[Path, typer.Argument(help="Baseline scenario file or shipped name (any scenario can "
                                                  "serve).")],
    reforms: Annotated[list[Path], typer.Argument(help="One or more reform scenario files or shipped names.")],
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
    posterior: Annotated[int | None, typer.Option(help="Run every seed under N parameter draws (calibrated "
                                                       "parameters from calibration/posterior.csv, assumed lever "
                                                       "responses from their priors): total intervals and their "
                                                       "decomposition (2 to 1000).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Change a setting of every reform (not the "
                                                              "baseline): PATH=VALUE, repeatable; e.g. compare "
                                                              "baseline baseline --set levers.pay_parity."
                                                              "gap_closed_share=0.3 is a what-if on the baseline.")]
    = None,
) -> None:
    """Reform minus baseline on the same seeds: effects.parquet, headline.csv, manifest.json."""
    from model.experiments.compare import compare as run_comparison
    from model.experiments.uncertainty import MAX_DRAWS

    if posterior is not None and not 2 <= posterior <= MAX_DRAWS:
        raise InputError(f"posterior: {posterior} is outside the allowed range 2 to {MAX_DRAWS} draws")
    changes = parse_assignments(set_)
    check_scale(scale)
    base_file, reform_files = read_scenario(baseline), [read_scenario(path) for path in reforms]  # read once
    resolve_scenario(base_file, start, end)
    for scenario in reform_files:
        resolve_scenario(scenario, start, end, changes)
    out = out or Path("runs") / f"compare-{baseline.stem}"
    check_output_dir(out, overwrite)
    with output_lock(out), _progress() as progress:
        task = progress.add_task("paired runs", total=None)
        result = run_comparison(base_file, [(r, changes) for r in reform_files], seeds, scale, seed, start, end,
                                threads, on_run=lambda k, n: progress.update(task, completed=k, total=n),
                                discount_rate=discount_rate, workers=workers, posterior=posterior)
        result.write(out)
    err.print(_headline(result.headline, result.manifest["baseline"]))
    err.print(_confidence(result.headline))
    draws = f" x {posterior} parameter draw(s)" if posterior else ""
    err.print(f"{len(reforms)} reform(s) x {seeds} seed(s){draws} at scale {scale:g} → {out}", soft_wrap=True,
              markup=False)


def _confidence(headline) -> Table:  # noqa: ANN001 - the headline DataFrame
    """Per reform: whether Δ high-skill workers is robust (its total interval excludes zero), what its variance
    comes from (with --posterior), and how often the reform is the cheapest per additional high-skill worker."""
    from model.experiments.uncertainty import LABELS, SOURCES, verdict

    column = "delta_high_skill_workers"
    with_draws = f"{column}_share_noise" in headline
    table = Table(title="Δ high-skill workers: how sure" + (" (interval over parameter draws and seeds)" if with_draws
                                                            else " (interval from seed noise only: run with "
                                                                 "--posterior for parameter uncertainty)"),
                  title_justify="left")
    for name in ("reform", "verdict", *(["variance from"] if with_draws else [])):
        table.add_column(name)
    table.add_column("P(first: fiscal cost per high-skill worker)", justify="right")
    table.add_column("P(first: fiscal + employer cost)", justify="right")
    for _, row in headline.iterrows():
        lo, hi = row[f"{column}_lo"], row[f"{column}_hi"]
        said = verdict(lo, hi) if np.isfinite(lo) and np.isfinite(hi) else "one replication: no interval"
        said = "no effect (zero in every sample)" if said == "none" else said
        if not with_draws and said in ("robust", "uncertain"):  # seed noise alone never makes a conclusion robust
            said = "excludes zero (seed noise only)" if said == "robust" else "includes zero (seed noise only)"
        cells = [str(row.scenario), said]
        if with_draws:
            shares = ", ".join(f"{LABELS[s]} {row[f'{column}_share_{s}']:.0%}" for s in SOURCES
                               if np.isfinite(row[f"{column}_share_{s}"]))
            moves = row.get(f"{column}_moves_with") or ""
            cells.append((shares or "does not vary") + (f"; moves with {moves}" if said == "uncertain" and moves
                                                         else ""))
        cells += [f"{row.probability_cheapest_per_high_skill_worker:.0%}",
                  f"{row.probability_cheapest_total_per_high_skill_worker:.0%}"]
        table.add_row(*cells)
    return table


HEADLINE_COLUMNS = (("delta_high_skill_workers", "Δ high-skill workers", "{:,.0f}"),
                    ("delta_high_skill_share", "Δ high-skill share", "{:+.4f}"),
                    ("delta_turnover_pp", "Δ turnover (pp)", "{:+.2f}"),
                    ("delta_mean_wage_yuan_month", "Δ mean wage (yuan/month)", "{:+,.0f}"),
                    ("delta_retained_workers", "Δ workers kept in industry", "{:,.0f}"),
                    ("delta_employed_workers", "Δ employed", "{:,.0f}"),
                    ("fiscal_cost_yuan_total", "fiscal cost (bn yuan)", "bn"),
                    ("employer_cost_yuan_total", "employer cost (bn yuan)", "bn"),
                    ("fiscal_cost_per_high_skill_worker_yuan", "fiscal cost per high-skill worker", "{:,.0f}"),
                    ("fiscal_cost_per_retained_worker_yuan", "fiscal cost per retained worker", "{:,.0f}"),
                    ("wage_winners_share", "wage winners (>1%)", "{:.1%}"),
                    ("wage_losers_share", "wage losers (>1%)", "{:.1%}"),
                    ("own_wage_effect", "own wage effect", "{:+.2%}"))


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
def calibrate(
    quick: Annotated[bool, typer.Option(help="A short fit (a few minutes) for CI and trials.")] = False,
    scale: Annotated[float | None, typer.Option(help="Scale of each evaluation (default 0.002; quick 0.001).")] = None,
    seed: Annotated[int, typer.Option(help="First seed of the common random numbers and of the search.")] = 0,
    seeds: Annotated[int | None, typer.Option(help="Seeds averaged per evaluation (default 2; --check 3).")] = None,
    budget_minutes: Annotated[float | None, typer.Option(help="Stop the fit after so long, keeping the best.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Re-simulate with the fitted values; compare with the "
                                                       "targets; exit 1 if any fails.")] = False,
    predict: Annotated[bool, typer.Option("--predict", help="Predictions 2021-2025 under reform_2020 and the "
                                                           "baseline, from the fitted 2020 → "
                                                           "calibration/predictions.csv.")] = False,
    from_fit: Annotated[bool, typer.Option("--from-fit", help="The fit without its global search: Nelder-Mead from "
                                                             "the values of calibration/fitted.yaml, then the "
                                                             "profiles (e.g. after a parameter is held or a "
                                                             "tolerance changed).")] = False,
    recovery: Annotated[bool, typer.Option("--recovery", help="Joint parameter recovery: fit every free parameter "
                                                             "to targets simulated at the committed fit → "
                                                             "calibration/recovery.csv; exit 1 if it misses any "
                                                             "(README, Joint recovery).")] = False,
    targets: Annotated[Path | None, typer.Option(help="With --check: a targets file in the format of "
                                                      "calibration/targets.yaml (e.g. later figures).")] = None,
    start: Annotated[str | None, typer.Option(help="With --check: the month the check's runs start, the fit's "
                                                   "backcast start (default) or another (2012-07 to 2016-07), or "
                                                   "2020-01 (the 2020 margins scenario runs start from).")] = None,
    posterior: Annotated[bool, typer.Option("--posterior", help="Bayesian calibration (ABC-SMC): a posterior "
                                                               "sample → calibration/posterior.csv and "
                                                               "posterior.yaml.")] = False,
    workers: Annotated[int | None, typer.Option(help="With --posterior: evaluations run at once in separate "
                                                     "processes (default: the cores).")] = None,
    sbc: Annotated[bool, typer.Option("--sbc", help="Simulation-based calibration of the Bayesian calibration on "
                                                   "stand-ins built from the model's statistics → "
                                                   "calibration/sbc.csv.")] = False,
    replications: Annotated[int | None, typer.Option(help="With --sbc: replications per stand-in (default 40; "
                                                          "quick 10).")] = None,
    particles: Annotated[int | None, typer.Option(help="With --sbc: particles per calibration (default 120, the "
                                                       "calibration's; another number writes "
                                                       "runs/sbc-particles-N.csv).")] = None,
    posterior_draws: Annotated[int | None, typer.Option(help="With --predict: also run every seed under N "
                                                             "posterior draws, for the predictions' 90% bands "
                                                             "(2 to 1000).")] = None,
) -> None:
    """Fit the free behavioural parameters to calibration/targets.yaml → calibration/fitted.yaml."""
    from model.calibration import fit as fitting
    from model.calibration.targets import LAST_FIT_YEAR

    if scale is not None:
        check_scale(scale)
    if seeds is not None and not 1 <= seeds <= 100:
        raise InputError(f"seeds: {seeds} is outside the allowed range 1 to 100")
    if workers is not None and not 1 <= workers <= 256:
        raise InputError(f"workers: {workers} is outside the allowed range 1 to 256")
    if budget_minutes is not None and not 0 < budget_minutes <= 10_000:
        raise InputError(f"budget_minutes: {budget_minutes} is outside the allowed range 0 to 10000")
    if replications is not None and not 2 <= replications <= 10_000:
        raise InputError(f"replications: {replications} is outside the allowed range 2 to 10000")
    if particles is not None and not 10 <= particles <= 10_000:
        raise InputError(f"particles: {particles} is outside the allowed range 10 to 10000")
    if start is not None and not check:
        raise InputError("start: applies to --check only (the fit always starts at the backcast start)")
    if from_fit and (check or predict or recovery or posterior or sbc):
        raise InputError("from_fit: applies to the fit only, not to --check, --predict, --recovery, --posterior or "
                         "--sbc")
    if posterior:
        _bayesian_calibration(quick, scale, seed, seeds, budget_minutes, workers)
        return
    if sbc:
        _simulation_based_calibration(quick, seed, replications, particles)
        return
    if check:
        if targets is not None:
            read_text(targets, f"targets: {targets}", kind="targets")  # a regular, readable file
        from model.calibration.backcast import backcast
        from model.calibration.inputs import load_calibration
        from model.calibration.targets import CALIBRATION_START, TARGETS_FILE

        start = CALIBRATION_START if start is None else start
        backcast(load_calibration(), start)  # a start outside the allowed range is an error before any run
        rows = fitting.check(scale or 0.004, seeds or 3, seed, targets or TARGETS_FILE, start)
        table = Table(title=f"Calibration check (simulated with calibration/fitted.yaml from {start})",
                      title_justify="left")
        for column in ("target", "use", "year", "published", "simulated", "tolerance", "+ sampling noise", "pass"):
            table.add_column(column, justify="left" if column in ("target", "use") else "right")
        for r in rows:
            verdict = ("not simulated" if "not_simulated" in r else "not judged" if r["passes"] is None
                       else "yes" if r["passes"] else "NO" if r["year"] <= LAST_FIT_YEAR else "NO (out of sample)")
            simulated = "—" if "not_simulated" in r else f"{r['simulated']:,.4g}"
            noise = "—" if "not_simulated" in r else f"{r['sampling_noise']:,.3g}"
            table.add_row(r["target"], r["use"], str(r["year"]), f"{r['published']:,.4g}", simulated,
                          f"{r['tolerance']:,.3g}", noise, verdict)
        err.print(table)
        unsimulated = [f"{r['target']} ({r['not_simulated']})" for r in rows if "not_simulated" in r]
        if unsimulated:
            err.print(f"not simulated: {'; '.join(unsimulated)}", markup=False, soft_wrap=True)
        missed = [r["target"] for r in rows if r["passes"] is False and r["year"] > LAST_FIT_YEAR]
        if missed:  # findings about the model, not a failed calibration: nothing may be tuned to them
            err.print(f"out of sample (after {LAST_FIT_YEAR}), missed: {', '.join(missed)}", markup=False)
        failed = [r["target"] for r in rows if r["passes"] is False and r["year"] <= LAST_FIT_YEAR]
        if failed:
            print(f"error: {len(failed)} in-sample target(s) outside tolerance: {', '.join(failed)}", file=sys.stderr)
            raise typer.Exit(1)
        return
    if predict:
        from model.calibration.predictions import PREDICTIONS_FILE
        from model.experiments.uncertainty import MAX_DRAWS

        if posterior_draws is not None and not 2 <= posterior_draws <= MAX_DRAWS:
            raise InputError(f"posterior_draws: {posterior_draws} is outside the allowed range 2 to {MAX_DRAWS}")
        from model.calibration.predictions import predict as run_predictions

        table = run_predictions(scale or 0.01, seeds or 3, seed, posterior=posterior_draws)
        write_atomically(PREDICTIONS_FILE, lambda path: table.to_csv(path, index=False))
        wide = table.pivot(index=["scenario", "prediction"], columns="year", values="mean")
        err.print(wide.to_string(float_format=lambda v: f"{v:,.4g}"), markup=False, soft_wrap=True)
        err.print(f"→ {PREDICTIONS_FILE}", markup=False)
        return
    settings = fitting.FitSettings.quick(seed=seed) if quick else fitting.FitSettings(seed=seed)
    changes = {k: v for k, v in (("scale", scale), ("seeds", seeds),
                                 ("budget_seconds", budget_minutes and budget_minutes * 60)) if v}
    settings = fitting.FitSettings(**{**settings.__dict__, **changes})
    if recovery:
        import pandas as pd

        truth = fitting.committed_values()
        with _progress() as progress:
            task = progress.add_task("recovery: evaluations (best distance)", total=None)
            rows = fitting.recovery(truth, settings, Path("runs") / "recovery-checkpoint.json", lambda n, best:
                                    progress.update(task, completed=n,
                                                    description=f"recovery: evaluations (best distance {best:.3g})"))
        table = pd.DataFrame(rows)
        write_atomically(fitting.RECOVERY_FILE, lambda path: table.to_csv(path, index=False, float_format="%.6g"))
        err.print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"), markup=False, soft_wrap=True)
        err.print(f"→ {fitting.RECOVERY_FILE}", markup=False)
        missed = fitting.not_recovered(rows)
        if missed:
            print(f"error: {len(missed)} parameter(s) not recovered within {fitting.RECOVERED_WITHIN:.0%} of their "
                  "range: " + ", ".join(f"{name} ({share:.0%} off)" for name, share in missed.items()), file=sys.stderr)
            raise typer.Exit(1)
        return
    checkpoint = Path("runs") / "calibration-checkpoint.json"
    start_from = fitting.committed_values() if from_fit else None
    with _progress() as progress:
        task = progress.add_task("fit: evaluations (best distance)", total=None)
        result, profile, sensitivity = fitting.fit_with_profiles(
            settings, checkpoint, on_evaluation=lambda n, best: progress.update(
                task, completed=n, description=f"fit: evaluations (best distance {best:.3g})"),
            on_stage=lambda stage: progress.update(task, description=stage), start_from=start_from)
    fitting.write_fitted(result, settings, sensitivity, profile=profile,
                         method=fitting.LOCAL_METHOD if from_fit else fitting.GLOBAL_METHOD)
    unidentified = [name for name, p in profile.items() if not p["identified"]]
    if unidentified:
        err.print(f"not pinned down by the targets (profile open within the bounds): {', '.join(unidentified)}",
                  markup=False, soft_wrap=True)
    err.print(f"distance {result.distance:.3f} after {result.evaluations} evaluations"
              f"{' (stopped by the time budget)' if result.stopped_by_budget else ''}; "
              f"parameters: {result.parameters} → calibration/fitted.yaml", markup=False, soft_wrap=True)


def _simulation_based_calibration(quick: bool, seed: int, replications: int | None, particles: int | None) -> None:
    """`calibrate --sbc`: coverage of the posterior's 90% intervals on the two stand-ins (model/calibration_checks)."""
    import pandas as pd

    from model.calibration import checks
    from model.calibration import posterior as bayes

    settings = checks.SbcSettings(seed=seed, **({"replications": 10, "population": 40} if quick else {}))
    if replications:
        settings = checks.SbcSettings(**{**settings.__dict__, "replications": replications})
    if particles:
        settings = checks.SbcSettings(**{**settings.__dict__, "population": particles})
    database = bayes.database_path(bayes.PosteriorSettings(), Path("runs"))
    emulator = (checks.Emulator.from_database(database, bayes.CALIBRATED) if database.exists()
                else checks.Emulator.from_particles())
    stand_ins = {"linear toy (2 parameters)": (checks.LinearToy(), checks.toy_priors()),
                 f"quadratic emulator ({len(emulator.names)} parameters, {emulator.points} model runs)":
                     (emulator, checks.narrowed(checks.calibrated_priors_of(emulator.names), emulator))}
    tables = []
    with _progress() as progress:
        for name, (simulator, priors) in stand_ins.items():
            progress.add_task(f"SBC: {name}", total=None)
            tables.append(checks.sbc(simulator, priors, settings).assign(stand_in=name))
    table = pd.concat(tables, ignore_index=True)
    if quick:
        path = Path("runs") / "sbc-quick.csv"
    elif settings.population != checks.SbcSettings.population:
        path = Path("runs") / f"sbc-particles-{settings.population}.csv"
    else:
        path = checks.SBC_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda p: table.to_csv(p, index=False, float_format="%.6g"))
    for name, part in table.groupby("stand_in", sort=False):
        shares = checks.coverage(part)
        verdict = "within" if 0.80 <= shares["all"] <= 0.97 else "OUTSIDE"
        err.print(f"{name}: 90% intervals cover the truth in {shares['all']:.0%} of {len(part)} "
                  f"({verdict} 80-97%); by parameter: "
                  + ", ".join(f"{k} {v:.0%}" for k, v in shares.items() if k != "all"), markup=False, soft_wrap=True)
    err.print(f"→ {path}", markup=False)


def _bayesian_calibration(quick: bool, scale: float | None, seed: int, seeds: int | None,
                          budget_minutes: float | None, workers: int | None) -> None:
    """`calibrate --posterior`: run (or resume) ABC-SMC, write the sample and its summary, print the summary."""
    import os

    from model.calibration import posterior as bayes

    settings = bayes.PosteriorSettings.quick(seed=seed) if quick else bayes.PosteriorSettings(seed=seed)
    changes = {k: v for k, v in (("scale", scale), ("seeds", seeds),
                                 ("budget_seconds", budget_minutes and budget_minutes * 60)) if v}
    settings = bayes.PosteriorSettings(**{**settings.__dict__, **changes})
    err.print(f"ABC-SMC: population {settings.population}, up to {settings.generations} generations, scale "
              f"{settings.scale:g}, {settings.seeds} seed(s), budget {settings.budget_seconds / 60:.0f} min "
              "(resumes from runs/posterior-*.db)", markup=False, soft_wrap=True)
    result = bayes.calibrate(settings, Path("runs"), workers=workers or os.cpu_count() or 1)
    # a quick posterior is a trial: it never replaces the shipped one that comparisons draw from
    folder = Path("runs") / "posterior-quick" if quick else bayes.POSTERIOR_FILE.parent
    folder.mkdir(parents=True, exist_ok=True)
    files = folder / bayes.POSTERIOR_FILE.name, folder / bayes.SUMMARY_FILE.name
    body = bayes.write(result, *files)
    table = Table(title="Posterior of the calibrated parameters (90% intervals)", title_justify="left")
    for column in ("parameter", "prior", "posterior mean", "posterior 90%", "sd / prior sd", "moved by data"):
        table.add_column(column, justify="left" if column in ("parameter", "prior") else "right")
    for name, p in body["parameters"].items():
        table.add_row(name, f"{p['prior_interval'][0]:.4g} – {p['prior_interval'][1]:.4g}",
                      f"{p['posterior_mean']:.4g}",
                      f"{p['posterior_interval'][0]:.4g} – {p['posterior_interval'][1]:.4g}", f"{p['sd_ratio']:.2f}",
                      "yes" if p["moved_by_data"] else "no (stays at its prior)")
    err.print(table)
    checks = body["predictive_checks"]
    outside = [name for name, c in checks.items() if not c["inside"]]
    err.print(f"posterior predictive check: {len(checks) - len(outside)} of {len(checks)} targets inside their 90% "
              f"predictive interval{'; outside: ' + ', '.join(outside) if outside else ''}", markup=False,
              soft_wrap=True)
    prov = body["provenance"]
    err.print(f"{prov['generations']} generations, {prov['evaluations']} evaluations, {prov['seconds'] / 60:.1f} min; "
              f"final temperature {prov['final_temperature']:g}; {prov['particles']} particles worth "
              f"{prov['effective_sample_size']:g} (effective sample size)"
              f"{'' if prov['exact_posterior'] else ' (stopped before temperature 1: a tempered, wider posterior)'}"
              f" → {files[0]}, {files[1]}", markup=False, soft_wrap=True)


@app.command()
def report(
    directory: Annotated[Path, typer.Argument(help="A `workforce compare` output directory.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path("report.html"),
    lang: Annotated[Language, typer.Option(help="Language of the labels: zh (default) or en.")] = Language.zh,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the spreadsheet: ranking, headline, annual effects, "
                                                     "effects by group, costs, provenance (.xlsx in the report's "
                                                     "language; a .csv name writes the tidy CSV bundle).")]
    = None,
    sweep: Annotated[Path | None, typer.Option(help="A `workforce sweep` store: adds its sensitivity indices or "
                                                    "policy surface.")] = None,
    allow_mismatch: Annotated[bool, typer.Option("--allow-mismatch", help="Show a sweep run at another scale or "
                                                                         "period than the comparison.")] = False,
) -> None:
    """One self-contained HTML report of a comparison (opens offline), in Chinese or English."""
    from model.reporting.report import write_report

    write_report(directory, output, lang.value, xlsx, sweep, allow_mismatch)
    err.print(f"report → {output}" + (f", spreadsheet → {xlsx}" if xlsx else ""), markup=False, soft_wrap=True)


@app.command()
def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (YAML, e.g. scenarios/experiments/*.yaml).")],
    out: Annotated[Path | None, typer.Option(help="Results store (default: runs/sweep-<experiment file name>). "
                                                  "Rerun on the same store to resume.")] = None,
    workers: Annotated[int | None, typer.Option(help="Runs at once: local worker processes (default: as cores "
                                                     "and memory allow), or local Dask workers with --dask.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Address of an existing Dask scheduler, "
                                                       "e.g. tcp://host:8786.")] = None,
    dask: Annotated[bool, typer.Option("--dask", help="Run on a local Dask cluster of --workers processes.")] = False,
    scale: Annotated[float | None, typer.Option(help="Override the experiment's scale.")] = None,
    seeds: Annotated[int | None, typer.Option(help="Override the seeds per design point.")] = None,
    end: Annotated[str | None, typer.Option(help="Override the last month, YYYY-MM.")] = None,
    max_runs: Annotated[int | None, typer.Option(help="Only the first N design points (each with its seeds, "
                                                      "scenarios and baseline).")] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first failed run.")] = False,
    threads: Annotated[int | None, typer.Option(help="Kernel threads per run (results do not depend on it).")]
    = None,
) -> None:
    """Run every point x seed of an experiment into a resumable Parquet store (parts/, runs.parquet)."""
    from model.experiments.sweep import SweepFailed
    from model.experiments.sweep import sweep as run_sweep

    out = out or Path("runs") / f"sweep-{experiment.stem}"
    progress = _progress()
    task = progress.add_task("runs", total=None)

    def show(done: int, failed: int, total: int) -> None:
        if progress.tasks[0].total is None:  # runs already in the store do not count toward the ETA
            progress.reset(task, total=total, completed=done)
        progress.update(task, completed=done + failed, description=f"runs ({failed} failed)" if failed else "runs")

    try:
        with output_lock(out), progress:
            summary = run_sweep(experiment, out, workers, scheduler, dask, scale, seeds, end, max_runs, fail_fast,
                                threads, on_progress=show)
    except SweepFailed as exc:
        print(f"error: {exc}; finished runs are kept in {out} (--fail-fast)", file=sys.stderr)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: finished runs are kept in {out}; rerun the same command to resume") from None
    err.print(f"{summary.planned} runs planned: {summary.already_done} already in the store, {summary.done} made now, "
              f"{summary.failed} failed, in {summary.seconds:.1f} s on {summary.executor} → {out}",
              markup=False, soft_wrap=True)
    if summary.failed:
        print(f"error: {summary.failed} run(s) failed (errors in {out / 'runs.parquet'}); rerun to retry them",
              file=sys.stderr)
        raise typer.Exit(1)


@app.command()
def sensitivity(
    directory: Annotated[Path, typer.Argument(help="A `workforce sweep` results store.")],
    month: Annotated[str | None, typer.Option(help="Kept month to analyse, YYYY-MM (default: the last).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap confidence intervals.")] = 0,
) -> None:
    """Sobol or Morris indices, seed noise and the policy surface of a sweep → DIR/analysis/*.csv."""
    from model.experiments.sensitivity import analyse

    analysis = analyse(directory, month, seed)
    written = analysis.write(directory)
    if not analysis.indices.empty:
        columns = [c for c in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")
                   if c in analysis.indices]
        table = Table(title=f"{analysis.indices.method.iloc[0]} indices of each KPI's "
                            f"{analysis.indices.outcome.iloc[0]}", title_justify="left")
        for column in ("scenario", "kpi", "factor", *columns, "noise share"):
            table.add_column(column, justify="left" if column in ("scenario", "kpi", "factor") else "right")
        for _, r in analysis.indices.iterrows():
            table.add_row(str(r.scenario), r.kpi, r.factor, *[f"{r[c]:.3g}" for c in columns],
                          f"{r.seed_variance_share_of_point_means:.2g}")
        err.print(table)
    elif not analysis.surface.empty:
        surface = analysis.surface
        kpi = "high_skill_workers" if (surface.kpi == "high_skill_workers").any() else surface.kpi.iloc[0]
        shown = surface[surface.kpi == kpi].drop(columns=["kpi", "total_cost_per_unit_yuan"])
        err.print(f"Policy surface: effect on {kpi} against the paired baseline (90% interval), cost over the "
                  f"period", markup=False)
        err.print(shown.to_string(index=False, float_format=lambda v: f"{v:,.4g}"), markup=False, soft_wrap=True)
    err.print("→ " + ", ".join(str(p) for p in written), markup=False, soft_wrap=True)


@app.command()
def explore(
    lang: Annotated[Language, typer.Option(help="Language of the page.")] = Language.zh,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (1024 to 65535).")] = 5006,
    base: Annotated[str, typer.Option(help="The option to adjust: a shipped scenario's name or a file.")]
    = "reform_2020",
    baseline: Annotated[str, typer.Option(help="The baseline: a shipped scenario's name or a file.")] = "baseline",
    scale: Annotated[float, typer.Option(help="Scale of each run (at most 0.05; small is fast).")] = 0.005,
    seeds: Annotated[int, typer.Option(help="Paired replications (1 to 4).")] = 2,
    end: Annotated[str, typer.Option(help="Last month: 2022-12, 2025-12 or 2030-12.")] = "2025-12",
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the page in a browser.")] = True,
) -> None:
    """A what-if explorer in the browser: move a lever's settings, see the effect against a cached baseline."""
    import socket

    from model.reporting import explorer

    explorer.check(lang.value, scale, seeds, end)
    if not 1024 <= port <= 65535:
        raise InputError(f"port: {port} is outside the allowed range 1024 to 65535")
    for name in (base, baseline):
        resolve_scenario(name)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise InputError(f"port: {port} is in use; choose another with --port")
    err.print(f"explorer: http://127.0.0.1:{port}/ (Ctrl-C to stop)", markup=False, soft_wrap=True)
    explorer.serve(lang.value, port, scale, seeds, base, baseline, end, open_browser)


@app.command()
def levers(
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV (every column) instead of a table.")] = False,
) -> None:
    """Every lever setting a scenario or --set can change: path, allowed values, unit, default."""
    from model.reporting.catalogue import lever_settings

    table = lever_settings()
    if csv:
        print(table.to_csv(index=False), end="")
        return
    for lever, rows in table.groupby("lever", sort=False):
        out = Table(title=f"{lever}  {rows.lever_zh.iloc[0]} / {rows.lever_en.iloc[0]}", title_justify="left")
        for column in ("path", "中文 / English", "kind", "allowed", "unit", "default"):
            out.add_column(column, overflow="fold", max_width=60)
        for row in rows.itertuples():
            out.add_row(row.path.removeprefix(f"levers.{lever}."), f"{row.setting_zh} / {row.setting_en}", row.kind,
                        row.allowed, row.unit, row.default)
        stdout.print(out)


@app.command()
def parameters(
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV (every column, with descriptions and evidence).")]
    = False,
) -> None:
    """Every behavioural parameter --set can change: unit, bounds, value in force, status (fitted / assumed)."""
    from model.reporting.catalogue import parameters as parameter_table

    table = parameter_table()
    if csv:
        print(table.to_csv(index=False), end="")
        return
    out = Table(title="parameters.<name>  (calibration/parameters.yaml; --csv adds descriptions and evidence)",
                title_justify="left")
    for column in ("name", "中文 / English", "unit", "bounds", "default", "value in force", "status"):
        out.add_column(column, overflow="fold")
    for row in table.itertuples():
        names = f"{row.name_zh} / {row.name_en}"
        status = row.status + (" (lever response)" if row.scope == "levers" else "")
        out.add_row(row.path.removeprefix("parameters."), names, row.unit, f"{row.lo:g} to {row.hi:g}", row.default,
                    row.value, status)
    stdout.print(out)


@app.command()
def starts(clear: Annotated[bool, typer.Option("--clear", help="Remove every kept start.")] = False) -> None:
    """The starts kept between runs (the drawn 2020 population of a calibration, seed and scale): folder, number,
    size; --clear removes them (a later run draws its start again, with the same result)."""
    from model.engine import start_cache

    folder = start_cache.cache_directory()
    if folder is None:
        stdout.print(f"kept starts: off ({start_cache.CACHE_ENV}=off): every run draws its start", markup=False)
        return
    if clear:
        stdout.print(f"kept starts: removed {start_cache.clear(folder)} from {folder}", markup=False, soft_wrap=True)
        return
    kept = start_cache.kept_starts(folder)
    stdout.print(f"kept starts: {len(kept)} in {folder}, {sum(size for _, size in kept) / 2**30:.2f} GiB (the least "
              f"recently used go beyond {start_cache.MAX_BYTES / 2**30:.0f} GiB; {start_cache.CACHE_ENV} sets the "
              "folder, or off)", markup=False, soft_wrap=True)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")]) -> None:
    """Check scenario files without running them."""
    for path in files:
        spec = load_scenario(path)
        levers = ", ".join(module.NAME for module, _ in spec.levers.active()) or "no levers"
        err.print(f"{path}: ok ({spec.key}, {spec.period.start}..{spec.period.end}; {levers})", soft_wrap=True,
                  markup=False)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is somewhere in the exception's chain of causes."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _interrupt_unless_compiling(signum: int, frame: object) -> None:
    """Ctrl-C raises KeyboardInterrupt, except while numba compiles or loads a kernel: raised inside llvmlite's
    object-cache callbacks it crashes the process (SIGSEGV). Then the signal is sent again 50 ms later, until the
    kernel is ready."""
    compiler = sys.modules.get("numba.core.compiler_lock")
    if compiler is not None and compiler.global_compiler_lock.is_locked():
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
        return
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: one-line errors with exit code 2 for bad input, 1 for internal errors."""
    signal.signal(signal.SIGINT, _interrupt_unless_compiling)
    command = typer.main.get_command(app)
    try:
        code = command.main(standalone_mode=False)  # returns a typer.Exit's code instead of raising it
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except ReplicationsFailed as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Interrupted as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(130)
    except (typer.Abort, KeyboardInterrupt):
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    except SystemError as exc:  # Ctrl-C landing while a compiled kernel returns surfaces as a SystemError
        if not _caused_by_interrupt(exc):
            raise
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    except OSError as exc:  # writing: a full disk, a read-only folder, no permission
        where = exc.filename or "output"
        print(f"error: cannot write {where}: {exc.strerror or exc}; nothing partial was kept", file=sys.stderr)
        sys.exit(1)
    except TyperException as exc:  # usage errors: bad flag, bad value, missing argument
        print("error: " + " ".join(exc.format_message().split()), file=sys.stderr)
        sys.exit(exc.exit_code)
    code = code if isinstance(code, int) else 0
    if code == 130:  # typer turns a Ctrl-C into a silent Exit(130)
        print(INTERRUPTED, file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
