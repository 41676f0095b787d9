/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

/** The folder counts changed; the rows are reloaded by whoever closes the action. */
export const MAILBOX_COUNTS_CHANGED = "mail_accounts_ext:mailbox-counts-changed";

/**
 * ``_move_to_folder`` (Move to folder..., Junk, Not junk): say where the e-mails
 * went. Closing the action reloads the rows of the mailbox list (or the form); the
 * folder counts are read again here, also when the move was made in the Move to
 * folder dialog, whose closing reloads only the rows.
 *
 * @param {Object} env
 * @param {{params: {message: string}}} action
 */
function mailAccountMessageMoved(env, action) {
    const params = action.params || {};
    env.services.notification.add(params.message, {
        type: "success",
        className: "o_mae_moved_notification",
    });
    env.bus.trigger(MAILBOX_COUNTS_CHANGED);
    return { type: "ir.actions.act_window_close" };
}

registry.category("actions").add("mail_account_message_moved", mailAccountMessageMoved);
