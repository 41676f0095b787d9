/** @odoo-module **/
// An operator writes to the customer from a task of a branded project: the full composer
// pre-fills "Send from" with the project's default account, and the message is sent.
import { registry } from "@web/core/registry";
import { screenshot } from "./tour_utils";

registry.category("web_tour.tours").add("mail_accounts_ext_compose_from_task", {
    steps: () => [
        {
            content: "Open the composer of the task's chatter",
            trigger: ".o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            content: "Open the full composer",
            trigger: ".o-mail-Composer-fullComposer",
            run: "click",
        },
        {
            content: "Send from: the project's default account is pre-filled",
            trigger: ".modal .o_field_widget[name=mail_account_id] input:value(Brand A)",
        },
        {
            content: "Write the message",
            trigger: ".modal .o_field_html[name=body] .odoo-editor-editable",
            run: "editor Your landing page is online.",
        },
        screenshot("compose_send_from"),
        {
            content: "Send",
            trigger: ".modal-footer .btn-primary:contains(Send)",
            run: "click",
        },
        {
            content: "The message is in the task's chatter",
            trigger: ".o-mail-Message-body:contains(Your landing page is online.)",
        },
    ],
});
