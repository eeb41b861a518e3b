"""The policy-options report: one self-contained HTML file (plotly.js embedded, no network requests) from
a comparison directory, in Chinese or English (the same numbers as a spreadsheet: model/reporting/spreadsheet.py).

The functions here turn a comparison into plain data (text, numbers, lists); the markup comes from the jinja2
templates in model/reporting/templates/, rendered with autoescape, so every piece of user-supplied text (scenario
names, descriptions) is escaped. Labels come from model/reporting/labels.py.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from model.calibration.inputs import load_calibration, point_fit
from model.calibration.targets import load_targets
from model.errors import InputError
from model.experiments.comparison_files import RANKING_COLUMNS, display_names, load_comparison, ranked
from model.experiments.uncertainty import verdict
from model.files import write_text_atomically
from model.reporting.labels import LANGUAGES, label, number
from model.scenario import in_language

TRAJECTORY_KPIS = ("high_skill_workers", "turnover_rate_annual", "mean_wage_yuan_month")
TRAJECTORY_LABELS = {"high_skill_workers": "delta_high_skill", "turnover_rate_annual": "delta_turnover_rate",
                     "mean_wage_yuan_month": "delta_mean_wage"}
STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",Arial,sans-serif;
margin:2em auto;max-width:1200px;color:#222;line-height:1.5}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;border-radius:6px;padding:1em;flex:1 1 330px}
.card h3{margin:.2em 0 .5em}.card dl{margin:0}.card dt{font-weight:600;margin-top:.45em}
.card dd{margin:0;font-variant-numeric:tabular-nums}.note{color:#666;font-size:.85em}
.sure{color:#1a7f37}.unsure{color:#9a6700}table{border-collapse:collapse;font-size:.85em}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}
"""
# every template is HTML: autoescape everything, and a value a template does not get is an error, not blank text
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=True,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
TEMPLATES.globals["label"] = label


def build_report(directory: Path, lang: str = "zh", sweep: Path | None = None, allow_mismatch: bool = False) -> str:
    """The report as one HTML document; with `sweep` (a `workforce sweep` store) a sensitivity section too, which
    must have run at the comparison's scale and period unless `allow_mismatch`."""
    if lang not in LANGUAGES:
        raise InputError(f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    effects, headline, manifest = load_comparison(directory)
    if sweep is not None and not allow_mismatch:
        _same_setting(Path(sweep), manifest)
    names = display_names(manifest, lang)
    figures = comparison_figures(effects, headline, manifest, lang)
    if sweep is not None:
        figures["sensitivity"] = _plain_numbers(_sweep_figure(sweep, lang))
    # plotly's own divs and scripts: trusted HTML, the scenario names in them escaped by comparison_figures
    charts = {
        section: Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{k}",
                                    config={"displaylogo": False, "responsive": True}))
        for k, (section, fig) in enumerate(figures.items())
    }
    return TEMPLATES.get_template("report.html.j2").render(
        lang=lang,
        t=lambda key: label(key, lang),
        methods_text=_methods_text(manifest, lang),
        style=Markup(STYLE),
        plotly_js=Markup(get_plotlyjs()),
        baseline_note=_baseline_note(manifest, names, lang),
        period=_period(manifest),
        scale=manifest.get("scale"),
        seeds=len(manifest.get("seeds", [])),
        guide=_reading_guide(headline, manifest, names, lang),
        cards=_cards(headline, manifest, lang),
        confidence=_confidence(headline, manifest, names, lang),
        ranking=_ranking(headline, names, lang),
        charts=charts,
        calibration=_calibration(manifest, lang),
        provenance=_provenance(manifest, names),
    )


def comparison_figures(effects: pd.DataFrame, headline: pd.DataFrame, manifest: dict,
                       lang: str) -> dict[str, go.Figure]:
    """The report's charts of a comparison by section (the explorer shows them too)."""
    effects = effects.astype({"kpi": str, "dimension": str, "group": str, "scenario": str})
    # plotly renders a subset of HTML in chart text (links included): names reach the charts escaped
    names = display_names(manifest, lang)
    shown, shown_headline = _escaped_names(effects, names), _escaped_names(headline, names)
    return {
        "trajectories": _trajectories(shown, lang),
        "cost_effectiveness": _cost_effectiveness(shown_headline, lang),
        "by_region": _by_group(shown, "region", lang),
        "by_sector": _by_group(shown, "sector", lang),
        "who_pays": _who_pays(shown_headline, lang),
        "who_gains": _who_gains(shown, lang),
        "by_city": _city_map(_by_city(shown, "high_skill_workers", last=True), "high_skill_workers", lang),
        "by_city_cost": _city_map(_by_city(shown, "employer_cost_yuan", last=False), "employer_cost_yuan", lang),
    }


def summary_cards(headline: pd.DataFrame, manifest: dict, lang: str) -> Markup:
    """One card per option: what it changes, its effects with intervals and its costs by payer (HTML)."""
    return TEMPLATES.get_template("macros.html.j2").module.cards(_cards(headline, manifest, lang), lang)


def _methods_text(manifest: dict, lang: str) -> str:
    """The methods paragraph, with the wage-growth figures it quotes read from calibration/targets.yaml, the
    private wage-growth gap the runs used and the point fit's simulated gap (calibration/fitted.yaml)."""
    targets = load_targets()
    national = targets["wage_growth_gap_private_2015_2020"]
    simulated = ((point_fit() or {}).get("targets") or {}).get("wage_growth_gap_private_2015_2020")

    def points(share: float) -> str:
        return f"{100 * share:+.1f}"

    model_gap = points(float(simulated["simulated"])) if simulated else "—"
    gap = "wage_growth_gap_private_per_year"
    return label("methods_text", lang).format(
        national_low=points(national.value - national.tolerance),
        national_high=points(national.value + national.tolerance),
        jiangsu_2020=points(targets["wage_growth_gap_private_2020"].value), model_gap=model_gap,
        private_gap=f"{-100 * float(_run_parameters(manifest, (gap,))[gap]):.1f}")


def _baseline_note(manifest: dict, names: dict[str, str], lang: str) -> str:
    """'Baseline: <its name>', or the label alone when the baseline is called just that."""
    name = names.get(manifest.get("baseline", ""), "")
    if name.strip().lower() in {label("baseline", lang).lower(), "baseline", ""}:
        return label("baseline", lang)
    return f"{label('baseline', lang)}{'：' if lang == 'zh' else ': '}{name}"


def _escaped_names(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return frame.assign(scenario=frame.scenario.astype(str).map(lambda key: html.escape(names.get(key, key))))


def write_report(directory: Path, out: Path, lang: str = "zh", xlsx: Path | None = None,
                 sweep: Path | None = None, allow_mismatch: bool = False) -> None:
    """Write the spreadsheet (if asked for), then the HTML report, each atomically (model/files.py)."""
    document = build_report(directory, lang, sweep, allow_mismatch)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if xlsx is not None:
        from model.reporting.spreadsheet import write_spreadsheet

        write_spreadsheet(directory, Path(xlsx), lang)
    write_text_atomically(out, document)


def _same_setting(sweep: Path, manifest: dict) -> None:
    """A sweep shown beside a comparison ran at its scale and over its period."""
    from model.experiments.sensitivity import experiment_of

    experiment = experiment_of(sweep)
    period = manifest.get("period") or {}
    theirs = (float(experiment.scale), experiment.period.start, experiment.period.end)
    ours = (float(manifest.get("scale", float("nan"))), period.get("start"), period.get("end"))
    if theirs != ours:
        raise InputError(f"sweep: {sweep} ran at scale {theirs[0]:g}, {theirs[1]}..{theirs[2]}; the comparison at "
                         f"scale {ours[0]:g}, {ours[1]}..{ours[2]}; allowed: the same scale and period "
                         "(or --allow-mismatch)")


GUIDE_EFFECTS = (("delta_high_skill", "delta_high_skill_workers"), ("retained", "delta_retained_workers"),
                 ("delta_wage", "delta_mean_wage_yuan_month"), ("delta_turnover", "delta_turnover_pp"))


def _reading_guide(headline: pd.DataFrame, manifest: dict, names: dict[str, str], lang: str) -> list[dict]:
    """One paragraph per option, written from the numbers: what it does, what it achieves and costs whom, which
    conclusions hold under everything we do not know, and the assumed responses they rest on."""
    return [_guide_paragraph(row, manifest, names, lang) for _, row in headline.iterrows()]


def _guide_paragraph(row: pd.Series, manifest: dict, names: dict[str, str], lang: str) -> dict:
    zh = lang == "zh"
    key = str(row.scenario)
    runs = manifest.get("runs", {}).get(key) or [{}]
    does = in_language((runs[0].get("scenario") or {}).get("description", ""), lang).strip()
    if does and not does.endswith(("。", ".")):
        does += "。" if zh else "."

    def value(column: str, money: bool = False) -> str:
        text = number(row.get(column, np.nan), lang)
        return text + (("元" if zh else " yuan") if money and text != "–" else "")

    lo, hi = value("delta_high_skill_workers_lo"), value("delta_high_skill_workers_hi")
    per_worker = row.get("total_cost_per_high_skill_worker_yuan", np.nan)
    cost_per = value("total_cost_per_high_skill_worker_yuan", True) if np.isfinite(per_worker) else (
        label("no_cost_per_worker", lang))
    if zh:
        achieves = (f"到{row.month}，新增高技能人才{value('delta_high_skill_workers')}人（90%区间{lo}至{hi}），"
                    f"留住产业工人{value('delta_retained_workers')}人，月均工资变化{value('delta_mean_wage_yuan_month')}元。"
                    f"累计总成本{value('total_cost_yuan_total', True)}，"
                    f"其中财政承担{value('fiscal_cost_yuan_total', True)}，"
                    f"企业承担{value('employer_cost_yuan_total', True)}；"
                    f"每新增一名高技能人才的总成本为{cost_per}。")
    else:
        achieves = (f"By {row.month} it adds {value('delta_high_skill_workers')} high-skill workers (90% interval "
                    f"{lo} to {hi}), keeps {value('delta_retained_workers')} workers in industry and changes the "
                    f"mean wage by {value('delta_mean_wage_yuan_month')} yuan a month. It costs "
                    f"{value('total_cost_yuan_total', True)} in all: the state pays "
                    f"{value('fiscal_cost_yuan_total', True)}, employers {value('employer_cost_yuan_total', True)}; "
                    f"the total cost per additional high-skill worker is {cost_per}.")
    return {"name": names.get(key, key),
            "text": ("" if zh else " ").join(t for t in (does, achieves, _how_sure(row, lang)) if t)}


def _how_sure(row: pd.Series, lang: str) -> str:
    """Which key effects are robust, which may be zero, and the assumed responses they move with."""
    if not _total(row, "delta_high_skill_workers"):
        return label("guide_noise_only", lang)
    sep, end = ("、", "。") if lang == "zh" else (", ", ".")
    named = (lambda key: label(key, lang)) if lang == "zh" else (lambda key: label(key, lang).lower())
    robust, uncertain, assumed = [], [], []
    for effect, column in GUIDE_EFFECTS:
        lo, hi = row.get(f"{column}_lo", np.nan), row.get(f"{column}_hi", np.nan)
        said = verdict(lo, hi) if np.isfinite(lo) and np.isfinite(hi) else "none"
        if said == "none":
            continue
        (robust if said == "robust" else uncertain).append(named(effect))
        moves = str(row.get(f"{column}_moves_with", "") or "")
        assumed += [n for n in moves.split("; ") if n and n != "nan" and n not in assumed]
    parts = [label(key, lang).format(sep.join(items)) + end for key, items in
             (("guide_robust", robust), ("guide_uncertain", uncertain),
              ("guide_assumed", [named(n) for n in assumed])) if items]
    return ("" if lang == "zh" else " ").join(part[:1].upper() + part[1:] for part in parts)


def _cards(headline: pd.DataFrame, manifest: dict, lang: str) -> list[dict]:
    """The summary cards' contents, one per option (macros.html.j2 `card` draws one)."""
    names = display_names(manifest, lang)
    return [_card(row, manifest, names, lang) for _, row in headline.iterrows()]


def _card(row: pd.Series, manifest: dict, names: dict[str, str], lang: str) -> dict:
    key = str(row["scenario"])
    name = names.get(key, key)
    runs = manifest.get("runs", {}).get(key) or [{}]
    scenario = runs[0].get("scenario", {})
    levers = [k for k, v in (scenario.get("levers") or {}).items() if v]
    changes = "、".join(label(k, lang) for k in levers) if lang == "zh" else ", ".join(label(k, lang) for k in levers)
    items = [
        ("delta_high_skill", "delta_high_skill_workers"),
        ("retained", "delta_retained_workers"),
        ("delta_turnover", "delta_turnover_pp"),
        ("delta_wage", "delta_mean_wage_yuan_month"),
        ("fiscal_cost", "fiscal_cost_yuan_total"),
        ("employer_cost", "employer_cost_yuan_total"),
        ("total_cost", "total_cost_yuan_total"),
        ("cost_per_high_skill", "fiscal_cost_per_high_skill_worker_yuan"),
        ("employer_cost_per_high_skill", "employer_cost_per_high_skill_worker_yuan"),
        ("total_cost_per_high_skill", "total_cost_per_high_skill_worker_yuan"),
        ("fiscal_cost_per_retained", "fiscal_cost_per_retained_worker_yuan"),
        ("employer_cost_per_retained", "employer_cost_per_retained_worker_yuan"),
        ("total_cost_per_retained", "total_cost_per_retained_worker_yuan"),
        ("wage_winners_share", "wage_winners_share"),
        ("wage_losers_share", "wage_losers_share"),
    ]
    loose = _not_pinned_down(manifest)
    return {"name": name, "changes": changes or label("no_levers", lang),
            "description": in_language(scenario.get("description", ""), lang),
            "entries": [(key, _with_interval(row, column, loose, lang)) for key, column in items]}


def _with_interval(row: pd.Series, column: str, loose: list[str], lang: str) -> dict:
    """A value as shown, its interval (lo, hi) if it has one, and its verdict if it can have one."""
    mean, lo, hi = (row.get(f"{column}{s}", np.nan) for s in ("", "_lo", "_hi"))
    money = column.endswith(("_yuan", "_yuan_total"))

    def shown(value: float) -> str:  # shares as percentages, money with its unit
        if not np.isfinite(value):
            return number(value, lang)
        if column.endswith("_share"):
            return f"{100 * value:.1f}%"
        return number(value, lang) + (("元" if lang == "zh" else " yuan") if money else "")

    # a cost, or a share of workers (never below zero), is not a conclusion that can hold or fail against zero
    judged = "cost" not in column and not column.endswith("_share")
    bounded = np.isfinite(lo) and np.isfinite(hi)
    return {"value": shown(mean), "interval": (shown(lo), shown(hi)) if bounded and lo != hi else None,
            "verdict": _verdict(row, column, loose, lang) if judged and bounded and (lo != hi or lo == 0) else None}


def _total(row: pd.Series, column: str) -> bool:
    """Whether the column's interval is a total one (a comparison with --posterior)."""
    return np.isfinite(pd.to_numeric(row.get(f"{column}_share_noise", np.nan), errors="coerce"))


def _verdict(row: pd.Series, column: str, loose: list[str], lang: str) -> dict:
    """Robust only when a total interval excludes zero; a seed-noise interval never makes a conclusion robust;
    an uncertain total names what the effect depends on (with `loose`, the calibrated parameters the data left at
    their prior); an effect that is zero in every sample is no effect. As {css: 'sure' or 'unsure', text, title}."""
    said = verdict(row.get(f"{column}_lo", np.nan), row.get(f"{column}_hi", np.nan))
    if said == "none":
        return {"css": "unsure", "text": label("no_effect", lang), "title": None}
    excludes_zero = said == "robust"
    if not _total(row, column):
        key = "certain" if excludes_zero else "uncertain"
        return {"css": "unsure", "text": label(key, lang), "title": label("interval", lang)}
    if excludes_zero:
        return {"css": "sure", "text": label("robust", lang), "title": None}
    return {"css": "unsure", "title": None,
            "text": f"{label('uncertain_total', lang)}{'；' if lang == 'zh' else '; '}{label('depends_on', lang)} "
                    f"{_depends_on(row, column, loose, lang)}"}


def _depends_on(row: pd.Series, column: str, loose: list[str], lang: str) -> str:
    """The uncertainty sources with at least a quarter of the variance, largest first; the calibrated parameters
    the data leave at their prior when the calibrated share counts; the assumed responses the effect moves with."""
    from model.experiments.uncertainty import SOURCES

    shares = sorted(((float(row[f"{column}_share_{s}"]), s) for s in SOURCES), reverse=True)
    named = [f"{label(s, lang)} {share:.0%}" for share, s in shares if share >= 0.25] or [label(shares[0][1], lang)]
    sep, colon = ("、", "：") if lang == "zh" else (", ", ": ")
    if any(s == "fitted" and share >= 0.25 for share, s in shares) and loose:
        named.append(f"{label('not_pinned', lang)}{colon}{sep.join(label(n, lang) for n in loose)}")
    moves = str(row.get(f"{column}_moves_with", "") or "")
    if moves and moves != "nan":
        named.append(f"{label('moves_with', lang)}{colon}{sep.join(label(n, lang) for n in moves.split('; '))}")
    return ("；" if lang == "zh" else "; ").join(named)


def _not_pinned_down(manifest: dict) -> list[str]:
    """Calibrated parameters the Bayesian calibration left at their prior, as the comparison recorded them (a
    comparison made before it did: today's calibration/posterior.yaml)."""
    from model.calibration.posterior import not_moved_by_data

    recorded = (manifest.get("posterior") or {}).get("not_moved_by_data")
    return list(recorded) if recorded is not None else not_moved_by_data()


def _confidence(headline: pd.DataFrame, manifest: dict, names: dict[str, str], lang: str) -> dict:
    """Per option and key effect: the verdict and, with total intervals, where the variance comes from."""
    from model.experiments.uncertainty import SOURCES

    loose = _not_pinned_down(manifest)

    total = any(_total(row, "delta_high_skill_workers") for _, row in headline.iterrows())
    effects = (("delta_high_skill", "delta_high_skill_workers"), ("retained", "delta_retained_workers"),
               ("delta_wage", "delta_mean_wage_yuan_month"), ("delta_turnover", "delta_turnover_pp"))
    rows = []
    for _, row in headline.iterrows():
        for key, column in effects:
            if not np.isfinite(row.get(f"{column}_lo", np.nan)):
                continue
            shares = " · ".join(f"{label(s, lang)} {float(row[f'{column}_share_{s}']):.0%}" for s in SOURCES
                                if np.isfinite(float(row.get(f"{column}_share_{s}", np.nan))))
            rows.append({"option": names.get(row.scenario, str(row.scenario)), "effect": key,
                         "verdict": _verdict(row, column, loose, lang), "shares": shares})
    return {"total": total, "text": "confidence_text_total" if total else "confidence_text_noise", "rows": rows}


def _ranking(headline: pd.DataFrame, names: dict[str, str], lang: str) -> dict | None:
    """The options by total cost per additional high-skill worker (an option without a bounded effect last), with
    the fiscal cost per worker, the total cost per worker kept, and the chance each ranks first."""
    columns = [c for c in RANKING_COLUMNS if c in headline]
    if not columns:
        return None
    # costs and chances only: none has a verdict, so none names the parameters it depends on
    rows = [{"rank": k, "option": names.get(row.scenario, str(row.scenario)),
             "cells": [{"value": f"{float(row[c]):.0%}", "interval": None, "verdict": None}
                       if c.startswith("probability") else _with_interval(row, c, [], lang) for c in columns]}
            for k, (_, row) in enumerate(ranked(headline).iterrows(), start=1)]
    return {"columns": columns, "rows": rows}


def _axis_unit(kpi: str, lang: str) -> tuple[float, str]:
    """How a KPI's effect is drawn on a chart axis: the factor applied and the unit named in the title (counts in
    万人 for Chinese readers, turnover in percentage points, wages in yuan a month)."""
    if kpi == "turnover_rate_annual":
        return 100.0, label("unit_pp", lang)
    if kpi == "mean_wage_yuan_month":
        return 1.0, label("unit_yuan_month", lang)
    if kpi.endswith("_yuan"):  # cumulative money
        return 1e-8, label("unit_100m_yuan", lang)
    return (1e-4, label("unit_10k_workers", lang)) if lang == "zh" else (1.0, label("unit_workers", lang))


def _titled(text: str, unit: str, lang: str) -> str:
    return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"


def _plain_numbers(fig: go.Figure) -> go.Figure:
    """Axis ticks in plain numbers with separators (no 150k / 1.5G, no e+)."""
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    return fig


def _trajectories(effects: pd.DataFrame, lang: str) -> go.Figure:
    units = [_axis_unit(k, lang) for k in TRAJECTORY_KPIS]
    fig = make_subplots(rows=1, cols=len(TRAJECTORY_KPIS),
                        subplot_titles=[_titled(label(TRAJECTORY_LABELS[k], lang), unit, lang)
                                        for k, (_, unit) in zip(TRAJECTORY_KPIS, units, strict=True)])
    province = effects[effects.dimension == "province"]
    for k, scenario in enumerate(province.scenario.unique()):
        colour = _COLOURS[k % len(_COLOURS)]
        for col, kpi in enumerate(TRAJECTORY_KPIS, start=1):
            rows = province[(province.scenario == scenario) & (province.kpi == kpi)].sort_values("date")
            factor = units[col - 1][0]
            rows = rows.assign(mean=rows["mean"] * factor, lo=rows.lo * factor, hi=rows.hi * factor)
            band_x = list(rows.date) + list(rows.date[::-1])
            band_y = list(rows.hi) + list(rows.lo[::-1])
            fig.add_trace(
                go.Scatter(
                    x=band_x,
                    y=band_y,
                    fill="toself",
                    fillcolor=colour,
                    opacity=0.2,
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=1,
                col=col,
            )
            fig.add_trace(
                go.Scatter(
                    x=rows.date,
                    y=rows["mean"],
                    name=scenario,
                    line={"color": colour},
                    legendgroup=scenario,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    fig.update_layout(height=380, margin={"t": 40})
    return _plain_numbers(fig)


PAYERS = (("fiscal_cost", "fiscal_cost_yuan_total"), ("employer_cost", "employer_cost_yuan_total"),
          ("total_cost", "total_cost_yuan_total"))


def _cost_effectiveness(headline: pd.DataFrame, lang: str) -> go.Figure:
    """Effects against cost, with a switch between the state's, the employers' and the total cost."""
    factor, unit = _axis_unit("high_skill_workers", lang)
    payers = [(key, column) for key, column in PAYERS if column in headline]
    money_factor, money = _axis_unit("cost_yuan", lang)
    fig = make_subplots(rows=1, cols=2, subplot_titles=[label("delta_high_skill", lang), label("retained", lang)])
    for col, column in enumerate(("delta_high_skill_workers", "delta_retained_workers"), start=1):
        fig.add_trace(
            go.Scatter(
                x=headline[payers[0][1]] * money_factor,
                y=headline[column] * factor,
                mode="markers+text",
                text=headline["scenario"],
                textposition="top center",
                cliponaxis=False,
                showlegend=False,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (headline[f"{column}_hi"] - headline[column]) * factor,
                    "arrayminus": (headline[column] - headline[f"{column}_lo"]) * factor,
                },
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(title_text=unit, row=1, col=col)
        fig.update_xaxes(title_text=_titled(label(payers[0][0], lang), money, lang), row=1, col=col)
    buttons = [{"label": label(key, lang), "method": "update",
                "args": [{"x": [list(headline[column] * money_factor)] * 2},
                         {"xaxis.title.text": _titled(label(key, lang), money, lang),
                          "xaxis2.title.text": _titled(label(key, lang), money, lang)}]}
               for key, column in payers]
    fig.update_layout(height=440, margin={"t": 70},
                      updatemenus=[{"type": "buttons", "direction": "right", "x": 0, "y": 1.22, "xanchor": "left",
                                    "buttons": buttons, "showactive": True}])
    return _plain_numbers(fig)


def _by_group(effects: pd.DataFrame, dimension: str, lang: str) -> go.Figure:
    last = effects[
        (effects.date == effects.date.max()) & (effects.dimension == dimension) & (effects.kpi == "high_skill_workers")
    ]
    factor, unit = _axis_unit("high_skill_workers", lang)
    fig = go.Figure()
    for scenario, rows in last.groupby("scenario", sort=False):
        fig.add_trace(
            go.Bar(
                x=[label(g, lang) for g in rows.group],
                y=rows["mean"] * factor,
                name=scenario,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows.hi - rows["mean"]) * factor,
                    "arrayminus": (rows["mean"] - rows.lo) * factor,
                },
            )
        )
    fig.update_layout(barmode="group", height=400, yaxis_title=_titled(label("delta_high_skill", lang), unit, lang),
                      margin={"t": 20})
    return _plain_numbers(fig)


CITY_MAP = Path(__file__).resolve().parent / "data" / "jiangsu_cities.geojson"


def _by_city(effects: pd.DataFrame, kpi: str, last: bool) -> pd.DataFrame:
    """Each option's effect on a KPI by city: at the last month (a stock), or summed over the months (a flow)."""
    rows = effects[(effects.dimension == "city") & (effects.kpi == kpi)]
    if last:
        rows = rows[rows.date == rows.date.max()]
    return rows.groupby(["scenario", "group"], sort=False, observed=True)["mean"].sum().reset_index()


def _city_map(values: pd.DataFrame, kpi: str, lang: str) -> go.Figure:
    """Jiangsu's 13 prefecture-level cities coloured by one option's effect (buttons switch the option), drawn as
    filled outlines on plain axes (reporting/data/jiangsu_cities.geojson), so the map needs no tiles and no network."""
    from plotly.colors import sample_colorscale

    factor, unit = _axis_unit(kpi, lang)
    cities = {f["id"]: f["geometry"] for f in json.loads(CITY_MAP.read_text(encoding="utf-8"))["features"]}
    options = list(dict.fromkeys(values.scenario))
    scaled = values.assign(value=values["mean"] * factor)
    low, high = min(float(scaled.value.min()), 0.0), max(float(scaled.value.max()), 0.0)
    span = high - low or 1.0
    fig = go.Figure()
    for k, option in enumerate(options):
        part = scaled[scaled.scenario == option].set_index("group").value
        for city, geometry in cities.items():
            value = float(part.get(city, np.nan))
            polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            x, y = [], []
            for polygon in polygons:
                ring = np.asarray(polygon[0])
                x += [*ring[:, 0], None]
                y += [*ring[:, 1], None]
            colour = sample_colorscale("Blues", [(value - low) / span])[0] if np.isfinite(value) else "#eeeeee"
            fig.add_trace(go.Scatter(x=x, y=y, fill="toself", fillcolor=colour, mode="lines",
                                     line={"color": "#555", "width": 0.8}, visible=k == 0, showlegend=False,
                                     name=label(city, lang), hoveron="fills",
                                     text=f"{label(city, lang)}: {number(value, lang)} {unit}", hoverinfo="text"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                             marker={"colorscale": "Blues", "cmin": low, "cmax": high, "color": [low],
                                     "showscale": True, "colorbar": {"title": {"text": unit},
                                                                     "exponentformat": "none"}}))
    per = len(cities)
    buttons = [{"label": option, "method": "update",
                "args": [{"visible": [j // per == k for j in range(per * len(options))] + [True]}]}
               for k, option in enumerate(options)]
    fig.update_layout(height=560, margin={"t": 110},
                      title={"text": _titled(label(f"map_{kpi}", lang), unit, lang), "y": 0.97, "x": 0.02},
                      updatemenus=[{"type": "buttons", "direction": "right", "x": 0, "y": 1.14, "xanchor": "left",
                                    "buttons": buttons, "showactive": True}],
                      # longitude and latitude on equal axes, a degree of longitude shrunk by cos(33°N) = 0.84
                      xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1.19},
                      plot_bgcolor="white")
    return fig


WHO_GAINS_BY = ("wage_decile", "region", "migrant_generation", "grade", "age_band", "ownership", "sector")


def _who_gains(effects: pd.DataFrame, lang: str) -> go.Figure:
    """The mean own wage effect per option, in % of the baseline wage, by decile of the baseline wage and (buttons)
    by region, cohort, grade, age band, ownership and sector."""
    rows = effects[(effects.kpi == "own_wage_effect")]
    options = list(dict.fromkeys(rows.scenario))
    dimensions = [d for d in WHO_GAINS_BY if (rows.dimension == d).any()]
    fig = go.Figure()
    for k, dimension in enumerate(dimensions):
        for option in options:
            part = rows[(rows.dimension == dimension) & (rows.scenario == option)]
            fig.add_trace(go.Bar(x=[label(g, lang) for g in part.group], y=100 * part["mean"], name=option,
                                 legendgroup=option, visible=k == 0,
                                 error_y={"type": "data", "symmetric": False, "array": 100 * (part.hi - part["mean"]),
                                          "arrayminus": 100 * (part["mean"] - part.lo)}))
    buttons = [{"label": label(dimension, lang), "method": "update",
                "args": [{"visible": [j // len(options) == k for j in range(len(options) * len(dimensions))]},
                         {"xaxis.title.text": label(dimension, lang)}]} for k, dimension in enumerate(dimensions)]
    fig.update_layout(barmode="group", height=440, margin={"t": 60},
                      xaxis_title=label(dimensions[0], lang) if dimensions else "",
                      yaxis_title=label("own_wage_effect_pct", lang),
                      updatemenus=[{"type": "buttons", "direction": "right", "x": 0, "y": 1.16, "xanchor": "left",
                                    "buttons": buttons, "showactive": True}])
    return _plain_numbers(fig)


def _who_pays(headline: pd.DataFrame, lang: str) -> go.Figure:
    """Cumulative cost stacked by payer: the state by programme, and employers."""
    from model.levers import LEVER_IDS

    factor, unit = _axis_unit("cost_yuan", lang)
    colon = "：" if lang == "zh" else ": "
    fig = go.Figure()
    for lever in LEVER_IDS:
        column = f"fiscal_cost_yuan_{lever}"
        if column in headline and headline[column].abs().sum() > 0:
            fig.add_trace(go.Bar(x=headline.scenario, y=headline[column] * factor,
                                 name=f"{label('fiscal', lang)}{colon}{label(lever, lang)}"))
    fig.add_trace(go.Bar(x=headline.scenario, y=headline["employer_cost_yuan_total"] * factor,
                         name=label("employer", lang)))
    fig.update_layout(barmode="stack", height=400, margin={"t": 20}, yaxis_title=unit)
    return _plain_numbers(fig)


def _sweep_figure(directory: Path, lang: str) -> go.Figure:
    """Sensitivity indices of the additional high-skill workers (Sobol or Morris designs), else the policy
    surface: the effect at each design point (a heatmap over two grid factors, else against fiscal cost)."""
    from model.experiments.sensitivity import analyse, experiment_of

    analysis = analyse(directory)
    kpi = "high_skill_workers"
    fig = go.Figure()
    if not analysis.indices.empty:
        rows = analysis.indices[analysis.indices.kpi == kpi]
        stats = (("S1", "S1_conf", "first_order"), ("ST", "ST_conf", "total_order")) if "ST" in rows else \
            (("mu_star", "mu_star_conf", "mu_star"),)
        named = {f.name: f.label_in(lang) for f in experiment_of(directory).factors}
        for scenario, group in rows.groupby("scenario", sort=False):
            for column, conf, key in stats:
                fig.add_trace(go.Bar(x=[html.escape(named.get(f, f)) for f in group.factor], y=group[column],
                                     error_y={"type": "data", "array": group[conf]},
                                     name=f"{html.escape(str(scenario))}: {label(key, lang)}"))
        fig.update_layout(barmode="group", height=420, margin={"t": 20})
        return fig
    surface = analysis.surface[analysis.surface.kpi == kpi]
    if surface.empty:
        raise InputError(f"sweep: {directory} has neither sensitivity indices nor a baseline-paired surface of {kpi}")
    factors = [f.name for f in experiment_of(directory).factors]
    titles = [html.escape(f.label_in(lang)) for f in experiment_of(directory).factors]
    if experiment_of(directory).design.method == "grid" and len(factors) == 2:
        grid = surface.pivot_table(index=factors[1], columns=factors[0], values="effect", aggfunc="mean")
        fig.add_trace(go.Heatmap(z=grid.to_numpy(), x=[f"{v:g}" for v in grid.columns],
                                 y=[f"{v:g}" for v in grid.index], colorbar={"title": label("delta_high_skill", lang)}))
        fig.update_layout(xaxis_title=titles[0], yaxis_title=titles[1], height=450, margin={"t": 20})
        return fig
    for scenario, group in surface.groupby("scenario", sort=False):
        fig.add_trace(go.Scatter(x=group.fiscal_cost_yuan * _axis_unit("cost_yuan", lang)[0], y=group.effect,
                                 mode="markers",
                                 name=html.escape(str(scenario)),
                                 error_y={"type": "data", "symmetric": False, "array": group.hi - group.effect,
                                          "arrayminus": group.effect - group.lo}))
    fig.update_layout(height=420, margin={"t": 20}, yaxis_title=label("delta_high_skill", lang),
                      xaxis_title=_axis_unit("cost_yuan", lang)[1])
    return fig


def _calibration(manifest: dict, lang: str) -> dict | None:
    """The point fit against the published figures the comparison recorded, in the report language (a comparison
    made before comparisons recorded it: today's calibration/fitted.yaml), with the fitted parameters whose values
    the comparison's runs recorded otherwise: for those, the table does not describe the runs."""
    fitted = manifest.get("calibration_fit") or point_fit()
    if fitted is None:
        return None
    from model.calibration.fit import LOCAL_METHOD

    objective = fitted.get("objective")
    return {
        "method": label("calibration_method_local" if fitted.get("method") == LOCAL_METHOD else "calibration_method",
                        lang),
        "stale": _refitted_since(manifest, fitted.get("parameters") or {}),
        "targets": [{"name": name, "published": number(target["published"], lang),
                     "simulated": number(target["simulated"], lang), "tolerance": number(target["tolerance"], lang),
                     "use": str(target.get("use"))} for name, target in fitted.get("targets", {}).items()],
        "objective": number(objective, lang) if isinstance(objective, float) else str(objective),
        "date": str(fitted.get("date", "")),
        "not_identified": _not_identified(manifest, lang),
        "not_recovered": _not_recovered(fitted.get("parameters") or {}, lang),
    }


def _not_recovered(fitted: dict[str, float], lang: str) -> list[str]:
    """The fitted parameters that the joint recovery of this fit (calibration/recovery.csv) missed, with the miss as
    a share of the parameter's range; empty when it missed none or no recovery of this fit is stored."""
    from model.calibration.fit import not_recovered_at

    missed = not_recovered_at({k: v for k, v in fitted.items() if isinstance(v, int | float)}) or {}
    missed_by = "（偏离{}）" if lang == "zh" else " (missed by {})"
    return [label(name, lang) + missed_by.format(f"{share:.0%}") for name, share in missed.items()]


def _run_parameters(manifest: dict, names: tuple[str, ...]) -> dict:
    """The parameter values the comparison's baseline runs recorded, today's calibration filling in any of `names`
    a comparison did not record."""
    runs = manifest.get("runs", {}).get(manifest.get("baseline"), []) or [{}]
    values = {**(runs[0].get("parameters") or {})}
    if any(name not in values for name in names):
        values = {**load_calibration().parameter_values(), **values}
    return values


def _not_identified(manifest: dict, lang: str) -> list[str]:
    """The parameters the in-sample figures do not pin down, which the point fit leaves at a stated value, with the
    value the comparison's baseline runs recorded (today's value for a comparison that recorded none)."""
    from model.calibration.priors import NOT_IDENTIFIED

    values = _run_parameters(manifest, NOT_IDENTIFIED)
    return [f"{label(name, lang)} {float(values[name]):.3g}" for name in NOT_IDENTIFIED]


def _refitted_since(manifest: dict, fitted: dict[str, float]) -> list[str]:
    """Fitted parameters whose value in the fit shown differs from the one the comparison's baseline runs recorded
    (none under --posterior, whose runs draw the calibrated parameters by design)."""
    if "posterior" in manifest:
        return []
    runs = manifest.get("runs", {}).get(manifest.get("baseline"), []) or [{}]
    recorded = runs[0].get("parameters") or {}
    return sorted(name for name, value in fitted.items() if name in recorded and isinstance(value, int | float)
                  and not np.isclose(float(recorded[name]), float(value), rtol=1e-9, atol=0.0))


def _provenance(manifest: dict, names: dict[str, str]) -> list[dict]:
    """Per option: the scenario file and its hash, the code version its first run recorded, and its runs."""
    rows = []
    for key, runs in manifest.get("runs", {}).items():
        first = runs[0] if runs else {}
        scenario = first.get("scenario", {})
        git = first.get("git") or {}
        rows.append({"option": names.get(key, key), "file": str(scenario.get("file")),
                     "sha256": str(scenario.get("sha256"))[:16], "version": str(first.get("package_version")),
                     "commit": str(git.get("commit"))[:10], "dirty": bool(git.get("dirty")), "runs": len(runs)})
    return rows


def _period(manifest: dict) -> str:
    period = manifest.get("period", {})
    return f"{period.get('start', '')}–{period.get('end', '')}"


_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
