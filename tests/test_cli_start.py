"""`lianhu` starts quickly: help and each command load only what they use, and a database
already at the migrations' head is not migrated again (timings are in bench/bench_start.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli.lazy import EXTENSION_COMMANDS, registered
from storage import db

REPO = Path(__file__).parents[1]
HEAVY = ("jieba", "openpyxl", "sqlalchemy", "alembic", "asyncio", "aiohttp", "domain", "storage")


def modules_after(argv: list[str], tmp_path: Path) -> tuple[str, set[str]]:
    """What `lianhu ARGV` prints, and the top-level packages it had imported when it ended."""
    script = ("import json, sys\nfrom bot.cli.main import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)" % argv)
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    return out.stdout, set(json.loads(out.stderr.strip().splitlines()[-1]))


def test_help_lists_every_command_without_loading_any(tmp_path: Path) -> None:
    out, loaded = modules_after(["--help"], tmp_path)
    for name in ("run", "db", "import", "export", *(name for name, _, _ in EXTENSION_COMMANDS)):
        assert f"\n    {name} " in out
    assert "propose member links" in out and "web console logins" in out
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_a_commands_help_loads_its_own_module_only(tmp_path: Path) -> None:
    out, loaded = modules_after(["match", "--help"], tmp_path)
    assert "usage: lianhu match" in out and "--apply" in out and "--lines" in out
    assert "jieba" not in loaded  # the classifier's commands were not loaded


def test_a_lazy_command_still_rejects_a_bad_argument(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "bot.cli.main", "report", "--moonth", "2026-10"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert out.returncode == 2 and "unrecognized arguments: --moonth" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("module", sorted({module for _, module, _ in EXTENSION_COMMANDS}))
def test_the_table_names_what_each_module_registers(module: str) -> None:
    listed = [name for name, m, _ in EXTENSION_COMMANDS if m == module]
    assert sorted(registered(module)) == sorted(listed)


def test_a_database_at_head_is_not_migrated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert not db.at_head(engine)
    db.upgrade(engine)  # a new database: migrated
    assert db.current_revision(engine) in (db.script_heads() or ())

    def refuse(*_: object) -> None:
        raise AssertionError("alembic ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    db.upgrade(engine)  # at head: Alembic is not asked
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial_schema'"))
    assert not db.at_head(engine)
    with pytest.raises(AssertionError):
        db.upgrade(engine)  # behind: Alembic is asked
    engine.dispose()


def _fresh_python(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` run in a new interpreter on this checkout (nothing imported beforehand)."""
    out = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    return out


def test_run_loads_neither_jieba_nor_the_cookie_cipher_before_it_answers(tmp_path: Path) -> None:
    """What `lianhu run` imports and builds before its server answers leaves jieba (and the
    pkg_resources it would pull in) to the classifier's thread, and cryptography and the
    template engine (jinja2, ~4 MB kept for nothing while nobody opens the console) to the first
    console request."""
    script = ("import json, sys\nfrom bot.app import App\nfrom kernel.config import Settings\n"
              "from pathlib import Path\napp = App(Settings(data_dir=Path(%r)))\napp.prepare_database()\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))" % str(tmp_path))
    out = _fresh_python(script, tmp_path)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    # the app, its server and the console were built (its cookie sessions set up)
    assert {"bot", "sqlalchemy", "aiohttp", "aiohttp_session"} <= loaded
    later = {"jieba", "pkg_resources", "cryptography", "jinja2", "aiohttp_jinja2"}
    assert loaded.isdisjoint(later), loaded & later


def test_the_classifier_still_finds_jieba_s_dictionary_without_pkg_resources(tmp_path: Path) -> None:
    script = ("import sys\nfrom domain.classifier import Classifier\nfrom pathlib import Path\n"
              "c = Classifier(cache_dir=Path(%r))\nprint(' '.join(c.tokenize('楼道的灯坏了')))\n"
              "print('pkg_resources' in sys.modules)" % str(tmp_path))
    out = _fresh_python(script, tmp_path)
    words, imported = out.stdout.strip().splitlines()[-2:]
    assert words.split() == ["楼道灯", "坏了"] and imported == "False"  # userdict.txt has 楼道灯
