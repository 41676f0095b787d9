# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The sender of an e-mail and Odoo's contacts: the matching contact, *Create contact*
and, when CRM is installed (no dependency), *Create lead*; the contacts of addresses,
which the composer's recipients use too."""

import email.utils

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext


class MailAccountMessage(models.Model):
    _inherit = "mail.account.message"

    sender_partner_id = fields.Many2one(
        "res.partner", string="Contact", compute="_compute_sender_partner_id",
        help="The contact whose e-mail address is the sender's (among the contacts you "
        "may see).",
    )
    can_create_contact = fields.Boolean(compute="_compute_can_create")
    can_create_lead = fields.Boolean(compute="_compute_can_create")

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    @api.depends("sender_email")
    @api.depends_context("uid")
    def _compute_sender_partner_id(self):
        # A person before a company of the same address.
        by_address = self.env["res.partner"]._mae_by_address(
            self.mapped("sender_email"), order="is_company, id")
        for message in self:
            message.sender_partner_id = by_address.get(message.sender_email, False)

    @api.depends_context("uid")
    def _compute_can_create(self):
        contact = self.env["res.partner"].has_access("create")
        lead = "crm.lead" in self.env and self.env["crm.lead"].has_access("create")
        for message in self:
            message.can_create_contact = contact
            message.can_create_lead = lead

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    def action_create_contact(self):
        """*Create contact*: the contact form, filled from the sender (saved by the user,
        with their own rights)."""
        self.ensure_one()
        self.check_access("read")
        self.env["res.partner"].check_access("create")
        if not self.sender_email:
            raise UserError(self.env._("This e-mail has no sender address."))
        if self.sender_partner_id:
            raise UserError(self.env._("The sender is already the contact %(contact)s.",
                                       contact=self.sender_partner_id.display_name))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create contact"),
            "res_model": "res.partner",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_name": self._sender_name(),
                        "default_email": self.sender_email},
        }

    def action_create_lead(self):
        """*Create lead/opportunity* (CRM installed): a lead from the e-mail, which is
        linked to it as *Link to document* does."""
        self.ensure_one()
        self.check_access("write")  # linking changes the e-mail (its document)
        if "crm.lead" not in self.env:
            raise UserError(self.env._("Leads need the CRM application."))
        partner = self.sender_partner_id
        lead = self.env["crm.lead"].create({
            "name": self.subject or self.env._("E-mail from %(sender)s",
                                               sender=self._sender_name()),
            "email_from": self.sender_email,
            "contact_name": False if partner else self._sender_name(),
            "partner_id": partner.id,
            "description": html2plaintext(self.body_view or "") or False,
        })
        self._post_to_document(lead)
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": lead.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------
    def _sender_name(self):
        """The sender's display name, else the address."""
        self.ensure_one()
        pairs = email.utils.getaddresses([self.email_from or ""])
        name = pairs[0][0] if pairs else ""
        return name or self.sender_email or ""


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _mae_by_address(self, addresses, order="id"):
        """``{normalized address: contact}`` of these normalized addresses (empty ones
        ignored), the first contact in ``order`` for each.

        As the current user: a contact they may not read is neither offered nor named.
        """
        addresses = list(set(addresses) - {False, None, ""})
        by_address = {}
        if addresses:
            for partner in self.search([("email_normalized", "in", addresses)], order=order):
                by_address.setdefault(partner.email_normalized, partner)
        return by_address
