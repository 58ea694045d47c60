"""Execute the notebooks under notebooks/ and check what they print."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(name: str) -> list[str]:
    """Run a notebook in a fresh kernel and return the text of its stdout."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return [
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    ]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_quickstart_notebook_runs_and_reports_front():
    printed = "\n".join(execute("quickstart.ipynb"))
    assert "200 trials, 0 failed" in printed
    hypervolume_line = next(
        line for line in printed.splitlines() if line.startswith("hypervolume")
    )
    assert float(hypervolume_line.rsplit(":", 1)[1]) > 0.0
