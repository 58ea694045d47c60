"""Run the Python examples of README.md, so the documented code keeps working."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run_and_print_front(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    script = tmp_path / "readme_examples.py"
    script.write_text("\n".join(blocks) + "\nprint(result)\n")

    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(blocks) == 3
    # The first example prints its Pareto set, one trial a line. The stored,
    # parallel example prints nothing. The pruning example prints the epochs
    # it spent, fewer than its 300 trials at 27 epochs each, and its Result.
    # Its curves cross, so the rank check turns off some rungs.
    assert len(lines) == 7
    assert "'accuracy': 0.98663" in completed.stdout
    spent, full = re.fullmatch(r"(\d+) epochs instead of (\d+)", lines[-2]).groups()
    assert int(full) == 300 * 27
    assert int(spent) < 0.8 * int(full)
    assert lines[-1].startswith("Result(300 trials, 0 failed")
    assert (tmp_path / "study.db").exists()
