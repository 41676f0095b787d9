/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { onMounted } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import {
    HtmlMailField,
    htmlMailField,
} from "@mail/views/web/fields/html_mail_field/html_mail_field";

/**
 * The body of the mailbox composer: Odoo's mail editor (styles inlined for mail
 * clients) that takes the focus when the composer opens, the cursor in the first
 * line: above the signature and the quote of a reply or forward.
 */
export class MailAccountComposeBody extends HtmlMailField {
    setup() {
        super.setup();
        onMounted(() => {
            if (!this.props.readonly) {
                this.focusFirstLine(8);
            }
        });
    }

    /**
     * Once the editor is in the page and the dialog has placed its own focus (on its
     * first field): tried a few times in the first 300 ms, stopping once it holds, so
     * that it never takes the focus back from the writer.
     */
    focusFirstLine(tries) {
        const editable = this.editor && this.editor.editable;
        if (editable && editable.isConnected && this.focusedOnce &&
                editable.ownerDocument.activeElement === editable) {
            return;
        }
        if (tries > 0) {
            browser.setTimeout(() => this.focusFirstLine(tries - 1), 40);
        }
        if (!editable || !editable.isConnected) {
            return;
        }
        this.focusedOnce = true;
        editable.focus();
        const first = editable.firstElementChild || editable;
        const selection = editable.ownerDocument.getSelection();
        selection.removeAllRanges();
        const range = editable.ownerDocument.createRange();
        range.setStart(first, 0);
        range.collapse(true);
        selection.addRange(range);
    }
}

registry.category("fields").add("mail_account_compose_body", {
    ...htmlMailField,
    component: MailAccountComposeBody,
});
