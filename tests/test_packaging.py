"""The wheel built from the repository carries the whole addon, and Odoo finds it there."""

import ast
import importlib.util
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


def _python_dependencies():
    manifest = ast.literal_eval((Path(ROOT) / "mail_accounts_ext" / "__manifest__.py").read_text())
    return manifest.get("external_dependencies", {}).get("python", [])


def _requirements(lines):
    from packaging.requirements import Requirement

    return sorted((r.name.lower(), str(r.specifier)) for r in map(Requirement, lines))


def test_manifest_declares_dnspython():
    assert "dnspython" in dict(_requirements(_python_dependencies()))


def test_wheel_requires_the_manifest_python_dependencies(wheel):
    with zipfile.ZipFile(wheel) as zf:
        metadata = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(metadata).decode().splitlines()
    requires = [line.split(":", 1)[1].strip() for line in lines
                if line.startswith("Requires-Dist:")]
    assert _requirements(requires) == _requirements(_python_dependencies())


def test_dev_environment_installs_them_as_run_time_dependencies():
    spec = importlib.util.spec_from_file_location("devenv", os.path.join(ROOT, "dev", "devenv.py"))
    devenv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devenv)
    wanted = _requirements(_python_dependencies())
    assert _requirements(devenv.ADDON_REQUIREMENTS) == wanted
    dev_only = {name for name, _spec in _requirements(devenv.DEV_REQUIREMENTS)}
    assert not dev_only & {name for name, _spec in wanted}


@pytest.mark.skipif(not _odoo_importable(), reason="Odoo 18 is not importable here")
def test_odoo_accepts_the_manifest_python_dependencies():
    # Odoo 18 looks the names up as PyPI distributions; an import name ("dns") would
    # only pass with a WARNING, which fails the install in the Odoo suite.
    script = (
        "import ast, logging, sys\n"
        "from odoo.modules import module\n"
        "records = []\n"
        "handler = logging.Handler(); handler.emit = records.append\n"
        "logging.getLogger('odoo.modules.module').addHandler(handler)\n"
        "manifest = ast.literal_eval(open(sys.argv[1]).read())\n"
        "module.check_manifest_dependencies(manifest)\n"
        "print([r.getMessage() for r in records if r.levelno >= logging.WARNING])\n"
    )
    manifest = os.path.join(ROOT, "mail_accounts_ext", "__manifest__.py")
    out = subprocess.run([sys.executable, "-c", script, manifest], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
