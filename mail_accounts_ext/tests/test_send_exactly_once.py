# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import email
import email.policy
import os
import unittest
from collections import Counter

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from .common import (
    DISABLED_MAIL_CONTEXT,
    parse_received,
    release_workers,
    start_worker,
    wait_until_ready,
)

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "send_worker.py")
CA_FILE_PARAM = "mail_accounts_ext.ca_file"
PASSWORD = "secret-pw"
WORKER_TIMEOUT = 240


@tagged("post_install", "-at_install")
class TestSendExactlyOnce(TransactionCase):
    """Every mail through an account is delivered once, with several senders at once.

    The mailbox composer's after-commit send and two *Email Queue Manager* loops run at
    the same time, each in an OS process of its own (``send_worker.py``: production code,
    outside test mode, committing), over 200 mails of two accounts; aiosmtpd counts what
    it receives by Message-Id. The fixtures are committed through a cursor of their own
    (the test's transaction is never committed) and removed afterwards.
    """

    MAILS = 200

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from . import mailservers

        missing = mailservers.missing_requirements()
        if missing:
            raise unittest.SkipTest("real mail servers unavailable: " + "; ".join(missing))
        cls.servers = mailservers.MailServers.start()
        cls.addClassCleanup(cls.servers.stop)

    # ------------------------------------------------------------------
    # committed fixtures
    # ------------------------------------------------------------------
    def _committed(self):
        """A cursor of its own on the test database (committed, unlike the test's)."""
        return db_connect(self.env.cr.dbname).cursor()

    def _commit_fixtures(self):
        """Two IMAP accounts of the administrator (added through the setup wizard) and
        ``MAILS`` mails written in their mailboxes, outgoing, as the composer leaves
        them before ``send_after_commit``."""
        with self._committed() as cr:
            env = api.Environment(cr, SUPERUSER_ID, dict(DISABLED_MAIL_CONTEXT))
            env["ir.config_parameter"].set_param(CA_FILE_PARAM, self.servers.ca_file)
            admin = env.ref("base.user_admin")
            accounts = env["mail.account"]
            for name in ("race.one@example.com", "race.two@example.com"):
                self.servers.add_user(name, PASSWORD, email=name)
                wizard = env["mail.account.setup"].with_user(admin).create({
                    "email": name, "name": name, "incoming_protocol": "imap",
                    "incoming_host": self.servers.host,
                    "incoming_port": self.servers.imap_port, "incoming_security": "starttls",
                    "incoming_login": name, "incoming_password": PASSWORD,
                    "smtp_host": self.servers.host, "smtp_port": self.servers.smtp_port,
                    "smtp_security": "starttls", "smtp_login": name, "smtp_password": PASSWORD,
                })
                action = wizard.action_test_and_save()
                self.assertEqual(action.get("res_model"), "mail.account", wizard.test_message)
                accounts |= env["mail.account"].browse(action["res_id"])
            mails = env["mail.mail"]
            for account in accounts:
                sent = account._mailbox_folder("sent")
                count = self.MAILS // len(accounts)
                values = [{
                    "subject": f"Order {index} from {account.email}",
                    "body_html": f"<p>Order {index}: Zażółć gęślą jaźń</p>",
                    "email_from": account._email_from(),
                    "email_to": f"customer{index}@customers.example.net",
                    "mail_server_id": account.mail_server_id.id,
                    "author_id": admin.partner_id.id,
                    "message_type": "email_outgoing",
                    "auto_delete": True,
                } for index in range(count)]
                batch = env["mail.mail"].with_user(admin).create(values)
                env["mail.account.message"].create([{
                    "account_id": account.id, "folder_id": sent.id, "state": "outgoing",
                    "subject": mail.subject, "email_from": mail.email_from,
                    "email_to": mail.email_to, "body_html": mail.body_html,
                    "mail_mail_id": mail.id, "message_id": mail.message_id,
                    "is_seen": True,
                } for mail in batch])
                mails |= batch
            message_ids = dict(zip(mails.ids, mails.mapped("message_id"), strict=True))
            cr.commit()  # pylint: disable=invalid-commit
            return accounts.ids, message_ids

    def _remove_fixtures(self, account_ids, mail_ids):
        with self._committed() as cr:
            env = api.Environment(cr, SUPERUSER_ID, dict(DISABLED_MAIL_CONTEXT))
            env["mail.mail"].browse(mail_ids).exists().unlink()
            env["mail.account"].with_context(active_test=False).browse(
                account_ids).exists().unlink()
            env["ir.config_parameter"].set_param(CA_FILE_PARAM, False)
            cr.commit()  # pylint: disable=invalid-commit

    def _sql(self, query, params):
        with self._committed() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    # ------------------------------------------------------------------
    # workers
    # ------------------------------------------------------------------
    def _run(self, workers):
        """Wait until every worker loaded its registry, start them together, collect
        their results and logs."""
        wait_until_ready(self, workers)
        return release_workers(workers, WORKER_TIMEOUT)

    def assertWorkersDone(self, results):
        for result, err in results:
            self.assertIsNotNone(result, f"a worker crashed: {err[-3000:]}")

    def assertQuietLogs(self, logs):
        """No errors, tracebacks, serialization failures nor missing Sent copies."""
        for log in logs:
            for line in log.splitlines():
                for marker in ("ERROR", "CRITICAL", "Traceback", "could not serialize",
                               "copy in Sent failed", "Failed processing mail queue"):
                    self.assertNotIn(marker, line, log[-3000:])

    # ------------------------------------------------------------------
    # the test
    # ------------------------------------------------------------------
    def test_after_commit_send_and_mail_queue_deliver_each_mail_once(self):
        account_ids, message_ids = self._commit_fixtures()
        mail_ids = list(message_ids)
        self.addCleanup(self._remove_fixtures, account_ids, mail_ids)
        self.assertEqual(len(mail_ids), self.MAILS)

        results = self._run([
            start_worker(self, WORKER, "after_commit", ids=mail_ids),
            start_worker(self, WORKER, "cron", ids=mail_ids),
            start_worker(self, WORKER, "cron", ids=mail_ids),
        ])

        deliveries = Counter(parse_received(item)["Message-Id"]
                             for item in self.servers.smtp_received)
        twice = {message_id: count for message_id, count in deliveries.items() if count > 1}
        self.assertFalse(twice, f"{len(twice)} mails delivered more than once")
        self.assertEqual(set(deliveries), set(message_ids.values()))
        self.assertEqual(sum(deliveries.values()), self.MAILS)
        self.assertWorkersDone(results)
        self.assertQuietLogs([err for _result, err in results])
        self.assertTrue(all(result["outgoing"] == 0 for result, _err in results))
        # sent and auto-deleted: nothing left in the queue, nothing failed
        self.assertEqual(self._sql("SELECT count(*) FROM mail_mail WHERE id = ANY(%s)",
                                   [mail_ids]), [(0,)])
        # the mailbox: each e-mail once, sent, in Sent
        rows = self._sql(
            "SELECT m.message_id, m.state, f.role FROM mail_account_message m "
            "JOIN mail_account_folder f ON f.id = m.folder_id WHERE m.account_id = ANY(%s)",
            [account_ids])
        self.assertEqual(Counter(message_id for message_id, _state, _role in rows),
                         Counter(message_ids.values()))
        self.assertEqual({(state, role) for _message_id, state, role in rows},
                         {("sent", "sent")})

        # The copies reached the IMAP Sent folders once each (what the sends could not
        # upload, the next sync does).
        (sync, err), = results = self._run([start_worker(self, WORKER, "sync", ids=account_ids)])
        self.assertWorkersDone(results)
        self.assertEqual(sync["rounds"], 2, err[-3000:])
        self.assertQuietLogs([err])
        uploaded = Counter()
        for login in ("race.one@example.com", "race.two@example.com"):
            for _uid, _flags, raw in self.servers.fetch(login, "Sent"):
                uploaded[email.message_from_bytes(raw, policy=email.policy.default)[
                    "Message-Id"]] += 1
        self.assertEqual(uploaded, Counter(message_ids.values()))

