/** @odoo-module **/
// The owner of a POP3 account that has fetched mail switches it to IMAP: the wizard
// tests the new settings (the password typed again), archives the old account, copies
// its stored drafts into the new account's Drafts folder and shows the report.
// The test puts the loopback IMAP port and the password in window.maeTour.
import { registry } from "@web/core/registry";
import { editField, screenshot } from "./tour_utils";

registry.category("web_tour.tours").add("mail_accounts_ext_change_protocol", {
    steps: () => [
        {
            content: "The account is in use: its protocol is locked",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(In Use)",
        },
        {
            content: "Change protocol",
            trigger: ".o_form_view button[name=action_change_protocol]",
            run: "click",
        },
        {
            content: "The new account uses IMAP",
            trigger: ".modal .o_field_widget[name=incoming_protocol]:contains(IMAP)",
        },
        editField("incoming_port", "imap", {
            content: "Incoming port: the local test server",
            scope: ".modal ",
            tab: true,
        }),
        editField("incoming_password", "password", {
            content: "Type the password",
            scope: ".modal ",
            tab: true,
        }),
        screenshot("change_protocol_wizard"),
        {
            content: "Test and change the protocol",
            trigger: ".modal button[name=action_test_and_save]",
            run: "click",
        },
        {
            content: "The test passed: the summary says what moved",
            trigger: ".modal .o_field_widget[name=summary]:contains(archived)",
        },
        {
            content: "Drafts of the old account are chosen, into the new account's Drafts",
            trigger: ".modal .o_field_widget[name=target_folder] input:value(Drafts)",
        },
        {
            content: "Copy the stored drafts",
            trigger: ".modal button[name=action_copy]",
            run: "click",
        },
        {
            content: "The copy is done: open its report",
            trigger: ".modal button[name=action_open_job]",
            run: "click",
        },
        {
            content: "Every draft was copied",
            trigger: ".o_form_view .o_field_widget[name=count_copied]:contains(3)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains(Copied)",
        },
        screenshot("change_protocol_report"),
    ],
});
