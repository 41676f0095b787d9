# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import contextlib
import hashlib
import hmac
import logging
import threading
import time
from datetime import timedelta

import psycopg2
from psycopg2.errors import DeadlockDetected, LockNotAvailable, SerializationFailure

from odoo import SUPERUSER_ID, api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.tools import email_normalize, formataddr
from odoo.tools.sql import SQL

from ..tools import (
    batch,
    connection,
    delivery,
    errors,
    headers,
    imap_sync,
    pop3_fetch,
    presets,
    protocol_lock,
    ratelimit,
    sender,
)

_logger = logging.getLogger(__name__)

SECURITY_SELECTION = [
    ("ssl", "SSL/TLS"),
    ("starttls", "STARTTLS"),
    ("none", "None (unencrypted)"),
]
PROTOCOL_SELECTION = [("imap", "IMAP"), ("pop3", "POP3")]
CA_FILE_PARAM = "mail_accounts_ext.ca_file"
PROBE_TIMEOUT = 15
# Account fields mirrored on its ir.mail_server.
SERVER_FIELDS = set(protocol_lock.CONNECTION_FIELDS) | {"active", "name", "sender_name"}
# Reservations of the sending limit: one advisory lock per account (class, account id).
SEND_LOCK_CLASS = 0x6D616531
# Copies of sent mail stored in Sent: one at a time per account (class, account id).
SENT_COPY_LOCK_CLASS = 0x6D616532
# How long a short transaction of the accounts waits for a lock before giving up.
OWN_TRANSACTION_LOCK_TIMEOUT = "5s"
# How long send timestamps are kept (only the last minute counts).
SEND_LOG_KEEP = ratelimit.WINDOW * 60
# When e-mails try again after another sender held the limit for too long.
SEND_BUSY_RETRY = timedelta(seconds=15)
SYNC_TIMEOUT = 60  # seconds per network read while fetching
SMTP_TIMEOUT = 60
CRON_BUDGET = 240  # seconds per cron run; the cron runs again at once for the rest
# pg_try_advisory_lock(FETCH_LOCK, account id): one fetch per account at a time, held
# across the commits of a long fetch (session lock).
FETCH_LOCK = 0x4D414531
# What the owner of an account may change directly (RPC included): presentation and
# options. Everything else changes through the flows that own it (setup wizard,
# Test again, fetch, sending, Change protocol), which write with sudo() after their checks.
USER_WRITABLE_FIELDS = frozenset({
    "name", "sender_name", "active", "user_ids", "is_default", "reply_to_account",
    "delete_on_server", "rate_limit_per_minute", "project_ids", "default_project_ids",
    "sync_days", "sync_max_messages", "save_sent_copy",
})
# Who owns an account and who may see it: administrators only.
OWNERSHIP_FIELDS = frozenset({"owner_id", "account_type", "company_id"})
ADMIN_WRITABLE_FIELDS = OWNERSHIP_FIELDS | {"is_company_default"}
# Texts written into the From (and Reply-To) of every mail of the account.
HEADER_TEXT_FIELDS = ("name", "sender_name", "email")
FOLDER_LABELS = {"inbox": "Inbox", "drafts": "Drafts", "sent": "Sent", "trash": "Deleted Items",
                 "junk": "Junk"}


def can_commit():
    """Whether this code may commit its transaction: not while tests run.

    The addon's one answer to "may this code commit?" (as core's
    ``account.move.send._can_commit``). Inside tests (committing is forbidden) a
    savepoint of the test cursor plays each unit of work. Both of Odoo's test flags
    count: ``current_test`` (switched off around real SMTP sends by the tests' own
    ``real_smtp()``) and the test thread's ``testing`` (also set while demo data loads).
    """
    return not (modules.module.current_test
                or getattr(threading.current_thread(), "testing", False))


class MailAccount(models.Model):
    _name = "mail.account"
    _description = "E-mail Account"
    _inherit = ["mail.thread", "mail.account.write.guard"]
    _order = "account_type desc, name, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    name = fields.Char(
        string="Account Name", required=True, tracking=True,
        help="How the account is shown in lists and in the sender choice.",
    )
    email = fields.Char(
        string="E-mail Address", required=True, tracking=True,
        help="The address this account sends from and receives at.",
    )
    sender_name = fields.Char(
        help="The name recipients see next to the address, e.g. your name or the "
        "name of the team. Empty: the account name.",
    )
    active = fields.Boolean(
        default=True, tracking=True,
        help="An inactive (archived) account neither fetches nor sends; its stored "
        "messages stay readable.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company,
    )
    account_type = fields.Selection(
        [("personal", "Personal"), ("company", "Company")],
        string="Type", required=True, default="personal", tracking=True,
        help="Personal: an operator's own account, used by its owner and the users "
        "listed. Company: shared by the users of the company (or those listed).",
    )
    owner_id = fields.Many2one(
        "res.users", index=True, tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="The operator this personal account belongs to.",
    )
    user_ids = fields.Many2many(
        "res.users", "mail_account_res_users_rel", "account_id", "user_id",
        string="Users", domain="[('share', '=', False)]",
        help="Users who may use this account to read and send e-mails. For a company "
        "account, empty means every user of the company.",
    )
    is_default = fields.Boolean(
        string="My Default Account",
        help="Send from this account by default. A personal default wins over the "
        "company's default account.",
    )
    is_company_default = fields.Boolean(
        string="Company Default",
        help="The company's default sender for users without a personal default account.",
    )
    preset = fields.Selection(
        selection=lambda self: presets.selection(), string="Provider",
        help="The provider whose settings were used.",
    )
    incoming_protocol = fields.Selection(
        PROTOCOL_SELECTION, required=True, default="imap", tracking=True,
        help="IMAP keeps the mail on the server and syncs folders; POP3 downloads the "
        "Inbox. The protocol can be changed until the first fetch, then it is locked.",
    )
    incoming_host = fields.Char(string="Incoming Server", required=True)
    incoming_port = fields.Integer(required=True, default=993)
    incoming_security = fields.Selection(
        SECURITY_SELECTION, required=True, default="ssl",
    )
    incoming_login = fields.Char(string="Incoming User Name", required=True)
    incoming_password = fields.Char(
        groups="base.group_system", copy=False,
    )
    smtp_host = fields.Char(string="Outgoing Server (SMTP)", required=True)
    smtp_port = fields.Integer(string="Outgoing Port", required=True, default=465)
    smtp_security = fields.Selection(
        SECURITY_SELECTION, string="Outgoing Security", required=True, default="ssl",
    )
    smtp_login = fields.Char(string="Outgoing User Name")
    smtp_password = fields.Char(
        string="Outgoing Password", groups="base.group_system", copy=False,
    )
    verify_certificates = fields.Boolean(
        default=True,
        help="Check the servers' TLS certificates. Untick only for a server of your own "
        "with a self-signed certificate.",
    )
    reply_to_account = fields.Boolean(
        string="Receive replies at this address", default=True,
        help="Replies go to this address (Reply-To) and, fetched by this account, reach "
        "the document they answer. Off: replies go to Odoo's usual reply address.",
    )
    delete_on_server = fields.Boolean(
        string="Delete from server after deleting from Deleted Items",
        help="When an e-mail is deleted for good from Deleted Items, also delete it on "
        "the mail server. Off: the server keeps its copy.",
    )
    rate_limit_per_minute = fields.Integer(
        string="Sending Limit per Minute",
        help="At most this many e-mails a minute leave through this account; more "
        "wait for the next minute instead of failing. 0: no limit.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("tested", "Tested"), ("in_use", "In Use"),
         ("inactive", "Inactive")],
        compute="_compute_state", store=True, tracking=True,
        help="Draft: the settings need a connection test. Tested: the test passed. "
        "In use: mail was fetched, the incoming protocol is locked. Inactive: archived.",
    )
    protocol_locked = fields.Boolean(
        readonly=True, copy=False,
        help="Set by the first successful fetch: from then on the incoming protocol "
        "cannot change (use Change protocol).",
    )
    tested_fingerprint = fields.Char(groups="base.group_system", copy=False)
    last_test_date = fields.Datetime(readonly=True, copy=False)
    last_test_ok = fields.Boolean(readonly=True, copy=False)
    last_test_message = fields.Text(string="Last Test Result", readonly=True, copy=False)
    last_fetch_date = fields.Datetime(readonly=True, copy=False)
    last_fetch_ok = fields.Boolean(readonly=True, copy=False)
    last_fetch_message = fields.Text(string="Last Fetch Result", readonly=True, copy=False)
    mail_server_id = fields.Many2one(
        "ir.mail_server", string="Outgoing Mail Server", readonly=True, copy=False,
        ondelete="set null",
        help="The Odoo outgoing mail server that sends this account's mail; it is "
        "never chosen for anybody else's mail.",
    )
    last_send_date = fields.Datetime(
        readonly=True, copy=False,
        help="When the sending status below was recorded: it changes when sending "
        "fails, and when it works again after a failure.",
    )
    last_send_ok = fields.Boolean(
        string="Sending Works", readonly=True, copy=False,
        help="Whether the last e-mail sent through this account left without error.",
    )
    last_send_message = fields.Text(
        string="Last Sending Problem", readonly=True, copy=False,
        help="What the outgoing server answered when sending last failed, and what to do.",
    )
    project_ids = fields.Many2many(
        "project.project", "mail_account_project_project_rel", "account_id", "project_id",
        help="The projects this account sends for, e.g. the projects of one brand.",
    )
    default_project_ids = fields.Many2many(
        "project.project", "mail_account_default_project_rel", "account_id", "project_id",
        string="Default for These Projects",
        help="Whoever may use this account and writes from a document of one of these "
        "projects sends from this account, before their own default account.",
    )
    sync_days = fields.Integer(
        string="First sync: days", default=30,
        help="The first sync of an IMAP folder copies the e-mails of the last days only "
        "(0: no date limit); older e-mails stay on the server.",
    )
    sync_max_messages = fields.Integer(
        string="First sync: e-mails per folder", default=500,
        help="The first sync of an IMAP folder copies at most this many of its newest "
        "e-mails (0: no limit). POP3: at most this many e-mails per fetch, newest first; "
        "the rest comes with the next fetches.",
    )
    save_sent_copy = fields.Boolean(
        string="Save sent e-mails on the server", default=True,
        help="IMAP: put a copy of every e-mail sent through this account in the server's "
        "Sent folder. Untick it for providers that do it themselves (e.g. Gmail).",
    )
    folder_ids = fields.One2many("mail.account.folder", "account_id", string="Folders")
    unread_count = fields.Integer(string="Unread e-mails", compute="_compute_unread_count")
    can_manage = fields.Boolean(
        compute="_compute_can_manage",
        help="Whether the current user may change this account (owner, administrators).",
    )

    _sql_constraints = [
        ("incoming_port_range", "CHECK(incoming_port > 0 AND incoming_port < 65536)",
         "The incoming port must be between 1 and 65535."),
        ("smtp_port_range", "CHECK(smtp_port > 0 AND smtp_port < 65536)",
         "The outgoing port must be between 1 and 65535."),
        ("rate_limit_positive", "CHECK(rate_limit_per_minute >= 0)",
         "The sending limit cannot be negative."),
        ("sync_limits_positive", "CHECK(sync_days >= 0 AND sync_max_messages >= 0)",
         "The first sync limits cannot be negative."),
    ]

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("active", "protocol_locked", "last_test_ok")
    def _compute_state(self):
        for account in self:
            if not account.active:
                account.state = "inactive"
            elif account.protocol_locked:
                account.state = "in_use"
            elif account._is_tested():
                account.state = "tested"
            else:
                account.state = "draft"

    @api.depends_context("uid")
    def _compute_can_manage(self):
        for account in self:
            account.can_manage = account.has_access("write")

    @api.depends("folder_ids.unread_count", "folder_ids.role")
    def _compute_unread_count(self):
        for account in self:
            account.unread_count = sum(
                account.folder_ids.filtered(lambda f: f.role in ("inbox", "other"))
                .mapped("unread_count"))

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------
    @api.constrains("account_type", "owner_id", "company_id")
    def _check_owner(self):
        for account in self:
            if account.account_type == "personal" and not account.owner_id:
                raise ValidationError(
                    self.env._("The personal account %(name)s needs an owner.",
                               name=account.name)
                )
            if account.owner_id and account.company_id not in account.owner_id.company_ids:
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot own an account of %(company)s: the user has no "
                        "access to that company.",
                        user=account.owner_id.name, company=account.company_id.name,
                    )
                )

    @api.constrains("email")
    def _check_email(self):
        for account in self:
            if not email_normalize(account.email):
                raise ValidationError(
                    self.env._("%(email)s is not a valid e-mail address.", email=account.email)
                )

    @api.constrains(*HEADER_TEXT_FIELDS)
    def _check_header_texts(self):
        """Names and the address go into the headers of every mail: no line breaks or
        other control characters (they would break every mail of the account)."""
        for account in self:
            error = account._header_text_error({name: account[name]
                                                for name in HEADER_TEXT_FIELDS})
            if error:
                raise ValidationError(error)

    @api.constrains("is_default", "is_company_default", "owner_id", "company_id", "active")
    def _check_single_default(self):
        for account in self.filtered(lambda a: a.active and a.is_default):
            others = self.search_count([
                ("id", "!=", account.id), ("is_default", "=", True),
                ("owner_id", "=", account.owner_id.id),
                ("account_type", "=", "personal"), ("company_id", "=", account.company_id.id),
            ])
            if others:
                raise ValidationError(
                    self.env._("%(user)s already has a default e-mail account in %(company)s.",
                               user=account.owner_id.name, company=account.company_id.name)
                )
        for account in self.filtered(lambda a: a.active and a.is_company_default):
            if account.account_type != "company":
                raise ValidationError(
                    self.env._("Only a company account can be the company's default.")
                )
            others = self.search_count([
                ("id", "!=", account.id), ("is_company_default", "=", True),
                ("company_id", "=", account.company_id.id),
            ])
            if others:
                raise ValidationError(
                    self.env._("%(company)s already has a default company e-mail account.",
                               company=account.company_id.name)
                )

    @api.constrains("default_project_ids", "active", "account_type", "owner_id", "company_id")
    def _check_project_defaults(self):
        """One default account per project and scope (a person, or a company)."""
        projects = self.default_project_ids
        if not projects:
            return
        accounts = self.sudo().search([("default_project_ids", "in", projects.ids)])
        error = sender.project_defaults_error(
            [account._sender_data() for account in accounts],
            project_names={project.id: project.display_name for project in projects.sudo()},
            account_names={account.id: account.display_name for account in accounts},
        )
        if error:
            raise ValidationError(self._translate_template(*error))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("account_type") == "company":
                vals.setdefault("owner_id", False)
        accounts = super().create(vals_list)
        accounts._check_tested()
        accounts._sync_mail_server()
        accounts._align_default_projects(drop=False)
        return accounts

    def write(self, vals):
        if "incoming_protocol" in vals:
            for account in self.filtered("protocol_locked"):
                message = protocol_lock.protocol_change_error(
                    True, account.incoming_protocol, vals["incoming_protocol"]
                )
                if message:
                    template, params = message
                    raise UserError(self._translate_template(template, params))
        ownership = OWNERSHIP_FIELDS & set(vals)
        if ownership:
            self._check_writable_fields(ownership)  # administrators only
            vals = self._ownership_values(vals)
        result = super().write(vals)
        if ownership:
            self._check_ownership_rules()
        if set(vals) & set(protocol_lock.CONNECTION_FIELDS) or "tested_fingerprint" in vals:
            self._check_tested()
        if set(vals) & SERVER_FIELDS:
            self._sync_mail_server()
        if {"project_ids", "default_project_ids"} & set(vals):
            # A default project is one of the account's projects: removing a project
            # drops it as a default too; making a project a default adds it.
            self._align_default_projects(
                drop="project_ids" in vals and "default_project_ids" not in vals
            )
        return result

    def unlink(self):
        self.check_access("unlink")  # before removing anything with sudo below
        servers = self.sudo().mail_server_id
        messages = self.env["mail.account.message"].sudo().search([("account_id", "in", self.ids)])
        self.env["ir.attachment"].sudo().search([
            ("res_model", "=", "mail.account.message"), ("res_id", "in", messages.ids)]).unlink()
        result = super().unlink()
        servers.unlink()
        return result

    @api.model
    def _user_writable_fields(self):
        return USER_WRITABLE_FIELDS

    @api.model
    def _admin_writable_fields(self):
        return ADMIN_WRITABLE_FIELDS

    @api.model
    def _write_guard_hint(self):
        return self.env._(
            "Connection settings change through \"Change settings\" (tested before they "
            "are saved) or \"Change protocol\"; the test, fetch and sending results are "
            "recorded by \"Test again\", \"Fetch now\" and by sending.")

    @api.model
    def _ownership_values(self, vals):
        """``vals`` completed for a change of type: a company account has no owner and
        is nobody's personal default; a personal one is not the company's default."""
        vals = dict(vals)
        if vals.get("account_type") == "company":
            vals.setdefault("owner_id", False)
            vals["is_default"] = False
        elif vals.get("account_type") == "personal":
            vals["is_company_default"] = False
        return vals

    def _check_ownership_rules(self):
        """After a change of owner, type or company: the account must still be one the
        administrator may manage (record rules, e.g. companies), and the sender rules
        hold (owner in the company, one default per person and project: the
        constraints, run by the write)."""
        self.check_access("write")

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_open_setup(self):
        """Change the connection settings: a wizard with a mandatory test."""
        self.ensure_one()
        self.check_access("write")
        return self.env["mail.account.setup"]._action_open(account=self)

    def action_change_protocol(self):
        """Switch a locked account to the other protocol: a new account, this one archived."""
        self.ensure_one()
        self.check_access("write")
        return self.env["mail.account.change.protocol"]._action_open(account=self)

    def action_test_connection(self):
        """Test the stored settings again and record the result (who may change the
        account only: read-only supervisors change nothing)."""
        self.ensure_one()
        self.check_access("write")
        result = self.sudo()._run_connection_test(self.sudo()._connection_settings())
        self.sudo().write({
            "last_test_date": fields.Datetime.now(),
            "last_test_ok": result["ok"],
            "last_test_message": result["message"],
        })
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if result["ok"] else "danger",
                "title": self.env._("Connection test passed") if result["ok"]
                else self.env._("Connection test failed"),
                "message": result["message"],
                "sticky": not result["ok"],
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_fetch_now(self):
        """Fetch the mail of these accounts now; a notification says how it went."""
        accounts = self._check_may_use()
        results = accounts._fetch_mail()
        lines, failed = [], False
        for account in accounts:
            result = results[account.id]
            failed = failed or result["ok"] is False
            lines.append(self.env._("%(account)s: %(result)s", account=account.name,
                                    result=result["message"]))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "title": self.env._("Fetching e-mail failed") if failed
                else self.env._("E-mail fetched"),
                "message": "\n".join(lines),
                "sticky": failed,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_mailbox(self):
        self.ensure_one()
        self.check_access("read")
        return self.env["mail.account.message"]._action_mailbox(
            folder=self._existing_folder("inbox") or self._existing_folder("account"))

    @api.model
    def _cron_fetch_mail(self):
        """Fetch every account in use, the least recently fetched first.

        Each account is fetched on its own (its chunks committed as they come); a
        failing account records its error and the others go on. After CRON_BUDGET
        seconds the cron reports the remaining accounts and Odoo runs it again.
        """
        accounts = self.sudo().search([("state", "in", ("tested", "in_use"))],
                                      order="last_fetch_date ASC NULLS FIRST, id")
        deadline = time.monotonic() + CRON_BUDGET
        done = 0
        for account in accounts:
            if time.monotonic() > deadline:
                break
            account._fetch_mail()
            done += 1
        self.env["ir.cron"]._notify_progress(done=done, remaining=len(accounts) - done)

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _translate_template(self, template, params):
        """Render an ``_lt`` text of the plain-Python modules in the user's language."""
        # The template is an ``_lt("...")`` literal of ``tools/``, in the .pot.
        return self.env._(template, **params)  # pylint: disable=translation-contains-variable

    @api.model
    def _header_text_error(self, values):
        """The translated refusal of the first value of ``values`` (``{field: text}``)
        holding control characters, else None."""
        for name, text in values.items():
            error = headers.control_character_error(
                text, self._fields[name]._description_string(self.env))
            if error:
                return self._translate_template(*error)
        return None

    def _connection_settings(self):
        """The settings a connection test depends on (needs the passwords: sudo)."""
        self.ensure_one()
        return {name: self[name] for name in protocol_lock.CONNECTION_FIELDS}

    @api.model
    def _sign_settings(self, settings):
        """Bind a tested configuration to this database: HMAC of its fingerprint.

        Only code that really ran a passing test stores it (the setup wizard, sudo);
        ``tested_fingerprint`` is a system-only field and the key is the database
        secret, so an RPC ``write`` cannot forge it.
        """
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        digest = protocol_lock.fingerprint(settings)
        return hmac.new(secret.encode(), digest.encode(), hashlib.sha256).hexdigest()

    def _is_tested(self):
        self.ensure_one()
        account = self.sudo()
        return bool(account.tested_fingerprint) and hmac.compare_digest(
            account.tested_fingerprint, self._sign_settings(account._connection_settings())
        )

    def _check_tested(self):
        for account in self:
            if not account._is_tested():
                raise ValidationError(
                    self.env._(
                        "The connection settings of %(name)s have not passed a connection "
                        "test. Use \"Change settings\" (or \"Add account\"): the settings are "
                        "saved once the test passes.",
                        name=account.name,
                    )
                )

    def _ssl_context(self, verify):
        cafile = self.env["ir.config_parameter"].sudo().get_param(CA_FILE_PARAM) or None
        return connection.make_ssl_context(verify=verify, cafile=cafile)

    @api.model
    def _run_connection_test(self, settings):
        """Really connect with ``settings``: SMTP, then IMAP or POP3.

        :returns: dict ``ok`` (both passed), ``message`` (translated text for the user),
            ``failures`` (list of (protocol, Explanation)).
        """
        context = self._ssl_context(settings.get("verify_certificates", True))
        smtp = connection.probe_smtp(
            settings["smtp_host"], settings["smtp_port"], settings["smtp_security"],
            settings.get("smtp_login") or "", settings.get("smtp_password") or "",
            settings["email"], timeout=PROBE_TIMEOUT, ssl_context=context,
        )
        probe_in = (connection.probe_imap if settings["incoming_protocol"] == "imap"
                    else connection.probe_pop3)
        incoming = probe_in(
            settings["incoming_host"], settings["incoming_port"], settings["incoming_security"],
            settings.get("incoming_login") or "", settings.get("incoming_password") or "",
            timeout=PROBE_TIMEOUT, ssl_context=context,
        )
        lines, failures = [], []
        for label, result, host, port in (
            ("SMTP", smtp, settings["smtp_host"], settings["smtp_port"]),
            (settings["incoming_protocol"].upper(), incoming, settings["incoming_host"],
             settings["incoming_port"]),
        ):
            if result.ok:
                lines.append(self.env._("%(protocol)s: connection, sign-in and checks passed.",
                                        protocol=label))
                continue
            explanation = errors.explain(result.error, protocol=result.protocol,
                                         stage=result.stage, host=host, port=port,
                                         known_host=presets.is_known_host(host))
            failures.append((result.protocol, explanation))
            lines.append(self.env._("%(protocol)s: %(explanation)s", protocol=label,
                                    explanation=self._explain_text(explanation)))
        return {"ok": not failures, "message": "\n".join(lines), "failures": failures}

    def _explain_text(self, explanation):
        """An :class:`errors.Explanation` as one translated text."""
        return errors.format_plain(explanation, translate=self._translate_template_kw)

    def _translate_template_kw(self, template, **params):
        return self._translate_template(template, params)

    def _sync_mail_server(self):
        """Keep one ``ir.mail_server`` per account, restricted to its address.

        The password stays on the account: the server's ``connect()`` and ``send_email()``
        use the account's own client (``_smtp_session``), which reads it there, so a copy
        in ``smtp_pass`` would be a second copy of a secret for nothing. The login is
        copied (not a secret) so that the outgoing servers list shows who signs in.
        """
        servers = self.env["ir.mail_server"].sudo()
        for account in self.sudo():
            values = {
                "name": self.env._("%(account)s (e-mail account)", account=account.name),
                "from_filter": email_normalize(account.email),
                "smtp_host": account.smtp_host,
                "smtp_port": account.smtp_port,
                "smtp_encryption": {"ssl": "ssl", "starttls": "starttls"}.get(
                    account.smtp_security, "none"),
                "smtp_authentication": "login",
                "smtp_user": account.smtp_login or False,
                "smtp_pass": False,  # never a copy (18.0.1.0.0 made one)
                "active": account.active,
                "sequence": 1000,
                "mail_account_id": account.id,
            }
            if account.mail_server_id.mail_account_id == account:
                account.mail_server_id.write(values)
            else:  # none yet (never another account's: its settings are not ours)
                server = servers.create(values)
                account.write({"mail_server_id": server.id})

    def _mark_fetched(self, ok, message):
        """Record a fetch/sync result; the first successful one locks the protocol."""
        values = {"last_fetch_date": fields.Datetime.now(), "last_fetch_ok": ok,
                  "last_fetch_message": message}
        for account in self:
            account.write(dict(values, protocol_locked=account.protocol_locked or ok))

    @api.model
    def _demo_create_accounts(self):
        """Demo data: accounts on the local demo mail servers of ``./dev/run``.

        Created by trusted server code at install, when those servers may not run
        yet: the settings are signed as the demo's known-good configuration and the
        last test result says so; *Test again* checks them for real.
        """
        admin = self.env.ref("base.user_admin")
        company = self.env.ref("base.main_company")
        common = {
            "incoming_protocol": "imap", "incoming_host": "127.0.0.1", "incoming_port": 10143,
            "incoming_security": "starttls", "smtp_host": "127.0.0.1", "smtp_port": 10025,
            "smtp_security": "starttls", "verify_certificates": False,
            "company_id": company.id, "rate_limit_per_minute": 30,
            "last_test_message": self.env._(
                "Demo account on the local demo mail servers started by ./dev/run; "
                "use Test again to check the connection."),
        }
        demo = [
            dict(common, name="Sales (shared)", email="sales@demo.example.com",
                 sender_name="YourCompany Sales", account_type="company", owner_id=False,
                 is_company_default=True, incoming_login="sales@demo.example.com",
                 incoming_password="demo-sales", smtp_login="sales@demo.example.com",
                 smtp_password="demo-sales"),
            dict(common, name="Mitchell Admin", email="admin@demo.example.com",
                 sender_name="Mitchell Admin", account_type="personal", owner_id=admin.id,
                 is_default=True, incoming_login="admin@demo.example.com",
                 incoming_password="demo-admin", smtp_login="admin@demo.example.com",
                 smtp_password="demo-admin"),
        ]
        for values in demo:
            settings = {name: values.get(name) for name in protocol_lock.CONNECTION_FIELDS}
            values["tested_fingerprint"] = self._sign_settings(settings)
        return self.sudo().create(demo)

    def _email_from(self):
        """The From of mail sent through this account: "Name <address>"."""
        self.ensure_one()
        return formataddr((self.sender_name or self.name, self.email))

    @api.model
    def _preset_settings(self, preset_code, address):
        preset = presets.get_preset(preset_code)
        return presets.settings_from_preset(preset, address) if preset else None

    def _align_default_projects(self, drop):
        """Keep the default projects among the projects (``drop``: un-default the others)."""
        for account in self:
            extra = account.default_project_ids - account.project_ids
            if not extra:
                continue
            if drop:
                account.default_project_ids = [fields.Command.unlink(p.id) for p in extra]
            else:
                account.project_ids = [fields.Command.link(p.id) for p in extra]

    # ------------------------------------------------------------------
    # SENDER CHOICE (the rule itself is tools/sender.py)
    # ------------------------------------------------------------------
    def _sender_data(self):
        """This account as the plain data the rule of ``tools/sender.py`` reads."""
        self.ensure_one()
        account = self.sudo()
        personal = account.account_type == "personal"
        return {
            "id": account.id,
            "active": account.active,
            "company_id": account.company_id.id,
            "owner_id": account.owner_id.id if personal else False,
            "user_ids": account.user_ids.ids,
            "is_default": personal and account.is_default,
            "is_company_default": not personal and account.is_company_default,
            "project_ids": account.project_ids.ids,
            "default_project_ids": account.default_project_ids.ids,
            "name": account.name,
        }

    @api.model
    def _sender_user(self, user=None):
        """The user mail is sent for (default: the current user), as a record.

        Empty when the rule does not apply: system users (crons, OdooBot) and portal
        or public users keep Odoo's standard sender.
        """
        Users = self.env["res.users"]
        user = Users.browse(user) if isinstance(user, int) else (user or self.env.user)
        user = user.sudo()
        if len(user) != 1 or user._is_superuser() or not user._is_internal():
            return Users
        return user

    @api.model
    def _sender_candidates(self, user):
        """Plain data of the active accounts ``user`` may use, in the user's companies."""
        accounts = self.sudo().search([
            ("company_id", "in", user.company_ids.ids),
            "|", "|", ("owner_id", "=", user.id), ("user_ids", "in", user.id),
            "&", ("account_type", "=", "company"), ("user_ids", "=", False),
        ])
        return [account._sender_data() for account in accounts]

    @api.model
    def _default_sender_company(self, user):
        return self.env.company if user == self.env.user else user.company_id

    @api.model
    def _resolve_senders(self, records, user=None):
        """The account each of ``records`` is sent from when ``user`` writes from it.

        Applies :func:`tools.sender.resolve_sender`: the default account of the
        document's project (``_mail_account_project``) if the user may use it, the
        user's own default account, the company's default shared account; inactive
        accounts and accounts of another company than the document's never qualify.

        :param records: documents of one model (any model; ``_mail_account_project``
            of ``mail.thread`` finds their project)
        :param user: ``res.users`` record or id; default: the current user
        :returns: ``{record id: mail.account}``, an empty account for Odoo's
            standard sender
        """
        user = self._sender_user(user)
        if not user or not records:
            return {record.id: self.browse() for record in records}
        candidates = self._sender_candidates(user)
        companies = records._mail_get_companies(default=self._default_sender_company(user))
        result = {}
        for record in records:
            project = (record._mail_account_project()
                       if hasattr(record, "_mail_account_project") else None)
            resolution = sender.resolve_sender(
                candidates, user_id=user.id, user_company_ids=user.company_ids.ids,
                company_id=companies[record.id].id or None,
                project_id=project.id if project else None,
            )
            result[record.id] = self.browse(resolution.account_id)
        return result

    @api.model
    def _resolve_sender(self, record, user=None):
        """The account ``user`` (default: the current user) sends from when writing from
        ``record`` (one document, or nothing), or an empty record for Odoo's standard
        sender. See :meth:`_resolve_senders`; :meth:`_sender_values` gives the values
        to put on the mail.
        """
        if record:
            record.ensure_one()
            return self._resolve_senders(record, user)[record.id]
        user = self._sender_user(user)
        if not user:
            return self.browse()
        resolution = sender.resolve_sender(
            self._sender_candidates(user), user_id=user.id,
            user_company_ids=user.company_ids.ids,
            company_id=self._default_sender_company(user).id,
        )
        return self.browse(resolution.account_id)

    @api.model
    def _usable_accounts(self, record=None, user=None):
        """The accounts ``user`` may send from when writing from ``record``, in the
        order of a "Send from" list (own personal accounts, colleagues' shared ones,
        company accounts)."""
        user = self._sender_user(user)
        if not user:
            return self.browse()
        company = self._default_sender_company(user)
        if record:
            company = record._mail_get_companies(default=company)[record.id]
        accounts = sender.usable_accounts(
            self._sender_candidates(user), user_id=user.id,
            user_company_ids=user.company_ids.ids, company_id=company.id or None,
        )
        return self.browse([account.id for account in accounts])

    def _may_be_used_by(self, user):
        """Whether ``user`` may send through this account (:func:`tools.sender.may_use`)."""
        self.ensure_one()
        user = user.sudo()
        return sender.may_use(self._sender_data(), user.id, user.company_ids.ids)

    def _sender_values(self, account=None):
        """The values a mail sent through ``account`` (default: this account) carries.

        ``email_from`` and ``mail_server_id`` always go together, so the mail never
        leaves through another person's server; ``reply_to`` is the account's address
        when it receives the replies ("Receive replies at this address"), otherwise it
        is left out and Odoo's reply address (alias, catchall) applies.

        :returns: ``{"email_from", "mail_server_id"[, "reply_to"]}``; ``{}`` for no account
        """
        account = (self if account is None else account).sudo()
        if not account or not account.mail_server_id:
            return {}
        account.ensure_one()
        values = {
            "email_from": account._email_from(),
            "mail_server_id": account.mail_server_id.id,
        }
        if account.reply_to_account:
            values["reply_to"] = account._email_from()
        return values

    # ------------------------------------------------------------------
    # SENDING: limit and status
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def _own_transaction(self):
        """A short transaction of its own for the sending bookkeeping.

        What it records (limit reservations, the sending status) is committed at once,
        visible to concurrent senders, and never waits on the transaction that sends.
        READ COMMITTED: after waiting for a lock, each statement sees what the previous
        holder committed. While tests run, a savepoint of the test cursor stands in for
        it (as ``mail.mail.send_after_commit`` sends on the test cursor).
        """
        if not can_commit():
            cr = self.env.cr
            with cr.savepoint(flush=False):
                cr.execute("SET LOCAL lock_timeout = %s", [OWN_TRANSACTION_LOCK_TIMEOUT])
                yield cr
                cr.execute("SET LOCAL lock_timeout TO DEFAULT")
            return
        with self.env.registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute("SET LOCAL lock_timeout = %s", [OWN_TRANSACTION_LOCK_TIMEOUT])
            yield cr

    def _reserve_sending(self, weights):
        """Take room under this account's sending limit for queued e-mails.

        Reservations of one account are serialized by an advisory lock held by a
        short transaction of their own (:meth:`_own_transaction`) that reads the send
        timestamps of the last minute, plans (:func:`tools.ratelimit.plan_sending`)
        and records what it grants before committing: concurrent senders (the mail
        queue, immediate sends of several users) never count the same room twice.
        Room is taken before sending, so a failed send wastes it rather than
        exceeding the limit.

        :param weights: messages each queued e-mail produces, in sending order
        :returns: :class:`tools.ratelimit.Plan`: the first ``granted`` e-mails may
            leave now, the others wait until ``retry_at``
        """
        self.ensure_one()
        limit = self.sudo().rate_limit_per_minute
        now = fields.Datetime.now()
        if limit <= 0:
            return ratelimit.plan_sending((), now, 0, weights)
        try:
            with self._own_transaction() as cr:
                cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SEND_LOCK_CLASS, self.id],
                           log_exceptions=False)
                cr.execute(
                    "SELECT sent_at, message_count FROM mail_account_send_log "
                    "WHERE account_id = %s AND sent_at > %s",
                    [self.id, now - ratelimit.WINDOW],
                )
                plan = ratelimit.plan_sending(cr.fetchall(), now, limit, weights)
                if plan.used:
                    cr.execute(
                        "INSERT INTO mail_account_send_log (account_id, sent_at, message_count) "
                        "VALUES (%s, %s, %s)",
                        [self.id, now, plan.used],
                    )
                cr.execute(
                    "DELETE FROM mail_account_send_log WHERE account_id = %s AND sent_at < %s",
                    [self.id, now - SEND_LOG_KEEP],
                )
        except LockNotAvailable:
            _logger.info("Sending limit of e-mail account %s is busy: its e-mails wait.", self.id)
            return ratelimit.Plan(0, 0, now + SEND_BUSY_RETRY)
        return plan

    def _record_send_result(self, ok, message=False):
        """Remember whether sending through these accounts works.

        Written in a short transaction of its own, and only when the status changes
        (a failure, or the first success after one): the transaction that sends never
        holds a lock on the account, so a concurrent change of the account cannot
        roll back (and resend) mail that already left.
        """
        accounts = self.sudo().filtered(lambda account: not ok or not account.last_send_ok)
        if not accounts:
            return
        try:
            with self._own_transaction() as cr:
                cr.execute(
                    "UPDATE mail_account SET last_send_ok = %s, last_send_message = %s, "
                    "last_send_date = %s WHERE id IN %s",
                    [ok, message or None, fields.Datetime.now(), tuple(accounts.ids)],
                    log_exceptions=False,
                )
        except psycopg2.Error as error:
            _logger.info("Could not record the sending status of e-mail accounts %s: %s",
                         accounts.ids, error)
        accounts.invalidate_recordset(["last_send_ok", "last_send_message", "last_send_date"])

    def _explain_send_failure(self, error, stage=None):
        """Explain (in the sender's language) and record a failed send through this account.

        :param error: what ``smtplib``/``ssl``/``socket`` raised
        :returns: the text for the mail's and the notifications' failure reason
        """
        return self._send_failure(error, stage=stage)[0]

    def _send_failure(self, error, stage=None):
        """A failed send through this account: explained, recorded, classified.

        :param error: what ``smtplib``/``ssl``/``socket`` raised
        :param stage: where the SMTP transaction stood (the session's
            ``transaction_stage``, or a stage of ``tools.errors``)
        :returns: ``(text, outcome)``: the text for the mail's and the notifications'
            failure reason (in the sender's language), and what the failure means for
            the message (``tools.delivery``: temporary, permanent or uncertain)
        """
        self.ensure_one()
        account = self.sudo()
        explanation = errors.explain(error, protocol="smtp", stage=batch.explain_stage(stage),
                                     host=account.smtp_host, port=account.smtp_port)
        text = self.env._(
            "Sending through the e-mail account %(account)s (%(server)s) failed. "
            "%(explanation)s",
            account=account.display_name, server=f"{account.smtp_host}:{account.smtp_port}",
            explanation=self._explain_text(explanation),
        )
        self._record_send_result(False, text)
        return text, delivery.outcome(error, stage, explanation.temporary)

    # -- after the sending is committed: the copy in Sent ----------------------------
    def _keep_sent_copy(self, raw, message_id):
        """Keep a message that left through this account in its Sent folder.

        Never in the transaction that sends: a failure there (a conflict with a
        concurrent fetch, the IMAP server) would roll back the *sent* state of mail that
        already left, and the mail would be sent again. The copy is registered in a unit
        of work of its own once the sending is committed (in tests: a savepoint, now);
        its upload to the IMAP Sent folder follows (:meth:`_push_sent_copies`), else the
        next sync uploads it.
        """
        self.ensure_one()
        if not can_commit():
            self._register_sent_copies([(self.id, raw, message_id)])
            return
        cr = self.env.cr
        pending = cr.postcommit.data.setdefault("mail_accounts_ext.sent_copies", [])
        if not pending:
            dbname = cr.dbname

            @cr.postcommit.add
            def register_sent_copies():
                with Registry(dbname).cursor() as new_cr:
                    env = api.Environment(new_cr, SUPERUSER_ID, {})
                    env["mail.account"]._register_sent_copies(pending)

        pending.append((self.id, raw, message_id))

    @api.model
    def _register_sent_copies(self, copies):
        """Store ``[(account id, raw, message_id)]`` in the accounts' Sent folders.

        Outside tests each copy is a transaction of its own: READ COMMITTED and
        serialized per account (the folder's counters are one row that every copy
        updates), tried once more after a conflict with another transaction (e.g. a
        fetch of the account).
        """
        Message = self.env["mail.account.message"]
        cr = self.env.cr
        for account_id, raw, message_id in copies:
            for attempt in range(2):
                try:
                    if can_commit():
                        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                                   [SENT_COPY_LOCK_CLASS, account_id])
                    with cr.savepoint():
                        account = self.sudo().browse(account_id).exists()
                        if account:
                            Message._register_sent(account, raw, message_id)
                    if can_commit():
                        cr.commit()  # pylint: disable=invalid-commit
                    break
                except (SerializationFailure, DeadlockDetected):
                    if can_commit():
                        cr.rollback()  # pylint: disable=invalid-commit
                    if attempt:
                        _logger.warning("e-mail %s sent, but its copy in Sent failed "
                                        "(concurrent update)", message_id)
                except Exception:  # noqa: BLE001 - the mail left; only its copy is missing
                    if can_commit():
                        cr.rollback()  # pylint: disable=invalid-commit
                    _logger.warning("e-mail %s sent, but its copy in Sent failed", message_id,
                                    exc_info=True)
                    break

    def _push_sent_copies(self):
        """Upload what these accounts keep to send to IMAP (the Sent copies) once the
        current transaction is committed, in a unit of work of its own (in tests: now);
        what fails is uploaded by the next sync."""
        accounts = self.sudo().filtered(lambda account: account.incoming_protocol == "imap")
        if not accounts:
            return
        if not can_commit():
            accounts._push_changes_quietly()
            return
        cr = self.env.cr
        pending = cr.postcommit.data.setdefault("mail_accounts_ext.push_accounts", set())
        if not pending:
            dbname = cr.dbname

            @cr.postcommit.add
            def push_sent_copies():
                with Registry(dbname).cursor() as new_cr:
                    env = api.Environment(new_cr, SUPERUSER_ID, {})
                    env["mail.account"].browse(sorted(pending))._push_changes_quietly(
                        commit=True)

        pending.update(accounts.ids)

    # -- mailbox: who may use an account ------------------------------------------
    def _may_use(self, user=None):
        """Owner, listed users, company users of a shared account (and administrators)."""
        self.ensure_one()
        user = user or self.env.user
        return user.has_group("base.group_system") or self._may_be_used_by(user)

    def _check_may_use(self):
        self.check_access("read")
        for account in self:
            if not account.active:
                raise UserError(self.env._(
                    "The e-mail account %(account)s is archived: it neither fetches nor "
                    "sends. Restore it (Action > Unarchive) to use it again.",
                    account=account.name))
            if not account._may_use():
                raise UserError(self.env._(
                    "You may read the e-mails of %(account)s but not use the account.",
                    account=account.name))
        return self

    @api.model
    def _mailbox_accounts(self):
        """The active accounts whose mailbox the current user may read and write."""
        return self.search([("active", "=", True)]).filtered(lambda a: a._may_use())

    @api.model
    def _default_account(self):
        """The mailbox opened first: the sender rule's account, else the first one."""
        usable = self._mailbox_accounts()
        return (self._resolve_sender(None) & usable) or usable[:1]

    # -- mailbox: folders -------------------------------------------------------------
    def _root_folder(self):
        """The account's top folder in the mailbox (kept in Odoo only)."""
        self.ensure_one()
        Folder = self.env["mail.account.folder"].sudo()
        root = Folder.search([("account_id", "=", self.id), ("role", "=", "account")], limit=1)
        return root or Folder.create({"account_id": self.id, "role": "account",
                                      "name": self.sudo().email, "is_local": True})

    def _existing_folder(self, role):
        """The folder of ``role`` if the account has one (no server contact)."""
        if not self:
            return self.env["mail.account.folder"]
        self.ensure_one()
        return self.env["mail.account.folder"].sudo().search(
            [("account_id", "=", self.id), ("role", "=", role)], order="is_local, id", limit=1)

    def _mailbox_folder(self, role):
        """The folder of ``role`` (inbox, drafts, sent, trash, junk), created if needed.

        POP3 accounts keep their folders in Odoo; IMAP accounts use the server's, which
        are listed (and created on the server when missing) the first time.
        """
        self.ensure_one()
        Folder = self.env["mail.account.folder"].sudo()
        domain = [("account_id", "=", self.id), ("role", "=", role)]
        folder = Folder.search(domain, order="is_local, id", limit=1)
        if folder:
            return folder
        if self.incoming_protocol == "imap":
            self._imap_refresh_folders()
            folder = Folder.search(domain, order="is_local, id", limit=1)
            if folder:
                return folder
        return Folder.create({
            "account_id": self.id, "role": role, "is_local": True,
            "name": FOLDER_LABELS.get(role, role), "parent_id": self._root_folder().id,
        })

    def _imap_refresh_folders(self):
        """List the server's folders now (creating Sent, Drafts, Deleted Items if missing)."""
        self.ensure_one()
        account = self.sudo()
        try:
            conn = account._imap_connect()
        except Exception as error:
            raise UserError(account._fetch_error_text(error)) from error
        try:
            report = imap_sync.SyncReport()
            folders = imap_sync.list_folders(conn)
            folders = imap_sync.ensure_folders(conn, folders, ("sent", "drafts", "trash"), report)
            _ImapOrmStore(account).update_folders(folders)
            with contextlib.suppress(Exception):
                conn.logout()
        finally:
            with contextlib.suppress(Exception):
                conn.shutdown()

    # -- mailbox: fetching ----------------------------------------------------------
    def _imap_connect(self):
        account = self.sudo()
        return connection.open_imap(
            account.incoming_host, account.incoming_port, account.incoming_security,
            account.incoming_login or "", account.incoming_password or "",
            timeout=SYNC_TIMEOUT, ssl_context=account._ssl_context(account.verify_certificates))

    def _pop3_connect(self):
        account = self.sudo()
        return connection.open_pop3(
            account.incoming_host, account.incoming_port, account.incoming_security,
            account.incoming_login or "", account.incoming_password or "",
            timeout=SYNC_TIMEOUT, ssl_context=account._ssl_context(account.verify_certificates))

    def _fetch_error_text(self, error):
        account = self.sudo()
        explanation = errors.explain(error, protocol=account.incoming_protocol,
                                     host=account.incoming_host, port=account.incoming_port)
        return self._explain_text(explanation)

    @contextlib.contextmanager
    def _fetch_lock(self):
        """Yield True when no other fetch of this account runs (PostgreSQL session lock)."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", FETCH_LOCK, self.id))
        locked = cr.fetchone()[0]
        try:
            yield locked
        finally:
            if locked:
                cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", FETCH_LOCK, self.id))

    @contextlib.contextmanager
    def _unit_of_work(self):
        """One chunk of a fetch: committed at once (in tests: a savepoint)."""
        if not can_commit():
            with self.env.cr.savepoint():
                yield
        else:
            yield
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _fetch_mail(self):
        """Fetch (POP3) or synchronise (IMAP) each account; failures are recorded.

        :return: {account id: {"ok": True/False/None (skipped), "message": text,
            "report": the sync's report or None}}
        """
        results = {}
        for account in self.sudo():
            results[account.id] = account._fetch_one()
        return results

    def _fetch_one(self):
        self.ensure_one()
        with self._fetch_lock() as locked:
            if not locked:
                return {"ok": None, "report": None,
                        "message": self.env._("a fetch of this account is already running.")}
            try:
                if self.incoming_protocol == "imap":
                    report = self._sync_imap()
                    message = self.env._(
                        "%(count)s new e-mails; %(folders)s folders synchronised.",
                        count=report.fetched, folders=len(report.folders))
                    if report.problems:
                        message += " " + self.env._(
                            "The server refused some operations (they are tried again at the "
                            "next fetch): %(problems)s", problems="; ".join(report.problems[:3]))
                else:
                    report = self._fetch_pop3()
                    message = self.env._("%(count)s new e-mails.", count=report.fetched)
                    if report.remaining:
                        message += " " + self.env._(
                            "%(count)s more come with the next fetches.", count=report.remaining)
            except Exception as error:
                if can_commit():
                    self.env.cr.rollback()  # pylint: disable=invalid-commit
                text = self._fetch_error_text(error)
                _logger.info("fetching e-mail account %s failed: %s", self.id, text,
                             exc_info=True)
                self._mark_fetched(False, text)
                if can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                return {"ok": False, "message": text, "report": None}
            self._mark_fetched(True, message)
            if can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
            return {"ok": True, "message": message, "report": report}

    def _sync_options(self):
        return imap_sync.SyncOptions(since_days=self.sync_days,
                                     max_messages=self.sync_max_messages)

    def _sync_imap(self):
        """Two-way sync with the IMAP server; returns the :class:`SyncReport`."""
        conn = self._imap_connect()
        try:
            report = imap_sync.synchronize(conn, _ImapOrmStore(self), self._sync_options())
            with contextlib.suppress(Exception):
                conn.logout()
        finally:
            with contextlib.suppress(Exception):
                conn.shutdown()
        return report

    def _fetch_pop3(self):
        """Download the POP3 Inbox; returns the :class:`FetchReport`."""
        conn = self._pop3_connect()
        try:
            return pop3_fetch.fetch(conn, _Pop3OrmStore(self),
                                    max_messages=self.sync_max_messages)
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()  # no QUIT: the server deletes nothing
            raise

    def _has_pending_changes(self):
        self.ensure_one()
        Message = self.env["mail.account.message"]
        Message.flush_model()
        self.env["mail.account.deletion"].flush_model()
        self.env.cr.execute(SQL(
            """SELECT EXISTS(SELECT 1 FROM mail_account_message WHERE account_id = %(id)s
                   AND (seen_dirty OR needs_upload OR server_folder_id != folder_id))
                   OR EXISTS(SELECT 1 FROM mail_account_deletion WHERE account_id = %(id)s
                   AND delete_on_server)""", id=self.id))
        return self.env.cr.fetchone()[0]

    def _push_changes_quietly(self, commit=False):
        """Push local changes of IMAP accounts now; on any problem the next sync does it.

        :param commit: commit what was pushed before the account's fetch lock is released
            (in a unit of work of its own, outside tests), so that no other worker
            uploads the same changes again
        """
        for account in self.sudo():
            if account.incoming_protocol != "imap" or account.state not in ("tested", "in_use") \
                    or not account._has_pending_changes():
                continue
            with account._fetch_lock() as locked:
                if not locked:
                    continue
                try:
                    with self.env.cr.savepoint():
                        conn = account._imap_connect()
                        try:
                            imap_sync.push_changes(conn, _ImapOrmStore(account))
                            with contextlib.suppress(Exception):
                                conn.logout()
                        finally:
                            with contextlib.suppress(Exception):
                                conn.shutdown()
                except Exception:
                    _logger.info("e-mail account %s: changes left for the next sync",
                                 account.id, exc_info=True)
                if commit and can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit

    # -- mailbox: sending -----------------------------------------------------------
    def _smtp_session(self, smtp_from=None):
        """A logged-in SMTP client for ``mail.mail`` (``ir.mail_server.connect``)."""
        self.ensure_one()
        account = self.sudo()
        # Failures propagate as raised: ir.mail_server.connect() explains and records them.
        client = connection.open_smtp(
            account.smtp_host, account.smtp_port, account.smtp_security,
            account.smtp_login or "", account.smtp_password or "", timeout=SMTP_TIMEOUT,
            ssl_context=account._ssl_context(account.verify_certificates))
        # What core's connect() sets, read by _prepare_email_message.
        client.from_filter = account.mail_server_id.from_filter
        client.smtp_from = smtp_from or account._email_from()
        # Read by ir.mail_server._prepare_email_message: addresses as this server takes them.
        client.mail_account_id = account.id
        return client


class _ImapOrmStore(imap_sync.ImapStore):
    """``imap_sync.ImapStore`` on the ORM: folders, messages and deletions of an account."""

    def __init__(self, account):
        self.account = account.sudo()
        self.env = self.account.env
        self.Folder = self.env["mail.account.folder"].sudo()
        self.Message = self.env["mail.account.message"].sudo()
        self.Deletion = self.env["mail.account.deletion"].sudo()
        self._by_name = None

    def _folders(self):
        if self._by_name is None:
            folders = self.Folder.search([("account_id", "=", self.account.id),
                                          ("server_name", "!=", False)])
            self._by_name = {folder.server_name: folder for folder in folders}
        return self._by_name

    def _folder(self, server_name):
        return self._folders()[server_name]

    def _query(self, query):
        self.Message.flush_model()
        self.Deletion.flush_model()
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    # -- folders ---------------------------------------------------------------
    def update_folders(self, folders):
        existing = self.Folder.search([("account_id", "=", self.account.id),
                                       ("server_name", "!=", False)])
        by_name = {folder.server_name: folder for folder in existing}
        root = self.account._root_folder()
        kept = self.Folder
        for info in folders:
            values = {"name": info.name, "role": info.role, "delimiter": info.delimiter}
            folder = by_name.get(info.server_name)
            if folder:
                changed = {k: v for k, v in values.items() if folder[k] != (v or False)}
                if changed:
                    folder.write(changed)
            else:
                folder = self.Folder.create(dict(values, account_id=self.account.id,
                                                 server_name=info.server_name,
                                                 parent_id=root.id))
                by_name[info.server_name] = folder
            kept |= folder
        by_display = {info.name: by_name[info.server_name] for info in folders}
        for info in folders:
            parent = root
            if info.delimiter and info.delimiter in info.name:
                parent = by_display.get(info.name.rsplit(info.delimiter, 1)[0], root)
            folder = by_name[info.server_name]
            if folder.parent_id != parent:
                folder.parent_id = parent
        gone = existing - kept
        if gone:
            self.Message.search([("folder_id", "in", gone.ids)]).unlink()
            gone.unlink()
        self._by_name = {name: folder for name, folder in by_name.items() if folder in kept}

    def folder_states(self):
        return {name: imap_sync.FolderState(**folder._imap_state())
                for name, folder in self._folders().items()}

    def save_state(self, folder, state):
        record = self._folder(folder)
        with self.account._unit_of_work():
            record._save_imap_state(state)
            record._update_counts()

    def reset_folder(self, folder, uidvalidity):
        record = self._folder(folder)
        self.Message.search([("server_folder_id", "=", record.id)]).write(
            {"imap_uid": False, "seen_dirty": False})
        self.Deletion.search([("folder_id", "=", record.id)]).write({"imap_uid": False})
        record._save_imap_state(imap_sync.FolderState(uidvalidity=uidvalidity))

    # -- reading the local side ------------------------------------------------------
    def local_uids(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid, is_seen FROM mail_account_message "
            "WHERE server_folder_id = %s AND imap_uid > 0", self._folder(folder).id))
        return {uid: bool(seen) for uid, seen in rows}

    def deleted_uids(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid FROM mail_account_deletion "
            "WHERE folder_id = %s AND imap_uid > 0", self._folder(folder).id))
        return {row[0] for row in rows}

    def unmatched_message_ids(self, folder):
        folder_id = self._folder(folder).id
        rows = self._query(SQL(
            """SELECT message_id FROM mail_account_message WHERE server_folder_id = %(f)s
                   AND COALESCE(imap_uid, 0) = 0 AND message_id IS NOT NULL
               UNION SELECT message_id FROM mail_account_deletion WHERE folder_id = %(f)s
                   AND COALESCE(imap_uid, 0) = 0 AND message_id IS NOT NULL""", f=folder_id))
        return {row[0] for row in rows}

    def adopt(self, folder, uids_by_message_id):
        record = self._folder(folder)
        ids = list(uids_by_message_id)
        for message in self.Message.search([("server_folder_id", "=", record.id),
                                            ("imap_uid", "=", False),
                                            ("message_id", "in", ids)]):
            uid, seen = uids_by_message_id[message.message_id]
            message.write({"imap_uid": uid, "is_seen": seen, "seen_dirty": False})
        for deletion in self.Deletion.search([("folder_id", "=", record.id),
                                              ("imap_uid", "=", False),
                                              ("message_id", "in", ids)]):
            deletion.imap_uid = uids_by_message_id[deletion.message_id][0]

    # -- writing what the server says ------------------------------------------------
    def store(self, folder, messages, state):
        record = self._folder(folder)
        with self.account._unit_of_work():
            self.Message._store_fetched(record, messages, "imap")
            record._save_imap_state(state)

    def set_flags(self, folder, seen_by_uid):
        record = self._folder(folder)
        for seen in (True, False):
            uids = [uid for uid, value in seen_by_uid.items() if value is seen]
            if uids:
                self.Message.search([("server_folder_id", "=", record.id),
                                     ("imap_uid", "in", uids)]).write(
                    {"is_seen": seen, "seen_dirty": False})

    def vanished(self, folder, uids):
        record = self._folder(folder)
        self.Message.search([("server_folder_id", "=", record.id),
                             ("imap_uid", "in", list(uids))]).unlink()
        self.Deletion.search([("folder_id", "=", record.id),
                              ("imap_uid", "in", list(uids))]).unlink()

    # -- pushing local changes ---------------------------------------------------------
    def pending_flags(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid, is_seen FROM mail_account_message WHERE server_folder_id = %s "
            "AND seen_dirty AND imap_uid > 0", self._folder(folder).id))
        return {uid: bool(seen) for uid, seen in rows}

    def flags_pushed(self, folder, uids):
        self.Message.search([("server_folder_id", "=", self._folder(folder).id),
                             ("imap_uid", "in", list(uids))]).write({"seen_dirty": False})

    def pending_expunges(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid FROM mail_account_deletion WHERE folder_id = %s "
            "AND delete_on_server AND imap_uid > 0", self._folder(folder).id))
        return sorted({row[0] for row in rows})

    def expunged(self, folder, uids):
        self.Deletion.search([("folder_id", "=", self._folder(folder).id),
                              ("imap_uid", "in", list(uids))]).unlink()

    def pending_moves(self):
        rows = self._query(SQL(
            """SELECT m.id, source.server_name, m.imap_uid, target.server_name
                 FROM mail_account_message m
                 JOIN mail_account_folder source ON source.id = m.server_folder_id
                 JOIN mail_account_folder target ON target.id = m.folder_id
                WHERE m.account_id = %s AND m.imap_uid > 0
                  AND m.server_folder_id != m.folder_id
                  AND source.server_name IS NOT NULL AND target.server_name IS NOT NULL
                ORDER BY m.id""", self.account.id))
        return [imap_sync.Move(*row) for row in rows]

    def moved(self, key, target, uid):
        self.Message.browse(key).write({"server_folder_id": self._folder(target).id,
                                        "imap_uid": uid or False})

    def pending_uploads(self):
        uploads = []
        for message in self.Message.search([("account_id", "=", self.account.id),
                                            ("needs_upload", "=", True)]):
            if not message.folder_id.server_name or not message.upload_raw:
                continue
            flags = ("\\Seen", "\\Draft") if message.state == "draft" else ("\\Seen",)
            uploads.append(imap_sync.Upload(message.id, message.folder_id.server_name,
                                            base64.b64decode(message.upload_raw), flags))
        return uploads

    def uploaded(self, key, target, uid):
        self.Message.browse(key).write({
            "needs_upload": False, "upload_raw": False,
            "server_folder_id": self._folder(target).id, "imap_uid": uid or False})

    # -- decoding stored messages again ------------------------------------------------
    def pending_refetch(self, folder):
        rows = self._query(SQL(
            "SELECT imap_uid FROM mail_account_message WHERE server_folder_id = %s "
            "AND refetch_pending AND imap_uid > 0", self._folder(folder).id))
        return [row[0] for row in rows]

    def refetched(self, folder, messages, uids):
        record = self._folder(folder)
        with self.account._unit_of_work():
            self.Message._apply_refetched_batch(
                [("server_folder_id", "=", record.id), ("imap_uid", "in", list(uids))],
                {message.uid: message.parsed for message in messages}, "imap_uid")


class _Pop3OrmStore(pop3_fetch.Pop3Store):
    """``pop3_fetch.Pop3Store`` on the ORM: the account's Inbox and deletions."""

    def __init__(self, account):
        self.account = account.sudo()
        self.env = self.account.env
        self.Message = self.env["mail.account.message"].sudo()
        self.Deletion = self.env["mail.account.deletion"].sudo()
        self.inbox = self.account._mailbox_folder("inbox")

    def _uidls(self, query):
        self.Message.flush_model()
        self.Deletion.flush_model()
        self.env.cr.execute(query)
        return {row[0] for row in self.env.cr.fetchall()}

    def known_uidls(self):
        return self._uidls(SQL(
            """SELECT pop_uidl FROM mail_account_message WHERE account_id = %(a)s
                   AND pop_uidl IS NOT NULL
               UNION SELECT pop_uidl FROM mail_account_deletion WHERE account_id = %(a)s
                   AND pop_uidl IS NOT NULL""", a=self.account.id))

    def pending_deletions(self):
        return self._uidls(SQL(
            "SELECT pop_uidl FROM mail_account_deletion WHERE account_id = %s "
            "AND delete_on_server AND pop_uidl IS NOT NULL", self.account.id))

    def store(self, messages):
        with self.account._unit_of_work():
            self.Message._store_fetched(self.inbox, messages, "pop3")
            self.inbox._update_counts()

    def deleted_on_server(self, uidls):
        with self.account._unit_of_work():
            self.Deletion.search([("account_id", "=", self.account.id),
                                  ("pop_uidl", "in", list(uidls))]).unlink()

    def forget_deletions(self, current_uidls):
        stale = self.Deletion.search([("account_id", "=", self.account.id),
                                      ("pop_uidl", "!=", False)]).filtered(
            lambda deletion: deletion.pop_uidl not in current_uidls)
        stale.unlink()

    def pending_refetch(self):
        return self._uidls(SQL(
            "SELECT pop_uidl FROM mail_account_message WHERE account_id = %s "
            "AND refetch_pending AND pop_uidl IS NOT NULL", self.account.id))

    def refetched(self, messages, uidls):
        with self.account._unit_of_work():
            self.Message._apply_refetched_batch(
                [("account_id", "=", self.account.id), ("pop_uidl", "in", list(uidls))],
                {message.uidl: message.parsed for message in messages}, "pop_uidl")
