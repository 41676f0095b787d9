#!/usr/bin/env python3
"""Fill untranslated entries of a .po file from other .po files (same language).

Used when branches are merged: the regenerated ``pl.po`` / ``uk.po`` keep their
translations, and terms translated on another branch are taken over by msgid.

    python3 dev/po_fill.py TARGET.po SOURCE.po [SOURCE.po ...]
"""

import sys

import polib


def fill(target_path, source_paths):
    target = polib.pofile(target_path)
    known = {}
    for path in source_paths:
        for entry in polib.pofile(path):
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
                known.setdefault(entry.msgid, entry.msgstr)
    filled = 0
    for entry in target:
        if not entry.msgstr and entry.msgid in known:
            entry.msgstr = known[entry.msgid]
            filled += 1
    target.save(target_path)
    left = sum(1 for e in target if not e.msgstr and not e.obsolete)
    print(f"{target_path}: filled {filled}, {left} still untranslated")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    fill(sys.argv[1], sys.argv[2:])
