#!/usr/bin/env python3
"""Development environment of mail_accounts_ext: set up, run, test.

Standard library only, so it runs on a bare machine. Everything it creates lives
under ``.dev/`` in the repository (ignored by git):

- ``.dev/venv``        virtualenv with Odoo's Python dependencies, the addon's
                       runtime and test dependencies; Odoo itself is put on its
                       path with a ``.pth`` file (Odoo is found, never copied);
- ``.dev/pg``          a private PostgreSQL cluster on a unix socket;
- ``.dev/filestore``   Odoo's data dir: the files (attachments) of the cluster's
                       databases, next to the cluster they belong to;
- ``.dev/mail``        the demo mail servers (dovecot, aiosmtpd) of ``run``;
- ``.dev/logs``        Odoo logs of the last test run;
- ``.dev/test-summary.json``  counts of the last test run.

Odoo is looked for in this order: ``$ODOO_SRC``, an importable ``odoo``, then
``/opt/odoo``, ``~/odoo`` and ``../odoo`` next to the repository.
"""

import argparse
import ast
import contextlib
import hashlib
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / ".dev"
# A second working copy (git worktree) may share the first one's venv and cluster:
# MAE_VENV, MAE_PG_DIR and MAE_DB_PREFIX keep their databases apart.
VENV = Path(os.environ.get("MAE_VENV") or DEV / "venv")
PG_DIR = Path(os.environ.get("MAE_PG_DIR") or DEV / "pg")
DB_PREFIX = os.environ.get("MAE_DB_PREFIX", "mae")
# Odoo's data dir (filestores, sessions) lives next to the cluster whose databases own
# the files: a worktree that shares a cluster shares its filestores too.
DATA_DIR = Path(os.environ.get("MAE_DATA_DIR") or PG_DIR.parent / "filestore")
PG_DATA = PG_DIR / "data"
PG_SOCKET = PG_DIR / "run"
PG_PORT = int(os.environ.get("MAE_PG_PORT", "54329"))
DB_USER = "odoo"
ADDON = "mail_accounts_ext"
DEPENDS = "mail,project,account,hr"
SUMMARY = DEV / "test-summary.json"
LOGS = DEV / "logs"

APT_PACKAGES = ["dovecot-imapd", "dovecot-pop3d", "wkhtmltopdf", "chromium", "libpq-dev"]

# Odoo 18's requirements.txt pins versions that do not build on Python 3.11 here;
# this relaxed set installs from wheels and runs Odoo 18.
ODOO_REQUIREMENTS = [
    "asn1crypto", "Babel>=2.10,<2.17", "cbor2", "chardet", "cryptography<44", "decorator",
    "docutils>=0.20,<0.22", "freezegun", "geoip2", "gevent", "greenlet", "idna",
    "Jinja2>=3.1,<3.2", "libsass", "lxml>=5.2,<6", "lxml-html-clean", "MarkupSafe>=2.1,<3",
    "num2words", "ofxparse", "openpyxl", "passlib", "Pillow>=10,<12", "polib", "psutil",
    "psycopg2>=2.9.5,<2.10", "pyopenssl", "PyPDF2>=2.12,<3", "pyserial", "python-dateutil",
    "python-stdnum", "pytz", "pyusb", "qrcode", "reportlab>=4,<4.3", "requests", "rjsmin",
    "urllib3<2.3", "vobject", "Werkzeug>=3.0,<3.1", "xlrd", "XlsxWriter", "xlwt", "zeep",
]
# What the addon itself needs at run time: its manifest's external_dependencies
# (tests/test_packaging.py checks that the two agree, and with setup.py).
ADDON_REQUIREMENTS = ["dnspython>=2.6.1"]
# Tests, lint and the demo/test mail servers (oauthlib: the loopback OAuth 2.0 server
# of tests/oauth_server.py; test-only, never a runtime dependency of the addon).
DEV_REQUIREMENTS = [
    "pytest", "pytest-odoo", "aiosmtpd", "websocket-client", "freezegun", "ruff",
    "pylint-odoo>=9,<10", "setuptools", "wheel", "oauthlib",
]


def say(msg):
    print(f"[devenv] {msg}", flush=True)


def run(cmd, check=True, **kw):
    return subprocess.run([str(c) for c in cmd], check=check, **kw)


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------------------
# Finding Odoo
# ---------------------------------------------------------------------------

CONVENTIONAL_PLACES = [Path("/opt/odoo"), Path.home() / "odoo", ROOT.parent / "odoo"]


def odoo_version(src):
    release = Path(src) / "odoo" / "release.py"
    if not release.is_file() or not (Path(src) / "odoo-bin").is_file():
        return None
    ns = {}
    try:
        exec(compile(release.read_text(), str(release), "exec"), ns)  # noqa: S102
    except Exception:  # pylint: disable=broad-except
        return None
    return ns.get("version_info")


def _importable_odoo():
    code = "import os, odoo; print(os.path.dirname(os.path.dirname(odoo.__file__)))"
    for python in (sys.executable,):
        try:
            out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip().splitlines()[-1]
    return None


def find_odoo():
    """Return (path, why-not) for an Odoo 18.0 source tree."""
    candidates = []
    if os.environ.get("ODOO_SRC"):
        candidates.append(("ODOO_SRC", os.environ["ODOO_SRC"]))
    importable = _importable_odoo()
    if importable:
        candidates.append(("importable odoo", importable))
    for place in CONVENTIONAL_PLACES:
        candidates.append(("conventional place", str(place)))
    seen = []
    for origin, path in candidates:
        version = odoo_version(path)
        if version and version[0] == 18:
            return os.path.abspath(path), None
        seen.append(f"{origin} {path}: " + (f"Odoo {version[0]}" if version else "no Odoo tree"))
    return None, "; ".join(seen)


# ---------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------

def missing_apt_packages():
    missing = []
    for pkg in APT_PACKAGES:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                             capture_output=True, text=True, check=False)
        if "install ok installed" not in out.stdout:
            missing.append(pkg)
    return missing


def setup_apt():
    if not shutil.which("dpkg-query"):
        say("not a Debian system: install dovecot (imap, pop3), wkhtmltopdf and chromium yourself")
        return
    missing = missing_apt_packages()
    if not missing:
        return
    line = "apt-get install -y " + " ".join(missing)
    if not is_root():
        say(f"missing Debian packages; as root run: apt-get update && {line}")
        return
    say(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def venv_python():
    return VENV / "bin" / "python"


def setup_venv(odoo_src):
    stamp = VENV / ".requirements"
    requirements = ODOO_REQUIREMENTS + ADDON_REQUIREMENTS + DEV_REQUIREMENTS
    wanted = "\n".join(requirements + [sys.version])
    digest = hashlib.sha256(wanted.encode()).hexdigest()
    if not venv_python().exists():
        say(f"creating virtualenv {VENV}")
        run([sys.executable, "-m", "venv", VENV])
    if not stamp.exists() or stamp.read_text() != digest:
        say("installing Python dependencies (first run only)")
        run([venv_python(), "-m", "pip", "install", "-q", "--upgrade", "pip"])
        run([venv_python(), "-m", "pip", "install", "-q", *requirements])
        stamp.write_text(digest)
    site = subprocess.run(
        [venv_python(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    pth = Path(site) / "odoo_src.pth"
    if odoo_src:
        if not pth.exists() or pth.read_text().strip() != odoo_src:
            pth.write_text(odoo_src + "\n")
    elif pth.exists():
        pth.unlink()


# ---------------------------------------------------------------------------
# PostgreSQL: a private cluster on a unix socket
# ---------------------------------------------------------------------------

def pg_bin(name):
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"PostgreSQL server binary {name!r} not found: apt-get install postgresql")
    return found


def as_pg_owner(cmd):
    """Run a PostgreSQL server command as the cluster owner (never root)."""
    if is_root():
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def pg_env():
    return dict(os.environ, PGHOST=str(PG_SOCKET), PGPORT=str(PG_PORT), PGUSER=DB_USER,
                PGDATABASE="postgres")


def pg_running():
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(PG_SOCKET / f".s.PGSQL.{PG_PORT}"))
        return True
    except OSError:
        return False


def pg_start():
    if pg_running():
        return
    PG_DIR.mkdir(parents=True, exist_ok=True)
    PG_SOCKET.mkdir(parents=True, exist_ok=True)
    if is_root():
        shutil.chown(PG_DIR, "postgres")
        shutil.chown(PG_SOCKET, "postgres")
        os.chmod(PG_SOCKET, 0o777)  # noqa: S103 - the socket dir of a private dev cluster
    fresh = not (PG_DATA / "PG_VERSION").exists()
    if fresh:
        say("creating private PostgreSQL cluster in .dev/pg")
        run(as_pg_owner([pg_bin("initdb"), "-D", PG_DATA, "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8"]), stdout=subprocess.DEVNULL)
    say("starting PostgreSQL (unix socket .dev/pg/run)")
    opts = f"-p {PG_PORT} -k {PG_SOCKET} -c listen_addresses='' -c fsync=off " \
           "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    run(as_pg_owner([pg_bin("pg_ctl"), "-D", PG_DATA, "-l", PG_DIR / "server.log",
                     "-o", opts, "-w", "start"]), stdout=subprocess.DEVNULL)
    if fresh:
        run(["psql", "-q", "-h", PG_SOCKET, "-p", PG_PORT, "-U", "postgres", "-d", "postgres",
             "-c", f"CREATE ROLE {DB_USER} SUPERUSER LOGIN"])


def pg_stop():
    if pg_running():
        run(as_pg_owner([pg_bin("pg_ctl"), "-D", PG_DATA, "-m", "fast", "stop"]), check=False)


def psql(sql, db="postgres"):
    out = run(["psql", "-qtA", "-d", db, "-c", sql], env=pg_env(), capture_output=True, text=True)
    return out.stdout.strip()


def db_exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def filestore_path(db, data_dir=None):
    """The filestore of database ``db`` (Odoo: ``<data dir>/filestore/<db>``)."""
    return Path(data_dir or DATA_DIR) / "filestore" / db


def find_filestore(db):
    """The filestore of ``db``: in the data dir, else where an older devenv.py kept it.

    Older versions kept it in the data dir of the checkout that built the database
    (``.dev/filestore`` beside the cluster, or this checkout's) and left a template's
    files under its build name ``<db>_build``.
    """
    places = []
    for data_dir in (DATA_DIR, PG_DIR.parent / "filestore", DEV / "filestore"):
        if data_dir not in places:
            places.append(data_dir)
    for name in (db, f"{db}_build"):
        for data_dir in places:
            path = filestore_path(name, data_dir)
            if path.is_dir():
                return path
    return None


def stored_file_count(db):
    """How many attachments of ``db`` have their content in the filestore."""
    out = psql("SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL", db=db)
    return int(out or 0)


def drop_db(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(filestore_path(name), ignore_errors=True)


def copy_db(template, name):
    """A new database ``name`` copied from ``template``, with the template's files.

    As Odoo's own database duplication: the filestore is copied with the database,
    or the copy's attachments (avatars, assets...) would point at missing files.
    """
    drop_db(name)
    psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    source = find_filestore(template)
    target = filestore_path(name)
    if source:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target)
    elif stored_file_count(name):
        say(f"WARNING: the files of template {template} are missing (it was built by an "
            f"older devenv.py): attachments of {name} point at nothing. Run "
            f"'python3 dev/devenv.py drop-templates' once to rebuild the templates.")
    return target


# ---------------------------------------------------------------------------
# Odoo
# ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_cmd(odoo_src, db, *args, http_port=None, addons_root=ROOT, subcommand=None):
    cmd = [venv_python(), Path(odoo_src) / "odoo-bin", *([subcommand] if subcommand else []),
           f"--addons-path={Path(odoo_src) / 'addons'},{addons_root}",
           f"--db_host={PG_SOCKET}", f"--db_port={PG_PORT}", f"--db_user={DB_USER}",
           "-d", db, "--db-filter", f"^{db}$", f"--data-dir={DATA_DIR}"]
    if http_port:
        cmd += [f"--http-port={http_port}", "--http-interface=127.0.0.1"]
    else:
        cmd += ["--no-http"]
    return cmd + list(args)


def odoo_run(odoo_src, db, args, log_name, http_port=None, progress=None, addons_root=ROOT):
    """Run Odoo to completion; return (returncode, log text).

    ``progress``: what is being done, e.g. "building the template": the modules Odoo
    loads are then reported every few seconds (see :func:`run_with_progress`).
    ``addons_root``: the folder that holds the addon (the previous release's in an upgrade).
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    log_file = LOGS / f"{log_name}.log"
    cmd = odoo_cmd(odoo_src, db, *args, f"--logfile={log_file}", http_port=http_port,
                   addons_root=addons_root)
    if log_file.exists():
        log_file.unlink()
    if progress:
        returncode = run_with_progress(cmd, log_file, progress, env=pg_env())
    else:
        returncode = run(cmd, check=False, env=pg_env()).returncode
    text = log_file.read_text(errors="replace") if log_file.exists() else ""
    return returncode, text


# Odoo logs "Loading module <name> (<index>/<count>)" (INFO) for each module it
# installs or updates, once per pass over the module graph.
LOADING_RE = re.compile(r" odoo\.modules\.loading: Loading module (\S+) \((\d+)/(\d+)\)")
PROGRESS_EVERY = 5.0


def loading_progress(log_text):
    """``(modules loaded, last module, its index, graph size)`` from an Odoo log.

    ``(0, None, 0, 0)`` before the first module.
    """
    matches = LOADING_RE.findall(log_text)
    if not matches:
        return 0, None, 0, 0
    name, index, count = matches[-1]
    return len({m[0] for m in matches}), name, int(index), int(count)


def progress_line(what, log_text, seconds):
    """The line printed while a long Odoo run is going on."""
    loaded, name, index, count = loading_progress(log_text)
    if not loaded:
        return f"{what}: starting Odoo... ({seconds:.0f} s)"
    return (f"{what}: still building... {loaded} modules loaded, now {name} "
            f"({index}/{count}), {seconds:.0f} s")


def run_with_progress(cmd, log_file, what, env=None, every=PROGRESS_EVERY, poll=0.5):
    """Run ``cmd`` (which writes ``log_file``) and report its progress every ``every``
    seconds with :func:`progress_line`; return its exit code."""
    started = time.monotonic()
    proc = subprocess.Popen([str(c) for c in cmd], env=env)
    next_report = started + every
    while True:
        try:
            returncode = proc.wait(timeout=poll)
        except subprocess.TimeoutExpired:
            returncode = None
        now = time.monotonic()
        if returncode is not None:
            say(f"{what}: done in {now - started:.0f} s")
            return returncode
        if now >= next_report:
            text = Path(log_file).read_text(errors="replace") if Path(log_file).exists() else ""
            say(progress_line(what, text, now - started))
            next_report = now + every


def template_name(odoo_src, demo):
    key = f"{odoo_src}|{odoo_version(odoo_src)}|{DEPENDS}|{demo}"
    return f"mae_tpl_{'demo' if demo else 'nodemo'}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def ensure_template(odoo_src, demo):
    """A database with the addon's dependencies installed, copied for each run."""
    name = template_name(odoo_src, demo)
    if db_exists(name):
        return name
    say(f"building database template {name} ({DEPENDS}, demo={'yes' if demo else 'no'}); "
        "this takes a minute or two, once")
    args = ["-i", DEPENDS, "--stop-after-init", "--log-level=info"]
    if not demo:
        args.append("--without-demo=all")
    build = f"{name}_build"
    rc, log = odoo_run(odoo_src, build, args, f"template-{'demo' if demo else 'nodemo'}",
                       progress="building the template")
    if rc != 0:
        print(log[-5000:])
        raise SystemExit(f"building the template database failed (rc={rc})")
    psql(f'ALTER DATABASE "{build}" RENAME TO "{name}"')
    shutil.rmtree(filestore_path(name), ignore_errors=True)
    if filestore_path(build).is_dir():
        filestore_path(build).rename(filestore_path(name))
    return name


def drop_templates():
    """Drop the template databases (and their files): the next run builds them again."""
    names = psql("SELECT datname FROM pg_database WHERE datname LIKE 'mae\\_tpl\\_%'")
    for name in filter(None, names.splitlines()):
        say(f"dropping template {name}")
        drop_db(name)


# ---------------------------------------------------------------------------
# test
# ---------------------------------------------------------------------------

PROBLEM_RE = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) .*$", re.M)
REPORT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIP_RE = re.compile(r"^\S+ \S+ \d+ INFO \S+ odoo\.addons\.%s\S* skipped " % ADDON, re.M)


def install_problems(log):
    """WARNING/ERROR lines of an install or upgrade of the addon.

    The dependencies come installed from the template database, so every such line
    while loading comes from the addon (its code, data files or views). Post-install
    tests, which run after "Starting post tests", may log errors on purpose.
    """
    loading = log.split("Starting post tests")[0]
    return [m.group(0) for m in PROBLEM_RE.finditer(loading)]


def test_pure():
    say("pure suite (tests/)")
    junit = DEV / "pure-junit.xml"
    proc = run([venv_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "-p", "no:odoo", f"--junitxml={junit}", ROOT / "tests"], check=False, cwd=ROOT)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if junit.exists():
        head = junit.read_text()[:2000]
        match = re.search(r'<testsuite [^>]*errors="(\d+)" failures="(\d+)" skipped="(\d+)" '
                          r'tests="(\d+)"', head)
        if match:
            errors, failures, skipped, tests = map(int, match.groups())
            counts = {"passed": tests - errors - failures - skipped,
                      "failed": errors + failures, "skipped": skipped}
    if proc.returncode not in (0, 5) and not counts["failed"]:
        counts["failed"] = 1  # collection error or crash
    return counts


def test_odoo(odoo_src, test_tags):
    version = ".".join(str(v) for v in odoo_version(odoo_src)[:3])
    result = {"passed": 0, "failed": 0, "skipped": 0, "reason": "", "version": version}
    pg_start()
    failures = []
    # 1. fresh database without demo data: install + tests.
    db = f"{DB_PREFIX}_test"
    copy_db(ensure_template(odoo_src, demo=False), db)
    say(f"Odoo suite: install {ADDON} without demo data and run its tests ({test_tags})")
    rc, log = odoo_run(odoo_src, db, ["-i", ADDON, "--without-demo=all", "--test-enable",
                                      f"--test-tags={test_tags}", "--stop-after-init",
                                      "--log-level=test"], "odoo-tests", http_port=free_port())
    reports = REPORT_RE.findall(log)
    failed = errors = total = 0
    for f, e, t in reports:
        failed, errors, total = failed + int(f), errors + int(e), total + int(t)
    skipped = len(SKIP_RE.findall(log))
    result.update(passed=max(total - failed - errors - skipped, 0), failed=failed + errors,
                  skipped=skipped)
    if rc != 0 or not reports:
        failures.append(f"install+tests exited {rc}" + ("" if reports else " with no test report"))
    problems = install_problems(log)
    # 2. install with demo data once.
    say(f"Odoo suite: install {ADDON} with demo data")
    db_demo = f"{DB_PREFIX}_test_demo"
    copy_db(ensure_template(odoo_src, demo=True), db_demo)
    rc_demo, log_demo = odoo_run(odoo_src, db_demo, ["-i", ADDON, "--stop-after-init"],
                                 "odoo-install-demo")
    if rc_demo != 0:
        failures.append(f"install with demo data exited {rc_demo}")
    problems += install_problems(log_demo)
    # 3. upgrade from the previous release, with the legacy rows its migrations repair.
    _rc_up, log_up, upgrade_failures = test_upgrade(odoo_src)
    failures += upgrade_failures
    problems += install_problems(log_up)
    if problems:
        print("WARNING/ERROR lines about the addon in the Odoo logs:")
        for line in problems[:50]:
            print("  " + line[:400])
        failures.append(f"{len(problems)} WARNING/ERROR log line(s) about the addon")
    if failures:
        result["reason"] = "; ".join(failures)
        if not result["failed"]:
            result["failed"] = 1
    drop_db(db_demo)
    return result


# ---------------------------------------------------------------------------
# Upgrade from the previous release
# ---------------------------------------------------------------------------

UPGRADE_CHECKS = ROOT / "tests" / "upgrade"
MANIFEST = f"{ADDON}/__manifest__.py"


def manifest_version(text):
    """The ``version`` of a manifest's text (a Python dict literal)."""
    return ast.literal_eval(text)["version"]


def previous_release():
    """(version, commit) of the addon's previous version: the state of the code just
    before the commit that set the working tree's version; (None, why) when history
    lacks one."""
    current = manifest_version((ROOT / MANIFEST).read_text())
    log = run(["git", "log", "--first-parent", "--format=%H", "--", MANIFEST], check=False,
              cwd=ROOT, capture_output=True, text=True)
    if log.returncode:
        return None, "no git history"
    bump = None
    for commit in log.stdout.split():
        show = run(["git", "show", f"{commit}:{MANIFEST}"], check=False, cwd=ROOT,
                   capture_output=True, text=True)
        version = manifest_version(show.stdout) if show.returncode == 0 else None
        if version == current:
            bump = commit
            continue
        if bump is None:  # the working tree's version is not committed yet
            return version, commit
        parent = run(["git", "rev-parse", f"{bump}^"], check=False, cwd=ROOT,
                     capture_output=True, text=True)
        return (version, parent.stdout.strip()) if parent.returncode == 0 else (
            None, "the parent of the version bump is missing (shallow clone?)")
    return None, f"no commit with a version other than {current} (shallow clone?)"


def export_release(commit):
    """The addon as it was at ``commit``, in a folder of its own (an addons path)."""
    target = DEV / "previous" / commit[:12]
    if not (target / ADDON / "__manifest__.py").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit, ADDON], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


UPGRADE_SCRIPT = """
import importlib.util, json, pathlib
results = {}
for path in sorted(pathlib.Path(%(folder)r).glob("*.py")):
    spec = importlib.util.spec_from_file_location("mae_upgrade_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if %(phase)r == "seed":
        module.seed(env)
        env.cr.commit()
        results[path.stem] = []
    else:
        results[path.stem] = [str(problem) for problem in module.check(env)]
        env.cr.rollback()
print("MAE-UPGRADE " + json.dumps(results))
"""


def upgrade_checks(odoo_src, db, phase, addons_root=ROOT):
    """Run the ``seed`` or ``check`` functions of tests/upgrade/*.py in ``db``.

    :return: ({check name: [problems]}, error text or "")
    """
    script = UPGRADE_SCRIPT % {"folder": str(UPGRADE_CHECKS), "phase": phase}
    cmd = odoo_cmd(odoo_src, db, "--log-level=warn", addons_root=addons_root,
                   subcommand="shell")
    proc = run(cmd, check=False, env=pg_env(), input=script, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("MAE-UPGRADE "):
            return json.loads(line[len("MAE-UPGRADE "):]), ""
    return {}, f"upgrade {phase} failed (rc={proc.returncode}): {proc.stderr[-2000:]}"


def test_upgrade(odoo_src):
    """Install the previous release with demo data, seed the legacy rows of
    tests/upgrade/*.py, upgrade to the working tree's version and run their checks.

    :return: (returncode of the upgrade, its log, [failures])
    """
    version, commit = previous_release()
    db = f"{DB_PREFIX}_test_upgrade"
    if not version:
        print(f"\nUPGRADE FROM THE PREVIOUS VERSION SKIPPED: {commit}\n", flush=True)
        copy_db(ensure_template(odoo_src, demo=True), db)
        odoo_run(odoo_src, db, ["-i", ADDON, "--stop-after-init"], "odoo-previous")
        rc, log = odoo_run(odoo_src, db, ["-u", ADDON, "--stop-after-init"], "odoo-upgrade")
        drop_db(db)
        return rc, log, [] if rc == 0 else [f"upgrade exited {rc}"]
    say(f"Odoo suite: upgrade {ADDON} from {version} ({commit[:8]})")
    failures = []
    previous = export_release(commit)
    copy_db(ensure_template(odoo_src, demo=True), db)
    rc_prev, log_prev = odoo_run(odoo_src, db, ["-i", ADDON, "--stop-after-init"],
                                 "odoo-previous", addons_root=previous)
    if rc_prev != 0:
        drop_db(db)
        return rc_prev, log_prev, [f"install of the previous version {version} exited {rc_prev}"]
    seeded, error = upgrade_checks(odoo_src, db, "seed", addons_root=previous)
    if error:
        failures.append(error)
    rc, log = odoo_run(odoo_src, db, ["-u", ADDON, "--stop-after-init"], "odoo-upgrade")
    if rc != 0:
        failures.append(f"upgrade from {version} exited {rc}")
    else:
        checked, error = upgrade_checks(odoo_src, db, "check")
        if error:
            failures.append(error)
        for name, problems in sorted(checked.items()):
            failures += [f"upgrade check {name}: {problem}" for problem in problems]
        say(f"upgrade from {version}: {len(checked)} checks, "
            f"{sum(len(p) for p in checked.values())} problems (seeded: {', '.join(seeded)})")
    drop_db(db)
    return rc, log, failures


LINT_PATHS = [ADDON, "tests", "dev", "benchmarks", "setup.py"]


def test_lint():
    say("lint: ruff, pylint-odoo mandatory checks")
    paths = [p for p in LINT_PATHS if (ROOT / p).exists()]
    ok = run([VENV / "bin" / "ruff", "check", *paths], check=False, cwd=ROOT).returncode == 0
    pylint = run([venv_python(), "-m", "pylint", "--rcfile=.pylintrc-mandatory", ADDON],
                 check=False, cwd=ROOT).returncode == 0
    return {"ok": ok and pylint, "ruff": ok, "pylint_odoo": pylint}


def odoo_skipped(why):
    """Say loudly, in one line, that the Odoo suite did not run and what to set."""
    reason = f"no Odoo 18 found ({why}); set ODOO_SRC to an Odoo 18.0 source tree"
    print(f"\nODOO SUITE SKIPPED: {reason}\n", flush=True)
    return {"passed": 0, "failed": 0, "skipped": True, "reason": reason, "version": None}


def cmd_test(args):
    started = time.time()
    # The real mail servers are part of this suite: missing ones fail it, never skip it.
    os.environ["MAE_REQUIRE_MAIL_SERVERS"] = "1"
    odoo_src, why = find_odoo()
    setup_apt()
    setup_venv(odoo_src)
    summary = {"pure": {}, "odoo": {}, "lint": {}}
    summary["pure"] = test_pure()
    if odoo_src:
        summary["odoo"] = test_odoo(odoo_src, args.test_tags)
    else:
        summary["odoo"] = odoo_skipped(why)
    summary["lint"] = test_lint()
    summary["seconds"] = round(time.time() - started, 1)
    DEV.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")
    pure, odoo, lint = summary["pure"], summary["odoo"], summary["lint"]
    print()
    print("== mail_accounts_ext test summary ==")
    print(f"pure: {pure['passed']} passed, {pure['failed']} failed, {pure['skipped']} skipped")
    if odoo.get("skipped") is True:
        print(f"odoo: SKIPPED ({odoo['reason']})")
    else:
        print(f"odoo (Odoo {odoo['version']}): {odoo['passed']} passed, {odoo['failed']} failed, "
              f"{odoo['skipped']} skipped" + (f" [{odoo['reason']}]" if odoo["reason"] else ""))
    print(f"lint: {'ok' if lint['ok'] else 'FAILED'}")
    passed = pure["passed"] + (odoo.get("passed") or 0)
    failed = pure["failed"] + (odoo.get("failed") or 0) + (0 if lint["ok"] else 1)
    skipped = pure["skipped"] + (odoo.get("skipped") if isinstance(odoo.get("skipped"), int)
                                 and odoo.get("skipped") is not True else 0)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------

DEMO_DB = "mail_accounts_demo"
DEMO_MAIL_PORTS = "imap=10143,imaps=10993,pop3=10110,pop3s=10995,smtp=10025,smtps=10465"
DEMO_MAIL_USERS = [
    "sales@demo.example.com:demo-sales:sales@demo.example.com",
    "admin@demo.example.com:demo-admin:admin@demo.example.com",
    "marc.demo@demo.example.com:demo-marc:marc.demo@demo.example.com",
    "oauth@demo.example.com:demo-oauth-mail:oauth@demo.example.com",
]
# "Demo sign-in": the loopback OAuth 2.0 server (tests/oauth_server.py), configured by
# the demo data as the generic provider; the mail servers check its tokens.
DEMO_OAUTH_PORT = 10080
DEMO_OAUTH_RESOURCE = "mailservers,demo-introspect"
DEMO_OAUTH_USER = "oauth:demo-oauth:oauth@demo.example.com"
DEMO_OAUTH_CALLBACK = "/mail_accounts_ext/oauth/callback"


def wait_for_port(host, port, timeout, is_alive=lambda: True, every=0.2):
    """True once something accepts TCP connections on ``host:port``; False when
    ``is_alive()`` says the server died, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return True
        if not is_alive():
            return False
        time.sleep(every)
    return False


def wait_until_ready(url, is_alive, timeout=1800, every=1.0):
    """True once ``url`` answers HTTP 200; False when ``is_alive()`` turns False
    (the server exited) or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException), \
                urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our URL
            if response.status == 200:
                return True
        if not is_alive():
            return False
        time.sleep(every)
    return False


def ready_line(port):
    return f"Ready: http://localhost:{port} \N{EM DASH} admin / admin"


def announce_when_ready(port, proc):
    """Print :func:`ready_line` once Odoo serves its login page (in a thread)."""
    def watch():
        url = f"http://127.0.0.1:{port}/web/login"
        if wait_until_ready(url, lambda: proc.poll() is None):
            print(f"\n{ready_line(port)}\n", flush=True)

    thread = threading.Thread(target=watch, name="ready-line", daemon=True)
    thread.start()
    return thread


def copy_missing_files(source, target):
    """Copy the files of filestore ``source`` that ``target`` lacks; return how many.

    Filestore files are named after their content's checksum, so a file of the same
    name is the same file: nothing is ever overwritten. Odoo's ``checklist/`` (files
    its garbage collector is to look at) is the target's own business.
    """
    copied = 0
    for path in Path(source).rglob("*"):
        relative = path.relative_to(source)
        if not path.is_file() or relative.parts[0] == "checklist":
            continue
        dest = Path(target) / relative
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        copied += 1
    return copied


def dev_module(name):
    """A module of dev/ (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_demo_mailboxes(mail_dir, is_alive):
    """Put the demo e-mails of ``dev/demo_mail.py`` into the demo mailboxes (once)."""
    port = int(dict(item.split("=") for item in DEMO_MAIL_PORTS.split(","))["imap"])
    if not wait_for_port("127.0.0.1", port, 60, is_alive):
        say("WARNING: the demo mail servers did not start: mailboxes not seeded")
        return
    users = {}
    for spec in DEMO_MAIL_USERS:
        login, password, _email = spec.split(":")
        users[login] = password
    try:
        added, kept = dev_module("demo_mail").seed(
            "127.0.0.1", port, users, Path(mail_dir) / "demo-mail-seeded.json")
    except Exception as error:  # pylint: disable=broad-except  # a demo nicety, never fatal
        say(f"WARNING: seeding the demo mailboxes failed: {error}")
        return
    say(f"demo mailboxes: {added} e-mails added, {kept} already seeded "
        f"({', '.join(sorted(users))})")


def setup_odoo(apt=True):
    """Odoo 18's source tree, with what runs it set up (packages, venv, PostgreSQL);
    stops with a message when there is no Odoo 18."""
    odoo_src, why = find_odoo()
    if not odoo_src:
        raise SystemExit(f"No Odoo 18 found ({why}). Set ODOO_SRC to an Odoo 18.0 source tree.")
    if apt:
        setup_apt()
    setup_venv(odoo_src)
    pg_start()
    return odoo_src


# Seconds a process of ./dev/run gets to stop after SIGTERM, then after a second SIGTERM
# (Odoo: "force the shutdown"), before it is killed.
STOP_TIMEOUT = 30
STOP_GRACE = 5


def stop_process(proc, timeout=STOP_TIMEOUT, grace=STOP_GRACE):
    """Stop ``proc`` and its process group (started with ``start_new_session``) and wait
    until it has exited: SIGTERM, a second SIGTERM after ``timeout`` seconds, SIGKILL
    after ``grace`` more. Returns its exit code."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGTERM, grace),
                      (signal.SIGKILL, grace)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
    return proc.poll()


def stop_processes(procs, timeout=STOP_TIMEOUT, grace=STOP_GRACE):
    """Stop ``procs`` one after the other, the last started first, each gone before the
    next is stopped: Odoo before the mail servers and the OAuth 2.0 provider its cron
    jobs talk to, so that a job running at that moment does not fail with its servers
    gone, and no Odoo is left running (and printing) after ``./dev/run`` returned. A
    second Ctrl-C while waiting kills what is left."""
    remaining = list(reversed(procs))
    try:
        while remaining:
            stop_process(remaining[0], timeout=timeout, grace=grace)
            remaining.pop(0)
    except KeyboardInterrupt:
        for proc in remaining:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in remaining:
            proc.wait()


def serve_cmd(odoo_src, db, args, port):
    """The command that serves ``db`` on ``port`` (all interfaces, as Odoo's default):
    odoo-bin through ``dev/odoo_serve.py``, whose cron threads stop without a
    traceback."""
    cmd = odoo_cmd(odoo_src, db, *args, http_port=None)
    cmd.remove("--no-http")
    cmd.insert(1, Path(__file__).with_name("odoo_serve.py"))
    return cmd + [f"--http-port={port}"]


def cmd_run(args):
    odoo_src = setup_odoo()
    procs = []

    def stop_all(*_):
        stop_processes(procs)
        if args.stop_db:
            pg_stop()

    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        mail_dir = DEV / "mail"
        mail_dir.mkdir(parents=True, exist_ok=True)
        say(f"starting the demo OAuth 2.0 provider on http://127.0.0.1:{DEMO_OAUTH_PORT}"
            " (user oauth, password demo-oauth)")
        redirects = ",".join(f"http://{host}:{args.port}{DEMO_OAUTH_CALLBACK}"
                             for host in ("localhost", "127.0.0.1"))
        oauth_proc = subprocess.Popen([str(c) for c in [
            venv_python(), ROOT / ADDON / "tests" / "oauth_server.py",
            "--port", DEMO_OAUTH_PORT, "--state", DEV / "oauth-state.json",
            "--resource-client", DEMO_OAUTH_RESOURCE,
            "--client", f"demo-odoo,demo-odoo-secret,{redirects}",
            "--user", DEMO_OAUTH_USER,
        ]], start_new_session=True)
        procs.append(oauth_proc)
        if not wait_for_port("127.0.0.1", DEMO_OAUTH_PORT, 30, lambda: oauth_proc.poll() is None):
            raise SystemExit("the demo OAuth 2.0 provider did not start")
        resource_id, resource_secret = DEMO_OAUTH_RESOURCE.split(",")
        say("starting demo mail servers (dovecot IMAP/POP3, aiosmtpd SMTP) on 127.0.0.1")
        mail_cmd = [venv_python(), ROOT / ADDON / "tests" / "mailservers.py",
                    "--base-dir", mail_dir, "--ports", DEMO_MAIL_PORTS,
                    "--oauth-introspection-url",
                    f"http://{resource_id}:{resource_secret}@127.0.0.1:{DEMO_OAUTH_PORT}/introspect"]
        for user in DEMO_MAIL_USERS:
            mail_cmd += ["--user", user]
        mail_proc = subprocess.Popen([str(c) for c in mail_cmd], start_new_session=True)
        procs.append(mail_proc)
        seed_demo_mailboxes(mail_dir, lambda: mail_proc.poll() is None)
        if not db_exists(DEMO_DB):
            copy_db(ensure_template(odoo_src, demo=True), DEMO_DB)
            extra = ["-i", ADDON]
        else:
            # A demo database copied by an older devenv.py lacks the template's files.
            template = template_name(odoo_src, demo=True)
            source = find_filestore(template) if db_exists(template) else None
            if source and copy_missing_files(source, filestore_path(DEMO_DB)):
                say(f"restored the template's files missing in {DEMO_DB}")
            extra = ["-u", ADDON]
        say(f"starting Odoo on http://localhost:{args.port} (database {DEMO_DB}, admin/admin)"
            + ("; installing the addon first" if extra[0] == "-i" else ""))
        cmd = serve_cmd(odoo_src, DEMO_DB, extra, args.port)
        odoo = subprocess.Popen([str(c) for c in cmd], env=pg_env(), start_new_session=True)
        procs.append(odoo)
        announce_when_ready(args.port, odoo)
        odoo.wait()
    except KeyboardInterrupt:
        say("stopping")
    finally:
        stop_all()
    return 0


PLURALS = {
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
          "(n%100<10 || n%100>=20) ? 1 : 2);",
}


def cmd_i18n(_args):
    """Export the .pot from the installed addon and merge it into pl.po and uk.po."""
    odoo_src = setup_odoo(apt=False)
    db = f"{DB_PREFIX}_i18n"
    copy_db(ensure_template(odoo_src, demo=False), db)
    rc, log = odoo_run(odoo_src, db, ["-i", ADDON, "--without-demo=all", "--stop-after-init"],
                       "i18n-install")
    if rc:
        print(log[-3000:])
        raise SystemExit("installing the addon failed")
    i18n = ROOT / ADDON / "i18n"
    pot = i18n / f"{ADDON}.pot"
    rc, log = odoo_run(odoo_src, db, [f"--i18n-export={pot}", f"--modules={ADDON}"],
                       "i18n-export")
    drop_db(db)
    if rc or not pot.exists():
        print(log[-3000:])
        raise SystemExit("exporting the .pot failed")
    merge = (
        "import polib, sys\n"
        "pot = polib.pofile(sys.argv[1])\n"
        "for path, lang, plural in zip(sys.argv[2::3], sys.argv[3::3], sys.argv[4::3]):\n"
        "    po = polib.pofile(path) if __import__('os').path.exists(path) else polib.POFile()\n"
        "    po.metadata.update({k: v for k, v in pot.metadata.items() if k not in po.metadata})\n"
        "    po.metadata.update({'Language': lang, 'Plural-Forms': plural,\n"
        "                        'Content-Type': 'text/plain; charset=UTF-8'})\n"
        "    po.merge(pot)\n"
        "    po[:] = [e for e in po if not e.obsolete]\n"
        "    po.save(path)\n"
        "    todo = [e for e in po if not e.translated()]\n"
        "    print(f'{path}: {len(po)} terms, {len(todo)} untranslated')\n"
    )
    args = []
    for lang, plural in PLURALS.items():
        args += [str(i18n / f"{lang}.po"), lang, plural]
    run([venv_python(), "-c", merge, pot, *args])
    return 0


SCREENSHOTS = ROOT / ADDON / "static" / "description" / "screenshots"


def cmd_screenshots(_args):
    """Run the browser tours and save the screenshots they ask for (README pictures)."""
    odoo_src = setup_odoo()
    db = f"{DB_PREFIX}_screenshots"
    copy_db(ensure_template(odoo_src, demo=False), db)
    os.environ["MAE_SCREENSHOTS"] = str(SCREENSHOTS)
    rc, log = odoo_run(odoo_src, db, ["-i", ADDON, "--without-demo=all", "--test-enable",
                                      "--test-tags=mae_tours", "--stop-after-init",
                                      "--log-level=test"], "screenshots", http_port=free_port())
    drop_db(db)
    saved = sorted(p.name for p in SCREENSHOTS.glob("*.png"))
    say(f"{len(saved)} screenshots in {SCREENSHOTS.relative_to(ROOT)}: {', '.join(saved)}")
    if rc:
        print("\n".join(line for line in log.splitlines() if " ERROR " in line)[-3000:])
    return rc


def cmd_setup(_args):
    odoo_src, why = find_odoo()
    setup_apt()
    setup_venv(odoo_src)
    pg_start()
    say(f"Odoo: {odoo_src or 'not found (' + why + ')'}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_test = sub.add_parser("test", help="set up what is missing and run the whole suite")
    p_test.add_argument("--test-tags", default=f"/{ADDON}")
    p_run = sub.add_parser("run", help="set up and serve the addon with demo data")
    p_run.add_argument("--port", type=int, default=8069)
    p_run.add_argument("--stop-db", action="store_true", help="stop PostgreSQL on exit")
    sub.add_parser("setup", help="only set up the environment")
    sub.add_parser("pg-stop", help="stop the private PostgreSQL cluster")
    sub.add_parser("drop-templates",
                   help="drop the template databases; the next run builds them again")
    sub.add_parser("i18n", help="regenerate the .pot and merge it into pl.po and uk.po")
    sub.add_parser("screenshots", help="run the tours and save the README screenshots")
    args = parser.parse_args(argv)
    if args.command == "test":
        return cmd_test(args)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "i18n":
        return cmd_i18n(args)
    if args.command == "screenshots":
        return cmd_screenshots(args)
    if args.command == "pg-stop":
        pg_stop()
        return 0
    if args.command == "drop-templates":
        pg_start()
        drop_templates()
        return 0
    return cmd_setup(args)


if __name__ == "__main__":
    sys.exit(main())
