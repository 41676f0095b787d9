/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A plain operator writes from the mailbox to a contact found by autocomplete: the
// account's signature is in the body, the focus too; Send says the e-mail is queued.
import { registry } from "@web/core/registry";
import { openMailbox, screenshot } from "./tour_utils";

registry.category("web_tour.tours").add("mail_accounts_ext_compose_contact", {
    url: "/odoo",
    steps: () => {
        return [
            ...openMailbox(),
            {
                trigger: ".o_control_panel button[name=action_compose]",
                run: "click",
            },
            {
                content: "The account's signature is in the new e-mail",
                trigger: ".modal .o_field_widget[name=body] .o_mae_signature:contains('Dział Handlowy')",
            },
            {
                content: "The focus is in the body, in its first line (above the signature)",
                trigger: ".modal .o_field_widget[name=body] .odoo-editor-editable",
                run: async function () {
                    for (let wait = 0; wait < 30; wait++) {
                        const active = document.activeElement;
                        const selection = document.getSelection();
                        const node = selection.rangeCount && selection.getRangeAt(0).startContainer;
                        const element = node && (node.nodeType === 1 ? node : node.parentElement);
                        if (
                            active && active.matches(".modal .o_field_widget[name=body] .odoo-editor-editable") &&
                            element && !element.closest(".o_mae_signature") && active.contains(element)
                        ) {
                            return;
                        }
                        await new Promise((resolve) => setTimeout(resolve, 100));
                    }
                    const active = document.activeElement;
                    throw new Error(`The body does not have the focus: ${active && active.outerHTML.slice(0, 200)}`);
                },
            },
            {
                content: "Look for the contact by a part of the name",
                trigger: ".modal .o_field_widget[name=partner_to_ids] input",
                run: "edit Gęślą",
            },
            {
                content: "The contact is offered with its address",
                trigger: ".o-autocomplete--dropdown-menu a:contains('Zażółć Gęślą Jaźń')",
                run: "click",
            },
            {
                trigger: ".modal .o_field_widget[name=partner_to_ids] .o_tag:contains('Zażółć Gęślą Jaźń')",
            },
            {
                trigger: ".modal .o_field_widget[name=subject] input",
                run: "edit Oferta z przeglądarki",
            },
            {
                // Odoo's dropzone shows outside the dialog (where a tour step may not act):
                // the step drags and drops from the composer.
                content: "Drag a file over the e-mail and drop it on Odoo's dropzone",
                trigger: ".modal .o_field_widget[name=attachment_ids] .o_mae_attachments",
                run: async () => {
                    const dropped = new DataTransfer();
                    dropped.items.add(new File(["Oferta – treść 2026"], "oferta-łódź.txt",
                                               { type: "text/plain" }));
                    document.dispatchEvent(new DragEvent("dragenter",
                                                         { dataTransfer: dropped, bubbles: true }));
                    let dropzone = null;
                    for (let wait = 0; wait < 50 && !dropzone; wait++) {
                        await new Promise((resolve) => setTimeout(resolve, 100));
                        dropzone = document.querySelector(".o-Dropzone");
                    }
                    if (!dropzone) {
                        throw new Error("No dropzone over the composer");
                    }
                    dropzone.dispatchEvent(new DragEvent("drop",
                                                         { dataTransfer: dropped, bubbles: true }));
                },
            },
            {
                content: "The file is attached, with its name and size",
                trigger: ".modal .o_mae_attachment:has(.o_mae_attachment_name:contains('oferta-łódź.txt')) .o_mae_attachment_size:contains('Bytes')",
            },
            screenshot("compose_contact"),
            {
                content: "Send",
                trigger: ".modal-footer button[name=action_send]:contains(Send)",
                run: "click",
            },
            {
                content: "The notification says the e-mail is queued",
                trigger: ".o_notification:contains('E-mail queued')",
            },
            {
                trigger: "body:not(:has(.modal))",
            },
        ];
    },
});
