"""The dev environment script: finding Odoo, skipping its suite loudly without it, progress
while it builds databases, filestores copied with databases, the ready line."""

import http.server
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dev_script(name):
    """A script of dev/, loaded afresh (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "dev", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def devenv():
    return _dev_script("devenv")


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


# -- progress while Odoo builds a database --------------------------------------------

LOADING_LOG = (
    "2026-01-01 10:00:00,000 1 INFO tpl odoo.modules.loading: loading 1 modules...\n"
    "2026-01-01 10:00:00,100 1 INFO tpl odoo.modules.loading: Loading module base (1/1)\n"
    "2026-01-01 10:00:09,000 1 INFO tpl odoo.modules.loading: loading 58 modules...\n"
    "2026-01-01 10:00:09,100 1 INFO tpl odoo.modules.loading: Loading module web (2/58)\n"
    "2026-01-01 10:00:12,000 1 INFO tpl odoo.modules.registry: module web: creating tables\n"
    "2026-01-01 10:00:20,000 1 INFO tpl odoo.modules.loading: Loading module mail (14/58)\n"
)


def test_loading_progress(devenv):
    assert devenv.loading_progress("") == (0, None, 0, 0)
    assert devenv.loading_progress(LOADING_LOG) == (3, "mail", 14, 58)
    line = devenv.progress_line("building the template", LOADING_LOG, 41.6)
    assert line == ("building the template: still building... 3 modules loaded, "
                    "now mail (14/58), 42 s")
    assert "starting Odoo" in devenv.progress_line("building", "", 3)


def test_run_with_progress_reports_while_running(devenv, tmp_path, capsys):
    """A slow command writing an Odoo-like log: progress lines while it runs, then done."""
    log = tmp_path / "build.log"
    script = (
        "import sys, time\n"
        "lines = open(sys.argv[2]).read().splitlines(True)\n"
        "with open(sys.argv[1], 'w') as log:\n"
        "    for line in lines:\n"
        "        log.write(line); log.flush(); time.sleep(0.25)\n"
        "sys.exit(3)\n"
    )
    source = tmp_path / "source.log"
    source.write_text(LOADING_LOG)
    code = devenv.run_with_progress([sys.executable, "-c", script, log, source], log,
                                    "building the template", every=0.3, poll=0.05)
    assert code == 3
    out = capsys.readouterr().out.splitlines()
    progress = [line for line in out if "still building" in line]
    assert progress, out
    assert "now mail (14/58)" in progress[-1] or "now web (2/58)" in progress[-1]
    assert out[-1].startswith("[devenv] building the template: done in")


# -- databases copied with their files ----------------------------------------------------

@pytest.fixture
def fake_cluster(devenv, tmp_path, monkeypatch):
    """devenv with its data dirs in tmp_path and psql recorded instead of run."""
    calls = []
    stored = {"count": "0"}

    def psql(sql, db="postgres"):
        calls.append(sql)
        return stored["count"] if "ir_attachment" in sql else ""

    monkeypatch.setattr(devenv, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(devenv, "PG_DIR", tmp_path / "cluster" / "pg")
    monkeypatch.setattr(devenv, "DEV", tmp_path / "checkout")
    monkeypatch.setattr(devenv, "psql", psql)
    return devenv, calls, stored


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_copy_db_copies_the_filestore(fake_cluster):
    devenv, calls, _stored = fake_cluster
    template = devenv.filestore_path("tpl")
    (template / "ab").mkdir(parents=True)
    (template / "ab" / "ab12cd").write_bytes(b"avatar")
    (template / "checklist").mkdir()
    target = devenv.copy_db("tpl", "copy")
    assert target == devenv.DATA_DIR / "filestore" / "copy"
    assert _files(target) == ["ab/ab12cd"]
    assert (target / "ab" / "ab12cd").read_bytes() == b"avatar"
    assert calls[-1] == 'CREATE DATABASE "copy" TEMPLATE "tpl"'
    # A new copy replaces the old one and its files; dropping removes them.
    (target / "stale").write_text("from an earlier run")
    devenv.copy_db("tpl", "copy")
    assert _files(target) == ["ab/ab12cd"]
    devenv.drop_db("copy")
    assert not target.exists()
    assert _files(template) == ["ab/ab12cd"], "the template keeps its files"


def test_template_files_found_where_older_versions_left_them(fake_cluster):
    """Built by an older devenv.py: in the cluster's checkout, under the build name."""
    devenv, _calls, _stored = fake_cluster
    legacy = devenv.filestore_path("tpl_build", devenv.PG_DIR.parent / "filestore")
    (legacy / "0f").mkdir(parents=True)
    (legacy / "0f" / "0f99").write_bytes(b"logo")
    assert devenv.find_filestore("tpl") == legacy
    assert _files(devenv.copy_db("tpl", "copy")) == ["0f/0f99"]


def test_template_without_files_warns(fake_cluster, capsys):
    devenv, _calls, stored = fake_cluster
    stored["count"] = "152"
    devenv.copy_db("tpl", "copy")
    out = capsys.readouterr().out
    assert "files of template tpl are missing" in out and "drop-templates" in out
    stored["count"] = "0"
    devenv.copy_db("tpl", "copy")
    assert "missing" not in capsys.readouterr().out, "no files, nothing to say"


def test_template_build_keeps_its_files(fake_cluster, monkeypatch):
    devenv, calls, _stored = fake_cluster
    monkeypatch.setattr(devenv, "db_exists", lambda name: False)
    monkeypatch.setattr(devenv, "template_name", lambda src, demo: "tpl_demo")
    seen = {}

    def odoo_run(odoo_src, db, args, log_name, http_port=None, progress=None):
        seen.update(db=db, args=args, progress=progress)
        built = devenv.filestore_path(db) / "aa"
        built.mkdir(parents=True)
        (built / "aa11").write_bytes(b"image")
        return 0, ""

    monkeypatch.setattr(devenv, "odoo_run", odoo_run)
    assert devenv.ensure_template("/odoo", demo=True) == "tpl_demo"
    assert seen["db"] == "tpl_demo_build" and seen["progress"]
    assert "--log-level=info" in seen["args"], "progress needs Odoo's module lines"
    assert calls[-1] == 'ALTER DATABASE "tpl_demo_build" RENAME TO "tpl_demo"'
    assert _files(devenv.filestore_path("tpl_demo")) == ["aa/aa11"]
    assert not devenv.filestore_path("tpl_demo_build").exists()


def test_copy_missing_files_never_overwrites(devenv, tmp_path):
    source, target = tmp_path / "src", tmp_path / "dst"
    (source / "ab").mkdir(parents=True)
    (source / "ab" / "ab1").write_bytes(b"one")
    (source / "cd").mkdir()
    (source / "cd" / "cd2").write_bytes(b"two")
    (source / "checklist" / "cd").mkdir(parents=True)
    (source / "checklist" / "cd" / "cd2").write_bytes(b"")
    (target / "ab").mkdir(parents=True)
    (target / "ab" / "ab1").write_bytes(b"kept")
    assert devenv.copy_missing_files(source, target) == 1
    assert not (target / "checklist").exists(), "the garbage collector's own list"
    assert (target / "ab" / "ab1").read_bytes() == b"kept"
    assert (target / "cd" / "cd2").read_bytes() == b"two"
    assert devenv.copy_missing_files(source, target) == 0


# -- the ready line -------------------------------------------------------------------------

class _SlowLogin(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first requests (Odoo still loading), then 200."""

    answers = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status if self.path == "/web/login" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_ready_once_the_login_page_answers(devenv):
    _SlowLogin.answers = [503, 503]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/web/login"
        assert devenv.wait_until_ready(url, lambda: True, timeout=10, every=0.05)
        assert not _SlowLogin.answers, "it waited for the 200"
    finally:
        server.shutdown()
        server.server_close()
    assert devenv.ready_line(8069) == "Ready: http://localhost:8069 \N{EM DASH} admin / admin"


def test_not_ready_when_odoo_exits(devenv):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    assert not devenv.wait_until_ready(f"http://127.0.0.1:{port}/web/login", lambda: False,
                                       timeout=30, every=0.05)
    assert not devenv.wait_for_port("127.0.0.1", port, 30, lambda: False, every=0.05)
    assert time.monotonic() - started < 5


# -- stopping ./dev/run ---------------------------------------------------------------------

_CHILD = """
import signal, sys, time
name, log, behaviour = sys.argv[1], sys.argv[2], sys.argv[3]

def on_term(*_):
    with open(log, "a") as handle:
        handle.write(f"{name} term {time.monotonic()}\\n")
    if behaviour == "slow":
        time.sleep(0.5)  # a cron job finishing, say
        with open(log, "a") as handle:
            handle.write(f"{name} exit {time.monotonic()}\\n")
        sys.exit(0)
    if behaviour == "exit":
        with open(log, "a") as handle:
            handle.write(f"{name} exit {time.monotonic()}\\n")
        sys.exit(0)
    # "stubborn": ignores SIGTERM

signal.signal(signal.SIGTERM, on_term)
with open(log, "a") as handle:
    handle.write(f"{name} ready {time.monotonic()}\\n")
while True:
    time.sleep(0.05)
"""


def _child(tmp_path, name, behaviour):
    log = tmp_path / "events.log"
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, name, str(log), behaviour],
                            start_new_session=True)
    deadline = time.monotonic() + 10
    while f"{name} ready" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, f"{name} did not start"
        time.sleep(0.02)
    return proc


def _events(tmp_path):
    return [line.split()[:2] for line in (tmp_path / "events.log").read_text().splitlines()
            if " ready " not in line]


def test_run_stops_odoo_first_and_waits_for_it(devenv, tmp_path):
    """The servers Odoo's cron jobs talk to are stopped only once Odoo has exited."""
    oauth = _child(tmp_path, "oauth", "exit")
    mail = _child(tmp_path, "mail", "exit")
    odoo = _child(tmp_path, "odoo", "slow")
    devenv.stop_processes([oauth, mail, odoo], timeout=10, grace=2)
    assert _events(tmp_path) == [["odoo", "term"], ["odoo", "exit"], ["mail", "term"],
                                 ["mail", "exit"], ["oauth", "term"], ["oauth", "exit"]]
    assert [proc.returncode for proc in (odoo, mail, oauth)] == [0, 0, 0]


def test_run_leaves_no_process_behind(devenv, tmp_path):
    """A process that ignores SIGTERM gets a second one, then is killed: nothing keeps
    running (and printing) after ./dev/run returned."""
    mail = _child(tmp_path, "mail", "exit")
    odoo = _child(tmp_path, "odoo", "stubborn")
    started = time.monotonic()
    devenv.stop_processes([mail, odoo], timeout=0.5, grace=0.5)
    assert time.monotonic() - started < 5
    assert odoo.returncode == -9  # SIGKILL
    assert mail.returncode == 0
    assert _events(tmp_path) == [["odoo", "term"], ["odoo", "term"], ["mail", "term"],
                                 ["mail", "exit"]]


# -- Odoo's server for ./dev/run: its cron threads at shutdown -----------------------------

@pytest.fixture
def odoo_serve():
    return _dev_script("odoo_serve")


class InterfaceError(Exception):
    """Stands for psycopg2's: a connection the shutdown closed."""


def _raise_in_thread(hook, name, error):
    seen = []
    hook.fallback = lambda args: seen.append((args.thread.name, args.exc_type.__name__))
    previous = threading.excepthook
    threading.excepthook = hook
    try:
        def fail():
            raise error

        thread = threading.Thread(target=fail, name=name, daemon=True)
        thread.start()
        thread.join(5)
    finally:
        threading.excepthook = previous
    return seen


def test_cron_thread_connection_closed_by_the_shutdown_is_quiet(odoo_serve):
    hook = odoo_serve.ShutdownHook(threading.excepthook)
    cron = "odoo.service.cron.cron0"
    # while Odoo runs, every exception of a thread is printed as before
    assert _raise_in_thread(hook, cron, InterfaceError("connection already closed")) == [
        (cron, "InterfaceError")]
    hook.on_stop()  # no cron job runs: returns at once
    assert _raise_in_thread(hook, cron, InterfaceError("connection already closed")) == []
    # other exceptions, and other threads, still reach the log
    assert _raise_in_thread(hook, cron, ValueError("a bug")) == [(cron, "ValueError")]
    assert _raise_in_thread(hook, "odoo.service.http.request.1", InterfaceError("x")) == [
        ("odoo.service.http.request.1", "InterfaceError")]


class _FakeThread:
    def __init__(self, name, start_time=None):
        self.name = name
        self.start_time = start_time


def test_shutdown_waits_for_the_cron_jobs_in_progress(odoo_serve):
    cron = _FakeThread("odoo.service.cron.cron1", start_time=time.time())
    http_thread = _FakeThread("odoo.service.http.request.7", start_time=time.time())
    idle = _FakeThread("odoo.service.cron.cron0")
    threads = [cron, http_thread, idle]
    assert odoo_serve.busy_cron_threads(threads) == [cron]
    started = time.monotonic()
    assert not odoo_serve.wait_for_cron_jobs(timeout=0.2, every=0.02, threads=threads)
    assert 0.2 <= time.monotonic() - started < 2  # bounded: a stuck job does not hang it

    def job_done():
        time.sleep(0.1)
        cron.start_time = None

    threading.Thread(target=job_done, daemon=True).start()
    assert odoo_serve.wait_for_cron_jobs(timeout=5, every=0.02, threads=threads)


def test_run_serves_odoo_through_the_launcher(devenv):
    """./dev/run starts odoo-bin through dev/odoo_serve.py (the tests above)."""
    cmd = [str(part) for part in devenv.serve_cmd("/opt/odoo", "demo_db", ["-u", "x"], 8070)]
    assert cmd[1] == os.path.join(ROOT, "dev", "odoo_serve.py")
    assert cmd[2] == "/opt/odoo/odoo-bin"
    assert "--no-http" not in cmd
    assert cmd[-1] == "--http-port=8070"
    assert ["-d", "demo_db"] == cmd[cmd.index("-d"):cmd.index("-d") + 2]
    assert "-u" in cmd
