/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { CharField, charField } from "@web/views/fields/char/char_field";

/**
 * The name part of an address header ("Małgorzata Wiśniewska <m.w@example.pl>" shows
 * "Małgorzata Wiśniewska"), or the address when it has no name: what mail clients
 * show in the list. The whole header stays in the e-mail and in the cell's tooltip.
 */
export function senderName(header) {
    const value = (header || "").trim();
    const match = value.match(/^\s*"?([^"<]*?)"?\s*<([^>]*)>/);
    if (match) {
        return match[1].trim() || match[2].trim();
    }
    return value;
}

export class MailAccountSenderField extends CharField {
    get formattedValue() {
        return senderName(super.formattedValue);
    }
}

registry.category("fields").add("mail_account_sender", {
    ...charField,
    component: MailAccountSenderField,
    // A name needs less room than the subject: the subject gets the rest of the row.
    listViewWidth: [100, 220],
});
