#!/usr/bin/env python3
# pylint: disable=print-used
"""Benchmark: the mailbox search on N stored e-mails, against an unindexed ``ilike``.

Prints, for a few searches, the time of the mailbox's default search (the search
box's "Anywhere": ``text_search`` on the normalised search text with its pg_trgm
index) next to a plain ``ilike`` on the stored body (no index can serve it) on the
same data, both through the ORM as a user of the mailbox (record rules included),
exactly as the list view asks (``web_search_read``: the first 80 e-mails, newest
first, and their count up to 10,000): in the Inbox, which the mailbox opens with
(the folder panel's ``child_of`` domain), and in *All* folders.
Not a test: it needs the dev environment.

    python3 benchmarks/bench_mailbox_search.py [--messages 100000] [--markdown FILE]

What it does (the database as ``bench_mailbox_sync.py``): one account of an operator
with one folder, N generated Polish and English business e-mails (1-2 KB of text
each) inserted in batches with SQL (search text built by the addon's own
``tools/search_text.document``), the trigram index built again afterwards, then each
measurement in its own process: every search runs five times, the median is shown.
"""

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "dev"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_mailbox_sync as base  # noqa: E402

LOGIN = "bench_search_operator"
NEEDLE = "Brzęczyszczykiewicz"  # in 20 bodies; searched without diacritics
RUNS = 5
# (label, what the user types, the plain ilike compared with it)
SEARCHES = [
    ("a rare word in the body, typed without diacritics", "brzeczyszczykiewicz", NEEDLE),
    ("a word in 1% of the bodies", "reklamacja", "reklamacja"),
    ("a word in nearly every body", "dostawa", "dostawa"),
    ("two words, both needed (ilike: one)", "faktura lodz", "Łódź"),
    ("no match", "zzyzzx", "zzyzzx"),
]
# What the list view reads (web_search_read) and its count limit.
SPECIFICATION = {name: {} for name in ("subject", "email_from", "date", "is_seen",
                                       "has_attachments", "state")}
COUNT_LIMIT = 10_001
WORDS_PL = ("zamówienie faktura dostawa płatność oferta umowa spotkanie raport wycena "
            "przesyłka projekt przegląd harmonogram budżet aktualizacja prośba "
            "potwierdzenie krzesła biurowe termin realizacji magazyn kurier paleta").split()
WORDS_EN = ("invoice order delivery payment offer contract meeting report quote shipment "
            "project review schedule budget update request confirm").split()
CITIES = ("Łódź", "Kraków", "Gdańsk", "Poznań", "Wrocław", "Київ", "Львів")


def _bodies(count, rng):
    """(subject, sender, body HTML) of ``count`` generated e-mails."""
    for index in range(count):
        words = WORDS_PL if index % 3 else WORDS_EN
        paragraphs = []
        for _ in range(rng.randint(3, 6)):
            sentence = [rng.choice(words) for _ in range(rng.randint(25, 45))]
            if rng.random() < 0.3:
                sentence.insert(rng.randrange(len(sentence)), "dostawa")
            if rng.random() < 0.1:
                sentence.insert(rng.randrange(len(sentence)), rng.choice(CITIES))
            paragraphs.append(" ".join(sentence).capitalize() + ".")
        if index % 100 == 7:
            paragraphs.append("Reklamacja towaru z ostatniej dostawy.")
        if index % (count // 20 or 1) == 3:
            paragraphs.append(f"Pozdrawiam, Grzegorz {NEEDLE}.")
        subject = " ".join(rng.choice(words) for _ in range(5)).capitalize()
        sender = f"Klient {index % 500} <klient{index % 500}@example.pl>"
        yield subject, sender, "".join(f"<p>{p}</p>" for p in paragraphs)


def _setup(env, count):
    from odoo.addons.mail_accounts_ext.tools import search_text

    user, account = operator_account(env, LOGIN, "Bench search",
                                     "office@bench.example.com")
    folder = env["mail.account.folder"].create({
        "account_id": account.id, "role": "inbox", "name": "Inbox", "is_local": True,
        "parent_id": account._root_folder().id,  # pylint: disable=protected-access
    })
    cr = env.cr
    cr.execute("DROP INDEX IF EXISTS mail_account_message_search_text_idx")
    rng = random.Random(7)
    started = time.perf_counter()
    now = time.time()
    columns = ("account_id, folder_id, company_id, state, message_id, subject, email_from, "
               "email_to, date, body_html, size, is_seen, search_text, create_uid, "
               "write_uid, create_date, write_date")

    def rows():
        for index, (subject, sender, body) in enumerate(_bodies(count, rng)):
            date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now - index * 300))
            yield (
                account.id, folder.id, account.company_id.id, "received",
                f"<bench-search-{index}@bench.example.com>", subject, sender,
                "office@bench.example.com", date, body, len(body), bool(index % 4),
                search_text.document(subject=subject, email_from=sender,
                                     email_to="office@bench.example.com", body_html=body),
                1, 1, date, date)

    inserted = insert_messages(cr, columns, rows())
    insert_seconds = time.perf_counter() - started
    started = time.perf_counter()
    env["mail.account.message"]._init_search_index()  # pylint: disable=protected-access
    index_seconds = time.perf_counter() - started
    cr.execute("ANALYZE mail_account_message")
    cr.execute("SELECT pg_size_pretty(pg_total_relation_size('mail_account_message')), "
               "pg_size_pretty(pg_relation_size('mail_account_message_search_text_idx'))")
    table_size, index_size = cr.fetchone()
    return {"user": user.id, "folder": folder.id, "inserted": inserted,
            "insert_seconds": insert_seconds,
            "index_seconds": index_seconds, "table_size": table_size,
            "index_size": index_size}


def insert_messages(cr, columns, rows, chunk=2000):
    """INSERT ``rows`` (tuples of ``columns``) into mail_account_message in chunks;
    returns how many."""
    from psycopg2.extras import execute_values

    query = f"INSERT INTO mail_account_message ({columns}) VALUES %s"  # noqa: S608
    batch, inserted = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) == chunk:
            execute_values(cr._obj, query, batch)
            inserted, batch = inserted + len(batch), []
    if batch:
        execute_values(cr._obj, query, batch)
        inserted += len(batch)
    return inserted


def operator_account(env, login, name, email):
    """A plain user and their IMAP account, signed as tested as the demo accounts are
    (no server is contacted)."""
    from odoo.tests import new_test_user

    user = new_test_user(env, login=login, groups="base.group_user", name="Bench Operator")
    values = {
        "name": name, "email": email, "owner_id": user.id,
        "incoming_protocol": "imap", "incoming_host": "127.0.0.1", "incoming_port": 10143,
        "incoming_security": "starttls", "incoming_login": email,
        "smtp_host": "127.0.0.1", "smtp_port": 10025, "smtp_security": "starttls",
    }
    Account = env["mail.account"]
    settings = Account.new(values)._connection_settings()  # pylint: disable=protected-access
    values["tested_fingerprint"] = Account._sign_settings(settings)  # pylint: disable=protected-access
    return user, Account.create(values)


def timed(function):
    """The median of RUNS runs of ``function`` in ms, and its last result."""
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _measure(env, info):
    Message = env["mail.account.message"].with_user(info["user"])
    Message.search([], limit=1)  # warm the registry and the caches once
    inbox = [("folder_id", "child_of", info["folder"])]

    def timed_search(domain):
        def run():
            result = Message.web_search_read(domain, SPECIFICATION, limit=80,
                                             count_limit=COUNT_LIMIT)
            return result["length"]
        return timed(run)

    rows = []
    for label, query, plain in SEARCHES:
        inbox_ms, matches = timed_search(inbox + [("text_search", "ilike", query)])
        all_ms, _matches = timed_search([("text_search", "ilike", query)])
        plain_ms, plain_matches = timed_search(inbox + [("body_html", "ilike", plain)])
        rows.append({"label": label, "query": query, "plain": plain, "matches": matches,
                     "inbox_ms": inbox_ms, "all_ms": all_ms, "plain_matches": plain_matches,
                     "plain_ms": plain_ms})
    return {"rows": rows}


def _markdown(setup, result, count):
    lines = [
        f"| search on {count} e-mails, as the list asks (80 + count) | typed | found | "
        "mailbox search, Inbox | mailbox search, All folders | unindexed `ilike` on the body, "
        "Inbox | found |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['label']} | `{row['query']}` | {row['matches']} | "
            f"{row['inbox_ms']:.0f} ms | {row['all_ms']:.0f} ms | "
            f"{row['plain_ms']:.0f} ms (`{row['plain']}`) | {row['plain_matches']} |")
    lines.append("")
    lines.append(f"Setup: {setup['inserted']} e-mails inserted in {setup['insert_seconds']:.0f} s; "
                 f"trigram index built in {setup['index_seconds']:.0f} s "
                 f"({setup['index_size']}; table with its indexes and TOAST "
                 f"{setup['table_size']}).")
    return "\n".join(lines)


def _drive(args, db):
    info = {"messages": args.messages}
    setup = base.spawn(__file__, db, "setup", info)
    print(f"{setup['inserted']} e-mails stored in {setup['insert_seconds']:.0f} s, trigram "
          f"index built in {setup['index_seconds']:.0f} s ({setup['index_size']})", flush=True)
    result = base.spawn(__file__, db, "measure",
                        dict(info, user=setup["user"], folder=setup["folder"]))
    for row in result["rows"]:
        print(f"{row['label']:52} {row['matches']:6} found: Inbox {row['inbox_ms']:7.1f} ms, "
              f"All {row['all_ms']:7.1f} ms; ilike: {row['plain_ms']:8.1f} ms "
              f"({row['plain_matches']} found)", flush=True)
    return _markdown(setup, result, args.messages)


def main(argv=None):
    return base.run(__doc__, __file__, argv, messages=100_000, database="bench_search",
                    worker=base.setup_or_measure(_setup, _measure), drive=_drive)


if __name__ == "__main__":
    sys.exit(main())
