/** @odoo-module **/
// An operator adds an account from a provider preset: the first connection test fails
// (wrong password) and saves nothing, the second passes and saves the account.
// The test puts the loopback mail servers' ports in window.maeTour.
import { registry } from "@web/core/registry";
import { editField, screenshot, selectField } from "./tour_utils";

function setServers(passwordKey) {
    return [
        selectField("incoming_security", "starttls", "Incoming security: STARTTLS"),
        editField("incoming_host", "host", { content: "Incoming server: the local test server" }),
        editField("incoming_port", "imap"),
        editField("incoming_password", passwordKey),
        selectField("smtp_security", "starttls", "Outgoing security: STARTTLS"),
        editField("smtp_host", "host"),
        editField("smtp_port", "smtp"),
        editField("smtp_password", passwordKey),
        {
            content: "Leave the password field",
            trigger: ".modal .o_field_widget[name=rate_limit_per_minute] input",
            run: "click",
        },
        {
            content: "Test the account",
            trigger: ".modal button[name=action_test_and_save]",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("mail_accounts_ext_account_setup", {
    steps: () => [
        {
            content: "Add an account from My e-mail accounts",
            trigger: ".o_list_button_add, button:contains('Add account')",
            run: "click",
        },
        editField("email", "email", { content: "Type the address", scope: ".modal ", tab: true }),
        {
            content: "The provider's servers are filled in from the address, shown in short",
            trigger: ".modal .o_field_widget[name=server_summary]:contains(imap.wp.pl)",
        },
        {
            trigger: ".modal .o_field_widget[name=preset] select:has(option:selected:contains(WP))",
        },
        {
            content: "The sender name is the user's",
            trigger: ".modal .o_field_widget[name=sender_name] input:value(Tour Owner)",
        },
        {
            content: "The server fields wait behind Manual settings",
            trigger: ".modal:not(:has(.o_field_widget[name=incoming_host]))",
        },
        screenshot("account_setup_preset"),
        {
            content: "Manual settings: here, the local test servers",
            trigger: ".modal .o_field_widget[name=manual_settings] input",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=incoming_host] input:value(imap.wp.pl)",
        },
        ...setServers("wrong"),
        {
            content: "The test failed: the wizard stays open and explains why",
            trigger: ".modal .alert-danger:contains(password)",
        },
        {
            content: "The provider's notes are still there",
            trigger: ".modal .alert-warning .o_field_widget[name=provider_notes]:contains(IMAP/POP3)",
        },
        screenshot("account_setup_test_failed"),
        ...setServers("password"),
        {
            content: "The test passed: the account is saved and shown",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Tested)",
        },
        {
            content: "The last test result is shown on the account",
            trigger: ".o_form_view .o_field_widget[name=last_test_message]:contains(passed)",
        },
        screenshot("account_form"),
    ],
});
