"""The lianhu command as a user meets it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                       "PYTHONPATH": str(Path(__file__).parents[1])})


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for word in ("run", "db", "demo", "import", "classify", "eval", "config"):
        assert word in out


def test_config_lists_every_setting_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "LIANHU_DATABASE_URL" in out and "sim_port" in out and "8080" in out


def test_db_upgrade_and_demo_in_a_fresh_folder(tmp_path: Path) -> None:
    result = run("--data-dir", "d", "db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "lianhu.db").exists()
    first = run("--data-dir", "d", "demo", cwd=tmp_path)
    second = run("--data-dir", "d", "demo", cwd=tmp_path)
    assert first.returncode == 0 and "已导入演示社区" in first.stdout
    assert second.returncode == 0 and "已经存在" in second.stdout


def test_bad_settings_are_reported_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('sim_port = "eighty"\n', encoding="utf-8")
    result = run("--config", str(config), "config", cwd=tmp_path)
    assert result.returncode == 0  # `config` lists defaults without loading the file
    result = run("--config", str(config), "--data-dir", "d", "db", "current", cwd=tmp_path)
    assert result.returncode == 2 and "sim_port" in result.stderr and "Traceback" not in result.stderr
