# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Print & e-mail* from a list: choose, check (dry run), send in the background."""

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import batch as bt
from . import dialog

DETAILS_PER_REASON = 10


class MailBatchSend(models.TransientModel):
    _name = "mail.batch.send"
    _description = "Print & E-mail"

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_ids = fields.Json(string="Document IDs", readonly=True)
    document_count = fields.Integer(string="Documents", compute="_compute_document_count")
    profile_id = fields.Many2one(
        "mail.batch.profile", string="Documents to send", required=True,
        domain="[('model', '=', res_model)]",
    )
    report_id = fields.Many2one(
        "ir.actions.report",
        compute="_compute_from_profile", store=True, readonly=False,
        domain="[('model', '=', res_model), ('report_type', '=', 'qweb-pdf')]",
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="E-mail Template",
        compute="_compute_from_profile", store=True, readonly=False,
        domain="[('model', '=', res_model)]",
    )
    use_document_date = fields.Boolean(related="profile_id.use_document_date")
    document_date = fields.Date(default=fields.Date.context_today)
    account_id = fields.Many2one(
        "mail.account", string="Send from",
        domain="[('id', 'in', allowed_account_ids)]",
        help="Empty: automatic, each document goes from the account the sender rule picks "
        "for it (the project's, yours, the company's, or Odoo's own server).",
    )
    allowed_account_ids = fields.Many2many(
        "mail.account", compute="_compute_allowed_account_ids",
    )
    send_again = fields.Boolean(
        help="Also send the documents that were already sent (same report and date).",
    )
    checked = fields.Boolean(readonly=True)
    ready_count = fields.Integer(string="Ready", readonly=True)
    no_email_count = fields.Integer(string="Missing e-mail", readonly=True)
    invalid_email_count = fields.Integer(string="Invalid e-mail", readonly=True)
    already_sent_count = fields.Integer(string="Already sent", readonly=True)
    nothing_to_send_count = fields.Integer(string="Nothing to send", readonly=True)
    not_applicable_count = fields.Integer(string="Not applicable", readonly=True)
    check_details = fields.Html(readonly=True, sanitize=False)

    # ------------------------------------------------------------------
    # DEFAULTS
    # ------------------------------------------------------------------
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        model = values.get("res_model") or context.get("active_model")
        ids = values.get("res_ids") or context.get("active_ids") or (
            [context["active_id"]] if context.get("active_id") else [])
        if not model or not ids:
            raise UserError(self.env._("Select the documents to print and e-mail first."))
        values.update(res_model=model, res_ids=list(ids))
        if "profile_id" in fields_list and not values.get("profile_id"):
            profiles = self.env["mail.batch.profile"].search([("model", "=", model)])
            usable = profiles.filtered(lambda profile: not profile.group_ids
                                       or profile.group_ids & self.env.user.groups_id)
            if not usable:
                raise UserError(self.env._(
                    "Nothing is set up to print and e-mail these documents for you."))
            values["profile_id"] = usable[0].id
        return values

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("res_ids")
    def _compute_document_count(self):
        for wizard in self:
            wizard.document_count = len(wizard.res_ids or [])

    @api.depends("profile_id")
    def _compute_from_profile(self):
        for wizard in self:
            wizard.report_id = wizard.profile_id.report_id
            wizard.mail_template_id = wizard.profile_id.mail_template_id

    @api.depends("res_model")
    def _compute_allowed_account_ids(self):
        for wizard in self:
            wizard.allowed_account_ids = self.env["mail.account"]._usable_accounts(
                user=self.env.user)

    @api.onchange("profile_id", "report_id", "document_date", "send_again", "account_id")
    def _onchange_reset_check(self):
        self.checked = False

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_check(self):
        """Dry run: what *Send* would do, without sending anything."""
        self.ensure_one()
        records = self._check_allowed()
        plan = self._plan(records)
        by_reason = {}
        for res_id, entry in plan.items():
            by_reason.setdefault(entry["skip_reason"] or "ready", []).append(res_id)
        self.write({
            "checked": True,
            "ready_count": len(by_reason.get("ready", [])),
            "no_email_count": len(by_reason.get(bt.NO_EMAIL, [])),
            "invalid_email_count": len(by_reason.get(bt.INVALID_EMAIL, [])),
            "already_sent_count": len(by_reason.get(bt.ALREADY_SENT, [])),
            "nothing_to_send_count": len(by_reason.get(bt.NOTHING_TO_SEND, [])),
            "not_applicable_count": len(by_reason.get(bt.NOT_APPLICABLE, [])),
            "check_details": self._details(records, by_reason),
        })
        return self._reopen()

    def action_send(self):
        """Create the batch and let the cron do the work: returns at once."""
        self.ensure_one()
        records = self._check_allowed()
        batch = self.env["mail.batch"].sudo().create({
            "profile_id": self.profile_id.id,
            "model": self.res_model,
            "report_id": self.report_id.id,
            "mail_template_id": self.mail_template_id.id,
            "user_id": self.env.user.id,
            "company_id": self.env.company.id,
            "account_id": self.account_id.id,
            "document_date": self.document_date if self.use_document_date else False,
            "send_again": self.send_again,
        })
        key = self.profile_id._document_key(batch.document_date)
        self.env["mail.batch.line"].sudo().create([{
            "batch_id": batch.id,
            "res_model": self.res_model,
            "res_id": record.id,
            "res_name": record.display_name,
            "report_id": self.report_id.id,
            "document_key": key,
            "send_again": self.send_again,
        } for record in records])
        batch.message_subscribe(partner_ids=self.env.user.partner_id.ids)
        batch._trigger_cron()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Print & e-mail started"),
                # %s: where the web client puts the link to the batch
                "message": self.env._(
                    "%(count)s documents are being printed and e-mailed in the background "
                    "(%(batch)s). You will be notified when it is done.",
                    count=len(records), batch="%s"),
                "links": [{"label": batch.name, "url": f"/odoo/mail.batch/{batch.id}"}],
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    def _check_allowed(self):
        """Server-side checks of what the user asks; returns the documents.

        The user must be allowed by the profile, may print the report, read every
        document, and use the chosen account for every document (the cron checks again
        when it sends).
        """
        self.ensure_one()
        profile = self.profile_id
        if profile.model != self.res_model or self.report_id.model != self.res_model \
                or self.mail_template_id.model != self.res_model:
            raise UserError(self.env._(
                "The profile, report and template must all be made for these documents."))
        if self.report_id.report_type != "qweb-pdf":
            raise UserError(self.env._("Choose a PDF report."))
        profile._check_user_allowed()
        self.report_id._mae_check_report_access()
        records = self.env[self.res_model].browse(self.res_ids or []).exists()
        if not records:
            raise UserError(self.env._("The selected documents no longer exist."))
        records.check_access("read")
        if self.account_id:
            usable = self.env["mail.account"]._usable_accounts(user=self.env.user)
            refused = records.filtered(
                lambda record: self.account_id not in self.env["mail.account"]._usable_accounts(
                    record=record, user=self.env.user)
            ) if self.account_id in usable else records
            if refused:
                raise AccessError(self.env._(
                    "You may not send %(documents)s from the e-mail account %(account)s.",
                    documents=", ".join(refused[:5].mapped("display_name")),
                    account=self.account_id.display_name))
        return records

    def _plan(self, records):
        return self.profile_id._plan(
            records, self.report_id,
            date=self.document_date if self.use_document_date else None,
            company=self.env.company, send_again=self.send_again,
        )

    def _details(self, records, by_reason):
        labels = {
            bt.NO_EMAIL: self.env._("Missing e-mail"),
            bt.INVALID_EMAIL: self.env._("Invalid e-mail address"),
            bt.ALREADY_SENT: self.env._("Already sent"),
            bt.NOTHING_TO_SEND: self.env._("Nothing to send"),
            bt.NOT_APPLICABLE: self.env._("Not applicable"),
        }
        names = {record.id: record.display_name for record in records}
        parts = []
        for reason, label in labels.items():
            ids = by_reason.get(reason)
            if not ids:
                continue
            shown = ", ".join(names[res_id] for res_id in ids[:DETAILS_PER_REASON])
            if len(ids) > DETAILS_PER_REASON:
                shown = self.env._("%(names)s and %(count)s more", names=shown,
                                   count=len(ids) - DETAILS_PER_REASON)
            parts.append(Markup("<li><strong>%s</strong>: %s</li>") % (label, escape(shown)))
        return Markup("<ul>%s</ul>") % Markup().join(parts) if parts else False

    def _reopen(self):
        return dialog.reopen(self, self.env._("Print & e-mail"))
