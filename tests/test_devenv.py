"""The dev environment script: finding Odoo, and skipping its suite loudly without it."""

import importlib.util
import os
import subprocess

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


def _commit_manifest(repo, version, message):
    addon = repo / "mail_accounts_ext"
    addon.mkdir(exist_ok=True)
    (addon / "__manifest__.py").write_text(f'{{"name": "x", "version": "{version}"}}\n')
    (repo / "log.txt").write_text(message)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", message], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_previous_release_is_the_state_before_the_version_bump(devenv, tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _commit_manifest(tmp_path, "18.0.1.0.0", "first")
    _commit_manifest(tmp_path, "18.0.1.0.0", "last of 1.0.0")
    (tmp_path / "other.txt").write_text("x")  # a commit that does not touch the manifest
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c",
                    "user.email=t@example.com", "commit", "-qm", "other"], check=True)
    last_old = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    _commit_manifest(tmp_path, "18.0.1.1.0", "bump")
    _commit_manifest(tmp_path, "18.0.1.1.0", "work on 1.1.0")
    monkeypatch.setattr(devenv, "ROOT", tmp_path)
    assert devenv.previous_release() == ("18.0.1.0.0", last_old)


def test_previous_release_without_history(devenv, tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _commit_manifest(tmp_path, "18.0.1.1.0", "only")
    monkeypatch.setattr(devenv, "ROOT", tmp_path)
    version, why = devenv.previous_release()
    assert version is None and "18.0.1.1.0" in why


def test_missing_mail_servers_fail_a_run_that_requires_them(monkeypatch):
    from mail_accounts_ext.tests import mailservers as harness

    class Skip(Exception):
        pass

    monkeypatch.setattr(harness, "missing_requirements", lambda: ["Dovecot is not installed"])
    monkeypatch.delenv(harness.REQUIRED_ENV, raising=False)
    with pytest.raises(Skip, match="Dovecot is not installed"):
        harness.check_available(Skip)
    monkeypatch.setenv(harness.REQUIRED_ENV, "1")
    with pytest.raises(RuntimeError, match="Dovecot is not installed.*this run needs them"):
        harness.check_available(Skip)
    monkeypatch.setattr(harness, "missing_requirements", lambda: [])
    assert harness.check_available(Skip) is None
