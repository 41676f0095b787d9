/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, markup, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The body of an e-mail as the server serves it: remote images and styles already
 * removed unless the sender is allowed. When something was blocked, a bar offers
 * Show (this e-mail, this time: the server sends the body with its remote content)
 * and Always show for <sender> (the user's allow list, then the e-mail reloads).
 */
export class MailAccountBodyField extends Component {
    static template = "mail_accounts_ext.MailAccountBodyField";
    static props = { ...standardFieldProps };
    // Fields of the same e-mail the bar needs, loaded with it whatever the view shows.
    static fieldDependencies = [
        { name: "remote_content_blocked", type: "boolean" },
        { name: "sender_email", type: "char" },
    ];

    setup() {
        this.orm = useService("orm");
        this.state = useState({ shownHtml: null, shownFor: null });
    }

    get record() {
        return this.props.record;
    }

    get shown() {
        return this.state.shownFor !== null && this.state.shownFor === this.record.resId;
    }

    get blocked() {
        return Boolean(this.record.data.remote_content_blocked) && !this.shown;
    }

    get sender() {
        return this.record.data.sender_email || "";
    }

    get html() {
        if (this.shown) {
            return markup(this.state.shownHtml || "");
        }
        return this.record.data[this.props.name] || "";
    }

    async onShow() {
        const resId = this.record.resId;
        const html = await this.orm.call("mail.account.message", "get_body_with_remote_content", [
            [resId],
        ]);
        this.state.shownHtml = html;
        this.state.shownFor = resId;
    }

    async onAlwaysShow() {
        await this.orm.call("mail.account.message", "action_allow_remote_content", [
            [this.record.resId],
        ]);
        await this.record.load();
    }
}

registry.category("fields").add("mail_account_body", {
    component: MailAccountBodyField,
    supportedTypes: ["html"],
    fieldDependencies: MailAccountBodyField.fieldDependencies,
});
