"""The lianhu command as a user meets it."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.cli.main import main


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                       "PYTHONPATH": str(Path(__file__).parents[1]), **env})


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


def test_run_without_a_usable_gateway_says_why(tmp_path: Path) -> None:
    result = run("--data-dir", "d", "run", cwd=tmp_path, LIANHU_GATEWAY="carrier-pigeon")
    assert result.returncode == 1 and "未知的 gateway: carrier-pigeon" in result.stderr
    result = run("--data-dir", "d", "run", "--gateway", "wechaty", cwd=tmp_path)
    assert result.returncode == 1 and "WECHATY_PUPPET_SERVICE_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_a_broken_rules_file_says_where_and_does_not_start(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text("[scoring]\nthreshold = \"高\"\n", encoding="utf-8")
    result = run("--data-dir", "d", "run", "--port", "0", cwd=tmp_path, LIANHU_RULES_PATH="rules.toml")
    assert result.returncode == 1
    assert "规则文件错误" in result.stderr and "rules.toml" in result.stderr and "Traceback" not in result.stderr


def test_run_serves_the_simulator_until_ctrl_c(tmp_path: Path) -> None:
    """`lianhu run` (the simulator by default): says where to look, serves the page, the API
    and /healthz on one port, and stops cleanly on SIGINT."""
    out = tmp_path / "out.log"
    with open(out, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "--data-dir", "d", "run", "--port", "0"],
                                cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])})
    try:
        deadline = time.monotonic() + 90
        while "联户助手已启动" not in out.read_text("utf-8") and time.monotonic() < deadline:
            assert proc.poll() is None, out.read_text("utf-8")
            time.sleep(0.2)
        text = out.read_text("utf-8")
        assert "联户助手已启动" in text, text
        url = text.split("在浏览器打开 ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
        with urllib.request.urlopen(url + "healthz", timeout=10) as res:
            assert json.loads(res.read()) == {"ok": True, "gateway": "simulator", "connected": True}
        with urllib.request.urlopen(url + "api/sim/rooms", timeout=10) as res:
            assert any(r["id"] == "room-1" for r in json.loads(res.read()))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0, out.read_text("utf-8")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
