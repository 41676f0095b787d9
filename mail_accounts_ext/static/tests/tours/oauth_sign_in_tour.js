/** @odoo-module **/
// An operator types an Outlook.com (Microsoft) address: "Sign in with Microsoft" is offered first;
// without a registered application it explains what the administrator must do.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("mail_accounts_ext_oauth_sign_in", {
    steps: () => [
        {
            content: "Add an account from My e-mail accounts",
            trigger: ".o_list_button_add, button:contains('Add account')",
            run: "click",
        },
        {
            content: "Type an Outlook.com address",
            trigger: ".modal .o_field_widget[name=email] input",
            run: async (helpers) => {
                await helpers.edit(String(window.maeTour.email));
                await helpers.press("Tab");
            },
        },
        {
            content: "Sign in with Microsoft is offered first, before the password test",
            trigger: ".modal-footer button[name=action_oauth_sign_in]:contains(Sign in with Microsoft)",
            run: function () {
                const signIn = this.anchor;
                const test = document.querySelector(
                    ".modal-footer button[name=action_test_and_save]");
                if (!test || !(signIn.compareDocumentPosition(test)
                        & Node.DOCUMENT_POSITION_FOLLOWING)) {
                    throw new Error("Sign in with Microsoft is not the first choice");
                }
                signIn.click();
            },
        },
        {
            content: "Not set up yet: the administrator's part is explained",
            trigger: ".modal:contains(not set up in this database yet):contains(Settings)",
        },
    ],
});
