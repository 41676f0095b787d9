# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize

from ..models.mail_account import PROTOCOL_SELECTION, SECURITY_SELECTION
from ..tools import discovery, presets, protocol_lock

DISCOVERY_TIMEOUT = 2.0


class MailAccountSetup(models.TransientModel):
    """Add an e-mail account or change its settings: saved only after a passing test."""

    _name = "mail.account.setup"
    _description = "E-mail Account Setup"

    account_id = fields.Many2one("mail.account", readonly=True, ondelete="cascade")
    protocol_locked = fields.Boolean(related="account_id.protocol_locked")
    name = fields.Char(string="Account Name")
    email = fields.Char(string="E-mail Address", required=True)
    sender_name = fields.Char()
    account_type = fields.Selection(
        [("personal", "Personal"), ("company", "Company")], string="Type",
        required=True, default="personal",
    )
    owner_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    can_manage_company = fields.Boolean(compute="_compute_can_manage_company")
    preset = fields.Selection(selection=lambda self: presets.selection(), string="Provider")
    discovery_message = fields.Char(readonly=True)
    provider_notes = fields.Text(readonly=True)
    incoming_protocol = fields.Selection(PROTOCOL_SELECTION, required=True, default="imap")
    incoming_host = fields.Char(string="Incoming Server")
    incoming_port = fields.Integer(default=993)
    incoming_security = fields.Selection(
        SECURITY_SELECTION, default="ssl", required=True,
    )
    incoming_login = fields.Char(string="Incoming User Name")
    incoming_password = fields.Char(
        help="Leave empty to keep the current password of an existing account.",
    )
    smtp_host = fields.Char(string="Outgoing Server (SMTP)")
    smtp_port = fields.Integer(string="Outgoing Port", default=465)
    smtp_security = fields.Selection(
        SECURITY_SELECTION, string="Outgoing Security", default="ssl", required=True,
    )
    smtp_login = fields.Char(string="Outgoing User Name")
    smtp_password = fields.Char(
        string="Outgoing Password",
        help="Leave empty to use the incoming password (or, for an existing account, "
        "to keep the current one).",
    )
    verify_certificates = fields.Boolean(default=True)
    rate_limit_per_minute = fields.Integer(string="Sending Limit per Minute")
    test_state = fields.Selection(
        [("new", "Not tested"), ("failed", "Failed"), ("passed", "Passed")],
        default="new", readonly=True,
    )
    test_message = fields.Text(string="Test Result", readonly=True)

    @api.depends_context("uid")
    def _compute_can_manage_company(self):
        self.can_manage_company = self.env.user.has_group("base.group_system")

    # ------------------------------------------------------------------
    # ONCHANGES: presets and discovery fill the settings
    # ------------------------------------------------------------------
    @api.onchange("email")
    def _onchange_email(self):
        address = email_normalize(self.email or "")
        if not address:
            return
        if not self.name:
            self.name = address
        if self.account_id and self.account_id.email == self.email:
            return
        try:
            found = discovery.discover(address, timeout=DISCOVERY_TIMEOUT)
        except ValueError:
            return
        self.discovery_message = self.account_id._translate_template(found.message, found.params)
        if found.preset_code:
            self.preset = found.preset_code
        if found.source != "manual":
            self._apply_settings(found.settings, address)

    @api.onchange("preset")
    def _onchange_preset(self):
        address = email_normalize(self.email or "") or ""
        settings = self.env["mail.account"]._preset_settings(self.preset, address)
        if settings:
            self._apply_settings(settings, address)

    @api.onchange("incoming_protocol", "incoming_security")
    def _onchange_incoming_security(self):
        preset = presets.get_preset(self.preset) if self.preset else None
        server = preset and getattr(preset, self.incoming_protocol or "", None)
        if server and server.security == self.incoming_security:
            self.incoming_host, self.incoming_port = server.host, server.port
        elif self.incoming_protocol and self.incoming_security:
            self.incoming_port = presets.default_port(self.incoming_protocol,
                                                      self.incoming_security)

    @api.onchange("smtp_security")
    def _onchange_smtp_security(self):
        if self.smtp_security:
            self.smtp_port = presets.default_port("smtp", self.smtp_security)

    def _apply_settings(self, settings, address):
        """Fill the form from a presets/discovery settings dict."""
        protocol = self.incoming_protocol or "imap"
        if not settings.get(protocol):
            protocol = "imap" if settings.get("imap") else "pop3"
        incoming = settings.get(protocol)
        if incoming and not (self.protocol_locked and protocol != self.incoming_protocol):
            self.incoming_protocol = protocol
            self.incoming_host = incoming["host"]
            self.incoming_port = incoming["port"]
            self.incoming_security = incoming["security"]
        smtp = settings.get("smtp")
        if smtp:
            self.smtp_host, self.smtp_port, self.smtp_security = (
                smtp["host"], smtp["port"], smtp["security"])
        self.incoming_login = settings.get("login") or address
        self.smtp_login = settings.get("smtp_login") or self.incoming_login
        if settings.get("rate_limit_per_minute"):
            self.rate_limit_per_minute = settings["rate_limit_per_minute"]
        translate = self.env["mail.account"]._translate_template
        self.provider_notes = "\n".join(
            translate(note, {}) for note in settings.get("notes") or ()
        ) or False

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    @api.model
    def _action_open(self, account=None, values=None):
        vals = dict(values or {})
        if account:
            vals.update(self._values_from_account(account))
        wizard = self.create(vals)
        return wizard._reopen()

    @api.model
    def _values_from_account(self, account):
        fields_to_copy = [
            "name", "email", "sender_name", "account_type", "owner_id", "company_id",
            "preset", "incoming_protocol", "incoming_host", "incoming_port",
            "incoming_security", "incoming_login", "smtp_host", "smtp_port", "smtp_security",
            "smtp_login", "verify_certificates", "rate_limit_per_minute",
        ]
        values = account._convert_to_write({name: account[name] for name in fields_to_copy})
        values["account_id"] = account.id
        return values

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Change account settings") if self.account_id
            else self.env._("Add e-mail account"),
        }

    def _settings(self):
        """The settings to test: empty passwords keep the account's current ones."""
        self.ensure_one()
        settings = {name: self[name] for name in protocol_lock.CONNECTION_FIELDS
                    if name not in protocol_lock.PASSWORD_FIELDS}
        settings["email"] = email_normalize(self.email) or self.email
        current = self.account_id.sudo()
        settings["incoming_password"] = self.incoming_password or current.incoming_password
        settings["smtp_password"] = (self.smtp_password or current.smtp_password
                                     or settings["incoming_password"])
        if not settings["smtp_login"]:
            settings["smtp_login"] = settings["incoming_login"]
        return settings

    def _check_can_save(self):
        self.ensure_one()
        if self.account_id:
            self.account_id.check_access("write")
            return
        if self.account_type == "company" and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators can add company e-mail accounts."))
        if (self.account_type == "personal" and self.owner_id != self.env.user
                and not self.env.user.has_group("base.group_system")):
            raise AccessError(
                self.env._("Only administrators can add e-mail accounts for other users.")
            )

    def _check_complete(self):
        missing = [
            self._fields[name].get_description(self.env)["string"]
            for name in ("email", "incoming_host", "incoming_port", "incoming_login",
                         "smtp_host", "smtp_port")
            if not self[name]
        ]
        if missing:
            raise UserError(
                self.env._("Please fill in: %(fields)s.", fields=", ".join(missing))
            )
        if not email_normalize(self.email):
            raise UserError(
                self.env._("%(email)s is not a valid e-mail address.", email=self.email)
            )
        error = self.env["mail.account"]._header_text_error(
            {"name": self.name, "sender_name": self.sender_name, "email": self.email})
        if error:
            raise UserError(error)

    def action_test_and_save(self):
        """Really connect (SMTP + IMAP/POP3); only a passing test saves the account."""
        self.ensure_one()
        self._check_can_save()
        self._check_complete()
        self._check_protocol_lock()
        settings, result = self._run_test()
        if not result["ok"]:
            return self._reopen()
        account = self._save_tested(settings, result)
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.account",
            "res_id": account.id,
            "view_mode": "form",
            "target": "current",
        }

    def _check_protocol_lock(self):
        if self.account_id:
            lock = protocol_lock.protocol_change_error(
                self.account_id.protocol_locked, self.account_id.incoming_protocol,
                self.incoming_protocol,
            )
            if lock:
                raise UserError(self.account_id._translate_template(*lock))

    def _run_test(self):
        """Run the connection test of the wizard's settings and record its result.

        :returns: (settings, result of ``mail.account._run_connection_test``)
        """
        settings = self._settings()
        result = self.env["mail.account"]._run_connection_test(settings)
        if result["ok"]:
            self.write({"test_state": "passed", "test_message": result["message"]})
        else:
            self.write({"test_state": "failed", "test_message": result["message"]})
            self._hook_test_failed(result)
        return settings, result

    def _hook_test_failed(self, result):
        """A failed test of an existing account's new settings is shown on the account."""
        if self.account_id:
            self.account_id.sudo().write({
                "last_test_date": fields.Datetime.now(), "last_test_ok": False,
                "last_test_message": result["message"],
            })

    def _tested_values(self, settings, result):
        """The account values of settings that passed the test (signed)."""
        return {
            **settings,
            "name": self.name or settings["email"],
            "sender_name": self.sender_name,
            "preset": self.preset,
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "tested_fingerprint": self.env["mail.account"]._sign_settings(settings),
            "last_test_date": fields.Datetime.now(),
            "last_test_ok": True,
            "last_test_message": result["message"],
        }

    def _create_account(self, values):
        """Create a new account from tested values (the access was checked before)."""
        values = dict(values, account_type=self.account_type,
                      owner_id=self.owner_id.id if self.account_type == "personal" else False,
                      company_id=self.company_id.id)
        # The access checks before stand for the create rights; sudo writes the
        # system-only password and fingerprint fields.
        return self.env["mail.account"].sudo().create(values).sudo(False)

    def _save_tested(self, settings, result):
        """Save settings that passed the test; return the account."""
        values = self._tested_values(settings, result)
        if self.account_id:
            account = self.account_id
            account.sudo().write(values)
        else:
            account = self._create_account(values)
        self.write({"incoming_password": False, "smtp_password": False})
        return account
