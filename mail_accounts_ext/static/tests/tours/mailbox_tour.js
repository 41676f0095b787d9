/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { screenshot } from "@mail_accounts_ext/../tests/tours/tour_utils";

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_tour", {
    url: "/odoo",
    steps: () => [
        {
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: ".o_app[data-menu-xmlid='mail_accounts_ext.mail_accounts_menu_root']",
            run: "click",
        },
        {
            trigger: ".o_search_panel .o_search_panel_category_value:contains('Inbox (1)')",
        },
        screenshot("mailbox_inbox", ".o_list_view .o_data_row td[name=subject]:contains('Tour message')"),
        {
            trigger: ".o_list_view .o_data_row td[name=subject]:contains('Tour message')",
            run: "click",
        },
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
        {
            trigger: ".modal .o_field_widget[name=subject] input",
            run: (helpers) => {
                if (!helpers.anchor.value.startsWith("Re: Tour message")) {
                    throw new Error(`unexpected reply subject: ${helpers.anchor.value}`);
                }
            },
        },
        {
            trigger: ".modal button[special=cancel]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Delete: the e-mail goes to Deleted Items",
            trigger: ".o_form_view button[name=action_delete]:contains('Delete')",
            run: "click",
        },
        {
            content: "Back in the Inbox, which is empty now",
            trigger: ".o_list_view .o_view_nocontent",
        },
        {
            content: "Open Deleted Items",
            trigger: ".o_search_panel .o_search_panel_category_value header:contains('Deleted Items')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row td[name=subject]:contains('Tour message')",
            run: "click",
        },
        {
            content: "Without the right, deleting for good is refused",
            trigger: ".o_form_view button[name=action_delete]:contains('Delete for good')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The refusal says what to do",
            trigger: ".modal:contains('Ask your administrator')",
        },
        screenshot("mailbox_delete_refused"),
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
