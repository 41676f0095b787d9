# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize

from ..models.mail_account import PROTOCOL_SELECTION, SECURITY_SELECTION
from ..models.mail_account_connection import CA_FILE_PARAM
from ..tools import discovery, presets, protocol_lock, setup_form
from . import dialog

DISCOVERY_TIMEOUT = 3.0
# Discovery results whose servers are shown only after "Manual settings"; guessed
# server names are shown at once, to be checked.
FOUND_SOURCES = ("preset", "autoconfig", "mx", "srv")


class MailAccountSetup(models.TransientModel):
    """Add an e-mail account or change its settings: saved only after a passing test."""

    _name = "mail.account.setup"
    _description = "E-mail Account Setup"

    account_id = fields.Many2one("mail.account", readonly=True, ondelete="cascade")
    protocol_locked = fields.Boolean(related="account_id.protocol_locked")
    name = fields.Char(string="Account Name")
    email = fields.Char(string="E-mail Address", required=True)
    sender_name = fields.Char(help="The name recipients see next to the address.")
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
    # The default too: the form's first onchange takes defaults and never computes a
    # field that depends on no other field (the owner would stay read-only).
    can_manage_company = fields.Boolean(
        compute="_compute_can_manage_company",
        default=lambda self: self.env.user.has_group("base.group_system"),
    )
    preset = fields.Selection(selection=lambda self: presets.selection(), string="Provider")
    discovery_message = fields.Char(readonly=True)
    provider_notes = fields.Text(readonly=True)
    auto_values = fields.Char(
        help="Technical: what was filled in automatically from the address (JSON), so "
        "that a new address replaces it and keeps what was typed by hand.",
    )
    settings_found = fields.Boolean(
        help="The servers come from the provider or from discovery: shown on demand.",
    )
    manual_settings = fields.Boolean(
        help="Show and change the servers, ports and user names.",
    )
    server_summary = fields.Char(compute="_compute_server_summary", string="Servers")
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

    # ------------------------------------------------------------------
    # DEFAULTS
    # ------------------------------------------------------------------
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "sender_name" in fields_list and not values.get("sender_name"):
            values["sender_name"] = self._default_sender_name(
                values.get("account_type"), values.get("owner_id"), values.get("company_id"))
            if "auto_values" in fields_list:
                values["auto_values"] = json.dumps({"sender_name": values["sender_name"]})
        return values

    @api.model
    def _default_sender_name(self, account_type, owner_id, company_id):
        """The name recipients see: the owner's, the company's for a company account."""
        if account_type == "company":
            return self.env["res.company"].browse(company_id or self.env.company.id).name
        owner = self.env["res.users"].browse(owner_id) if owner_id else self.env.user
        return owner.name or False

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends_context("uid")
    def _compute_can_manage_company(self):
        self.can_manage_company = self.env.user.has_group("base.group_system")

    @api.depends("incoming_protocol", "incoming_host", "incoming_port", "incoming_security",
                 "smtp_host", "smtp_port", "smtp_security")
    def _compute_server_summary(self):
        labels = dict(self._fields["incoming_security"]._description_selection(self.env))
        for wizard in self:
            parts = [
                self.env._("%(protocol)s: %(host)s, port %(port)s (%(security)s)",
                           protocol=protocol, host=host, port=port,
                           security=labels.get(security, security))
                for protocol, host, port, security in (
                    ((wizard.incoming_protocol or "").upper(), wizard.incoming_host,
                     wizard.incoming_port, wizard.incoming_security),
                    ("SMTP", wizard.smtp_host, wizard.smtp_port, wizard.smtp_security),
                )
                if host
            ]
            wizard.server_summary = " · ".join(parts) or False

    # ------------------------------------------------------------------
    # ONCHANGES: presets and discovery fill the settings
    # ------------------------------------------------------------------
    @api.onchange("email")
    def _onchange_email(self):
        """A new address: everything derived from the old one follows the new one."""
        address = email_normalize(self.email or "")
        if not address:
            return
        auto = self._auto()
        if not self.name or self.name == auto.get("name"):
            self.name = auto["name"] = address
            self.auto_values = json.dumps(auto)
        if self.account_id and self.account_id.email == self.email:
            return
        try:
            found = discovery.discover(address, **self._discovery_options())
        except ValueError:
            return
        self.discovery_message = self.account_id._translate_template(found.message, found.params)
        known = found.source != "manual"
        values, auto = setup_form.address_changed(
            self._form_values(), auto, found.address or address,
            found.settings if known else None, found.preset_code, self.protocol_locked)
        if known:
            auto["servers"] = self._offered_servers(found.settings)
        elif values.get("preset"):  # the provider the user picked, for the new address
            auto["servers"] = self._offered_servers(presets.settings_from_preset(
                presets.get_preset(values["preset"]), address))
        else:
            auto.pop("servers", None)
        self._write_form(values, auto)
        self.settings_found = found.source in FOUND_SOURCES or bool(values.get("preset"))

    @api.onchange("preset")
    def _onchange_preset(self):
        """A provider the user picks fills its servers for the address."""
        address = email_normalize(self.email or "") or ""
        auto = self._auto()
        values, auto = setup_form.preset_chosen(self._form_values(), auto, address,
                                                self.preset, self.protocol_locked)
        if values:
            preset = presets.get_preset(self.preset)
            auto["servers"] = self._offered_servers(presets.settings_from_preset(preset, address))
            self._write_form(values, auto)
            self.settings_found = True

    @api.onchange("incoming_protocol", "incoming_security")
    def _onchange_incoming_security(self):
        current, auto = self._form_values(), self._auto()
        keys = ("incoming_protocol", "incoming_host", "incoming_port", "incoming_security")
        if setup_form.kept_automatic(current, auto, keys):
            return  # just filled in from the address or the provider
        server = (auto.get("servers") or {}).get(self.incoming_protocol or "")
        if server and (server["security"] == self.incoming_security
                       or self.incoming_protocol != auto.get("incoming_protocol")):
            self.incoming_host, self.incoming_port, self.incoming_security = (
                server["host"], server["port"], server["security"])
            written = keys
        elif self.incoming_protocol and self.incoming_security:
            self.incoming_port = presets.default_port(self.incoming_protocol,
                                                      self.incoming_security)
            written = ("incoming_protocol", "incoming_port", "incoming_security")
        else:
            return
        auto.update({key: self[key] for key in written})
        self.auto_values = json.dumps(auto)

    @api.onchange("smtp_security")
    def _onchange_smtp_security(self):
        current, auto = self._form_values(), self._auto()
        if self.smtp_security and not setup_form.kept_automatic(
                current, auto, ("smtp_host", "smtp_port", "smtp_security")):
            self.smtp_port = presets.default_port("smtp", self.smtp_security)

    @api.onchange("account_type", "owner_id", "company_id")
    def _onchange_sender_name(self):
        """The default sender name follows the owner (or company) until typed by hand."""
        auto = self._auto()
        if self.sender_name and self.sender_name != auto.get("sender_name"):
            return
        self.sender_name = auto["sender_name"] = self._default_sender_name(
            self.account_type, self.owner_id.id, self.company_id.id)
        self.auto_values = json.dumps(auto)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "sender_name" not in vals:
                # The defaults do not see the owner given here: an administrator's wizard
                # for someone else's account defaults to that person's name.
                defaults = self.default_get(["account_type", "owner_id", "company_id"])
                vals["sender_name"] = self._default_sender_name(
                    vals.get("account_type", defaults.get("account_type")),
                    vals.get("owner_id", defaults.get("owner_id")),
                    vals.get("company_id", defaults.get("company_id")))
                vals.setdefault("auto_values", json.dumps({"sender_name": vals["sender_name"]}))
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # FORM HELPERS
    # ------------------------------------------------------------------
    def _discovery_options(self):
        """Keyword arguments of :func:`discovery.discover` (tests point them at loopback)."""
        return {"timeout": DISCOVERY_TIMEOUT,
                "verify": self.env["ir.config_parameter"].sudo().get_param(CA_FILE_PARAM)
                or True}

    def _auto(self):
        try:
            auto = json.loads(self.auto_values or "{}")
        except ValueError:
            auto = {}
        return auto if isinstance(auto, dict) else {}

    def _form_values(self):
        keys = ("incoming_protocol", *setup_form.DERIVED_KEYS)
        return {key: self[key] for key in keys}

    @api.model
    def _offered_servers(self, settings):
        return {kind: settings[kind] for kind in ("imap", "pop3", "smtp") if settings.get(kind)}

    def _write_form(self, values, auto):
        """Write values from :mod:`setup_form` and remember them as automatic."""
        for key, value in values.items():
            if key != "notes":
                self[key] = value
        translate = self.env["mail.account"]._translate_template
        self.provider_notes = "\n".join(
            translate(note, {}) for note in values.get("notes") or ()) or False
        auto.update({key: self[key] for key in ("incoming_protocol", "incoming_security",
                                                "smtp_security") if key in values})
        self.auto_values = json.dumps(auto)

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
        if self.account_id:
            return dialog.reopen(self, self.env._("Change account settings"))
        return dialog.reopen(self, self.env._("Add e-mail account"))

    def _settings(self):
        """The settings to test: empty passwords keep the account's current ones."""
        self.ensure_one()
        settings = {name: self[name] for name in protocol_lock.CONNECTION_FIELDS
                    if name not in protocol_lock.PASSWORD_FIELDS}
        settings["email"] = email_normalize(self.email) or self.email
        # the account's secrets come from the one method that reads them
        current = self.account_id._connection_settings() if self.account_id else {}
        settings["incoming_password"] = (self.incoming_password
                                         or current.get("incoming_password"))
        settings["smtp_password"] = (self.smtp_password or current.get("smtp_password")
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
            "preset": self._tested_preset(settings),
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "tested_fingerprint": self.env["mail.account"]._sign_settings(settings),
            "last_test_date": fields.Datetime.now(),
            "last_test_ok": True,
            "last_test_message": result["message"],
        }

    def _tested_preset(self, settings):
        """The provider the account says it uses: only when it really uses its servers."""
        preset = presets.get_preset(self.preset) if self.preset else None
        if preset and presets.matches_servers(preset, settings["incoming_host"],
                                              settings["smtp_host"]):
            return preset.code
        return False

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
