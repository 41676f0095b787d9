# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Contacts in the mailbox composer, the sender's contact, signatures per account."""

import email
import email.policy

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import MailboxCase, SenderCase, real_smtp
from .tour_screenshots import TourScreenshotsMixin


def _received(servers, count=1):
    received = servers.wait_smtp(count)
    assert len(received) == count, received
    return [email.message_from_bytes(r.data, policy=email.policy.default) for r in received]


@tagged("post_install", "-at_install")
class TestComposeContacts(MailboxCase):
    """To/Cc/Bcc with Odoo's contacts and free addresses, validated; the signature."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.contact_pl = Partner.create({"name": "Zażółć Gęślą Jaźń",
                                         "email": "zazolc@klient.example.pl"})
        cls.contact_uk = Partner.create({"name": "Олена Коваль",
                                         "email": "olena.koval@klient.example.ua"})
        cls.contact_no_email = Partner.create({"name": "Bez Adresu"})
        # A contact of another company: operator A may not read it.
        cls.other_company = cls.env["res.company"].create({"name": "Other Company Sp. z o.o."})
        cls.hidden_contact = Partner.create({
            "name": "Zażółć Hidden", "email": "hidden.zazolc@klient.example.pl",
            "company_id": cls.other_company.id})
        cls.account, cls.address = cls._new_mailbox(cls.user_a, "contacts")
        cls.signature = "<p>-- <br>Operator A, Dział Handlowy / Відділ продажу</p>"
        cls.account.with_user(cls.user_a).signature = cls.signature

    def setUp(self):
        super().setUp()
        self.servers.clear_smtp()

    def _form(self, action, user=None):
        wizard = self.env[action["res_model"]].with_user(user or self.user_a).browse(
            action["res_id"])
        return Form(wizard)

    def _new(self):
        return self._form(self.Message.with_user(self.user_a).action_compose())

    def test_autocomplete_offers_readable_contacts_only(self):
        Partner = self.env["res.partner"].with_user(self.user_a)
        field = self.env["mail.account.compose"]._fields["partner_to_ids"]
        self.assertEqual(field.comodel_name, "res.partner")
        found = dict(Partner.name_search("Zażółć", limit=20))
        self.assertIn(self.contact_pl.id, found)
        self.assertNotIn(self.hidden_contact.id, found, "another company's contact")
        found = dict(Partner.name_search("klient.example.ua"))
        self.assertEqual(list(found), [self.contact_uk.id], "found by address too")
        # The hidden contact cannot be slipped in over RPC either.
        with self.assertRaises(AccessError):
            wizard = self._new().save()
            wizard.write({"partner_to_ids": [(4, self.hidden_contact.id)]})
            wizard.action_send()

    def test_contacts_and_free_addresses_delivered(self):
        form = self._new()
        form.partner_to_ids.add(self.contact_pl)
        form.partner_to_ids.add(self.contact_uk)
        form.email_to = '"Łukasz Wójcik" <lukasz@example.com>, zazolc@klient.example.pl'
        form.email_cc = "kopia@example.com"
        form.email_bcc = "ukryty@example.com"
        form.subject = "Oferta / Пропозиція"
        form.body = "<p>Dzień dobry</p>"
        action = form.save().action_send()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("queued", action["params"]["title"].lower())
        self.assertIn(self.account.email, action["params"]["message"])
        (sent,) = _received(self.servers)
        smtp = self.servers.smtp_received[0]
        self.assertEqual(sorted(smtp.rcpt_tos), sorted([
            "zazolc@klient.example.pl", "lukasz@example.com", "kopia@example.com",
            "olena.koval@klient.example.ua", "ukryty@example.com"]),
            "each address once, Bcc in the envelope")
        self.assertEqual([(a.display_name, a.addr_spec) for a in sent["To"].addresses], [
            ("Zażółć Gęślą Jaźń", "zazolc@klient.example.pl"),
            ("Олена Коваль", "olena.koval@klient.example.ua"),
            ("Łukasz Wójcik", "lukasz@example.com")])
        # Odoo's mail queue sends Cc as bare addresses (core's mail.mail).
        self.assertEqual([a.addr_spec for a in sent["Cc"].addresses], ["kopia@example.com"])
        self.assertIsNone(sent["Bcc"])
        local = self.Message.with_user(self.user_a).search(
            [("account_id", "=", self.account.id), ("folder_id.role", "=", "sent")])
        self.assertIn("Zażółć Gęślą Jaźń", local.email_to)
        self.assertIn("Олена Коваль", local.email_to)
        self.assertEqual(local.email_cc, "kopia@example.com")

    def test_invalid_address_refused_and_draft_kept(self):
        form = self._new()
        form.partner_to_ids.add(self.contact_pl)
        form.email_to = "good@example.com, not-an-address@, Jan <jan@@example.com>"
        form.subject = "Zapytanie"
        form.body = "<p>Treść, której nie wolno zgubić</p>"
        wizard = form.save()
        with self.assertRaises(UserError) as refused:
            wizard.action_send()
        self.assertIn("not-an-address@, Jan <jan@@example.com>", str(refused.exception))
        self.assertNotIn("good@example.com", str(refused.exception))
        self.assertFalse(self.servers.smtp_received)
        # What was typed is still there, and Save draft keeps it all.
        self.assertEqual(wizard.email_to,
                         "good@example.com, not-an-address@, Jan <jan@@example.com>")
        self.assertEqual(wizard.partner_to_ids, self.contact_pl)
        wizard.action_save_draft()
        draft = self.Message.with_user(self.user_a).search(
            [("account_id", "=", self.account.id), ("state", "=", "draft")])
        self.assertIn("jan@@example.com", draft.email_to)
        self.assertIn("zazolc@klient.example.pl", draft.email_to)
        self.assertIn("Treść, której nie wolno zgubić", draft.body_html)
        # Reopened: the contact is a contact again, the rest as typed.
        form = self._form(draft.action_edit_draft())
        self.assertEqual(form.partner_to_ids[:], self.contact_pl)
        self.assertIn("jan@@example.com", form.email_to)

    def test_contact_without_address_refused_in_polish(self):
        self.env["res.lang"]._activate_lang("pl_PL")
        self.user_a.lang = "pl_PL"
        form = self._new()
        form.partner_to_ids.add(self.contact_no_email)
        form.subject = "x"
        wizard = form.save()
        with self.assertRaises(UserError) as refused:
            wizard.action_send()
        self.assertIn("Bez Adresu", str(refused.exception))

    def test_signature_in_new_reply_and_forward(self):
        form = self._new()
        self.assertIn("Dział Handlowy", form.body)
        self.assertTrue(form.body.startswith("<p><br></p>") or form.body.startswith("<p><br/>"),
                        "room to write above the signature")
        self.servers.deliver(self.address, self._raw(
            "Pytanie o ofertę", body="Proszę o ofertę", sender="Klient <klient@example.com>",
            to=self.address, message_id="<ask-1@example.com>"))
        self._fetch(self.account)
        message = self.Message.with_user(self.user_a).search(
            [("account_id", "=", self.account.id), ("message_id", "=", "<ask-1@example.com>")])
        for action in (message.action_reply(), message.action_reply_all()):
            body = self._form(action).body
            self.assertLess(body.index("Dział Handlowy"), body.index("Proszę o ofertę"),
                            "the signature is above the quote")
        action = message.action_forward()
        self.assertEqual(action["name"], "Forward")
        form = self._form(action)
        self.assertLess(form.body.index("Dział Handlowy"), form.body.index("Proszę o ofertę"))
        form.email_to = "dalej@example.com"
        form.save().action_send()
        (sent,) = _received(self.servers)
        self.assertIn("Dział Handlowy", sent.get_body(("html",)).get_content())

    def test_reply_prefills_known_contact(self):
        self.servers.deliver(self.address, self._raw(
            "Re: Oferta", body="Dziękuję", sender='"Zażółć G." <Zazolc@Klient.example.pl>',
            to=f"{self.address}, kolega@example.com", message_id="<known-1@example.com>"))
        self._fetch(self.account)
        message = self.Message.with_user(self.user_a).search(
            [("message_id", "=", "<known-1@example.com>")])
        form = self._form(message.action_reply_all())
        self.assertEqual(form.partner_to_ids[:], self.contact_pl, "the sender's contact")
        self.assertEqual(form.email_to, "kolega@example.com")

    def test_changing_account_swaps_signature(self):
        other, _address = self._new_mailbox(self.user_a, "contacts.other")
        other.with_user(self.user_a).signature = "<p>Inny podpis</p>"
        form = self._new()
        form.body = "<p>Mój tekst</p>" + form.body
        form.account_id = other
        self.assertIn("Inny podpis", form.body)
        self.assertNotIn("Dział Handlowy", form.body)
        self.assertIn("Mój tekst", form.body)
        other.with_user(self.user_a).signature = False
        form.account_id = self.account
        form.account_id = other
        self.assertNotIn("Dział Handlowy", form.body)
        self.assertIn("Mój tekst", form.body)


@tagged("post_install", "-at_install")
class TestSenderContact(MailboxCase):
    """The sender of a received e-mail and Odoo's contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account, cls.address = cls._new_mailbox(cls.user_a, "sender.contact")
        cls.contact = cls.env["res.partner"].create({
            "name": "Ірина Шевченко", "email": "iryna@kontakt.example.ua"})
        cls.other_company = cls.env["res.company"].create({"name": "Другa компанія"})
        cls.hidden = cls.env["res.partner"].create({
            "name": "Hidden Sender", "email": "hidden@kontakt.example.ua",
            "company_id": cls.other_company.id})
        for number, sender in enumerate([
                '"Ірина Ш." <IRYNA@kontakt.example.ua>', "Hidden <hidden@kontakt.example.ua>",
                '"Nowy Klient Łódź" <nowy@klient.example.pl>'], start=1):
            cls.servers.deliver(cls.address, cls._raw(
                f"Zapytanie {number}", body=f"Treść {number}", sender=sender, to=cls.address,
                message_id=f"<sender-{number}@example.com>"))
        cls._fetch(cls.account, check=True)
        messages = cls.Message.with_user(cls.user_a).search(
            [("account_id", "=", cls.account.id)], order="message_id")
        cls.known, cls.from_hidden, cls.unknown = messages

    def test_sender_linked_to_readable_contact(self):
        self.assertEqual(self.known.sender_partner_id, self.contact.with_user(self.user_a),
                         "matched by normalised address")
        self.assertFalse(self.from_hidden.sender_partner_id,
                         "a contact the reader may not see is not shown")
        self.assertEqual(self.from_hidden.sudo().sender_partner_id, self.hidden)
        self.assertFalse(self.unknown.sender_partner_id)

    def test_create_contact(self):
        # A plain operator may not create contacts: no button, and the action refuses.
        self.assertFalse(self.unknown.can_create_contact)
        with self.assertRaises(AccessError):
            self.unknown.action_create_contact()
        self.user_a.groups_id = [(4, self.env.ref("base.group_partner_manager").id)]
        self.unknown.invalidate_recordset(["can_create_contact"])
        self.assertTrue(self.unknown.can_create_contact)
        with self.assertRaises(UserError):
            self.known.action_create_contact()
        action = self.unknown.action_create_contact()
        self.assertEqual(action["res_model"], "res.partner")
        form = Form(self.env["res.partner"].with_user(self.user_a).with_context(
            **action["context"]))
        self.assertEqual(form.name, "Nowy Klient Łódź")
        self.assertEqual(form.email, "nowy@klient.example.pl")
        partner = form.save()
        self.unknown.invalidate_recordset(["sender_partner_id"])
        self.assertEqual(self.unknown.sender_partner_id, partner)

    def test_create_lead_only_with_crm(self):
        """*Create lead* is offered and works when CRM is installed (no dependency on
        it); without CRM the button stays hidden and the action refuses. The suite's
        database has only the addon's dependencies: the second branch runs there."""
        if "crm.lead" not in self.env:
            self.assertFalse(self.known.can_create_lead)
            with self.assertRaises(UserError):
                self.known.action_create_lead()
            with self.assertRaises(AccessError, msg="another's e-mail: access comes first"):
                self.known.with_user(self.user_b).action_create_lead()
            arch = self.env["mail.account.message"].with_user(self.user_a).get_views(
                [(False, "form")])["views"]["form"]["arch"]
            self.assertIn('name="action_create_lead"', arch)
            self.assertIn("not can_create_lead", arch)
            return
        salesman = new_test_user(self.env, login="mae_salesman",
                                 groups="base.group_user,sales_team.group_sale_salesman")
        self.account.sudo().user_ids = [(4, salesman.id)]
        message = self.known.with_user(salesman)
        self.assertTrue(message.can_create_lead)
        action = message.action_create_lead()
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(lead.partner_id, self.contact)
        self.assertEqual(lead.name, "Zapytanie 1")
        self.assertEqual((message.res_model, message.res_id), ("crm.lead", lead.id))
        self.assertIn("Treść 1", lead.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestAccountSignature(SenderCase):
    """The account's signature: defaults, who may change it, chatter mail."""

    def test_defaults(self):
        self.user_brand.signature = "<p>Ann's own signature</p>"
        account, _address = self._new_mailbox_for(self.user_brand, "ann.default")
        self.assertEqual(account.signature, "<p>Ann's own signature</p>")
        self.assertFalse(self.account_office.signature, "company accounts start empty")

    def _new_mailbox_for(self, user, prefix):
        address, password = self._mailbox_user(prefix)
        return self._add_account(user, address, password), address

    def test_write_rules(self):
        self.account_ann.with_user(self.user_brand).write({"signature": "<p>Ann, Brand A</p>"})
        self.assertEqual(self.account_ann.signature, "<p>Ann, Brand A</p>")
        # Another operator: neither a personal account of someone else...
        with self.assertRaises(AccessError):
            self.account_ann.with_user(self.user_personal).write({"signature": "<p>x</p>"})
        # ... nor the company's shared account they may use.
        with self.assertRaises(AccessError):
            self.account_office.with_user(self.user_plain).write({"signature": "<p>x</p>"})
        self.assertEqual(self.account_ann.signature, "<p>Ann, Brand A</p>")
        self.assertFalse(self.account_office.signature)
        self.account_office.with_user(self.admin).write({"signature": "<p>Office</p>"})
        self.assertEqual(self.account_office.signature, "<p>Office</p>")

    def test_chatter_mail_signed_by_account(self):
        self.user_brand.signature = "<p>Ann private signature 7731</p>"
        self.account_brand.sudo().signature = "<p>-- <br>Brand A – Dział Obsługi Klienta</p>"
        task = self.task_brand.with_user(self.user_brand)
        with real_smtp():
            task.message_post(body="<p>Your landing page is online.</p>",
                              partner_ids=self.customer.ids, message_type="comment",
                              subtype_xmlid="mail.mt_comment")
        (received,) = _received(self.servers)
        smtp = self.servers.smtp_received[0]
        self.assertEqual(smtp.login, self.account_brand.sudo().smtp_login.lower())
        body = received.get_body(("html",)).get_content()
        self.assertIn("Brand A – Dział Obsługi Klienta", body)
        self.assertNotIn("7731", body, "not the user's own signature")

    def test_chatter_mail_keeps_user_signature_without_account_signature(self):
        self.user_brand.signature = "<p>Ann private signature 7732</p>"
        task = self.task_brand.with_user(self.user_brand)
        with real_smtp():
            task.message_post(body="<p>Hello</p>", partner_ids=self.customer.ids,
                              message_type="comment", subtype_xmlid="mail.mt_comment")
        (received,) = _received(self.servers)
        self.assertIn("7732", received.get_body(("html",)).get_content())


@tagged("post_install", "-at_install", "mae_tours")
class TestComposeContactTour(TourScreenshotsMixin, HttpCase, MailboxCase):
    """Compose to a contact found by autocomplete, in the browser, as a plain operator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create({
            "name": "Zażółć Gęślą Jaźń", "email": "tour.zazolc@klient.example.pl"})
        cls.account, cls.address = cls._new_mailbox(cls.user_a, "tour.contacts")
        cls.account.with_user(cls.user_a).signature = "<p>-- <br>Operator A, Dział Handlowy</p>"

    def test_compose_to_contact_tour(self):
        self.servers.clear_smtp()
        self.start_tour("/odoo", "mail_accounts_ext_compose_contact", login=self.user_a.login)
        sent = self.env["mail.account.message"].search(
            [("account_id", "=", self.account.id), ("subject", "=", "Oferta z przeglądarki")])
        self.assertEqual(len(sent), 1)
        if sent.state == "outgoing":  # sent after the commit of the request, or by the queue
            sent.mail_mail_id.send()
        (received,) = _received(self.servers)
        self.assertEqual([(a.display_name, a.addr_spec) for a in received["To"].addresses],
                         [("Zażółć Gęślą Jaźń", "tour.zazolc@klient.example.pl")])
        self.assertIn("Dział Handlowy", received.get_body(("html",)).get_content())
        attachments = list(received.iter_attachments())
        self.assertEqual([part.get_filename() for part in attachments], ["oferta-łódź.txt"],
                         "the file dropped on the composer")
        self.assertEqual(attachments[0].get_payload(decode=True).decode(), "Oferta – treść 2026")
