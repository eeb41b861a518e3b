"""The notebooks run top to bottom at a small scale (CI), with their outputs not committed, and every chart
they draw has a title, axis titles in words with units, years as years and one colour per series."""

import json
from pathlib import Path

import nbformat
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import pytest
from nbclient import NotebookClient
from notebook_figures import notebook_figures, problems

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
SMALL = {"SCALE": "0.0005", "SEED": "0", "SEEDS": "2", "END": '"2021-06"', "SAMPLES": "2", "POSTERIOR": "4",
         "DRAWS": "2"}


def _json(figure: go.Figure) -> dict:
    """The figure as a notebook output holds it."""
    return json.loads(figure.to_json())


def test_the_figure_check_rejects_column_ids_fractional_years_and_repeated_colours():
    bad = go.Figure([go.Scatter(x=[2021, 2022], y=[1, 2], name=f"option {k}") for k in range(12)])
    bad.update_layout(title="mean", xaxis_title="year", yaxis_title="delta_high_skill_workers")
    found = " | ".join(problems(_json(bad)))
    for expected in ("title 'mean'", "'year' is a bare column id", "'delta_high_skill_workers' is a bare",
                     "12 series on a palette of 10"):
        assert expected in found
    years = go.Figure(go.Scatter(x=[2021, 2022], y=[1, 2]))
    years.update_layout(title="High-skill workers", xaxis_title="Year", yaxis_title="Workers (millions)")
    assert any("years as numbers" in p for p in problems(_json(years)))
    years.update_xaxes(tickformat="d", dtick=1)
    assert problems(_json(years)) == []
    same = go.Figure([go.Bar(x=["a"], y=[1], name=n, marker_color="red") for n in ("one", "two")])
    same.update_layout(title="Two options", xaxis_title="Option", yaxis_title="Workers")
    assert problems(_json(same)) == ["series share a colour: one, two"]
    untitled = problems(_json(go.Figure(go.Scatter(x=[1], y=[1]))))
    assert untitled[1:] == ["xaxis has no title", "yaxis has no title"]


def test_the_figure_check_takes_one_title_for_the_shared_axis_of_facets():
    table = pd.DataFrame({"option": ["a", "b"] * 3, "workers": range(6), "panel": ["x", "x", "y", "y", "z", "z"]})
    facets = px.bar(table, x="option", y="workers", facet_row="panel", title="Workers by option",
                    labels={"option": "Option", "workers": "Workers (thousands)"})
    facets.update_yaxes(title_text="")
    facets.update_yaxes(title_text="Workers (thousands)", row=2, col=1)
    assert problems(_json(facets)) == []
    facets.update_yaxes(title_text="")
    assert problems(_json(facets)) == ["yaxis has no title", "yaxis2 has no title", "yaxis3 has no title"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_at_a_small_scale(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "strip outputs"
    assert not any("sys.path" in cell.source for cell in notebook.cells), "import the installed package"
    tagged = [k for k, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, "one parameters cell"
    names = [line.split("=")[0].strip() for line in notebook.cells[tagged[0]].source.splitlines() if "=" in line]
    injected = "\n".join(f"{name} = {SMALL[name]}" for name in names)
    notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(injected))  # as papermill does
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    figures = notebook_figures(notebook)
    assert len(figures) >= 3, f"{path.name} drew {len(figures)} plotly charts"
    unreadable = [f"cell {k}: {_title(figure)}: {p}" for k, figure in figures for p in problems(figure)]
    assert not unreadable, "\n".join(unreadable)


def _title(figure: dict) -> str:
    title = figure.get("layout", {}).get("title")
    return repr((title or {}).get("text") if isinstance(title, dict) else title)
