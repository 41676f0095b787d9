# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The e-mails the sync stores: fetched mail (and mail decoded again), replies routed to
the documents they answer, copies of sent mail."""

import base64
import datetime
import logging
import re

from odoo import api, fields, models
from odoo.tools import plaintext2html
from odoo.tools.sql import SQL

from ..tools import parse, search_text
from .mail_account_message import SEARCHED_FIELDS

_logger = logging.getLogger(__name__)

# Attachment types a browser could run: always served as downloads.
ACTIVE_MIMETYPE_RE = re.compile(r"html|xml|javascript|ecmascript|svg", re.I)
CID_RE = re.compile(r"""(src\s*=\s*["'])cid:([^"']+)(["'])""", re.I)
STATE_BY_ROLE = {"sent": "sent", "drafts": "draft"}
# What a re-decoding of the original e-mail may repair (see _apply_refetched).
REDECODED_FIELDS = ("subject", "email_from", "email_to", "email_cc", "reply_to")


def _replace_cids(html, urls):
    """Point ``src="cid:..."`` of inline images to their stored attachments."""
    return CID_RE.sub(
        lambda m: m.group(1) + urls.get(m.group(2), "cid:" + m.group(2)) + m.group(3), html)


class MailAccountMessage(models.Model):
    _inherit = "mail.account.message"

    # -- storing fetched mail -------------------------------------------------
    @api.model
    def _values_from_parsed(self, account, folder, parsed, **extra):
        body = parsed.body if parsed.body_is_html else plaintext2html(parsed.body or "")
        values = {
            "account_id": account.id,
            "folder_id": folder.id,
            "state": STATE_BY_ROLE.get(folder.role, "received"),
            "message_id": parsed.message_id,
            "subject": parsed.subject,
            "email_from": parsed.email_from,
            "email_to": parsed.email_to,
            "email_cc": parsed.email_cc,
            "reply_to": parsed.reply_to,
            "date": parsed.date or fields.Datetime.now(),
            "in_reply_to": parsed.in_reply_to,
            "references": parsed.references,
            "body_html": body,
            "size": parsed.size,
            "has_attachments": any(not a.inline for a in parsed.attachments),
            "parse_problems": "\n".join(parsed.problems[:20]) or False,
            **self._invitation_values(parsed),
        }
        values["search_text"] = search_text.document(
            attachment_names=[a.filename for a in parsed.attachments if not a.inline],
            **{name: values[name] or "" for name in SEARCHED_FIELDS})
        values.update(extra)
        return values

    @api.model
    def _invitation_values(self, parsed):
        invitation = parsed.invitations[0] if parsed.invitations else None
        if invitation is None:
            return dict.fromkeys(("invitation_summary", "invitation_start", "invitation_end",
                                  "invitation_all_day", "invitation_location"), False)

        def as_datetime(value):
            if isinstance(value, datetime.datetime):
                return value
            if isinstance(value, datetime.date):
                return datetime.datetime.combine(value, datetime.time())
            return False

        return {
            "invitation_summary": invitation.summary[:500] or False,
            "invitation_start": as_datetime(invitation.start),
            "invitation_end": as_datetime(invitation.end),
            "invitation_all_day": invitation.all_day,
            "invitation_location": invitation.location[:500] or False,
        }

    def _update_search_text(self):
        """Store the search text of these messages again (attachment names included)."""
        messages = self.sudo().exists()
        if not messages:
            return
        names = {}
        for attachment in self.env["ir.attachment"].sudo().search_fetch(
                [("res_model", "=", self._name), ("res_id", "in", messages.ids)],
                ["res_id", "name"], order="id"):
            names.setdefault(attachment.res_id, []).append(attachment.name)
        for message in messages:
            message.write({"search_text": search_text.document(
                attachment_names=names.get(message.id, ()),
                **{name: message[name] or "" for name in SEARCHED_FIELDS})})

    @api.model
    def _apply_refetched_batch(self, domain, parsed_by_key, key_field):
        """The sync downloaded e-mails marked ``refetch_pending`` again: decode them
        again (``parsed_by_key``: {UID or UIDL: parsed}); those whose server copy is
        gone keep what they have and are no longer marked."""
        for message in self.sudo().search(domain + [("refetch_pending", "=", True)]):
            parsed = parsed_by_key.get(message[key_field])
            if parsed is None:
                message.write({"refetch_pending": False})
            else:
                message._apply_refetched(parsed)

    def _apply_refetched(self, parsed):
        """Decode subject, names and attachment names again from the original e-mail
        (downloaded again: ``parsed``), e.g. after the decoding of folded headers was
        fixed. The body, flags and folder stay as they are."""
        self.ensure_one()
        message = self.sudo()
        values = {name: getattr(parsed, name) or False for name in REDECODED_FIELDS}
        values.update(self._invitation_values(parsed), refetch_pending=False)
        message.write({k: v for k, v in values.items() if message[k] != v})
        attachments = self.env["ir.attachment"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "=", message.id)], order="id")
        stored = list(parsed.attachments)
        if len(attachments) == len(stored):
            for attachment, part in zip(attachments, stored, strict=True):
                name = (part.filename or "attachment")[:1024]
                if attachment.name != name:
                    attachment.name = name
        message._update_search_text()

    @api.model
    def _store_fetched(self, folder, fetched, protocol):
        """Create the messages of one downloaded chunk (batch), their attachments, and
        post those answering Odoo documents to the documents' chatter.

        :param folder: the local folder (sudo)
        :param fetched: list of :class:`~..tools.imap_sync.FetchedMessage`
        :param protocol: "imap" (``uid``, server copy in ``folder``) or "pop3" (``uidl``)
        :return: the new messages
        """
        account = folder.account_id
        Message = self.sudo()
        keep = fetched
        if protocol == "pop3":
            keep = self._drop_duplicates(folder, fetched)
        values = []
        for item in keep:
            extra = {"is_seen": item.seen}
            if item.parsed.date is None and item.internal_date:
                extra["date"] = item.internal_date
            if protocol == "imap":
                extra.update(imap_uid=item.uid, server_folder_id=folder.id)
            else:
                extra["pop_uidl"] = item.uidl
            values.append(self._values_from_parsed(account, folder, item.parsed, **extra))
        messages = Message.create(values)
        messages._store_attachments([item.parsed for item in keep])
        if folder.role == "inbox":
            messages._route_to_documents([item.raw for item in keep])
        return messages

    def _drop_duplicates(self, folder, fetched):
        """POP3: one message per Message-Id in a folder; others remembered as deleted."""
        ids = [item.parsed.message_id for item in fetched]
        self.flush_model(["folder_id", "message_id"])
        self.env.cr.execute(SQL(
            "SELECT message_id FROM mail_account_message WHERE folder_id = %s "
            "AND message_id = ANY(%s)", folder.id, ids))
        known = {row[0] for row in self.env.cr.fetchall()}
        keep, skipped = [], []
        for item in fetched:
            if item.parsed.message_id in known:
                skipped.append(item)
            else:
                known.add(item.parsed.message_id)
                keep.append(item)
        if skipped:
            self.env["mail.account.deletion"].sudo().create([{
                "account_id": folder.account_id.id, "pop_uidl": item.uidl,
                "message_id": item.parsed.message_id, "delete_on_server": False,
            } for item in skipped])
        return keep

    def _store_attachments(self, parsed_list):
        """Attachments of freshly created messages (same order as ``parsed_list``)."""
        values, inline = [], {}
        for message, parsed in zip(self, parsed_list, strict=True):
            for attachment in parsed.attachments:
                mimetype = attachment.mimetype or "application/octet-stream"
                if ACTIVE_MIMETYPE_RE.search(mimetype):
                    mimetype = "application/octet-stream"
                values.append({
                    "name": (attachment.filename or "attachment")[:1024],
                    "raw": attachment.content,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": message.id,
                })
                if attachment.content_id and "cid:" in (parsed.body or ""):
                    inline.setdefault(message.id, []).append(
                        (attachment.content_id, len(values) - 1))
        if not values:
            return
        attachments = self.env["ir.attachment"].sudo().create(values)
        if any(not message.search_text for message in self):
            self._update_search_text()
        self.invalidate_recordset(["attachment_ids"])
        for message, parsed in zip(self, parsed_list, strict=True):
            if message.id not in inline:
                continue
            urls = {cid: f"/web/image/{attachments[index].id}"
                    for cid, index in inline[message.id]}
            body = parsed.body if parsed.body_is_html else message.body_html
            message.sudo().body_html = _replace_cids(body, urls)

    # -- replies routed to documents ---------------------------------------------
    def _routing_candidates(self):
        """The messages that may answer Odoo mail or reach a document alias (cheap)."""
        references, addresses = {}, {}
        for message in self:
            references[message.id] = set(parse.referenced_ids(message.references,
                                                              message.in_reply_to))
            addresses[message.id] = set(parse.address_list(
                ", ".join(filter(None, [message.email_to, message.email_cc]))))
        all_refs = set().union(*references.values()) if references else set()
        known_refs = set()
        if all_refs:
            known_refs = set(self.env["mail.message"].sudo().search_fetch(
                [("message_id", "in", list(all_refs)), ("model", "!=", False),
                 ("res_id", "!=", 0)], ["message_id"]).mapped("message_id"))
        all_addresses = set().union(*addresses.values()) if addresses else set()
        alias_full, alias_local = set(), set()
        if all_addresses:
            locals_ = {address.split("@")[0] for address in all_addresses}
            aliases = self.env["mail.alias"].sudo().search_fetch(
                ["|", ("alias_full_name", "in", list(all_addresses)),
                 "&", ("alias_name", "in", list(locals_)), ("alias_incoming_local", "=", True)],
                ["alias_full_name", "alias_name", "alias_incoming_local"])
            alias_full = set(aliases.mapped("alias_full_name"))
            alias_local = set(aliases.filtered("alias_incoming_local").mapped("alias_name"))
        return self.filtered(lambda m: references[m.id] & known_refs or any(
            address in alias_full or address.split("@")[0] in alias_local
            for address in addresses[m.id]))

    def _route_to_documents(self, raws):
        """Let Odoo's mail gateway post answers to documents; link what it posted.

        Each message is processed in a savepoint: a message without route (``ValueError``)
        or with a failing route simply stays in the mailbox.
        """
        raw_by_id = dict(zip(self.ids, raws, strict=True))
        candidates = self._routing_candidates()
        if not candidates:
            return
        MailThread = self.env["mail.thread"].sudo()
        for message in candidates:
            try:
                with self.env.cr.savepoint():
                    MailThread.message_process(False, raw_by_id[message.id])
            except ValueError as error:
                _logger.debug("mailbox message %s not routed: %s", message.id, error)
            except Exception:
                _logger.info("mailbox message %s could not be posted to a document",
                             message.id, exc_info=True)
        self._link_posted_messages(candidates)

    def _link_posted_messages(self, messages):
        posted = self.env["mail.message"].sudo().search_fetch(
            [("message_id", "in", messages.mapped("message_id")), ("model", "!=", False),
             ("res_id", "!=", 0)], ["message_id", "model", "res_id"], order="id")
        by_id = {record.message_id: record for record in posted}
        for message in messages:
            record = by_id.get(message.message_id)
            if record:
                message.sudo().write({"res_model": record.model, "res_id": record.res_id})

    def _post_to_document(self, record):
        """Post this e-mail (with its attachments) on ``record``'s chatter and link it."""
        self.ensure_one()
        already = self.env["mail.message"].sudo().search_count([
            ("message_id", "=", self.message_id), ("model", "=", record._name),
            ("res_id", "=", record.id)])
        if not already:
            partners = record._mail_find_partner_from_emails([self.email_from], records=record)
            author = partners[0] if partners else self.env["res.partner"]
            attachments = [(a.name, a.raw, {"mimetype": a.mimetype})
                           for a in self.sudo().attachment_ids]
            record.message_post(
                body=self.body_html, subject=self.subject, message_type="email",
                subtype_xmlid="mail.mt_comment", email_from=self.email_from,
                author_id=author.id or False, attachments=attachments,
                message_id=self.message_id if not self._message_id_taken() else False,
            )
        self.sudo().write({"res_model": record._name, "res_id": record.id})

    def _message_id_taken(self):
        return bool(self.message_id) and bool(self.env["mail.message"].sudo().search_count(
            [("message_id", "=", self.message_id)]))

    # -- sent mail ----------------------------------------------------------------
    @api.model
    def _register_sent(self, account, raw, message_id):
        """An e-mail left through ``account``'s SMTP server: keep it in Sent.

        Mail composed in the mailbox is already there (state Sending); mail sent from a
        document gets a copy linked to the document. IMAP accounts also append the
        copy to the server's Sent folder (``mail.mail.send`` pushes it).
        """
        Message = self.sudo()
        record = Message.search([("account_id", "=", account.id),
                                 ("message_id", "=", message_id)], limit=1)
        if record and record.state == "sent":
            return record  # several recipients, one copy
        values = {"state": "sent", "failure_reason": False, "date": fields.Datetime.now(),
                  "is_seen": True, "seen_dirty": False}
        if account.incoming_protocol == "imap" and account.save_sent_copy:
            values.update(needs_upload=True, upload_raw=base64.b64encode(raw))
        if not record:
            parsed = parse.parse_message(raw)
            sent = account._mailbox_folder("sent")
            record = Message.create(self._values_from_parsed(account, sent, parsed, **values))
            record._store_attachments([parsed])
            record._link_posted_messages(record)
        else:
            sent = account._mailbox_folder("sent")
            values.update(folder_id=sent.id, server_folder_id=False, imap_uid=False)
            record.write(values)
        return record
