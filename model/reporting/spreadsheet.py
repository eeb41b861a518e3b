"""The comparison as a spreadsheet people can use (`workforce report DIR --xlsx FILE`), or as tidy CSV files for
Stata and R (a FILE ending in .csv).

The workbook, with headers in the report's language and units in them, number formats, column widths and frozen
header rows:
- ranking: the options by total cost per additional high-skill worker, with intervals and P(first);
- headline: every headline number of every option, one row each (mean, 90% interval, variance shares);
- annual: the province-wide effect of every KPI at each December (and the last month);
- by group: the effect of every KPI in every group (region, city, sector, ...) at each December;
- costs: cumulative cost by payer and programme, nominal and discounted;
- provenance: what was compared, how, and the code and scenario files behind every run.

The CSV bundle holds the same tables with machine-readable ids (one file each: FILE is the headline as
before, FILE_by_group.csv, FILE_ranking.csv, FILE_annual.csv, FILE_costs.csv, FILE_provenance.csv).
Text cells never start a formula (model/reporting/formula_guard.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from model.experiments.comparison_files import GROUP_DIMENSIONS, RANKING_COLUMNS, display_names, load_comparison, ranked
from model.experiments.uncertainty import SOURCES
from model.files import write_atomically, write_together
from model.reporting.formula_guard import neutralise
from model.reporting.labels import LABELS, label, unit_of

SHEETS = {  # id: (Chinese name, English name)
    "ranking": ("方案排名", "ranking"),
    "headline": ("主要结果", "headline"),
    "annual": ("年度走势", "annual"),
    "by_group": ("分组效果", "effects_by_group"),
    "costs": ("成本", "costs"),
    "provenance": ("数据来源", "provenance"),
}
SUFFIXES = re.compile(r"_(lo|hi|share_noise|share_fitted|share_assumed|moves_with|moves_with_rho)$")
RANKED = tuple(c for c in RANKING_COLUMNS if not c.startswith("probability_"))  # costs per worker
FORMATS = {"workers": "#,##0", "yuan": "#,##0", "yuan_month": "#,##0.0", "share": "0.00%", "pp": "0.000",
           "probability": "0%"}


def write_spreadsheet(directory: Path, path: Path, lang: str = "zh") -> None:
    """The workbook (or, for a .csv name, the CSV bundle), written under a temporary name and then renamed."""
    effects, headline, manifest = load_comparison(directory)
    effects = effects.astype({"kpi": str, "dimension": str, "group": str, "scenario": str})
    names = display_names(manifest, lang)
    tables = {"ranking": _ranking(headline, names), "headline": _headline(headline, names),
              "annual": _annual(effects[effects.dimension == "province"], names),
              "by_group": _annual(effects[effects.dimension.isin(GROUP_DIMENSIONS)], names),
              "costs": _costs(headline, names), "provenance": _provenance(manifest, names)}
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        _write_csv(path, headline, tables)
    else:
        _write_xlsx(path, tables, lang)


def _ranking(headline: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    columns = [c for c in RANKING_COLUMNS if c in headline]
    rows = []
    for rank, (_, row) in enumerate(ranked(headline).iterrows(), start=1):
        out = {"rank": rank, "scenario": row.scenario, "option": names.get(row.scenario, row.scenario)}
        for column in columns:
            for suffix in ("", "_lo", "_hi") if column in RANKED else ("",):
                out[f"{column}{suffix}"] = row.get(f"{column}{suffix}", np.nan)
        rows.append(out)
    return pd.DataFrame(rows)


def _headline(headline: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """One row per option and number: mean, interval and (with --posterior) variance shares."""
    numbers = [c for c in headline.columns if not SUFFIXES.search(c) and c not in
               ("scenario", "first_month", "month", "seeds", "posterior_draws")
               and not c.startswith("probability_") and pd.api.types.is_numeric_dtype(headline[c])]
    rows = []
    for _, row in headline.iterrows():
        for column in numbers:
            rows.append({"scenario": row.scenario, "option": names.get(row.scenario, row.scenario), "measure": column,
                         "mean": row[column], "lo": row.get(f"{column}_lo", np.nan),
                         "hi": row.get(f"{column}_hi", np.nan),
                         **{f"share_{s}": row.get(f"{column}_share_{s}", np.nan) for s in SOURCES},
                         "moves_with": row.get(f"{column}_moves_with", "")})
    frame = pd.DataFrame(rows)
    frame["moves_with"] = frame.moves_with.fillna("").astype(str)
    return frame


def _annual(effects: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Each December and the last month: the effect's mean and interval (flows are monthly)."""
    dates = pd.to_datetime(effects.date)
    kept = (dates.dt.month == 12) | (dates == dates.max())
    frame = effects[kept].assign(year=dates[kept].dt.year, month=dates[kept].dt.strftime("%Y-%m"))
    frame = frame.assign(option=frame.scenario.map(lambda key: names.get(key, key)))
    columns = ["scenario", "option", "kpi", "dimension", "group", "year", "month", "mean", "lo", "hi",
               *[c for c in ("share_noise", "share_fitted", "share_assumed") if c in frame]]
    return frame[columns].sort_values(["scenario", "kpi", "dimension", "group", "month"]).reset_index(drop=True)


def _costs(headline: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Cumulative cost by payer and programme (fiscal by lever, employers in total), nominal and discounted."""
    rows = []
    for _, row in headline.iterrows():
        option = names.get(row.scenario, row.scenario)
        for column in headline.columns:
            if not column.startswith("fiscal_cost_yuan_") or SUFFIXES.search(column) or column.endswith(
                    ("_total", "_discounted")):
                continue
            if row[column] != 0 or row.get(f"{column}_hi", 0) != 0:
                rows.append({"scenario": row.scenario, "option": option, "payer": "fiscal",
                             "programme": column.removeprefix("fiscal_cost_yuan_"), "cost_yuan": row[column],
                             "lo": row.get(f"{column}_lo", np.nan), "hi": row.get(f"{column}_hi", np.nan),
                             "discounted_yuan": np.nan})
        for payer in ("fiscal", "employer"):
            column = f"{payer}_cost_yuan_total"
            rows.append({"scenario": row.scenario, "option": option, "payer": payer, "programme": "total",
                         "cost_yuan": row[column], "lo": row.get(f"{column}_lo", np.nan),
                         "hi": row.get(f"{column}_hi", np.nan),
                         "discounted_yuan": row.get(f"{column}_discounted", np.nan)})
        if "total_cost_yuan_total" in headline:
            rows.append({"scenario": row.scenario, "option": option, "payer": "total", "programme": "total",
                         "cost_yuan": row.total_cost_yuan_total, "lo": row.total_cost_yuan_total_lo,
                         "hi": row.total_cost_yuan_total_hi,
                         "discounted_yuan": row.fiscal_cost_yuan_total_discounted
                         + row.employer_cost_yuan_total_discounted})
    return pd.DataFrame(rows)


def _provenance(manifest: dict, names: dict[str, str]) -> pd.DataFrame:
    period = manifest.get("period", {})
    posterior = manifest.get("posterior") or {}
    rows = [("baseline", names.get(manifest.get("baseline", ""), manifest.get("baseline", ""))),
            ("period", f"{period.get('start', '')}–{period.get('end', '')}"), ("scale", manifest.get("scale")),
            ("seeds", ", ".join(map(str, manifest.get("seeds", [])))),
            ("posterior_draws", posterior.get("draws", 0)), ("interval", manifest.get("interval", "")),
            ("discount_rate", manifest.get("discount_rate"))]
    for key, runs in manifest.get("runs", {}).items():
        first = runs[0] if runs else {}
        scenario, git = first.get("scenario") or {}, first.get("git") or {}
        rows.append((f"{names.get(key, key)}",
                     f"{scenario.get('file')} sha256 {str(scenario.get('sha256'))[:16]}; "
                     f"{len(runs)} runs; code {first.get('package_version')} {str(git.get('commit'))[:10]}"
                     + (" (dirty)" if git.get("dirty") else "")))
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": str})


def _write_csv(path: Path, headline: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    files = {path: headline, path.with_name(f"{path.stem}_by_group.csv"): tables["by_group"]}
    for key in ("ranking", "annual", "costs", "provenance"):
        files[path.with_name(f"{path.stem}_{key}.csv")] = tables[key]
    write_together({target: lambda staged, frame=frame: neutralise(frame).to_csv(staged, index=False)
                    for target, frame in files.items()})


def _localised(key: str, frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str], list[str | None]]:
    """The sheet as readers see it: ids turned into labels, headers with units; each row's number format; and each
    column's format where it does not vary by row (decided on the column ids, before they become labels)."""
    frame = frame.drop(columns=["scenario"], errors="ignore").copy()
    formats = ["0.000"] * len(frame)
    for column in ("kpi", "measure", "programme", "payer", "dimension", "group", "item"):
        if column in frame:
            if column in ("kpi", "measure"):
                units = frame[column].map(lambda c: unit_of(c, lang))
                formats = [FORMATS.get(u, "#,##0.000") for u in frame[column].map(lambda c: unit_of(c, None))]
                frame.insert(frame.columns.get_loc(column) + 1, label("unit", lang), units)
            frame[column] = frame[column].map(lambda v: _named(str(v), lang))
    if "moves_with" in frame:
        frame["moves_with"] = frame.moves_with.map(
            lambda v: ("、" if lang == "zh" else ", ").join(label(n, lang) for n in v.split("; ")) if v else "")
    fixed = [_fixed_format(c, key) for c in frame.columns]
    frame.columns = [_header(c, key, lang) for c in frame.columns]
    return frame, formats, fixed


def _named(key: str, lang: str) -> str:
    """A label; a fiscal cost by programme as 'fiscal cost: <programme>'."""
    lever = key.removeprefix("fiscal_cost_yuan_")
    if lever != key and lever in LABELS and key not in LABELS:
        return f"{label('fiscal_cost', lang)}{'：' if lang == 'zh' else ': '}{label(lever, lang)}"
    return label(key, lang)


def _header(column: str, sheet: str, lang: str) -> str:
    money = "元" if lang == "zh" else "yuan"
    bounds = {"lo": "interval_lo", "hi": "interval_hi"}
    for base in RANKED:
        for suffix, word in (("", None), ("_lo", "interval_lo"), ("_hi", "interval_hi")):
            if column == f"{base}{suffix}":
                text = label(base, lang) + (f" {label(word, lang)}" if word else "")
                return f"{text}（{money}）" if lang == "zh" else f"{text} ({money})"
    if column in ("cost_yuan", "discounted_yuan"):
        return f"{label(column, lang)}（{money}）" if lang == "zh" else f"{label(column, lang)} ({money})"
    if column in bounds:
        return label(bounds[column], lang)
    if column.startswith("share_") and column.removeprefix("share_") in SOURCES:
        source = label(column.removeprefix("share_"), lang)
        return f"{label('variance_share', lang)}{'：' if lang == 'zh' else ': '}{source}"
    return label(column, lang)


def _write_xlsx(path: Path, tables: dict[str, pd.DataFrame], lang: str) -> None:
    write_atomically(path, lambda staged: _fill_workbook(staged, tables, lang))


def _fill_workbook(path: Path, tables: dict[str, pd.DataFrame], lang: str) -> None:
    from openpyxl.utils import get_column_letter

    column = 0 if lang == "zh" else 1
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, frame in tables.items():
            shown, formats, fixed_formats = _localised(key, frame, lang)
            name = SHEETS[key][column]
            neutralise(shown).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "B2" if key != "provenance" else "A2"
            for k, header in enumerate(shown.columns, start=1):
                values = shown.iloc[:, k - 1]
                numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
                width = max(len(str(header)) * (2 if not str(header).isascii() else 1),
                            12 if numeric else min(60, int(values.astype(str).str.len().max() or 8) + 2))
                sheet.column_dimensions[get_column_letter(k)].width = min(max(width, 8), 60)
                if not numeric:
                    continue
                fixed = fixed_formats[k - 1]
                for row, cell in enumerate(sheet.iter_rows(min_row=2, min_col=k, max_col=k), start=0):
                    cell[0].number_format = fixed or formats[row]


def _fixed_format(column: str, sheet: str) -> str | None:
    """A column's format when it does not vary by row: ranks and years, yuan, probabilities and variance shares."""
    if column in ("rank", "year"):
        return "0"
    if column.startswith(("probability_", "share_")):
        return "0%"
    if sheet in ("ranking", "costs") and column != "option":
        return "#,##0"
    return None
