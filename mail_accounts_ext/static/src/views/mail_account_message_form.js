/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/**
 * The reading view of an e-mail: opening an unread e-mail marks it read, as in any
 * mail client (the server does nothing for readers who may not change it).
 */
export class MailAccountMessageFormController extends FormController {
    setup() {
        super.setup();
        useEffect(
            (resId) => {
                const root = this.model.root;
                if (resId && root.data.is_seen === false) {
                    this.orm
                        .call("mail.account.message", "mark_as_opened", [[resId]])
                        .then((changed) => changed && root.resId === resId && root.load());
                }
            },
            () => [this.model.root.resId]
        );
    }
}

registry.category("views").add("mail_account_message_form", {
    ...formView,
    Controller: MailAccountMessageFormController,
});
