#!/usr/bin/env python3
"""Build README.rst (repository root and addon folder) from the ``readme/`` fragments.

The OCA way: ``mail_accounts_ext/readme/*.md`` are the sources, README.rst is generated.
``python3 dev/readme.py`` writes both files; ``python3 dev/readme.py --check`` exits 1 when
they are not current (the pure suite runs that check).
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "mail_accounts_ext"
FRAGMENTS = [
    ("DESCRIPTION.md", None),
    ("INSTALL.md", "Installation"),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("SCREENSHOTS.md", "Screenshots"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("BENCHMARKS.md", "Benchmarks"),
    ("CONTRIBUTORS.md", "Contributors"),
]
COMMANDS = """\
Two commands
============

.. code-block:: shell

   ./dev/run    # set up what is missing, serve Odoo 18 + this addon with demo data
                # on http://localhost:8069 (admin / admin) and demo mail servers
   ./dev/test   # set up what is missing and run the whole suite

Both look for Odoo 18.0 in ``$ODOO_SRC``, an importable ``odoo``, ``/opt/odoo``, ``~/odoo``
or ``../odoo``. See ``mail_accounts_ext/readme/DEVELOP.md`` for what they set up.
"""
UNDERLINE = {1: "=", 2: "-", 3: "~", 4: "^"}


def _inline(text):
    text = re.sub(r"`([^`]+)`", r"``\1``", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return text


def md_to_rst(md, level_offset=0):
    out, in_code = [], False
    for line in md.splitlines():
        if line.startswith("```"):
            if not in_code:
                lang = line[3:].strip()
                out += [f".. code-block:: {lang}" if lang else "::", ""]
            else:
                out.append("")
            in_code = not in_code
            continue
        if in_code:
            out.append("   " + line if line else "")
            continue
        heading = re.match(r"^(#+)\s+(.*)$", line)
        image = re.match(r"^!\[([^\]]*)\]\(([^)]+)\)$", line.strip())
        if heading:
            level = min(len(heading.group(1)) + level_offset, 4)
            title = _inline(heading.group(2))
            out += [title, UNDERLINE[level] * len(title), ""]
        elif image:
            out += [f".. image:: {image.group(2)}", f"   :alt: {image.group(1)}", ""]
        else:
            out.append(_inline(line))
    return "\n".join(out).strip() + "\n"


def build(for_root):
    manifest = eval((ADDON / "__manifest__.py").read_text(), {})  # noqa: S307 - our own file
    title = manifest["name"] + " (mail_accounts_ext)"
    parts = [
        "=" * len(title), title, "=" * len(title), "",
        ".. This file is generated from mail_accounts_ext/readme/*.md by dev/readme.py.", "",
        f"*{manifest['summary']}* — Odoo 18.0, license {manifest['license']}.", "",
    ]
    if for_root:
        parts += [COMMANDS]
    parts += [".. contents::", "   :local:", ""]
    for name, heading in FRAGMENTS:
        path = ADDON / "readme" / name
        if not path.exists():
            continue
        text = path.read_text()
        if for_root is False:
            # Inside the addon folder, images are relative to the addon.
            text = text.replace("](mail_accounts_ext/", "](")
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts.append(md_to_rst(text, level_offset=1))
    return "\n".join(parts).rstrip() + "\n"


def main(argv):
    targets = {ROOT / "README.rst": build(True), ADDON / "README.rst": build(False)}
    if "--check" in argv:
        stale = [str(p.relative_to(ROOT)) for p, text in targets.items()
                 if not p.exists() or p.read_text() != text]
        if stale:
            sys.stderr.write("stale, run python3 dev/readme.py: " + ", ".join(stale) + "\n")
            return 1
        return 0
    for path, text in targets.items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
