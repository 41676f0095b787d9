# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html_escape

from ..tools import presets

_logger = logging.getLogger(__name__)

# Copies of at most this many e-mails run at once; larger ones in the background.
RUN_NOW_BELOW = 100


class MailAccountChangeProtocol(models.TransientModel):
    """Switch a locked account between POP3 and IMAP: a new tested account takes its
    roles, the old one is archived, its stored e-mails may be copied to an IMAP folder.

    The settings part is the setup wizard's (fields, onchanges, test): ``account_id``
    is the old account, whose passwords are used when the fields are left empty.
    """

    _name = "mail.account.change.protocol"
    _inherit = "mail.account.setup"
    _description = "Change the incoming protocol of an e-mail account"

    old_protocol = fields.Selection(related="account_id.incoming_protocol",
                                    string="Current protocol")
    step = fields.Selection(
        [("settings", "Settings"), ("copy", "Copy stored messages"), ("done", "Done")],
        default="settings", readonly=True,
    )
    new_account_id = fields.Many2one("mail.account", readonly=True, ondelete="set null")
    summary = fields.Text(readonly=True)
    source_folder_ids = fields.Many2many(
        "mail.account.folder", string="Folders to copy",
        domain="[('account_id', '=', account_id), ('role', '!=', 'account')]",
        help="All stored e-mails of these folders of the old account are copied.",
    )
    source_message_ids = fields.Many2many(
        "mail.account.message", string="Or these e-mails",
        domain="[('account_id', '=', account_id)]",
        help="Copy only these e-mails (instead of whole folders).",
    )
    target_folder = fields.Char(
        string="Into the folder",
        help="The IMAP folder of the new account, e.g. Drafts; created when missing.",
    )
    job_id = fields.Many2one("mail.account.copy.job", string="Copy", readonly=True)
    job_summary = fields.Text(related="job_id.summary", string="Copy summary")
    job_state = fields.Selection(related="job_id.state")

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    @api.model
    def _action_open(self, account=None, values=None):
        account.ensure_one()
        account.check_access("write")
        if not account.active or not account.protocol_locked:
            raise UserError(self.env._(
                "Only an active account whose protocol is locked (it has fetched mail) "
                "changes its protocol this way; otherwise use \"Change settings\"."))
        vals = self._values_from_account(account)
        vals.update(self._settings_for_other_protocol(account))
        vals.update(values or {})
        return self.create(vals)._reopen()

    @api.model
    def _settings_for_other_protocol(self, account):
        """The incoming settings of the other protocol: from the provider preset, else
        the old account's server with the usual port (SMTP stays as it is)."""
        protocol = "pop3" if account.incoming_protocol == "imap" else "imap"
        values = {"incoming_protocol": protocol}
        preset = presets.get_preset(account.preset) if account.preset else None
        if preset and not presets.matches_servers(preset, account.incoming_host,
                                                  account.smtp_host):
            preset = None  # the account does not use this provider's servers
        server = preset and getattr(preset, protocol, None)
        if server:
            values.update(incoming_host=server.host, incoming_port=server.port,
                          incoming_security=server.security)
            values["discovery_message"] = self.env._(
                "%(protocol)s settings of %(provider)s.", protocol=protocol.upper(),
                provider=preset.name)
        else:
            values["incoming_port"] = presets.default_port(protocol, account.incoming_security)
            values["discovery_message"] = self.env._(
                "The %(protocol)s settings assume the old account's server: check them.",
                protocol=protocol.upper())
        return values

    def _reopen(self):
        action = super()._reopen()
        action["name"] = self.env._("Change protocol")
        return action

    def _check_protocol_lock(self):
        """The old account stays locked; the new one gets the other protocol."""
        if self.incoming_protocol == self.account_id.incoming_protocol:
            raise UserError(self.env._("The new account must use the other protocol."))

    def _hook_test_failed(self, result):
        """The old account's own settings were not tested: nothing to record on it."""

    def action_test_and_save(self):
        """Test the new settings; on success create the new account, move the roles
        of the old one to it and archive the old one. A failing test changes nothing."""
        self.ensure_one()
        self._check_can_save()
        if self.step != "settings" or not self.account_id.active:
            raise UserError(self.env._("This account's protocol was already changed."))
        self._check_complete()
        self._check_protocol_lock()
        settings, result = self._run_test()
        if not result["ok"]:
            return self._reopen()
        old = self.account_id.sudo()
        values = dict(self._tested_values(settings, result), **self._moved_values(old))
        moved = self._describe_roles(old)
        # Take the roles off the old account first: one default per person and project.
        old.write({"is_default": False, "is_company_default": False,
                   "default_project_ids": [fields.Command.clear()],
                   "project_ids": [fields.Command.clear()], "active": False})
        new = self._create_account(values)
        switched = self._hook_account_switched(old, new, settings)
        lines = [
            self.env._("New account %(account)s (%(protocol)s) created: its connection test "
                       "passed.", account=new.display_name,
                       protocol=new.incoming_protocol.upper()),
            self.env._("%(account)s (%(protocol)s) archived: it no longer fetches or sends; "
                       "its stored e-mails stay readable in the mailbox.",
                       account=old.display_name, protocol=old.incoming_protocol.upper()),
            *switched,
            *moved,
        ]
        summary = "\n".join(lines)
        body = Markup("<br/>").join(html_escape(line) for line in lines)
        for account in (old, new):
            # A log note, by the user: message_post would require an e-mail address on
            # the user's own profile, which has nothing to do with this account.
            account._message_log(body=body)
        vals = {"new_account_id": new.id, "summary": summary, "step": "done",
                "incoming_password": False, "smtp_password": False}
        if new.incoming_protocol == "imap":
            vals.update(step="copy", target_folder=self._default_target_folder(new),
                        source_folder_ids=[fields.Command.set(
                            old._existing_folder("drafts").ids)])
        self.write(vals)
        return self._reopen()

    def action_copy(self):
        """Copy the chosen stored e-mails into the new account's IMAP folder."""
        self.ensure_one()
        self._check_can_copy()
        messages = self.source_message_ids
        if not messages:
            messages = self.env["mail.account.message"].sudo().search(
                [("account_id", "=", self.account_id.id),
                 ("folder_id", "in", self.source_folder_ids.ids)])
        if not messages:
            raise UserError(self.env._("Choose the folders or the e-mails to copy."))
        job = self.env["mail.account.copy.job"]._create_job(
            self.account_id, self.new_account_id, self.target_folder, messages)
        job._start(run_now_below=RUN_NOW_BELOW)
        self.write({"job_id": job.id, "step": "done"})
        return self._reopen()

    def action_skip_copy(self):
        self.ensure_one()
        self._check_can_save()
        self.step = "done"
        return self._reopen()

    def action_open_job(self):
        self.ensure_one()
        self._check_can_save()
        return self.job_id.action_open()

    def action_open_new_account(self):
        self.ensure_one()
        self._check_can_save()
        self.new_account_id.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.account",
            "res_id": self.new_account_id.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _check_can_copy(self):
        self._check_can_save()
        if not self.new_account_id or self.new_account_id.incoming_protocol != "imap":
            raise UserError(self.env._("E-mails can only be copied to a new IMAP account."))
        self.new_account_id.check_access("write")
        foreign = (self.source_folder_ids.account_id | self.source_message_ids.account_id) \
            - self.account_id
        if foreign:
            raise UserError(self.env._("Only e-mails of the old account can be copied."))

    def _hook_account_switched(self, old, new, settings):
        """The new account ``new`` replaced ``old`` with the tested ``settings``: move
        what belongs to the mailbox rather than to the protocol; returns the summary
        lines saying so."""
        return []

    @api.model
    def _moved_values(self, old):
        """What the new account takes over from the old one."""
        return {
            "reply_to_account": old.reply_to_account,
            "delete_on_server": old.delete_on_server,
            "sync_days": old.sync_days,
            "sync_max_messages": old.sync_max_messages,
            "save_sent_copy": old.save_sent_copy,
            "signature": old.signature,
            "user_ids": [fields.Command.set(old.user_ids.ids)],
            "is_default": old.is_default,
            "is_company_default": old.is_company_default,
            "project_ids": [fields.Command.set(old.project_ids.ids)],
            "default_project_ids": [fields.Command.set(old.default_project_ids.ids)],
        }

    @api.model
    def _describe_roles(self, old):
        """The lines of the summary saying which roles move to the new account."""
        lines = []
        if old.user_ids:
            lines.append(self.env._("Users: %(users)s.",
                                    users=", ".join(old.user_ids.mapped("name"))))
        if old.is_default:
            lines.append(self.env._("Default account of %(user)s.", user=old.owner_id.name))
        if old.is_company_default:
            lines.append(self.env._("Default account of the company %(company)s.",
                                    company=old.company_id.name))
        if old.project_ids:
            lines.append(self.env._("Projects: %(projects)s.",
                                    projects=", ".join(old.project_ids.mapped("display_name"))))
        if old.default_project_ids:
            lines.append(self.env._(
                "Default account of the projects: %(projects)s.",
                projects=", ".join(old.default_project_ids.mapped("display_name"))))
        if lines:
            lines.insert(0, self.env._("Moved to the new account:"))
        else:
            lines.append(self.env._("The old account had no users, defaults or projects "
                                    "to move."))
        return lines

    @api.model
    def _default_target_folder(self, account):
        """The server name of the new account's Drafts (listed now), else "Drafts"."""
        try:
            with self.env.cr.savepoint():
                return account._mailbox_folder("drafts").server_name or "Drafts"
        except Exception:  # listing the folders is a convenience: never blocks the switch
            _logger.info("account %s: folders not listed", account.id, exc_info=True)
            return "Drafts"
