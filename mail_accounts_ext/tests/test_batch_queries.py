# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail*: SQL queries per document stay bounded.

The time per document is what users feel, but it depends on the machine and on what else
runs on it; the queries per document do not. ``benchmarks/bench_batch.py`` measures both
end to end (README's BENCHMARKS); this test keeps the query count of the cron's work from
creeping up again: a small batch of invoices, sent for real through the billing user's
account (aiosmtpd), must not need more than ``MAX_QUERIES_PER_DOCUMENT`` queries per
invoice.

In production each step of a line is committed, and a commit empties the ORM cache: what
a step reads that the previous step read already is read again. Tests cannot commit (a
savepoint plays each step and keeps the cache), which would hide the queries that
reading things once per chunk instead of once per line saves; so the steps here empty
the cache as a commit would.
"""

import contextlib
from unittest.mock import patch

from odoo.tests import tagged

from ..models import mail_batch_line
from ..models.transaction import unit_of_work
from .common_batch import BatchCommon

DOCUMENTS = 6
# measured 145 (156 before the posts and sends of a chunk read what they share once
# per chunk and an invoice was written once instead of three times); 155 once the Sent
# copies joined their conversations, 145 again since a new copy's conversation is
# stored and refreshed with fewer queries and who may use an account is decided
# without reading its projects; 151.5 since a chunk is posted and sent in parts of
# five while the next part's PDFs convert (each part renders its e-mails and opens its
# SMTP session: a few queries per document for 30 ms less per document): some room for
# harmless changes, none for a query per line and step
MAX_QUERIES_PER_DOCUMENT = 153


@contextlib.contextmanager
def committing_step(env):
    """A step as in production: its commit flushes and empties the ORM cache."""
    with unit_of_work(env):
        yield
    env.invalidate_all()


@tagged("post_install", "-at_install")
class TestBatchQueryCount(BatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls._customers(DOCUMENTS // 2, prefix="Query Count Customer")
        cls.invoices = cls._invoices(partners, per_partner=2)
        # templates compiled, views and reports loaded: what every process does once
        cls.warm_up = cls._invoices(cls._customers(1, prefix="Warm-up Customer"))

    def _send_counting(self, invoices):
        """Send ``invoices`` in one batch; the queries of the cron's work."""
        batch = self._start(self.user_billing, invoices)
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        with patch.object(mail_batch_line, "unit_of_work", committing_step):
            self._run_cron()
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(batch.sent_count, len(invoices))
        return queries

    def test_queries_per_invoice(self):
        self._send_counting(self.warm_up)
        self.servers.clear_smtp()
        queries = self._send_counting(self.invoices)
        self.assertEqual(len(self.servers.smtp_received), DOCUMENTS)
        per_document = queries / DOCUMENTS
        self.assertLessEqual(
            per_document, MAX_QUERIES_PER_DOCUMENT,
            f"{queries} queries for {DOCUMENTS} invoices: {per_document:.1f} per invoice "
            f"(at most {MAX_QUERIES_PER_DOCUMENT}); see benchmarks/bench_batch.py")
