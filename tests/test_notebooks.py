"""The notebooks run top to bottom at a small scale (CI), with their outputs not committed."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
SMALL = {"SCALE": "0.0005", "SEED": "0", "SEEDS": "2", "END": '"2021-06"', "SAMPLES": "2"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_at_a_small_scale(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "strip outputs"
    tagged = [k for k, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, "one parameters cell"
    names = [line.split("=")[0].strip() for line in notebook.cells[tagged[0]].source.splitlines() if "=" in line]
    injected = "\n".join(f"{name} = {SMALL[name]}" for name in names)
    notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(injected))  # as papermill does
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    figures = sum("application/vnd.plotly.v1+json" in output.get("data", {})
                  for cell in notebook.cells for output in cell.get("outputs", []))
    assert figures >= 3, f"{path.name} drew {figures} plotly charts"
