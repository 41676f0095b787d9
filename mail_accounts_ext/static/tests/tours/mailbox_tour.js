/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import {
    inComposer,
    mailboxListOnly,
    mailRow,
    openFolder,
    openMail,
    openMailbox,
    screenshot,
} from "./tour_utils";

const INBOX_COUNT = (count) =>
    ".o_search_panel .o_search_panel_category_value header:has(.o_search_panel_label_title:contains('Inbox')) " +
    `.o_search_panel_counter:contains('${count}')`;
const TOUR_ROW = mailRow("Tour message");
const POLISH_ROW = mailRow("dostawa do Łodzi");

function search(text) {
    return [
        {
            content: `Search ${text}`,
            trigger: ".o_searchview_input",
            run: `edit ${text}`,
        },
        {
            trigger: ".o_searchview_autocomplete .o_menu_item:first:contains('Anywhere')",
            run: "press Enter",
        },
    ];
}

const clearSearch = {
    content: "Clear the search",
    trigger: ".o_searchview_facet .o_facet_remove",
    run: "click",
};

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_tour", {
    url: "/odoo",
    steps: () => [
        ...openMailbox(),
        // E-mails open on their own page here; the reading pane has a tour of its own.
        ...mailboxListOnly(),
        {
            content: "One number per folder: the unread e-mails",
            trigger: INBOX_COUNT(2),
        },
        {
            content: "Unread rows are bold with a dot",
            trigger: `${TOUR_ROW}.o_mae_unread`,
        },
        screenshot("mailbox_inbox", TOUR_ROW),
        {
            trigger: ".o_control_panel button[name=action_fetch_now]",
            run: "click",
        },
        {
            content: "Fetch now brought a new e-mail: the count followed",
            trigger: INBOX_COUNT(3),
        },
        {
            trigger: ".o_data_row.o_mae_unread:has(td[name=subject]:contains('Late message'))",
        },
        // Search: body text without diacritics, then nothing.
        ...search("lodz"),
        {
            trigger: `${POLISH_ROW}`,
        },
        {
            trigger: `.o_list_view:not(:has(${TOUR_ROW}))`,
        },
        clearSearch,
        ...search("zolc"),
        {
            trigger: `.o_list_view:not(:has(${TOUR_ROW})) ${POLISH_ROW}`,
        },
        clearSearch,
        ...search("nothing-like-this"),
        {
            content: "The empty search says that nothing matched",
            trigger: ".o_mae_no_match:contains('No e-mail matches your search')",
        },
        screenshot("mailbox_no_match"),
        clearSearch,
        openMail(TOUR_ROW),
        {
            trigger: ".o_form_view .o_field_widget[name=subject]:contains('Tour message')",
        },
        {
            // Opening the e-mail marked it read.
            trigger: ".o_form_view button[name=action_mark_unread]",
        },
        screenshot("mailbox_reading"),
        {
            trigger: ".o_form_view button[name=action_reply]",
            run: "click",
        },
        ...inComposer("Re: Tour message"),
        {
            content: "Delete: the e-mail goes to Deleted Items",
            trigger: ".o_form_view button[name=action_delete]:contains('Delete')",
            run: "click",
        },
        {
            content: "Back in the list, the breadcrumbs say only Mailbox",
            trigger: `.o_list_view:not(:has(${TOUR_ROW})) ${POLISH_ROW}`,
        },
        {
            trigger: ".o_breadcrumb:not(:has(.breadcrumb-item)) .active:contains('Mailbox')",
        },
        {
            content: "The Inbox count followed",
            trigger: INBOX_COUNT(2),
        },
        {
            content: "Undo in the notification",
            trigger: ".o_notification:contains('“Tour message” moved to Deleted Items') button:contains('Undo')",
            run: "click",
        },
        {
            content: "The e-mail is back",
            trigger: `${TOUR_ROW}`,
        },
        openMail(TOUR_ROW),
        {
            trigger: ".o_form_view button[name=action_delete]:contains('Delete')",
            run: "click",
        },
        {
            trigger: `.o_list_view:not(:has(${TOUR_ROW})) ${POLISH_ROW}`,
        },
        openFolder("Deleted Items", "Open Deleted Items"),
        openMail(TOUR_ROW),
        {
            content: "Without the right, Delete for good is not offered; Restore is",
            trigger: ".o_form_view:not(:has(button[name=action_delete])) button[name=action_restore]",
        },
        screenshot("mailbox_deleted_items"),
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Mailbox')",
            run: "click",
        },
        {
            trigger: `${TOUR_ROW}`,
        },
        // From the list: Delete with Undo, then Mark as read; the counts follow.
        openFolder("Inbox", "Back to the Inbox"),
        {
            trigger: `${POLISH_ROW} .o_list_record_selector input`,
            run: "click",
        },
        {
            trigger: ".o_control_panel button[name=action_delete]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('“Zapytanie ofertowe') button:contains('Undo')",
            run: "click",
        },
        {
            content: "Undo put it back, still unread",
            trigger: `${POLISH_ROW}.o_mae_unread`,
        },
        {
            trigger: INBOX_COUNT(2),
        },
        {
            trigger: `${POLISH_ROW} .o_list_record_selector input`,
            run: "click",
        },
        {
            trigger: ".o_control_panel button[name=action_mark_read]",
            run: "click",
        },
        {
            content: "Read: one unread left in the Inbox",
            trigger: INBOX_COUNT(1),
        },
        {
            trigger: `${POLISH_ROW}:not(.o_mae_unread)`,
        },
    ],
});

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_language", {
    url: "/odoo",
    steps: () => [
        ...openMailbox(),
        {
            trigger: `${POLISH_ROW}.o_mae_unread`,
        },
        {
            trigger: ".o_search_panel .o_search_panel_counter",
            run: () => {
                console.log(`mae-screenshot:mailbox_${user.lang.slice(0, 2)}`);
            },
        },
        {
            trigger: `${POLISH_ROW} td[name=subject]`,
            run: async (helpers) => {
                await new Promise((resolve) => setTimeout(resolve, 700));
                await helpers.click();
            },
        },
        {
            trigger: ".o_form_view .o_mae_mail_body_content:contains('Łodzi')",
            run: async () => {
                console.log(`mae-screenshot:mailbox_reading_${user.lang.slice(0, 2)}`);
                await new Promise((resolve) => setTimeout(resolve, 700));
            },
        },
    ],
});
