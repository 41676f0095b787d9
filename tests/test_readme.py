"""README.rst files are generated from the readme/ fragments and kept current."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_current():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "dev", "readme.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_readme_names_the_two_commands_first():
    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as handle:
        text = handle.read()
    first = text.index("Two commands")
    assert first < text.index("Configuration")
    assert "./dev/run" in text[first:first + 600] and "./dev/test" in text[first:first + 600]


def test_ci_calls_the_test_command():
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as handle:
        lines = [ln.strip() for ln in handle if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == "exec ./dev/test"
