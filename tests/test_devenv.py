"""The dev environment script: finding Odoo, and skipping its suite loudly without it."""

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def devenv():
    spec = importlib.util.spec_from_file_location("devenv", os.path.join(ROOT, "dev", "devenv.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_odoo(path, major):
    (path / "odoo").mkdir(parents=True)
    (path / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (path / "odoo" / "release.py").write_text(
        f"version_info = ({major}, 0, 0, 'final', 0, '')\n")
    return path


def test_odoo_src_wins(devenv, tmp_path, monkeypatch):
    src = _fake_odoo(tmp_path / "src18", 18)
    monkeypatch.setenv("ODOO_SRC", str(src))
    monkeypatch.setattr(devenv, "_importable_odoo", lambda: None)
    monkeypatch.setattr(devenv, "CONVENTIONAL_PLACES", [])
    assert devenv.find_odoo() == (str(src), None)


def test_wrong_version_and_conventional_place(devenv, tmp_path, monkeypatch):
    src17 = _fake_odoo(tmp_path / "src17", 17)
    opt = _fake_odoo(tmp_path / "opt_odoo", 18)
    monkeypatch.setenv("ODOO_SRC", str(src17))
    monkeypatch.setattr(devenv, "_importable_odoo", lambda: None)
    monkeypatch.setattr(devenv, "CONVENTIONAL_PLACES", [tmp_path / "nothing", opt])
    assert devenv.find_odoo() == (str(opt), None)


def test_no_odoo_skips_loudly(devenv, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ODOO_SRC", raising=False)
    monkeypatch.setattr(devenv, "_importable_odoo", lambda: None)
    monkeypatch.setattr(devenv, "CONVENTIONAL_PLACES", [tmp_path / "none"])
    path, why = devenv.find_odoo()
    assert path is None and "none" in why
    result = devenv.odoo_skipped(why)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("ODOO SUITE SKIPPED: ")]
    assert len(lines) == 1 and "ODOO_SRC" in lines[0]
    assert result["skipped"] is True and result["failed"] == 0


def test_install_problems_only_before_post_tests(devenv):
    log = (
        "2026-01-01 10:00:00,000 1 WARNING db odoo.addons.x: a view problem\n"
        "2026-01-01 10:00:01,000 1 INFO db odoo.service.server: Starting post tests\n"
        "2026-01-01 10:00:02,000 1 ERROR db odoo.addons.mail_accounts_ext.tests: FAIL: x\n"
    )
    assert devenv.install_problems(log) == [log.splitlines()[0]]
