/** @odoo-module **/
// A user administrator grants an operator the right to permanently delete e-mails.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { screenshot } from "./tour_utils";

registry.category("web_tour.tours").add("mail_accounts_ext_operator_flags", {
    steps: () => [
        {
            content: "Open the E-mail tab of the user form",
            trigger: ".o_notebook .nav-link:contains('E-mail')",
            run: "click",
        },
        {
            content: "The two rights are plain checkboxes",
            trigger: ".o_field_widget[name=mail_access_other_accounts] input[type=checkbox]",
        },
        {
            content: "Tick the right to permanently delete e-mails",
            trigger: ".o_field_widget[name=mail_can_delete_permanently] input[type=checkbox]",
            run: "click",
        },
        screenshot("user_form_email_rights"),
        ...stepUtils.saveForm(),
        {
            content: "The flag stays ticked after saving",
            trigger: ".o_form_saved .o_field_widget[name=mail_can_delete_permanently] input:checked",
        },
    ],
});
