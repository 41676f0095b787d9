# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import email.utils
import re

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, format_datetime, formataddr

from ..tools import compose_body, headers, parse, recipients

PREFIXES = {"reply": "Re:", "forward": "Fwd:"}
_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|odp|pd|wg|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)
QUOTE_STYLE = "margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex"


class MailAccountCompose(models.TransientModel):
    _name = "mail.account.compose"
    _description = "Write an e-mail from an account"

    mode = fields.Selection(
        [("new", "New"), ("reply", "Reply"), ("reply_all", "Reply all"),
         ("forward", "Forward"), ("draft", "Draft")],
        required=True, default="new", readonly=True,
    )
    allowed_account_ids = fields.Many2many(
        "mail.account", compute="_compute_allowed_account_ids",
    )
    account_id = fields.Many2one(
        "mail.account", string="From", required=True,
        domain="[('id', 'in', allowed_account_ids)]",
        help="The account the e-mail is sent from (its address, its server, its Sent folder).",
    )
    partner_to_ids = fields.Many2many(
        "res.partner", "mail_account_compose_partner_to_rel", "wizard_id", "partner_id",
        string="To (contacts)", help="Contacts, found by name or address.",
    )
    partner_cc_ids = fields.Many2many(
        "res.partner", "mail_account_compose_partner_cc_rel", "wizard_id", "partner_id",
        string="Cc (contacts)",
    )
    partner_bcc_ids = fields.Many2many(
        "res.partner", "mail_account_compose_partner_bcc_rel", "wizard_id", "partner_id",
        string="Bcc (contacts)", help="Hidden recipients.",
    )
    email_to = fields.Char(string="To", help="Other addresses, separated by commas.")
    email_cc = fields.Char(string="Cc", help="Other addresses, separated by commas.")
    email_bcc = fields.Char(string="Bcc", help="Hidden recipients: other addresses.")
    subject = fields.Char()
    body = fields.Html(sanitize_style=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", "mail_account_compose_attachment_rel", "wizard_id", "attachment_id",
        string="Attachments",
    )
    parent_id = fields.Many2one("mail.account.message", string="Answering", readonly=True)
    draft_id = fields.Many2one("mail.account.message", readonly=True)
    in_reply_to = fields.Char(readonly=True)
    references = fields.Text(readonly=True)

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------
    def _compute_allowed_account_ids(self):
        accounts = self.env["mail.account"]._mailbox_accounts()
        for wizard in self:
            wizard.allowed_account_ids = accounts

    # ------------------------------------------------------------------
    # ONCHANGES
    # ------------------------------------------------------------------
    @api.onchange("account_id")
    def _onchange_account_id(self):
        """Another account: its signature replaces the one in the body."""
        if self.account_id and self.body:
            self.body = compose_body.replace_signature(
                self.body, self.account_id._signature_block())

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------
    @api.model
    def _action_open(self, mode, message=None):
        """Open the composer for ``mode`` (new, reply, reply_all, forward, draft)."""
        wizard = self.create(self._values_for(mode, message))
        if mode == "forward" and message:
            wizard.attachment_ids = [fields.Command.link(attachment.copy({
                "res_model": self._name, "res_id": wizard.id}).id)
                for attachment in message.sudo().attachment_ids]
        titles = {"new": self.env._("New e-mail"), "reply": self.env._("Reply"),
                  "reply_all": self.env._("Reply all"), "forward": self.env._("Forward"),
                  "draft": self.env._("Draft")}
        return {
            "type": "ir.actions.act_window",
            "name": titles[mode],
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_send(self):
        self.ensure_one()
        account = self._check_account()
        to_list, cc_list, bcc_list = self._recipients(required=True)
        sent = account._mailbox_folder("sent")
        message = self._write_message(account, {
            "folder_id": sent.id, "state": "outgoing", "failure_reason": False,
        })
        attachments = self._attach_to(message)
        headers = {}
        if self.in_reply_to:
            headers["In-Reply-To"] = self.in_reply_to
        if bcc_list:
            headers["Bcc"] = ", ".join(bcc_list)
        mail_values = {
            "email_from": account._email_from(),
            "email_to": ", ".join(to_list),
            "email_cc": ", ".join(cc_list) or False,
            "subject": self._subject(),
            "body_html": self.body or "",
            "mail_server_id": account.sudo().mail_server_id.id,
            "references": self.references or False,
            "headers": repr(headers) if headers else False,
            "attachment_ids": [fields.Command.set(attachments.ids)],
            "auto_delete": True,
            "author_id": self.env.user.partner_id.id,
            "message_type": "email_outgoing",
        }
        if account.reply_to_account:
            mail_values["reply_to"] = account._email_from()
        mail = self.env["mail.mail"].sudo().create(mail_values)
        message.sudo().write({"mail_mail_id": mail.id, "message_id": mail.message_id})
        mail.send_after_commit()
        # Sent after the commit: the notification says what is true now.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("E-mail queued"),
                "message": self.env._(
                    "The e-mail to %(recipients)s is on its way from %(account)s; the Sent "
                    "folder shows when it has left, or why not.",
                    recipients=", ".join(to_list + cc_list + bcc_list),
                    account=account.display_name),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_save_draft(self):
        self.ensure_one()
        account = self._check_account()
        # A draft keeps what was typed, valid or not; its server copy the valid addresses.
        to_list, cc_list, bcc_list = self._recipients(required=False, strict=False)
        drafts = account._mailbox_folder("drafts")
        message = self._write_message(account, {"folder_id": drafts.id, "state": "draft"})
        attachments = self._attach_to(message)
        if account.incoming_protocol == "imap":
            raw = self._draft_raw(account, message, attachments, to_list, cc_list, bcc_list)
            message.sudo().write({"needs_upload": True, "upload_raw": base64.b64encode(raw)})
            account._push_changes_quietly()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("The draft was saved in Drafts."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_discard(self):
        """Close; a draft being edited goes to Deleted Items."""
        self.ensure_one()
        if self.draft_id:
            self.draft_id.action_delete()
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------
    @api.model
    def _values_for(self, mode, message):
        Account = self.env["mail.account"]
        account = Account
        if message and message.account_id._may_use():
            account = message.account_id
        account = account or Account._default_account()
        if not account:
            raise UserError(self.env._(
                "You have no e-mail account to write from yet: add one under E-mail > "
                "Accounts > My e-mail accounts."))
        values = {"mode": mode, "account_id": account.id}
        signature = account._signature_block()
        if not message:
            if signature:
                values["body"] = Markup("<p><br/></p>") + signature
            return values
        own = {email_normalize(account.email)}
        if mode == "draft":
            values.update(
                draft_id=message.id, parent_id=message.parent_id.id,
                **self._recipient_values(message.email_to, message.email_cc,
                                         message.email_bcc),
                subject=message.subject, body=message.body_html,
                in_reply_to=message.in_reply_to, references=message.references,
                attachment_ids=[fields.Command.set(message.sudo().attachment_ids.ids)],
            )
        elif mode in ("reply", "reply_all"):
            to = message.reply_to or message.email_from
            if message.folder_id.role == "sent":  # answering one's own mail: same people
                to = message.email_to
            to = self._join_addresses([to])
            cc = ""
            if mode == "reply_all":
                to = self._join_addresses([to, message.email_to], exclude=own)
                cc = self._join_addresses([message.email_cc], exclude=own | {
                    email_normalize(address) for address in parse.address_list(to)})
            references = " ".join(filter(None, [message.references, message.message_id]))
            values.update(
                parent_id=message.id, **self._recipient_values(to, cc),
                subject=self._prefixed("reply", message.subject),
                in_reply_to=message.message_id, references=references or False,
                body=self._quoted(message, signature),
            )
        elif mode == "forward":
            values.update(parent_id=message.id,
                          subject=self._prefixed("forward", message.subject),
                          body=self._forwarded(message, signature))
        return values

    @api.model
    def _recipient_values(self, to, cc="", bcc=""):
        """Composer values for address lists: the addresses of contacts the user may
        read become contacts, the others stay addresses (as written)."""
        values = {}
        for suffix, text in (("to", to), ("cc", cc), ("bcc", bcc)):
            partners, others = self._split_contacts(text)
            values[f"partner_{suffix}_ids"] = [fields.Command.set(partners.ids)]
            values[f"email_{suffix}"] = others or False
        return values

    @api.model
    def _split_contacts(self, text):
        """(contacts, other addresses) of an address list ``text``."""
        entries = recipients.parse_entries(text)
        by_address = self.env["res.partner"]._mae_by_address(
            email_normalize(address) for _name, address, _entry in entries)
        partners, others = self.env["res.partner"], []
        for name, address, entry in entries:
            partner = by_address.get(email_normalize(address))
            if partner:
                partners |= partner
            else:
                others.append(formataddr((name, address)) if email_normalize(address)
                              else entry)
        return partners, ", ".join(others)

    @api.model
    def _prefixed(self, mode, subject):
        subject = _PREFIX_RE.sub("", subject or "") if mode == "reply" else (subject or "")
        return f"{PREFIXES[mode]} {subject}".strip()

    @api.model
    def _join_addresses(self, values, exclude=()):
        seen, result = set(exclude), []
        for name, address in email.utils.getaddresses(list(filter(None, values))):
            normalized = email_normalize(address)
            if normalized and normalized not in seen:
                seen.add(normalized)
                result.append(formataddr((name, address)))
        return ", ".join(result)

    @api.model
    def _quoted(self, message, signature=""):
        """The reply's body: room to write, the signature, then the quote."""
        header = self.env._("On %(date)s, %(author)s wrote:",
                            date=format_datetime(self.env, message.date, dt_format="short"),
                            author=message.email_from or "")
        # The body as the reader sees it: no remote content loads in the editor either.
        return Markup('<p><br/></p>%s<div>%s</div><blockquote style="%s">%s</blockquote>') % (
            signature or "", header, QUOTE_STYLE, message.body_view or "")

    @api.model
    def _forwarded(self, message, signature=""):
        rows = [
            (self.env._("From"), message.email_from),
            (self.env._("Date"), format_datetime(self.env, message.date)),
            (self.env._("Subject"), message.subject),
            (self.env._("To"), message.email_to),
            (self.env._("Cc"), message.email_cc),
        ]
        lines = Markup("<br/>").join(Markup("%s: %s") % (label, value)
                                     for label, value in rows if value)
        # The forwarded body in a block of its own: its signature is not the composer's.
        return Markup("<p><br/></p>%s<div>%s<br/>%s</div><br/><div>%s</div>") % (
            signature or "", self.env._("---------- Forwarded message ----------"), lines,
            message.body_view or "")

    def _check_account(self):
        account = self.account_id
        account._check_may_use()  # archived accounts included
        if self.draft_id:
            self.draft_id.check_access("write")
        if self.parent_id:
            self.parent_id.check_access("read")
        # Attachments are moved or copied with sudo afterwards: only those the user
        # may read can leave with the e-mail.
        self.attachment_ids.check("read")  # ir.attachment: access of the records they belong to
        return account

    def _subject(self):
        """The subject as it goes into the header: a pasted line break or tab becomes a
        space (Python refuses line breaks in headers, and mail would not leave)."""
        return headers.clean_text(self.subject or "")

    def _recipients(self, required, strict=True):
        """Formatted To, Cc, Bcc lists: the contacts, then the other addresses, each
        address once. Invalid addresses (and contacts without one) are refused, named;
        with ``strict=False`` they are left out instead (a draft keeps them as typed)."""
        lists, invalid, seen = [], [], set()
        for partners, value in self._recipient_fields():
            entries = []
            for partner in partners:
                normalized = email_normalize(partner.email or "")
                if not normalized:
                    invalid.append(self.env._("%(contact)s (no valid e-mail address)",
                                              contact=partner.display_name))
                elif normalized not in seen:
                    seen.add(normalized)
                    entries.append(formataddr((partner.name or "", normalized)))
            for name, address, entry in recipients.parse_entries(value):
                normalized = email_normalize(address)
                if not normalized:
                    invalid.append(entry)
                elif normalized not in seen:
                    seen.add(normalized)
                    entries.append(formataddr((name, address)))
            lists.append(entries)
        if invalid and strict:
            raise UserError(self.env._(
                "These addresses are not valid: %(addresses)s. Correct them and send "
                "again; the e-mail stays as you wrote it.", addresses=", ".join(invalid)))
        if required and not any(lists):
            raise UserError(self.env._("Add at least one recipient."))
        return lists

    def _recipient_fields(self):
        """(contacts, other addresses) of To, Cc and Bcc."""
        return [(self.partner_to_ids, self.email_to), (self.partner_cc_ids, self.email_cc),
                (self.partner_bcc_ids, self.email_bcc)]

    def _address_texts(self):
        """To, Cc and Bcc as the mailbox keeps them: contacts and other addresses as
        typed (a draft keeps even an invalid one)."""
        texts = []
        for partners, value in self._recipient_fields():
            parts = [formataddr((partner.name or "", email_normalize(partner.email or "")))
                     if email_normalize(partner.email or "") else partner.display_name
                     for partner in partners]
            if value and value.strip():
                parts.append(value.strip())
            texts.append(", ".join(parts) or False)
        return texts

    def _write_message(self, account, values):
        """Create the mailbox message (or update the draft being edited)."""
        email_to, email_cc, email_bcc = self._address_texts()
        values = dict(
            values, account_id=account.id, subject=self._subject() or False,
            email_from=account._email_from(), email_to=email_to,
            email_cc=email_cc, email_bcc=email_bcc,
            body_html=self.body or False, in_reply_to=self.in_reply_to or False,
            references=self.references or False, parent_id=self.parent_id.id,
            is_seen=True, seen_dirty=False, date=fields.Datetime.now(),
            reply_to=account._email_from() if account.reply_to_account else False,
        )
        Message = self.env["mail.account.message"].sudo()
        draft = self.draft_id.sudo()
        if draft:
            if draft.server_folder_id:  # the old server copy goes
                draft._remember_deletions(force_server_delete=True)
            values.update(server_folder_id=False, imap_uid=False, needs_upload=False,
                          upload_raw=False, origin_folder_id=False)
            draft.write(values)
            folders = draft.folder_id
            folders._update_counts()
            return draft
        values.setdefault("message_id", email.utils.make_msgid(domain="mail-accounts-ext"))
        message = Message.create(values)
        message.folder_id._update_counts()
        return message

    def _attach_to(self, message):
        """Give the composer's attachments to ``message``; drop those removed from it."""
        message = message.sudo()
        keep = self.attachment_ids.sudo()
        for attachment in keep:
            owned = attachment.res_model == message._name and attachment.res_id == message.id
            if not owned:
                if attachment.res_model not in (self._name, False) and \
                        attachment.create_uid != self.env.user:
                    attachment = attachment.copy()
                attachment.write({"res_model": message._name, "res_id": message.id})
        current = message.attachment_ids
        (current - keep).filtered(lambda a: a.res_model == message._name).unlink()
        message.invalidate_recordset(["attachment_ids"])
        attachments = message.attachment_ids
        message.has_attachments = bool(attachments)
        return attachments

    def _draft_raw(self, account, message, attachments, to_list, cc_list, bcc_list):
        headers = {"In-Reply-To": self.in_reply_to} if self.in_reply_to else {}
        built = self.env["ir.mail_server"].build_email(
            email_from=account._email_from(), email_to=to_list, subject=self._subject(),
            body=self.body or "", email_cc=cc_list, email_bcc=bcc_list,
            reply_to=message.reply_to or False,
            attachments=[(a.name, a.raw, a.mimetype) for a in attachments.sudo()],
            message_id=message.message_id, references=self.references or None,
            subtype="html", headers=headers)
        return built.as_bytes()
