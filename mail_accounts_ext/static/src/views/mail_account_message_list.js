/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useBus } from "@web/core/utils/hooks";
import { ListController } from "@web/views/list/list_controller";
import { ListRenderer } from "@web/views/list/list_renderer";
import { listView } from "@web/views/list/list_view";
import { MAILBOX_CHANGED } from "./mail_account_message_deleted";
import { MailboxReadingPane, useMailboxReadingPane } from "./mailbox_reading_pane";

/**
 * The mailbox list: the folder panel's unread counts are read again after every
 * action that may change them (list buttons such as Fetch now, coming back from an
 * e-mail, Undo), not only when the search changes.
 */
export class MailAccountMessageListController extends ListController {
    static template = "mail_accounts_ext.MailAccountMessageListView";
    static components = { ...ListController.components, MailboxReadingPane };

    setup() {
        super.setup();
        // The reading pane and the keyboard (mailbox_reading_pane.js).
        this.pane = useMailboxReadingPane();
        onWillStart(async () => {
            if (this.props.state) {
                // Restored (back from an e-mail, soft reload): counts may have changed.
                await this.refreshFolderCounts();
            }
        });
        useBus(this.env.bus, MAILBOX_CHANGED, async () => {
            await this.model.load();
            await this.refreshFolderCounts();
            this.render(true);
        });
    }

    async openRecord(record) {
        if (this.pane.show(record)) {
            return;
        }
        return super.openRecord(...arguments);
    }

    async afterExecuteActionButton(clickParams) {
        await super.afterExecuteActionButton(...arguments);
        await this.refreshFolderCounts();
        this.render(true);
    }

    async refreshFolderCounts() {
        const searchModel = this.env.searchModel;
        const categories = searchModel.categories || [];
        if (categories.length && searchModel.display.searchPanel) {
            await searchModel._fetchSections(categories, []);
        }
    }
}

// Next to the reading pane (columns the list lacks are ignored: the conversations'
// count comes with them).
const SPLIT_VIEW_COLUMNS = [
    "email_from",
    "subject",
    "conversation_count",
    "has_attachments",
    "date",
];

/**
 * Unread rows carry ``o_mae_unread`` (bold and a dot, see mailbox.scss). An empty
 * list says why: nothing matched the search, or the folder is empty; the action's
 * help ("add an account") only when the user has no mailbox at all.
 */
export class MailAccountMessageListRenderer extends ListRenderer {
    static template = "mail_accounts_ext.MailAccountMessageListRenderer";
    static props = [...ListRenderer.props, "mailboxCurrentId?", "mailboxSplit?"];

    getActiveColumns() {
        const columns = super.getActiveColumns(...arguments);
        // Next to the reading pane the list is narrow: who, what, when.
        return this.props.mailboxSplit
            ? columns.filter((column) => SPLIT_VIEW_COLUMNS.includes(column.name))
            : columns;
    }

    getRowClass(record) {
        let classNames = super.getRowClass(record);
        if (record.data.is_seen === false) {
            classNames += " o_mae_unread";
        }
        if (record.resId && record.resId === this.props.mailboxCurrentId) {
            // The e-mail of the reading pane, or where the keyboard is.
            classNames += " o_mae_current";
        }
        return classNames;
    }

    onCellKeydownReadOnlyMode(hotkey, cell, group, record) {
        // A focused cell leaves ↑/↓ to the mailbox's keyboard (mailbox_reading_pane.js),
        // and Enter on the current e-mail, which opens its page; Enter on another row
        // opens that row as a click does.
        if (["arrowup", "arrowdown"].includes(hotkey)) {
            return false;
        }
        if (hotkey === "enter" && record && record.resId === this.props.mailboxCurrentId) {
            return false;
        }
        return super.onCellKeydownReadOnlyMode(...arguments);
    }

    get mailboxEmptyState() {
        const searchModel = this.env.searchModel;
        const hasFolders = (searchModel.categories || []).some(
            (category) => category.values && category.values.size
        );
        if (!hasFolders) {
            return false;
        }
        return searchModel.query.length ? "search" : "folder";
    }
}

registry.category("views").add("mail_account_message_list", {
    ...listView,
    Controller: MailAccountMessageListController,
    Renderer: MailAccountMessageListRenderer,
});
