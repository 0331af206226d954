"""CPU smoke tests: torch works, detect() is sane, the CLI speaks the protocol.

    compute/.venv/bin/python -m pytest compute/tests -q
"""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import torch

from distillery_compute import __version__
from distillery_compute.device import detect
from distillery_compute.progress import Progress, emit

def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI as the TypeScript side does, from a directory outside compute/."""
    return subprocess.run([sys.executable, "-m", "distillery_compute", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))  # 3.10 has no "Z" support


def test_cpu_matmul_matches_hand_computation():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[5.0, 6.0], [7.0, 8.0]])
    # [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]]
    expected = torch.tensor([[19.0, 22.0], [43.0, 50.0]])
    torch.testing.assert_close(a @ b, expected)


def test_detect_is_sane():
    info = detect()
    assert info.device in ("cpu", "cuda")
    assert info.torch_version == torch.__version__
    assert info.cpu_threads >= 1 and info.cpu_count >= 1
    assert info.name
    if info.device == "cpu":
        assert info.compute_capability is None
        assert info.gpu_count == 0
        assert not (info.is_hopper or info.has_fp8 or info.has_scaled_mm or info.has_flash_sdpa)
    else:
        assert info.gpu_count >= 1
        assert len(info.compute_capability) == 2
        assert info.is_hopper == (info.compute_capability >= (9, 0))
        assert not info.has_fp8 or info.compute_capability >= (8, 9)
    assert info.has_scaled_mm <= info.has_fp8


def test_emit_writes_one_strict_json_line(capsys):
    emit("step", loss=float("nan"), shape=(2, 3))
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1
    rec = json.loads(out)
    assert list(rec)[:2] == ["event", "ts"]
    assert rec["event"] == "step" and rec["loss"] is None and rec["shape"] == [2, 3]
    parse_ts(rec["ts"])


def test_progress_reports_step_total_eta(capsys):
    p = Progress(total=3)
    for _ in range(3):
        p.step(loss=1.0)
    recs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["step"] for r in recs] == [1, 2, 3]
    assert all(r["event"] == "progress" and r["total"] == 3 for r in recs)
    assert recs[-1]["eta_s"] == 0


def test_cli_info_prints_one_json_line(tmp_path):
    proc = run_cli("info", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    rec = json.loads(lines[0])
    assert rec["event"] == "info"
    assert rec["version"] == __version__
    assert rec["device"] in ("cpu", "cuda")
    assert rec["torch_version"] == torch.__version__
    parse_ts(rec["ts"])


def test_cli_unknown_command_exits_2(tmp_path):
    proc = run_cli("no-such-command", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "unknown command 'no-such-command'" in proc.stderr
