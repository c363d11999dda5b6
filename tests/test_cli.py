import subprocess
import sys

from evornn.cli import main


def test_demo_prints_the_period_and_writes_a_png(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--t-max", "200"]) == 0
    printed = capsys.readouterr().out
    assert "period" in printed
    period = float(printed.split("period ")[1].split()[0])
    assert 20 < period < 40
    png = tmp_path / "beer_oscillator.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_console_script_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "evornn.cli", "--help"], capture_output=True, text=True, check=True)
    assert "demo" in out.stdout
