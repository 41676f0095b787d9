/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, markup, useState } from "@odoo/owl";
import { formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The conversation of an e-mail: every e-mail of it the user may read (the server's
 * record rules decide), newest first, one line each (sender, date, the start of the
 * text). A line expands to the e-mail's text (as the reading view shows it: remote
 * content blocked); "Open" opens that e-mail. The e-mail being read is marked.
 */
export class MailAccountThreadField extends Component {
    static template = "mail_accounts_ext.MailAccountThreadField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ expanded: {}, bodies: {} });
    }

    get messages() {
        return this.props.record.data[this.props.name].records;
    }

    isCurrent(message) {
        return message.resId === this.props.record.resId;
    }

    isExpanded(message) {
        return Boolean(this.state.expanded[message.resId]);
    }

    formatDate(message) {
        return message.data.date ? formatDateTime(message.data.date) : "";
    }

    body(message) {
        return markup(this.state.bodies[message.resId] || "");
    }

    async onToggle(message) {
        const resId = message.resId;
        if (this.state.expanded[resId]) {
            this.state.expanded[resId] = false;
            return;
        }
        if (!(resId in this.state.bodies)) {
            const [values] = await this.orm.read("mail.account.message", [resId], ["body_view"]);
            this.state.bodies[resId] = (values && values.body_view) || "";
        }
        this.state.expanded[resId] = true;
    }

    async onOpen(message) {
        await this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "mail.account.message",
            res_id: message.resId,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

registry.category("fields").add("mail_account_thread", {
    component: MailAccountThreadField,
    supportedTypes: ["many2many"],
    relatedFields: [
        { name: "email_from", type: "char" },
        { name: "date", type: "datetime" },
        { name: "snippet", type: "char" },
        { name: "folder_id", type: "many2one", relation: "mail.account.folder" },
        { name: "is_seen", type: "boolean" },
        { name: "subject", type: "char" },
    ],
});
