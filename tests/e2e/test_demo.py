"""`make demo` as a user runs it: it starts and stops its own anvil on a free port (not 8545), so
this runs on either xdist worker, beside the README's node."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.utils.node import ROOT, _env


def test_demo__leaves_no_record(tmp_path):
    # `make demo` starts and stops its own anvil (APE_FOUNDRY_HOST=auto: any free port, not 8545).
    records = tmp_path / "deployments"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ape"), "run", "demo", "--network", "ethereum:local:foundry"],
        cwd=ROOT,
        env={**_env(records), "APE_FOUNDRY_HOST": "auto"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout
    assert "== 5. status" in result.stdout
    assert not records.exists() or not any(records.iterdir())
