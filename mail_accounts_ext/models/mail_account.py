# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An e-mail account: its settings, who owns and uses it, its outgoing server.

The other concerns of ``mail.account`` live beside it, each in a file of its own:
``mail_account_connection.py`` (connection settings, their test, credentials and
sessions), ``mail_account_sender.py`` (sender choice), ``mail_account_sending.py``
(sending limit and status, Sent copies), ``mail_account_mailbox.py`` (folders, fetching,
pushing changes), ``mail_account_store.py`` (the ORM stores of the sync).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize, formataddr
from odoo.tools.translate import LazyTranslate

from ..tools import errors, headers, presets, protocol_lock, sender

_lt = LazyTranslate(__name__)

SECURITY_SELECTION = [
    ("ssl", "SSL/TLS"),
    ("starttls", "STARTTLS"),
    ("none", "None (unencrypted)"),
]
PROTOCOL_SELECTION = [("imap", "IMAP"), ("pop3", "POP3")]
# Account fields mirrored on its ir.mail_server.
SERVER_FIELDS = set(protocol_lock.CONNECTION_FIELDS) | {"active", "name", "sender_name"}
# What the owner of an account may change directly (RPC included): presentation and
# options. Everything else changes through the flows that own it (setup wizard,
# Test again, fetch, sending, Change protocol), which write with sudo() after their checks.
USER_WRITABLE_FIELDS = frozenset({
    "name", "sender_name", "active", "user_ids", "is_default", "reply_to_account",
    "delete_on_server", "rate_limit_per_minute", "project_ids", "default_project_ids",
    "sync_days", "sync_max_messages", "save_sent_copy", "signature",
})
# Who owns an account and who may see it: administrators only.
OWNERSHIP_FIELDS = frozenset({"owner_id", "account_type", "company_id"})
ADMIN_WRITABLE_FIELDS = OWNERSHIP_FIELDS | {"is_company_default"}
# Texts written into the From (and Reply-To) of every mail of the account.
HEADER_TEXT_FIELDS = ("name", "sender_name", "email")


class MailAccount(models.Model):
    _name = "mail.account"
    _description = "E-mail Account"
    _inherit = ["mail.thread", "mail.account.write.guard"]
    _order = "account_type desc, name, id"
    _check_company_auto = True
    _user_writable_fields = USER_WRITABLE_FIELDS
    _admin_writable_fields = ADMIN_WRITABLE_FIELDS
    _write_guard_hint = _lt(  # pylint: disable=prefer-env-translation
        "Connection settings change through \"Change settings\" (tested before they "
        "are saved) or \"Change protocol\"; the test, fetch and sending results are "
        "recorded by \"Test again\", \"Fetch now\" and by sending.")

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

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _translate_template(self, template, params):
        """Render an ``_lt`` text of the plain-Python modules in the user's language."""
        # The template is an ``_lt("...")`` literal of ``tools/``, in the .pot.
        return self.env._(template, **params)  # pylint: disable=translation-contains-variable

    def _translate_template_kw(self, template, **params):
        return self._translate_template(template, params)

    def _explain_text(self, explanation):
        """An :class:`errors.Explanation` as one translated text."""
        return errors.format_plain(explanation, translate=self._translate_template_kw)

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
