"""The ecosystem guard: real code from the pinned corpus keeps its labeled verdicts.

It downloads the pinned projects that carry labels from the package index (like the benchmark),
runs every rule on the labeled files, and fails when a `bug`-labeled finding disappears, a
`wrong`-labeled one comes back, or a default rule reports a `wrong` one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_labeled_findings_keep_their_verdicts():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ecosystem.py"), "--guard"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    assert "guard:" in completed.stdout and " 0 labels" not in completed.stdout
