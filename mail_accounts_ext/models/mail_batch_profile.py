# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What *Print & e-mail* does for one kind of document, configured without code."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import email_normalize
from odoo.tools.safe_eval import safe_eval

from ..tools import batch as bt

BINDING_XMLID_PREFIX = "mail_batch_send_action_"
RECIPIENT_FIELD_TYPES = ("many2one", "char")
# The configuration administrators edit in the profile form.
ADMIN_WRITABLE_FIELDS = frozenset({
    "name", "active", "sequence", "model_id", "report_id", "mail_template_id",
    "recipient_path", "domain", "document_check", "use_document_date", "print_delay",
    "email_layout_xmlid", "group_ids", "manager_group_ids",
})


class MailBatchProfile(models.Model):
    _name = "mail.batch.profile"
    _inherit = ["mail.account.write.guard"]
    _description = "Print & E-mail Profile"
    _order = "sequence, id"
    _admin_writable_fields = ADMIN_WRITABLE_FIELDS

    # ------------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------------
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    model_id = fields.Many2one(
        "ir.model", string="Document Model", required=True, ondelete="cascade",
        domain=[("transient", "=", False), ("is_mail_thread", "=", True)],
        help="The documents this profile prints and e-mails; they must have a chatter.",
    )
    model = fields.Char(related="model_id.model", store=True, index=True)
    report_id = fields.Many2one(
        "ir.actions.report", required=True, ondelete="cascade",
        domain="[('model', '=', model), ('report_type', '=', 'qweb-pdf')]",
        help="The PDF attached to each e-mail (another PDF report of the same documents "
        "can be chosen when sending).",
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="E-mail Template", required=True, ondelete="restrict",
        domain="[('model', '=', model)]",
        help="Subject, text and language of the e-mails; its recipients and attachments "
        "are not used.",
    )
    recipient_path = fields.Char(
        string="Recipient",
        help="Field (or dotted path) from the document to its recipient: a contact (e.g. "
        "partner_id, work_contact_id) or an e-mail address (e.g. work_email). Empty: the "
        "document itself, for contacts.",
    )
    domain = fields.Char(
        default="[]",
        help="Documents outside this domain are skipped as not applicable (e.g. draft "
        "invoices).",
    )
    document_check = fields.Selection(
        [("has_document", "Something to send")],
        string="Nothing-to-send Check",
        help="Asked of each document before it is sent; a document without something to "
        "send is skipped as \"nothing to send\" (e.g. a partner without an overdue amount "
        "for a payment reminder). Empty: never skipped.",
    )
    use_document_date = fields.Boolean(
        string="Ask for the Document Date",
        help="The date of the documents is asked when sending and given to the report "
        "(data[\"date\"]); a document is \"already sent\" only for the same date.",
    )
    print_delay = fields.Integer(
        string="JavaScript Delay (ms)",
        help="How long wkhtmltopdf waits for the report's JavaScript. 0: the report's own "
        "setting (system parameter report.print_delay, 1000 ms by default). Reports that "
        "run no JavaScript print much faster with a short delay (e.g. 50).",
    )
    email_layout_xmlid = fields.Char(
        string="E-mail Layout", default="mail.mail_notification_light",
        help="XML id of the layout around the template's text.",
    )
    group_ids = fields.Many2many(
        "res.groups", "mail_batch_profile_res_groups_rel", "profile_id", "group_id",
        string="Allowed Groups",
        help="Only members of these groups may send these documents. Empty: every internal "
        "user who may read the documents and print the report.",
    )
    manager_group_ids = fields.Many2many(
        "res.groups", "mail_batch_profile_manager_groups_rel", "profile_id", "group_id",
        string="Manager Groups",
        help="Members see every batch of this profile in their companies, not only their own.",
    )

    _sql_constraints = [
        ("print_delay_positive", "CHECK(print_delay >= 0)",
         "The JavaScript delay cannot be negative."),
    ]

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------
    @api.constrains("model_id", "report_id", "mail_template_id")
    def _check_same_model(self):
        for profile in self:
            if profile.report_id.model != profile.model:
                raise ValidationError(self.env._(
                    "The report %(report)s does not print %(model)s documents.",
                    report=profile.report_id.name, model=profile.model_id.name))
            if profile.mail_template_id.model != profile.model:
                raise ValidationError(self.env._(
                    "The e-mail template %(template)s is not made for %(model)s documents.",
                    template=profile.mail_template_id.name, model=profile.model_id.name))

    @api.constrains("model_id", "recipient_path")
    def _check_recipient_path(self):
        for profile in self:
            profile._recipient_field()

    @api.constrains("domain", "model_id")
    def _check_domain(self):
        for profile in self:
            try:
                self.env[profile.model].search_count(profile._domain(), limit=1)
            except Exception as error:
                raise ValidationError(self.env._(
                    "The domain of %(profile)s is not valid: %(error)s",
                    profile=profile.name, error=error)) from error

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        profiles = super().create(vals_list)
        self._sync_binding_actions()
        return profiles

    def write(self, vals):
        result = super().write(vals)
        if {"active", "model_id", "group_ids"} & set(vals):
            self._sync_binding_actions()
        return result

    def unlink(self):
        result = super().unlink()
        self._sync_binding_actions()
        return result

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    @api.model
    def _sync_binding_actions(self):
        """One *Print & e-mail* entry in the Action menu of each model with an active
        profile, visible to the profiles' groups; none for the others.

        The actions get an XML id of this module (not updatable), so that uninstalling
        it removes them.
        """
        IrModelData = self.env["ir.model.data"].sudo()
        Action = self.env["ir.actions.act_window"].sudo()
        profiles = self.sudo().search([("active", "=", True)])
        wanted = {}
        for profile in profiles:
            wanted.setdefault(profile.model_id, self.env["mail.batch.profile"].sudo())
            wanted[profile.model_id] |= profile
        existing = {
            data.name: Action.browse(data.res_id)
            for data in IrModelData.search([
                ("module", "=", "mail_accounts_ext"), ("model", "=", "ir.actions.act_window"),
                ("name", "=like", BINDING_XMLID_PREFIX + "%"),
            ])
        }
        for model, model_profiles in wanted.items():
            name = BINDING_XMLID_PREFIX + model.model.replace(".", "_")
            groups = model_profiles.group_ids
            if not all(model_profiles.mapped("group_ids")):
                groups = self.env["res.groups"]  # a profile open to every user
            values = {
                "name": self.env._("Print & e-mail"),
                "res_model": "mail.batch.send",
                "view_mode": "form",
                "target": "new",
                "binding_model_id": model.id,
                "binding_view_types": "list,form",
                "groups_id": [fields.Command.set(groups.ids)],
            }
            action = existing.pop(name, Action).exists()
            if action:
                action.write(values)
            else:
                action = Action.create(values)
                IrModelData.create({
                    "module": "mail_accounts_ext", "name": name,
                    "model": "ir.actions.act_window", "res_id": action.id, "noupdate": True,
                })
        for action in existing.values():
            action.exists().unlink()

    def _domain(self):
        self.ensure_one()
        return safe_eval(self.domain or "[]")

    def _recipient_field(self):
        """The last field of the recipient path (None: the document itself)."""
        self.ensure_one()
        model = self.env[self.model]
        if not self.recipient_path:
            if self.model != "res.partner":
                raise ValidationError(self.env._(
                    "Say who receives the %(model)s documents: the recipient can be left "
                    "empty only for contacts.", model=self.model_id.name))
            return None
        field = None
        for name in self.recipient_path.split("."):
            field = model._fields.get(name)
            if field is None:
                raise ValidationError(self.env._(
                    "The recipient %(path)s is not a field of %(model)s.",
                    path=self.recipient_path, model=self.model_id.name))
            if field.type == "many2one":
                model = self.env[field.comodel_name]
        if field.type not in RECIPIENT_FIELD_TYPES or (
            field.type == "many2one" and field.comodel_name != "res.partner"
        ):
            raise ValidationError(self.env._(
                "The recipient %(path)s must lead to a contact or to an e-mail address.",
                path=self.recipient_path))
        return field

    def _check_user_allowed(self):
        """The current user may send this profile's documents (groups of the profile,
        groups of its report)."""
        self.ensure_one()
        user = self.env.user
        if self.env.su:
            return
        if self.group_ids and not (self.group_ids & user.groups_id):
            raise AccessError(self.env._(
                "You are not allowed to print and e-mail %(profile)s: ask for the access "
                "rights %(groups)s.", profile=self.name,
                groups=", ".join(self.group_ids.mapped("full_name"))))

    def _recipient(self, record):
        """``(partner, email, problem)`` of a document: the contact to notify (maybe
        empty), the normalized address (False when missing or invalid) and, without an
        address, why (``NO_EMAIL``: none given, ``INVALID_EMAIL``: not an address)."""
        self.ensure_one()
        field = self._recipient_field()
        if field is None:
            partner = record
        else:
            value = record.sudo().mapped(self.recipient_path)
            if field.type == "char":
                given = value[0] if value else ""
                email = email_normalize(given or "")
                if not email:
                    return self.env["res.partner"], False, self._address_problem(given)
                partner = record.sudo()._mail_find_partner_from_emails(
                    [email], records=record.sudo(), force_create=True)[0]
                return partner.sudo(False), email, False
            partner = value[:1]
        given = partner.email if partner else ""
        email = email_normalize(given or "")
        return partner, email, False if email else self._address_problem(given)

    @api.model
    def _address_problem(self, given):
        """Why no address could be used: none given, or not an e-mail address."""
        return bt.INVALID_EMAIL if (given or "").strip() else bt.NO_EMAIL

    def _document_key(self, date):
        """What tells two documents of the same record apart: the date, when asked
        ("-" for documents without date, e.g. invoices)."""
        self.ensure_one()
        return fields.Date.to_string(date) if self.use_document_date and date else "-"

    def _plan(self, records, report, date=None, company=None, send_again=False):
        """What sending ``records`` would do, record by record (the dry run and the cron).

        :return: ``{res_id: {"state": "pending" | "skipped", "skip_reason": ...,
            "partner": res.partner, "email": str | False}}``
        """
        self.ensure_one()
        company = company or self.env.company
        plan = {}
        applicable = records.filtered_domain(self._domain()) if self.domain else records
        key = self._document_key(date)
        sent_before = set()
        if not send_again:
            sent_before = set(self.env["mail.batch.line"].sudo().search([
                ("report_id", "=", report.id), ("res_model", "=", records._name),
                ("res_id", "in", records.ids), ("document_key", "=", key),
                ("state", "in", bt.MAIL_STATES),
            ]).mapped("res_id"))
        check = self.document_check
        for record in records:
            partner, email, problem = (self._recipient(record) if record in applicable
                                       else (False, False, False))
            entry = {"state": bt.PENDING, "skip_reason": False,
                     "partner": partner or self.env["res.partner"], "email": email}
            if record not in applicable:
                entry.update(state=bt.SKIPPED, skip_reason=bt.NOT_APPLICABLE)
            elif not email:
                entry.update(state=bt.SKIPPED, skip_reason=problem)
            elif record.id in sent_before:
                entry.update(state=bt.SKIPPED, skip_reason=bt.ALREADY_SENT)
            elif check and not record._mae_batch_check(check, report.report_name, date=date,
                                                       company=company):
                entry.update(state=bt.SKIPPED,
                             skip_reason=bt.NOTHING_TO_SEND)
            plan[record.id] = entry
        return plan
