#!/usr/bin/env python3
"""List the untranslated (or fuzzy) entries of .po files, or fill them from a dict.

    python3 dev/po_translate.py list LANG.po [LANG.po ...]
    python3 dev/po_translate.py fill TRANSLATIONS.py LANG.po [LANG.po ...]

TRANSLATIONS.py defines ``TRANSLATIONS = {msgid: {"pl": "...", "uk": "..."}}``
(the language is the .po file's ``Language`` header). ``fill`` only touches
entries that are untranslated or fuzzy, refuses a translation whose ``%(name)s`` /
``%s`` / ``{...}`` placeholders differ from the msgid's, clears the fuzzy flag and
reports what is still missing. Plural entries take a list, one text per form.
"""

import re
import runpy
import sys

import polib

PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdfr]|%[sdfr]|\{[a-z_0-9]*\}")


def _todo(po):
    return [entry for entry in po if not entry.obsolete
            and (entry.fuzzy or (entry.msgstr_plural and not all(entry.msgstr_plural.values()))
                 or (not entry.msgid_plural and not entry.msgstr.strip()))]


def list_todo(paths):
    for path in paths:
        po = polib.pofile(path)
        todo = _todo(po)
        print(f"# {path}: {len(todo)} to translate")
        for entry in todo:
            where = ", ".join(occurrence for occurrence, _line in entry.occurrences[:2])
            print(f"{'fuzzy ' if entry.fuzzy else ''}{where}\n  {entry.msgid!r}")


def _same_placeholders(msgid, text):
    return sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text))


def fill(dict_path, paths):
    translations = runpy.run_path(dict_path)["TRANSLATIONS"]
    failed = False
    for path in paths:
        po = polib.pofile(path)
        lang = po.metadata["Language"]
        filled, missing = 0, []
        for entry in _todo(po):
            text = translations.get(entry.msgid, {}).get(lang)
            if not text:
                missing.append(entry.msgid)
                continue
            texts = text if isinstance(text, list) else [text]
            if not all(_same_placeholders(entry.msgid, t) for t in texts):
                sys.stderr.write(f"{path}: placeholders differ, skipped: {entry.msgid!r}\n")
                failed = True
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(texts))
            else:
                entry.msgstr = texts[0]
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = None
            filled += 1
        po.save(path)
        print(f"{path}: filled {filled}, {len(missing)} still to translate")
        for msgid in missing:
            print(f"  {msgid!r}")
        failed = failed or bool(missing)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "list":
        list_todo(sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "fill":
        sys.exit(fill(sys.argv[2], sys.argv[3:]))
    else:
        sys.exit(__doc__)
