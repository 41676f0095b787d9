#!/usr/bin/env python3
# pylint: disable=print-used
"""Benchmark: the mailbox list in conversations on N stored e-mails, against the list of
single e-mails (the anchor, measured in the same run on the same data).

Prints, as a user of the mailbox (record rules included) and exactly as the list view
asks (``web_search_read``: the first 80 e-mails, newest first, and their count up to
10,000, in the Inbox the mailbox opens with: the folder panel's ``child_of`` domain),
the time of the single-message list and of the *Conversations* list (the default
filter), and the time of the thread of an e-mail as its form reads it (``web_read`` of
the conversation's e-mails with the fields the thread shows).
Not a test: it needs the dev environment.

    python3 benchmarks/bench_mailbox_threads.py [--messages 50000] [--markdown FILE]

What it does (the database as ``bench_mailbox_sync.py``): one account of an operator
with an Inbox and a Sent folder, N generated e-mails in N/5 conversations (1 to 9
e-mails each: the customer's in the Inbox, the operator's answers in Sent, chained by
In-Reply-To/References; one answer in ten without them, found by its subject) inserted
with SQL, then put into conversations by the addon's own code in chunks of 2,000,
oldest first (what the upgrade does; the time is printed), then each measurement in
its own process: five runs, the median is shown.
"""

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "dev"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_mailbox_search as search  # noqa: E402
import bench_mailbox_sync as base  # noqa: E402

LOGIN = "bench_threads_operator"
OFFICE = "office@bench.example.com"
CHUNK = 2000
SPECIFICATION = {name: {} for name in ("subject", "email_from", "date", "is_seen",
                                       "has_attachments", "state", "document_name")}
CONVERSATION_SPECIFICATION = dict(SPECIFICATION, conversation_count={},
                                  conversation_unread={})
THREAD_SPECIFICATION = {"conversation_message_ids": {"fields": {
    name: {} for name in ("email_from", "date", "snippet", "is_seen", "subject")
} | {"folder_id": {"fields": {"display_name": {}}}}}}
COUNT_LIMIT = 10_001
TOPICS = ("Zamówienie", "Faktura", "Reklamacja", "Oferta", "Dostawa", "Рахунок", "Invoice",
          "Quote", "Umowa", "Spotkanie")


def _rows(count, rng, now):
    """(folder key, Message-Id, subject, from, to, in-reply-to, references, date, seen)."""
    made, conversation = 0, 0
    while made < count:
        size = min(rng.randint(1, 9), count - made)
        customer = f"Klient {conversation % 700} <klient{conversation % 700}@example.pl>"
        subject = f"{TOPICS[conversation % len(TOPICS)]} {conversation}/2026"
        start = now - (count - made) * 240 - rng.randint(0, 3600)
        chain = []
        for index in range(size):
            ours = index % 2 == 1
            message_id = f"<bench-thread-{conversation}-{index}@bench.example.com>"
            linked = chain and rng.random() >= 0.1
            yield (
                "sent" if ours else "inbox", message_id,
                f"Re: {subject}" if index else subject,
                OFFICE if ours else customer, customer if ours else OFFICE,
                chain[-1] if linked else None, " ".join(chain[-10:]) if linked else None,
                time.strftime("%Y-%m-%d %H:%M:%S",
                              time.gmtime(start + index * rng.randint(600, 20000))),
                ours or rng.random() < 0.8,
            )
            chain.append(message_id)
        made += size
        conversation += 1


def _setup(env, count):
    user, account = search.operator_account(env, LOGIN, "Bench threads", OFFICE)
    root = account._root_folder()  # pylint: disable=protected-access
    folders = {role: env["mail.account.folder"].create({
        "account_id": account.id, "role": role, "name": role.capitalize(), "is_local": True,
        "parent_id": root.id}) for role in ("inbox", "sent")}
    cr = env.cr
    rng = random.Random(11)
    started = time.perf_counter()
    columns = ("account_id, folder_id, company_id, state, message_id, subject, email_from, "
               "email_to, in_reply_to, \"references\", date, body_html, is_seen, "
               "is_conversation_head, create_uid, write_uid, create_date, write_date")
    rows = ((account.id, folders[role].id, account.company_id.id,
             "sent" if role == "sent" else "received", message_id, subject, sender, to,
             reply_to, references, date, f"<p>{subject}: treść wiadomości.</p>", seen, True,
             1, 1, date, date)
            for role, message_id, subject, sender, to, reply_to, references, date, seen
            in _rows(count, rng, time.time()))
    inserted = search.insert_messages(cr, columns, rows, CHUNK)
    insert_seconds = time.perf_counter() - started
    cr.execute("ANALYZE mail_account_message")
    started = time.perf_counter()
    cr.execute("SELECT id FROM mail_account_message WHERE account_id = %s ORDER BY date, id",
               [account.id])
    ids = [row[0] for row in cr.fetchall()]
    Message = env["mail.account.message"]
    for index in range(0, len(ids), CHUNK):
        Message.browse(ids[index:index + CHUNK])._assign_conversations()  # pylint: disable=protected-access
        env.invalidate_all()
    assign_seconds = time.perf_counter() - started
    cr.execute("ANALYZE mail_account_message")
    cr.execute("ANALYZE mail_account_conversation")
    cr.execute("SELECT count(*) FROM mail_account_conversation WHERE account_id = %s",
               [account.id])
    conversations = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM mail_account_message WHERE folder_id = %s",
               [folders["inbox"].id])
    in_inbox = cr.fetchone()[0]
    # The thread measured: the newest e-mail of the largest conversation.
    cr.execute("""SELECT m.id FROM mail_account_message m
                    JOIN mail_account_conversation c ON c.id = m.conversation_id
                   WHERE c.account_id = %s ORDER BY c.message_count DESC, m.date DESC
                   LIMIT 1""", [account.id])
    thread_message = cr.fetchone()[0]
    return {"user": user.id, "folder": folders["inbox"].id, "inserted": inserted,
            "insert_seconds": insert_seconds, "assign_seconds": assign_seconds,
            "conversations": conversations, "in_inbox": in_inbox,
            "thread_message": thread_message}


def _measure(env, info):
    Message = env["mail.account.message"].with_user(info["user"])
    Message.search([], limit=1)  # warm the registry and the caches once
    inbox = [("folder_id", "child_of", info["folder"])]

    def listing(domain, specification):
        def run():
            env.invalidate_all()
            result = Message.web_search_read(domain, specification, limit=80,
                                             count_limit=COUNT_LIMIT)
            return result["length"]
        return search.timed(run)

    def thread():
        env.invalidate_all()
        (values,) = Message.browse(info["thread_message"]).web_read(THREAD_SPECIFICATION)
        return len(values["conversation_message_ids"])

    single_ms, single_rows = listing(inbox, SPECIFICATION)
    conversations_ms, conversation_rows = listing(
        inbox + [("is_conversation_head", "=", True)], CONVERSATION_SPECIFICATION)
    thread_ms, thread_size = search.timed(thread)
    return {"single_ms": single_ms, "single_rows": single_rows,
            "conversations_ms": conversations_ms, "conversation_rows": conversation_rows,
            "thread_ms": thread_ms, "thread_size": thread_size}


def _load():
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]


def _markdown(setup, result, count, loads):
    return "\n".join([
        f"| {count} e-mails, {setup['conversations']} conversations, "
        f"{setup['in_inbox']} in the Inbox, as the list asks (80 + count) | found | time |",
        "|---|---:|---:|",
        f"| single e-mails (today's list, the anchor) | {result['single_rows']} | "
        f"{result['single_ms']:.0f} ms |",
        f"| conversations (the default filter) | {result['conversation_rows']} | "
        f"{result['conversations_ms']:.0f} ms |",
        f"| the thread of an e-mail (`web_read`, the largest conversation) | "
        f"{result['thread_size']} | {result['thread_ms']:.0f} ms |",
        "",
        f"Setup: {setup['inserted']} e-mails inserted in {setup['insert_seconds']:.0f} s, "
        f"put into conversations by the addon in {setup['assign_seconds']:.0f} s "
        f"({setup['inserted'] / max(setup['assign_seconds'], 0.001):.0f} e-mails/s, chunks "
        f"of {CHUNK}); load average {loads[0]} before, {loads[1]} after.",
    ])


def _drive(args, db):
    before = _load()
    info = {"messages": args.messages}
    setup = base.spawn(__file__, db, "setup", info)
    print(f"{setup['inserted']} e-mails stored in {setup['insert_seconds']:.0f} s, "
          f"{setup['conversations']} conversations made in {setup['assign_seconds']:.0f} s",
          flush=True)
    result = base.spawn(__file__, db, "measure", dict(
        info, user=setup["user"], folder=setup["folder"],
        thread_message=setup["thread_message"]))
    print(f"single e-mails: {result['single_ms']:.1f} ms ({result['single_rows']}), "
          f"conversations: {result['conversations_ms']:.1f} ms "
          f"({result['conversation_rows']}), thread: {result['thread_ms']:.1f} ms "
          f"({result['thread_size']} e-mails)", flush=True)
    return _markdown(setup, result, args.messages, (before, _load()))


def main(argv=None):
    return base.run(__doc__, __file__, argv, messages=50_000, database="bench_threads",
                    worker=base.setup_or_measure(_setup, _measure), drive=_drive)


if __name__ == "__main__":
    sys.exit(main())
