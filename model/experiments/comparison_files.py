"""A `workforce compare` directory: its three files (effects.parquet, headline.csv, manifest.json) written and read
here only, and each option's name in a report language."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from model.errors import InputError
from model.files import write_together
from model.reporting.formula_guard import neutralise
from model.scenario import in_language

FILES = ("manifest.json", "effects.parquet", "headline.csv")

GROUP_DIMENSIONS = ("region", "city", "sector", "ownership", "grade", "migrant", "migrant_generation", "age_band")
# the options' ranking (report and spreadsheet): by the first, then its companions
RANKING_COLUMNS = ("total_cost_per_high_skill_worker_yuan", "fiscal_cost_per_high_skill_worker_yuan",
                   "total_cost_per_retained_worker_yuan", "probability_cheapest_total_per_high_skill_worker",
                   "probability_cheapest_per_high_skill_worker")


def write_comparison(out: Path, effects: pd.DataFrame, headline: pd.DataFrame, manifest: dict) -> None:
    """The three files, written together with the manifest last (model/files.write_together: a directory with a
    manifest holds a whole comparison); text cells that a spreadsheet would run as formulas are neutralised in
    the CSV."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest_text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    write_together({out / "effects.parquet": lambda path: effects.to_parquet(path, index=False),
                    out / "headline.csv": lambda path: neutralise(headline).to_csv(path, index=False),
                    out / "manifest.json": lambda path: path.write_text(manifest_text, encoding="utf-8")})


def load_comparison(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """effects.parquet, headline.csv and manifest.json of a `workforce compare` directory, checked whole."""
    directory = Path(directory)
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        single = " (it holds a single run: `workforce run` output)" if (directory / "kpis.parquet").exists() else ""
        raise InputError(f"{directory}: not a comparison directory (missing {', '.join(missing)}){single}; "
                         "make one with `workforce compare`")
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        effects = pd.read_parquet(directory / "effects.parquet")
        headline = pd.read_csv(directory / "headline.csv", dtype={"scenario": str}, keep_default_na=False,
                               na_values=[""])
    except (ValueError, OSError) as exc:
        raise InputError(f"{directory}: unreadable comparison results ({exc})") from None
    _whole(directory, effects, headline, manifest)
    return effects, headline, manifest


def _whole(directory: Path, effects: pd.DataFrame, headline: pd.DataFrame, manifest: dict) -> None:
    """The three files belong to one finished comparison: the same options, each with its runs."""
    if not isinstance(manifest, dict) or not {"baseline", "runs", "period", "scale"} <= set(manifest):
        raise InputError(f"{directory}: manifest.json is not a comparison's (no baseline, runs, period or scale); "
                         "make one with `workforce compare`")
    if "scenario" not in headline or "scenario" not in effects:
        raise InputError(f"{directory}: headline.csv or effects.parquet has no scenario column; "
                         "rerun `workforce compare`")
    options, effected = set(headline.scenario.astype(str)), set(effects.scenario.astype(str).unique())
    missing = sorted((options | effected) - set(manifest["runs"]))
    if options != effected or missing or not options:
        raise InputError(f"{directory}: a partial or mixed comparison (headline: {len(options)} options, effects: "
                         f"{len(effected)}, without runs: {len(missing)}); rerun `workforce compare`")


def display_names(manifest: dict, lang: str) -> dict[str, str]:
    """Each option's name in the report language, from the scenario each run recorded (a bilingual name, or a
    plain one shown as written), keyed by the name results carry."""
    names = {}
    for key, runs in manifest.get("runs", {}).items():
        names[key] = in_language((runs[0].get("scenario") or {}).get("name", key) if runs else key, lang)
    if len(set(names.values())) < len(names):  # two options would read alike: keep the distinct keys
        return {key: key for key in names}
    return names


def ranked(headline: pd.DataFrame) -> pd.DataFrame:
    """The options from the lowest total cost per additional high-skill worker; an option whose effect interval
    includes zero has no cost per worker and comes last."""
    return headline.sort_values(RANKING_COLUMNS[0], na_position="last")
