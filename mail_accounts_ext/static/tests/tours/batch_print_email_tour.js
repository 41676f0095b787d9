/** @odoo-module **/
// An accountant selects invoices in the customer invoice list, opens Print & e-mail from
// the selection bar (beside core's Print & Send), sees how many documents are selected,
// checks (dry run) and sends; then reads the batch log once the background job has run.
import { registry } from "@web/core/registry";
import { screenshot } from "./tour_utils";

registry.category("web_tour.tours").add("mail_accounts_ext_batch_send", {
    steps: () => [
        {
            content: "Select every invoice of the list",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Core's Print & Send is in the selection bar",
            trigger: "button[name=action_send_and_print]",
        },
        {
            content: "Print & e-mail, beside it",
            trigger: "button[name=action_mail_batch_send]:contains('Print & e-mail')",
            run: "click",
        },
        {
            content: "The wizard counts the selected documents as it opens",
            trigger: ".modal .o_field_widget[name=document_count]:contains('3')",
        },
        {
            content: "Check first (dry run)",
            trigger: ".modal button[name=action_check]",
            run: "click",
        },
        {
            content: "The check counts the documents ready to send",
            trigger: ".modal .alert-info:contains('Ready:') .o_field_widget[name=ready_count]",
        },
        screenshot("batch_wizard_check"),
        {
            content: "Send: the work goes on in the background",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("mail_accounts_ext_batch_log", {
    steps: () => [
        {
            content: "Each document has its line: sent",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:contains('Sent')",
        },
        screenshot("batch_log"),
    ],
});
