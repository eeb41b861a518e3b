"""The what-if explorer: pick an option and a baseline, move the option's lever settings, and see the paired effect
against a cached baseline, in Chinese or English: `workforce explore` in the browser, `model.explore()` in
Jupyter.

Built with Panel, which serves its JavaScript (Bokeh and a bundled plotly.js) from the installed package, so
nothing leaves the machine (Solara fetches missing widget assets from a CDN). The widgets come from the lever
schema (model/reporting/catalogue.py: ranges, units, labels); a change is validated as a scenario file is
(model/experiments/overrides.py) and runs on long-lived worker processes, one per seed, that keep the baseline's run
(compare.replication with keep_baseline), so only the changed option is simulated. A newer change supersedes a
run in progress: its result is dropped. The current settings save as a scenario file that reproduces the
numbers shown.
"""

from __future__ import annotations

import asyncio
import io
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import panel as pn
import yaml

from model import shipped
from model.errors import InputError
from model.experiments import worker_processes
from model.experiments.compare import Comparison, assemble, prepare, replication
from model.experiments.overrides import apply
from model.reporting.catalogue import lever_settings
from model.reporting.labels import label, number
from model.reporting.report import STYLE, TEMPLATES, comparison_figures, summary_cards
from model.scenario import Scenario, in_language, load_scenario, parse_scenario

DEFAULT_SCALE = 0.005
DEFAULT_SEEDS = 2
DEFAULT_BASE = "reform_2020"
DEFAULT_BASELINE = "baseline"
MAX_KEPT = 4
ENDS = ("2022-12", "2025-12", "2030-12")
FIGURES = ("trajectories", "cost_effectiveness", "by_region", "by_city")
METRICS = (("delta_high_skill", "delta_high_skill_workers"), ("delta_trainees_total", None),
           ("retained", "delta_retained_workers"), ("delta_turnover", "delta_turnover_pp"),
           ("fiscal_cost", "fiscal_cost_yuan_total"), ("employer_cost", "employer_cost_yuan_total"),
           ("total_cost_per_high_skill", "total_cost_per_high_skill_worker_yuan"))


class Runner:
    """One long-lived worker process per seed; each keeps its baseline runs between changes."""

    def __init__(self, seeds: int) -> None:
        self.pools = [worker_processes.pool(1) for _ in range(seeds)]

    def compare(self, baseline: Scenario, option: tuple[Scenario, dict], scale: float, end: str) -> Comparison:
        setup = prepare(baseline, [option], len(self.pools), scale, 0, None, end)
        futures = [pool.submit(replication, *task, keep_baseline=True)
                   for pool, task in zip(self.pools, setup.tasks(threads=1), strict=True)]
        return assemble(setup, [f.result() for f in futures], len(self.pools))

    def close(self) -> None:
        for pool in self.pools:
            pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Setting:
    """One widget: the override path it writes and the value the option has."""

    path: str
    initial: object
    widget: pn.widgets.Widget


@dataclass
class Explorer:
    """The app's state and layout (one per browser session)."""

    lang: str = "zh"
    scale: float = DEFAULT_SCALE
    seeds: int = DEFAULT_SEEDS
    base: str = DEFAULT_BASE
    baseline: str = DEFAULT_BASELINE
    end: str = "2025-12"
    runner: Runner | None = None
    generation: int = 0
    settings: list[Setting] = field(default_factory=list)
    kept: list[dict] = field(default_factory=list)
    loaded: dict[str, Scenario] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.runner = self.runner or Runner(self.seeds)
        self.thread = ThreadPoolExecutor(1)  # runs one after another; a superseded result is dropped
        t = self.t
        names = {in_language(load_scenario(n).name, self.lang): n for n in shipped.scenario_names()}
        names.update({str(f): str(f) for f in (self.base, self.baseline) if f not in names.values()})  # files
        self.base_select = pn.widgets.Select(label=t("explorer_base"), options=names, value=self.base)
        self.baseline_select = pn.widgets.Select(label=t("explorer_baseline"), options=names, value=self.baseline)
        self.end_select = pn.widgets.Select(label=t("explorer_end"), options=list(ENDS), value=self.end)
        self.upload = pn.widgets.FileInput(label=t("explorer_load"), accept=".yaml,.yml", multiple=False)
        self.save = pn.widgets.FileDownload(callback=self._saved_file, filename="variant.yaml",
                                            label=t("explorer_save"), color="primary")
        self.keep = pn.widgets.Button(label=t("explorer_keep"))
        self.status = pn.pane.HTML("", css_classes=["status"], stylesheets=[STYLE_SHEET])
        self.progress = pn.indicators.Progress(active=True, width=200, visible=False)
        self.levers = pn.Column()
        self.metrics = pn.pane.HTML("", stylesheets=[STYLE_SHEET])
        self.cards = pn.pane.HTML("", stylesheets=[STYLE_SHEET], sizing_mode="stretch_width")
        self.figures = {key: pn.pane.Plotly(None, sizing_mode="stretch_width", min_width=900,
                                            config={"responsive": True, "displaylogo": False}) for key in FIGURES}
        self.kept_table = pn.pane.HTML("", stylesheets=[STYLE_SHEET])
        for widget in (self.base_select, self.baseline_select, self.end_select):
            widget.param.watch(self._rebuild, "value")
        self.upload.param.watch(self._load, "value")
        self.keep.on_click(self._keep)
        self.comparison: Comparison | None = None
        self._build_settings()

    def t(self, key: str) -> str:
        return label(key, self.lang)

    # --- the option and its settings -----------------------------------------------------------------------
    def _as_given(self, name: str) -> Scenario:
        """A choice as its file or upload gives it (its own period)."""
        return self.loaded[name] if name in self.loaded else load_scenario(name)

    def _scenario(self, name: str) -> Scenario:
        return self._as_given(name).with_period(end=self.end_select.value)

    def _build_settings(self) -> None:
        catalogue = lever_settings().set_index("path")
        spec = self._scenario(self.base_select.value)
        self.settings, cards = [], []
        for module, values in spec.levers.active():
            rows = []
            for path, value in _leaves(values.model_dump(mode="json"), f"levers.{module.NAME}"):
                widget = _widget(path, value, catalogue, self.lang)
                if widget is None:
                    continue
                watched = "value_throttled" if "value_throttled" in widget.param else "value"
                widget.param.watch(self._changed, watched)
                self.settings.append(Setting(path, value, widget))
                rows.append(widget)
            if rows:
                cards.append(pn.Card(*rows, title=f"{label(module.NAME, self.lang)}", collapsed=False,
                                     sizing_mode="stretch_width"))
        self.levers.objects = [pn.pane.Markdown(f"### {self.t('explorer_levers')}"), *cards]

    def overrides(self) -> dict[str, object]:
        """The settings changed from the option's values, by override path."""
        out = {}
        for s in self.settings:
            value = s.widget.value
            if value != s.initial and not (value is None and s.initial is None):
                out[s.path] = value
        return out

    def option(self) -> tuple[Scenario, dict]:
        """The option with the widgets' changes applied (validated; InputError names the setting)."""
        base = self._scenario(self.base_select.value)
        changes = self.overrides()
        return apply(base, changes)[0], changes

    # --- running -------------------------------------------------------------------------------------------
    async def _changed(self, *_events: object) -> None:
        await self.update()

    async def _rebuild(self, *_events: object) -> None:
        self._build_settings()
        await self.update()

    async def update(self) -> None:
        """Run the option against the cached baseline and show it; a newer call supersedes this one."""
        self.generation += 1
        generation = self.generation
        try:
            spec, _ = self.option()
            baseline = self._scenario(self.baseline_select.value)
        except InputError as exc:
            self.status.object = _html("status", self.t("explorer_invalid") + str(exc), "unsure")
            return
        self.progress.visible = True
        self.status.object = _html("status", self.t("explorer_running"))
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.thread, self.runner.compare, baseline, (spec, {}), self.scale,
                                                self.end_select.value)
        except Exception as exc:  # noqa: BLE001 - shown to the user; the app stays up
            if generation == self.generation:
                self.progress.visible = False
                self.status.object = _html("status", self.t("explorer_failed") + str(exc), "unsure")
            return
        if generation != self.generation:
            return  # superseded by a newer change
        self.show(result, time.perf_counter() - started)

    def show(self, result: Comparison, seconds: float) -> None:
        self.comparison = result
        self.progress.visible = False
        self.status.object = _html("status", self.t("explorer_done").format(seconds=f"{seconds:.1f}"), "sure",
                                          self.generation)
        self.metrics.object = _metrics_table(result, self.lang)
        self.cards.object = f"<div class='cards'>{summary_cards(result.headline, result.manifest, self.lang)}</div>"
        figures = comparison_figures(result.effects, result.headline, result.manifest, self.lang)
        for key, pane in self.figures.items():
            pane.object = figures[key]

    # --- saving, loading, keeping ------------------------------------------------------------------------------
    def scenario_yaml(self) -> str:
        """The current option as a scenario file over the option's own period (`workforce validate` accepts it),
        headed by the command that reproduces the numbers shown."""
        spec = apply(self._as_given(self.base_select.value), self.overrides())[0]
        baseline = self.baseline_select.value if self.baseline_select.value not in self.loaded else "BASELINE.yaml"
        header = (f"# Saved from the what-if explorer. The numbers it showed: workforce compare {baseline} "
                  f"THIS_FILE.yaml --end {self.end_select.value} --scale {self.scale:g} --seeds {self.seeds}\n")
        return header + yaml.safe_dump(spec.model_dump(mode="json", exclude_none=True), allow_unicode=True,
                                       sort_keys=False)

    def _saved_file(self) -> io.StringIO:
        return io.StringIO(self.scenario_yaml())

    async def _load(self, *_events: object) -> None:
        if not self.upload.value:
            return
        where = self.upload.filename or "upload.yaml"
        try:
            spec = parse_scenario(self.upload.value.decode("utf-8"), where, Path.cwd())
        except (InputError, UnicodeDecodeError) as exc:
            self.status.object = _html("status", self.t("explorer_invalid") + str(exc), "unsure")
            return
        key = f"{in_language(spec.name, self.lang)} ({where})"
        self.loaded[key] = spec
        self.base_select.options = {**self.base_select.options, key: key}
        self.base_select.value = key  # rebuilds the settings and runs

    def _keep(self, *_events: object) -> None:
        if self.comparison is None:
            return
        row = self.comparison.headline.iloc[0]
        self.kept = [*self.kept, {"name": str(row["scenario"]), **row.to_dict()}][-MAX_KEPT:]
        self.kept_table.object = _kept_table(self.kept, self.lang)

    # --- layout -----------------------------------------------------------------------------------------------
    def layout(self) -> pn.viewable.Viewable:
        sidebar = pn.Column(self.base_select, self.baseline_select, self.end_select, self.upload, self.save,
                            self.keep, self.progress, self.status, self.levers, width=360)
        main = pn.Column(
            pn.pane.HTML(stylesheets=[STYLE_SHEET], object=_html("title", self.lang, f"{self.scale:g}", self.seeds)),
            self.metrics, self.cards,
            *[item for key in FIGURES for item in (_heading(self.t(key)), self.figures[key])],
            _heading(self.t("explorer_kept")), self.kept_table,
            sizing_mode="stretch_width")
        return pn.Row(sidebar, main, sizing_mode="stretch_width", stylesheets=[STYLE_SHEET])


STYLE_SHEET = STYLE.replace("body{", ":host{")
_PIECES = TEMPLATES.get_template("explorer.html.j2").module


def _html(piece: str, *values: object) -> str:
    """A piece of the explorer's HTML (a macro of templates/explorer.html.j2, autoescaped) as a plain string: Panel
    escapes its text for the page, and a markupsafe Markup would come out escaped twice."""
    return str(getattr(_PIECES, piece)(*values))


def _heading(text: str) -> pn.pane.HTML:
    return pn.pane.HTML(_html("heading", text), stylesheets=[STYLE_SHEET], sizing_mode="stretch_width")


def explore(lang: str = "zh", scale: float = DEFAULT_SCALE, seeds: int = DEFAULT_SEEDS, base: str = DEFAULT_BASE,
            baseline: str = DEFAULT_BASELINE, end: str = "2025-12") -> pn.viewable.Viewable:
    """The explorer in Jupyter (run `pn.extension("plotly")` first) or as a Panel app; it runs the option once."""
    check(lang, scale, seeds, end)
    pn.extension("plotly")
    app = Explorer(lang, scale, seeds, base, baseline, end)
    pn.state.onload(app.update)
    return app.layout()


def serve(lang: str, port: int, scale: float, seeds: int, base: str, baseline: str, end: str,
          open_browser: bool) -> None:
    """`workforce explore`: serve the app on this machine until Ctrl-C; one runner shared by the sessions."""
    check(lang, scale, seeds, end)
    pn.extension("plotly")
    runner = Runner(seeds)

    def session() -> pn.viewable.Viewable:
        app = Explorer(lang, scale, seeds, base, baseline, end, runner=runner)
        pn.state.onload(app.update)
        return app.layout()

    try:
        pn.serve(session, port=port, address="127.0.0.1", show=open_browser, title=label("explorer_title", lang),
                 websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"], verbose=False)
    finally:
        runner.close()


def check(lang: str, scale: float, seeds: int, end: str) -> None:
    if lang not in ("zh", "en"):
        raise InputError(f"lang: {lang!r} is not one of zh, en")
    if not 0 < scale <= 0.05:
        raise InputError(f"scale: {scale} is outside the allowed range 0 (exclusive) to 0.05 for the explorer "
                         "(use workforce compare for larger runs)")
    if not 1 <= seeds <= 4:
        raise InputError(f"seeds: {seeds} is outside the allowed range 1 to 4 for the explorer")
    if end not in ENDS:
        raise InputError(f"end: {end} is not one of {', '.join(ENDS)}")


def _leaves(values: dict, prefix: str) -> list[tuple[str, object]]:
    """(override path, value) of each number or choice a widget can set: dated values by date, integers, choices;
    lists, texts and sources are left to scenario files."""
    out = []
    for key, value in values.items():
        path = f"{prefix}.{key}"
        if key in ("description", "source"):
            continue
        if isinstance(value, dict) and "values" in value:
            out += [(f"{path}.values.{month}", v) for month, v in value["values"].items()]
        elif isinstance(value, dict):
            out += _leaves(value, path)
        elif not isinstance(value, list):
            out.append((path, value))
    return out


def _widget(path: str, value: object, catalogue: pd.DataFrame, lang: str) -> pn.widgets.Widget | None:
    setting, _, month = path.partition(".values.")
    if setting not in catalogue.index:
        return None
    row = catalogue.loc[setting]
    name = row.setting_zh if lang == "zh" else row.setting_en
    unit = label(f"unit_{row.unit}", lang) if row.unit else ""
    if unit and not (lang == "zh" and "（" in name):  # Chinese labels may carry their unit already
        unit = f"（{unit}）" if lang == "zh" else f" ({unit})"
    else:
        unit = ""
    when = f" · {month}{label('explorer_from', lang)}" if month and lang == "zh" else (
        f" · {label('explorer_from', lang)} {month}" if month else "")
    title = f"{name}{unit}{when}"
    css = ["setting", "setting-" + path.replace(".", "-")]
    if row.kind.startswith("choice"):
        options = {label(choice, lang): choice for choice in row.allowed.split(" | ")}
        if row.kind.endswith("(optional)"):
            options = {"—": None, **options}  # not set: no restriction
        return pn.widgets.Select(label=title, options=options, value=value, css_classes=css)
    if not row.kind.startswith(("dated number", "integer")) or not isinstance(value, int | float):
        return None
    lo, hi = (float(x.replace(",", "")) for x in row.allowed.split(" to "))
    if row.kind.startswith("integer"):
        return pn.widgets.IntInput(label=title, value=int(value), start=int(lo), end=int(hi), css_classes=css)
    if (lo, hi) == (0.0, 1.0):
        return pn.widgets.EditableFloatSlider(label=title, value=float(value), start=0.0, end=1.0, step=0.01,
                                              css_classes=css)
    return pn.widgets.FloatInput(label=title, value=float(value), start=lo, end=hi, css_classes=css)


def _metrics_table(result: Comparison, lang: str) -> str:
    row = result.headline.iloc[0]
    effects = result.effects
    trainees = effects[(effects.dimension == "province") & (effects.kpi == "trainees")]["mean"].sum()
    cells = []
    for key, column in METRICS:
        value = float(trainees) if column is None else float(row[column])
        bounded = column is not None and f"{column}_lo" in row
        cells.append({"key": key, "value": f"{value:.6g}", "shown": number(value, lang),
                      "interval": (number(row[f"{column}_lo"], lang), number(row[f"{column}_hi"], lang)) if bounded
                      else None})
    return _html("metrics", cells, lang)


def _kept_table(kept: list[dict], lang: str) -> str:
    columns = [(key, column) for key, column in METRICS if column is not None]
    rows = [{"name": k["name"], "cells": [number(float(k[column]), lang) for _, column in columns]} for k in kept]
    return _html("kept", [key for key, _ in columns], rows, lang)
