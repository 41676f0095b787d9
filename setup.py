"""Packaging: ``pip install .`` installs the addon as ``odoo.addons.mail_accounts_ext``.

Odoo finds it there without ``--addons-path``: ``odoo/addons/__init__.py`` extends its
``__path__`` over every ``odoo/addons`` folder on ``sys.path``, site-packages included.
"""

import ast
import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
ADDON = "mail_accounts_ext"


def _manifest():
    with open(os.path.join(HERE, ADDON, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())


def _packages():
    packages = []
    for dirpath, _dirnames, filenames in os.walk(os.path.join(HERE, ADDON)):
        if "__init__.py" in filenames:
            rel = os.path.relpath(dirpath, HERE).replace(os.sep, ".")
            packages.append("odoo.addons." + rel)
    return sorted(packages)


def _package_data():
    """Every file of the addon that is not a module of a package: views, security, i18n,
    static, ... and the migration scripts (``migrations/<version>/*.py``, folders that
    Odoo reads by path, without ``__init__.py``)."""
    files = []
    root = os.path.join(HERE, ADDON)
    for dirpath, _dirnames, filenames in os.walk(root):
        if "__pycache__" in dirpath:
            continue
        package = "__init__.py" in filenames
        for name in filenames:
            if name.endswith(".pyc") or (package and name.endswith(".py")):
                continue
            files.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(files)


MANIFEST = _manifest()
ADDON_VERSION = MANIFEST["version"]

setup(
    name="odoo-addon-" + ADDON,
    version=ADDON_VERSION,
    description=MANIFEST["summary"],
    license="LGPL-3",
    author=MANIFEST["author"],
    url=MANIFEST["website"],
    python_requires=">=3.10",
    packages=_packages(),
    package_dir={
        pkg: os.path.join(*pkg.split(".")[2:]) for pkg in _packages()
    },
    package_data={"odoo.addons." + ADDON: _package_data()},
    include_package_data=False,
    zip_safe=False,
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
)
