/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

export const MAILBOX_CHANGED = "mail_accounts_ext:mailbox-changed";

/**
 * Say what Delete did; e-mails moved to Deleted Items get an Undo that puts them
 * back (``action_restore``) and tells the mailbox list to reload.
 *
 * @param {Object} env
 * @param {{message: string, restore_ids: number[]}} params from ``action_delete``
 */
export function notifyDeleted(env, params) {
    const restoreIds = params.restore_ids || [];
    const buttons = [];
    if (restoreIds.length) {
        buttons.push({
            name: _t("Undo"),
            primary: true,
            onClick: async () => {
                close();
                await env.services.orm.call("mail.account.message", "action_restore", [
                    restoreIds,
                ]);
                // The mailbox list reloads its records and folder counts (it keeps the
                // folder and the search, which a soft reload would reset).
                env.bus.trigger(MAILBOX_CHANGED);
            },
        });
    }
    const close = env.services.notification.add(params.message, {
        type: "success",
        className: "o_mae_deleted_notification",
        buttons,
        autocloseDelay: 8000,
    });
}

/** ``action_delete`` from a list: the notification, then the list reloads. */
function mailAccountMessageDeleted(env, action) {
    notifyDeleted(env, action.params || {});
    return { type: "ir.actions.act_window_close" };
}

registry.category("actions").add("mail_account_message_deleted", mailAccountMessageDeleted);
