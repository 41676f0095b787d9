/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { mailRow, openMail, openMailbox, screenshot } from "./tour_utils";

const ANSWER = mailRow("Zamawiamy krzesła");
const QUESTION = mailRow("Zapytanie: krzesła obrotowe");

registry.category("web_tour.tours").add("mail_accounts_ext_conversation_tour", {
    url: "/odoo",
    steps: () => [
        ...openMailbox(),
        {
            content: "The mailbox opens in conversations",
            trigger: ".o_searchview_facet:contains('Conversations')",
        },
        {
            content: "The conversation once in the Inbox (its newest e-mail), with its size",
            trigger: `.o_list_view:not(:has(${QUESTION})) ${ANSWER} td[name=conversation_count]:contains('3')`,
        },
        screenshot("mailbox_conversations", ANSWER),
        openMail(ANSWER),
        {
            content: "The thread: the three e-mails, Inbox and Sent, newest first",
            trigger: ".o_mae_thread:has(.o_mae_thread_item:eq(2)) .o_mae_thread_item:first.o_mae_thread_current",
        },
        {
            trigger: ".o_mae_thread_item:has(.o_mae_thread_folder:contains('Sent')) .o_mae_thread_toggle",
            run: "click",
        },
        {
            content: "Expanded: the reply's text",
            trigger: ".o_mae_thread_body:contains('W załączeniu oferta')",
        },
        screenshot("mailbox_thread"),
        {
            trigger: ".o_mae_thread_item:last .o_mae_thread_open",
            run: "click",
        },
        {
            content: "Open: the first e-mail of the conversation",
            trigger: ".o_form_view .o_field_widget[name=subject]:contains('Zapytanie: krzesła obrotowe')",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Mailbox')",
            run: "click",
        },
        {
            content: "Single e-mails: remove the Conversations filter",
            trigger: ".o_searchview_facet:contains('Conversations') .o_facet_remove",
            run: "click",
        },
        {
            trigger: `${QUESTION} ~ ${ANSWER}, ${ANSWER} ~ ${QUESTION}`,
        },
    ],
});
