/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { useRef } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useDropzone } from "@web/core/dropzone/dropzone_hook";
import { useService } from "@web/core/utils/hooks";
import { useFileUploader } from "@web/core/utils/files";

/**
 * Files dropped anywhere on the composer (its dialog) become attachments: Odoo's own
 * dropzone shows over the dialog, the files go through /web/binary/upload_attachment
 * (as the paperclip's file input does) and are linked to the field.
 *
 * @param {Object} component a field component with `props.record`, `props.name`
 *     and `operations` (useX2ManyCrud)
 */
export function useAttachmentDropzone(component) {
    const rootRef = useRef("root");
    const notification = useService("notification");
    const uploadFiles = useFileUploader();
    const target = {
        get el() {
            const el = rootRef.el;
            return (el && (el.closest(".modal-content") || el.closest(".o_form_view"))) || null;
        },
    };
    const onDrop = async (ev) => {
        const files = [...((ev.dataTransfer && ev.dataTransfer.files) || [])];
        if (!files.length || component.props.readonly) {
            return;
        }
        const record = component.props.record;
        const params = { csrf_token: odoo.csrf_token, ufile: files, model: record.resModel };
        if (record.resId) {
            params.id = record.resId;
        }
        let uploaded;
        try {
            uploaded = await uploadFiles("/web/binary/upload_attachment", params);
        } catch (error) {
            notification.add(error.message, { title: _t("Uploading error"), type: "danger" });
            return;
        }
        for (const file of uploaded || []) {
            if (file.error) {
                notification.add(file.error, { title: _t("Uploading error"), type: "danger" });
                continue;
            }
            await component.operations.saveRecord([file.id]);
        }
    };
    useDropzone(target, onDrop, "o_mae_dropzone", () => !component.props.readonly);
    return rootRef;
}
