/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { onMounted, onWillUnmount } from "@odoo/owl";
import { useBus, useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { debounce } from "@web/core/utils/timing";
import { MailAccountMessageListController } from "./mail_account_message_list";
import { MAILBOX_COUNTS_CHANGED } from "./mail_account_message_moved";

/** Sent on the account's bus channel when its sync stored new mail. */
export const NEW_MAIL = "mail_accounts_ext/new_mail";

/**
 * New mail sooner: the mailbox list asks the server to fetch the shown account(s) in
 * the background when it opens and when another folder is chosen (the server
 * decides whether the last fetch is old enough and which accounts the user may read:
 * ``mail.account.request_mailbox_fetch``), without waiting for the answer. When a
 * sync stores new mail of an account the user may read, the server says so on the
 * bus and the list reloads its rows and the folder counts, keeping the folder and
 * the search; while rows are selected only the counts follow, so that the selection
 * is not lost under the user's hands.
 */
patch(MailAccountMessageListController.prototype, {
    setup() {
        super.setup(...arguments);
        this.busService = useService("bus_service");
        this.mailboxOrm = useService("orm");
        this.mailboxRequestedFolder = null;
        this.onMailboxNewMail = debounce(() => this.reloadForNewMail(), 300);
        const onNewMail = () => this.onMailboxNewMail();
        onMounted(() => {
            this.busService.subscribe(NEW_MAIL, onNewMail);
            if (!this.busService.isActive) {
                this.busService.start();
            }
            this.requestMailboxFetch();
        });
        onWillUnmount(() => {
            this.busService.unsubscribe(NEW_MAIL, onNewMail);
            this.onMailboxNewMail.cancel();
        });
        useBus(this.env.searchModel, "update", () => this.requestMailboxFetch());
        useBus(this.env.bus, MAILBOX_COUNTS_CHANGED, async () => {
            await this.refreshFolderCounts();
            this.render(true);
        });
    },

    /** The folder chosen in the folder panel (false: every folder). */
    get mailboxFolderId() {
        const category = (this.env.searchModel.categories || []).find(
            (section) => section.fieldName === "folder_id"
        );
        return (category && category.activeValueId) || false;
    },

    requestMailboxFetch() {
        const folderId = this.mailboxFolderId;
        if (folderId === this.mailboxRequestedFolder) {
            return;
        }
        this.mailboxRequestedFolder = folderId;
        // Not awaited and silent: the list never waits for a mail server.
        this.mailboxOrm.silent
            .call("mail.account", "request_mailbox_fetch", [], { folder_id: folderId })
            .catch(() => {});
    },

    async reloadForNewMail() {
        // Counts first: a newer load of the rows (the user's) supersedes this one.
        await this.refreshFolderCounts();
        this.render(true);
        const root = this.model.root;
        if (!(root.selection.length || root.editedRecord)) {
            await this.model.load();
        }
    },
});
