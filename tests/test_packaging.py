"""The wheel built from the repository carries the whole addon, and Odoo finds it there."""

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "odoo/addons/mail_accounts_ext/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), ROOT],
        check=True, cwd=str(build),
    )
    for leftover in ("build", "odoo_addon_mail_accounts_ext.egg-info"):
        path = os.path.join(ROOT, leftover)
        if os.path.isdir(path):
            subprocess.run(["rm", "-rf", path], check=True)
    wheels = [f for f in os.listdir(out) if f.endswith(".whl")]
    assert len(wheels) == 1
    return os.path.join(out, wheels[0])


def _addon_files():
    files = set()
    addon = os.path.join(ROOT, "mail_accounts_ext")
    for dirpath, _dirs, names in os.walk(addon):
        if "__pycache__" in dirpath:
            continue
        for name in names:
            if not name.endswith(".pyc"):
                files.add(os.path.relpath(os.path.join(dirpath, name), addon))
    return files


def test_wheel_contains_every_addon_file(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = {n[len(PREFIX):] for n in zf.namelist() if n.startswith(PREFIX)}
    expected = _addon_files()
    assert expected - names == set()
    for required in ("__manifest__.py", "security/ir.model.access.csv", "i18n/pl.po",
                     "i18n/uk.po", "i18n/mail_accounts_ext.pot"):
        if os.path.exists(os.path.join(ROOT, "mail_accounts_ext", required)):
            assert required in names
    assert any(n.startswith("views/") and n.endswith(".xml") for n in names)
    assert "__manifest__.py" in names and "i18n/pl.po" in names


def _odoo_importable():
    code = "import odoo.release as r; print(r.version_info[0])"
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return probe.returncode == 0 and probe.stdout.strip() == "18"


@pytest.mark.skipif(not _odoo_importable(), reason="Odoo 18 is not importable here")
def test_odoo_finds_addon_in_installed_wheel_without_addons_path(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--target", str(target), wheel], check=True)
    script = (
        "import odoo\n"
        "from odoo.tools import config\n"
        "config.parse_config([])\n"
        "from odoo.modules import module\n"
        "module.initialize_sys_path()\n"
        "path = module.get_module_path('mail_accounts_ext')\n"
        "manifest = module.get_manifest('mail_accounts_ext')\n"
        "import odoo.addons.mail_accounts_ext.tools.translation\n"
        "print(path); print(manifest['version']); print(config['addons_path'])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    path, version, addons_path = out.stdout.strip().splitlines()[-3:]
    assert path == str(target / "odoo" / "addons" / "mail_accounts_ext")
    assert version == ast.literal_eval(
        (Path(ROOT) / "mail_accounts_ext" / "__manifest__.py").read_text())["version"]
    assert str(target) not in addons_path
