"""What a reader needs from every plotly chart a notebook draws: a title, axis titles in words (not column
ids), years as years and one colour per series. `problems(figure)` lists what a figure lacks."""

from __future__ import annotations

import re
from numbers import Number

PLOTLY_MIME = "application/vnd.plotly.v1+json"
# a bare column id (value, mean, n, group, delta_high_skill_workers): lower case, digits and underscores only
BARE_ID = re.compile(r"^[a-z0-9_]+$")
YEAR = re.compile(r"\byear\b", re.IGNORECASE)  # a calendar-year axis ("Year"), not "Age (years)"
AXIS = re.compile(r"^([xy])axis(\d*)$")
# plotly's default colourway has ten colours: more series without explicit colours repeat them
DEFAULT_COLOURS = 10


def _text(title: object) -> str:
    """Title text whether plotly stored it as a string or as {"text": ...}."""
    if isinstance(title, dict):
        title = title.get("text")
    return str(title or "").strip()


def _used_axes(data: list[dict]) -> dict[str, list[dict]]:
    """Layout axis name (xaxis, yaxis2, ...) → the cartesian traces drawn on it."""
    used: dict[str, list[dict]] = {}
    for trace in data:
        if trace.get("type", "scatter") in ("pie", "table", "sunburst", "treemap", "indicator", "sankey"):
            continue
        for letter in ("x", "y"):
            ref = trace.get(f"{letter}axis", letter)
            used.setdefault(f"{letter}axis{ref[1:]}", []).append(trace)
    return used


def _numeric(values: object) -> bool:
    """Whether trace coordinates are plain numbers (a list, or plotly's typed array {"dtype", "bdata"})."""
    if isinstance(values, dict):
        return str(values.get("dtype", ""))[:1] in ("i", "u", "f")
    return isinstance(values, (list, tuple)) and bool(values) and all(
        isinstance(v, Number) and not isinstance(v, bool) for v in values)


def _fractional_year_axis(name: str, axis: dict, traces: list[dict]) -> bool:
    """An axis titled with 'year' that plots years as plain numbers without integer ticks (plotly then
    writes 2,021.5)."""
    if not YEAR.search(_text(axis.get("title"))) or axis.get("type") in ("date", "category"):
        return False
    if not traces or not all(_numeric(trace.get(name[0])) for trace in traces):
        return False  # dates or categories: plotly writes them as they are
    ticks = axis.get("tickvals")
    if ticks is not None:
        return any(float(t) != int(t) for t in ticks)
    return axis.get("tickformat") not in ("d", ".0f") or float(axis.get("dtick", 1)) != int(axis.get("dtick", 1))


def _repeated_colours(data: list[dict], layout: dict) -> list[str]:
    """Names of legend series that share a colour with another series."""
    series: dict[str, str | None] = {}
    for trace in data:
        if trace.get("showlegend") is False or not trace.get("name"):
            continue
        key = trace.get("legendgroup") or trace["name"]
        colour = (trace.get("marker") or {}).get("color") or (trace.get("line") or {}).get("color")
        series.setdefault(key, colour if isinstance(colour, str) else None)
    explicit = [c for c in series.values() if c is not None]
    repeated = sorted({name for name, c in series.items() if c is not None and explicit.count(c) > 1})
    implicit = [name for name, c in series.items() if c is None]
    palette = len(layout.get("colorway") or []) or DEFAULT_COLOURS
    if len(implicit) > palette:
        repeated += [f"{len(implicit)} series on a palette of {palette} colours"]
    return repeated


def problems(figure: dict) -> list[str]:
    """What a reader would miss in one plotly figure (its JSON as in a notebook output); empty if none."""
    layout, data = figure.get("layout", {}), figure.get("data", [])
    found = []
    title = _text(layout.get("title"))
    if len(title) < 4 or BARE_ID.match(title):
        found.append(f"title {title!r} is missing or a bare id")
    used = _used_axes(data)
    # facets share an axis (`matches`): one title for the group is enough
    group = {name: f"{axis['matches'][0]}axis{axis['matches'][1:]}" if axis.get("matches") else name
             for name, axis in layout.items() if AXIS.match(name) and isinstance(axis, dict)}
    titled_groups = {group[name] for name, axis in layout.items()
                     if name in group and _text(axis.get("title"))}
    for name, traces in sorted(used.items()):
        axis = layout.get(name, {})
        if axis.get("visible") is False:
            continue
        text = _text(axis.get("title"))
        if not text:
            if group.get(name, name) in titled_groups:
                continue
            found.append(f"{name} has no title")
        elif BARE_ID.match(text):
            found.append(f"{name} title {text!r} is a bare column id: say what it is and its unit")
        if _fractional_year_axis(name, axis, traces):
            found.append(f"{name} plots years as numbers without integer ticks (set tickformat='d', dtick=1)")
    repeated = _repeated_colours(data, layout)
    if repeated:
        found.append(f"series share a colour: {', '.join(repeated)}")
    return found


def notebook_figures(notebook) -> list[tuple[int, dict]]:  # noqa: ANN001 - an nbformat notebook
    """(cell index, figure JSON) of every plotly output of an executed notebook."""
    return [(k, output["data"][PLOTLY_MIME]) for k, cell in enumerate(notebook.cells)
            for output in cell.get("outputs", []) if PLOTLY_MIME in output.get("data", {})]
