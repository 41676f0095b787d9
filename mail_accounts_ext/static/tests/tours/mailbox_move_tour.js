/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { mailRow, openFolder, openMail, openMailbox } from "./tour_utils";

const MOVE_ROW = mailRow("Przenieś mnie do archiwum");
const JUNK_ROW = mailRow("Wygrałeś nagrodę");
const KEEP_ROW = mailRow("Zostaję w skrzynce");
const folderCount = (label, count) =>
    ".o_search_panel .o_search_panel_category_value header:has(.o_search_panel_label_title:contains('" +
    label +
    `')) .o_search_panel_counter:contains('${count}')`;

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_move", {
    url: "/odoo",
    steps: () => [
        ...openMailbox(),
        {
            trigger: `${MOVE_ROW} .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Move to folder… on the selected e-mail",
            trigger: ".o_control_panel button[name=action_move_to_folder]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=folder_id] input",
            run: "edit Archiwum",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Archiwum')",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_move]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('moved to Archiwum')",
        },
        {
            content: "Gone from the Inbox; the Archiwum count followed",
            trigger: `.o_list_view:not(:has(${MOVE_ROW})) ${KEEP_ROW}`,
        },
        {
            trigger: folderCount("Archiwum", 1),
        },
        {
            trigger: `${JUNK_ROW} .o_list_record_selector input`,
            run: "click",
        },
        {
            trigger: ".o_control_panel button[name=action_mark_junk]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('moved to Junk')",
        },
        {
            trigger: `.o_list_view:not(:has(${JUNK_ROW})) ${KEEP_ROW}`,
        },
        openFolder("Junk", "Open Junk: the e-mail is there, with Not junk in its form"),
        openMail(JUNK_ROW),
        {
            trigger: ".o_form_view button[name=action_mark_not_junk]",
        },
        {
            trigger: ".o_form_view:not(:has(button[name=action_mark_junk])) .o_field_widget[name=folder_id]:contains('Junk')",
        },
    ],
});

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_new_mail", {
    url: "/odoo",
    steps: () => [
        ...openMailbox(),
        {
            content: "One unread e-mail in this mailbox's Inbox",
            trigger: `${KEEP_ROW}.o_mae_unread`,
        },
        {
            // Opening the mailbox asked for a fetch; the test puts a message on the
            // server and runs the triggered cron meanwhile (test_mailbox_move_ui).
            content: "The new e-mail appears without reload",
            trigger: `${mailRow("Nowa wiadomość w trakcie")}.o_mae_unread`,
            timeout: 30000,
        },
        {
            content: "The Inbox count followed",
            trigger: folderCount("Inbox", 2),
        },
    ],
});
