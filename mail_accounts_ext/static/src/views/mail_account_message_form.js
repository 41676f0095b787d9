/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";
import { MAILBOX_CHANGED, notifyDeleted } from "./mail_account_message_deleted";

/**
 * The reading view of an e-mail: opening an unread e-mail marks it read, as in any
 * mail client (the server does nothing for readers who may not change it).
 *
 * Delete (and Delete for good) go back to where the reader came from, the list,
 * instead of stacking a new Mailbox on the breadcrumbs over an e-mail that is no
 * longer there; the notification offers Undo.
 */
export class MailAccountMessageFormController extends FormController {
    static props = {
        ...FormController.props,
        // In the mailbox's reading pane (mailbox_reading_pane.js): what the list is told.
        mailboxPane: { type: Object, optional: true },
    };

    setup() {
        super.setup();
        this.actionService = useService("action");
        useEffect(
            (resId) => {
                const root = this.model.root;
                if (resId && root.data.is_seen === false) {
                    this.orm
                        .call("mail.account.message", "mark_as_opened", [[resId]])
                        .then((changed) => {
                            if (changed) {
                                if (root.resId === resId) {
                                    root.load();
                                }
                                this.props.mailboxPane?.onChanged(resId);
                            }
                        });
                }
            },
            () => [this.model.root.resId]
        );
        if (this.props.mailboxPane) {
            // The form puts the focus on its first button (Reply); in the pane the keyboard
            // stays with the mailbox (Enter opens the e-mail's page, it does not reply).
            useEffect(
                () => {
                    if (this.rootRef.el?.contains(document.activeElement)) {
                        document.activeElement.blur();
                    }
                },
                () => [this.model.root.resId]
            );
            // u, Undo: the list changed the e-mail; read it again (it may be gone: then
            // the list no longer shows it and the pane closes).
            useBus(this.env.bus, MAILBOX_CHANGED, () => this.model.root.load().catch(() => {}));
        }
    }

    async beforeExecuteActionButton(clickParams) {
        if (clickParams.type === "object" && clickParams.name === "action_delete") {
            if (this.props.mailboxPane) {
                // The list deletes it and shows the next e-mail.
                await this.props.mailboxPane.onDelete(this.model.root.resId);
            } else {
                await this.deleteAndLeave();
            }
            return false;
        }
        return super.beforeExecuteActionButton(...arguments);
    }

    async afterExecuteActionButton(clickParams) {
        await super.afterExecuteActionButton(...arguments);
        // A button of the pane (Mark as unread, Restore...): the list reads its rows again.
        await this.props.mailboxPane?.onButton();
    }

    async deleteAndLeave() {
        const resId = this.model.root.resId;
        const result = await this.orm.call("mail.account.message", "action_delete", [[resId]]);
        notifyDeleted(this.env, (result && result.params) || {});
        try {
            await this.actionService.restore();
        } catch {
            // Opened on its own (a link): open the mailbox instead.
            await this.actionService.doAction("mail_accounts_ext.mail_account_message_action_open", {
                clearBreadcrumbs: true,
            });
        }
    }
}

registry.category("views").add("mail_account_message_form", {
    ...formView,
    Controller: MailAccountMessageFormController,
});
