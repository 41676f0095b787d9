/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { MailComposerAttachmentList } from "@mail/core/web/mail_composer_attachment_list";
import { registry } from "@web/core/registry";
import { humanSize } from "@web/core/utils/binary";
import {
    Many2ManyBinaryField,
    many2ManyBinaryField,
} from "@web/views/fields/many2many_binary/many2many_binary_field";
import { useAttachmentDropzone } from "./attachment_dropzone";

const relatedFields = [
    ...many2ManyBinaryField.relatedFields,
    { name: "file_size", type: "integer" },
];

/**
 * An attachment list that shows each file's size and adds the files dropped on the
 * composer (its dialog).
 */
function withSizesAndDrop(FieldComponent) {
    return class extends FieldComponent {
        setup() {
            super.setup();
            this.rootRef = useAttachmentDropzone(this);
        }

        sizeOf(file) {
            return file.file_size ? humanSize(file.file_size) : "";
        }
    };
}

/** The mailbox composer's attachments: names, sizes, the paperclip button, drops. */
export class MailAccountAttachments extends withSizesAndDrop(Many2ManyBinaryField) {
    static template = "mail_accounts_ext.MailAccountAttachments";
}

registry.category("fields").add("mail_account_attachments", {
    ...many2ManyBinaryField,
    component: MailAccountAttachments,
    relatedFields,
});

/** Odoo's composer (with *Send from*): its attachment list shows sizes and takes drops. */
export class MailAccountComposerAttachmentList extends withSizesAndDrop(
    MailComposerAttachmentList
) {
    static template = "mail_accounts_ext.MailComposerAttachmentList";
}

registry.category("fields").add("mail_account_composer_attachment_list", {
    ...many2ManyBinaryField,
    component: MailAccountComposerAttachmentList,
    relatedFields,
});
