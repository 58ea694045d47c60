"""Execute the notebooks under notebooks/ and check what they print."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(name: str) -> list[str]:
    """Run a notebook in a fresh kernel and return the text of its stdout.

    The kernel inherits this process's environment, so a test that sets
    MOOPT_NOTEBOOK_QUICK=1 runs the notebook on its small budget.
    """
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


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tuning_notebook_chooses_and_scores_held_out(monkeypatch):
    monkeypatch.setenv("MOOPT_NOTEBOOK_QUICK", "1")
    printed = "\n".join(execute("tuning_sklearn.ipynb"))
    assert "Result(80 trials, 0 failed" in printed
    lines = dict(
        line.strip().split(": ", 1) for line in printed.splitlines() if ": " in line
    )
    # The chosen model keeps to the size bound it was selected under.
    chosen = lines["best within 10 000 floats"]
    assert int(chosen.rsplit("size ", 1)[1]) <= 10_000
    assert float(lines["held-out accuracy"]) > 0.9
    assert float(lines["held-out worst recall"]) > 0.5


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_benchmark_notebook_reads_committed_results():
    printed = "\n".join(execute("benchmark_results.ipynb"))
    assert "default suites: finished" in printed
    assert "tuning suite: finished" in printed
    # One final-hypervolume line per method and task of the tuning suite.
    hv_lines = [line for line in printed.splitlines() if "final HV median" in line]
    assert len(hv_lines) == 8
    assert sum("moopt:" in line for line in hv_lines) == 2


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pruning_notebook_prunes_and_scores_held_out(monkeypatch):
    monkeypatch.setenv("MOOPT_NOTEBOOK_QUICK", "1")
    printed = "\n".join(execute("pruning_and_noise.ipynb"))
    # The pruned run and the re-evaluating run each spend 24 evaluations.
    assert printed.count("Result(24 trials, 0 failed") == 2
    lines = dict(
        line.strip().split(": ", 1) for line in printed.splitlines() if ": " in line
    )
    stops = {key: value for key, value in lines.items() if " at epoch " in key}
    assert "complete at epoch 27" in stops
    pruned_epochs = [int(key.rsplit(" ", 1)[1]) for key in stops if "pruned" in key]
    assert pruned_epochs
    assert max(pruned_epochs) < 27
    trained, full = lines["epochs trained"].split(",")[0].split(" of ")
    assert int(trained) < int(full)
    assert int(lines["configurations evaluated more than once"]) > 0
    # The chosen network keeps to the weight budget it was selected under.
    chosen = lines["chosen"]
    assert int(chosen.rsplit(", ", 1)[1].split()[0]) <= 2000
    assert float(lines["held-out accuracy"]) > 0.9
