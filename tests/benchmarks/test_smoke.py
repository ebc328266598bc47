"""The benchmark command runs end to end at a tiny size and reports every row as a number.

No timing is asserted: the figures belong to benchmarks/RESULTS.md, not to a test.
"""

import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "Ingest": 12,
    "Latency": 6,
    "Scale": 13,
    "Burst": 7,
    "Start-up": 3,
    "Server": 8,
    "Resync": 7,
    "Drain": 4,
    "Chaos": 7,
    "Terminal": 4,
    "Search": 6,
}


def test_the_benchmark_command_prints_every_row_with_a_number(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = output.read_text()
    assert "| cores |" in report and "load average" in report and "textual" in report
    rows = [line.split("|")[1:-1] for line in report.splitlines() if re.match(r"\| [A-Z]", line)]
    rows = [cells for cells in rows if cells[0].strip() in EXPECTED]
    counted = {section: sum(1 for r in rows if r[0].strip() == section) for section in EXPECTED}
    assert counted == EXPECTED
    for cells in rows:
        value = float(cells[2].strip().replace(",", ""))
        assert math.isfinite(value) and value >= 0, cells
        if cells[4].strip():  # a row with a target says whether it was met
            assert cells[5].strip() in ("met", "MISSED"), cells
    assert report.strip() in done.stdout  # the same table is printed
