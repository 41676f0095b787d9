/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {
    Component,
    onMounted,
    useComponent,
    useEffect,
    useExternalListener,
    useState,
    useSubEnv,
} from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { Dialog } from "@web/core/dialog/dialog";
import { useHotkey } from "@web/core/hotkeys/hotkey_hook";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { getDefaultConfig, View } from "@web/views/view";
import { MAILBOX_CHANGED, notifyDeleted } from "./mail_account_message_deleted";

const MODEL = "mail.account.message";

/**
 * The reading pane: the e-mail's own form view (``mail_account_message_view_form``,
 * whatever it shows) next to the list. Each e-mail gets a fresh form (``t-key``), so
 * opening it marks it read exactly as opening the form does.
 */
export class MailboxReadingPane extends Component {
    static template = "mail_accounts_ext.MailboxReadingPane";
    static components = { View };
    static props = {
        resId: { type: [Number, Boolean] },
        onChanged: Function,
        onButton: Function,
        onDelete: Function,
    };

    setup() {
        // The form names itself on its action's breadcrumbs: give it breadcrumbs of
        // its own, so that the mailbox keeps its title.
        useSubEnv({ config: getDefaultConfig() });
    }

    /** The same props object for the same e-mail: the form is not updated for nothing. */
    get viewProps() {
        if (!this._viewProps || this._viewProps.resId !== this.props.resId) {
            this._viewProps = {
                type: "form",
                resModel: MODEL,
                resId: this.props.resId,
                context: {},
                display: { controlPanel: false },
                className: "o_mae_pane_form",
                mailboxPane: {
                    onChanged: this.props.onChanged,
                    onButton: this.props.onButton,
                    onDelete: this.props.onDelete,
                },
            };
        }
        return this._viewProps;
    }
}

/** ``?``: the keyboard shortcuts of the mailbox. */
export class MailboxShortcutsDialog extends Component {
    static template = "mail_accounts_ext.MailboxShortcutsDialog";
    static components = { Dialog };
    static props = { close: Function };
}

/** The records the list shows, in their order (open groups included). */
function visibleRecords(list) {
    if (!list.isGrouped) {
        return list.records;
    }
    return list.groups.flatMap((group) => (group.isFolded ? [] : visibleRecords(group.list)));
}

function isEditable(element) {
    return (
        element instanceof HTMLElement &&
        (/^(input|textarea|select)$/i.test(element.tagName) || element.isContentEditable) &&
        !element.matches("input[type=checkbox], input[type=radio]")
    );
}

/**
 * The reading pane and the keyboard of the mailbox list, for its controller
 * (``this.pane = useMailboxReadingPane()``).
 *
 * The *current* e-mail is the one shown in the pane (split view) or the row the
 * keyboard points at (list only). Split view or list only is remembered per user in
 * the browser; small screens have the list only and open e-mails in their form.
 */
export function useMailboxReadingPane() {
    const controller = useComponent();
    const pane = new MailboxPane(controller, {
        orm: useService("orm"),
        action: useService("action"),
        dialog: useService("dialog"),
        ui: useService("ui"),
    });

    useEffect(
        (currentId) => {
            // Keep the current row in sight when the keyboard moves through the list.
            if (currentId) {
                const row = controller.rootRef.el?.querySelector(".o_data_row.o_mae_current");
                row?.scrollIntoView({ block: "nearest" });
            }
        },
        () => [pane.state.currentId]
    );

    const hasRecords = () => pane.records.length > 0;
    const hasCurrent = () => Boolean(pane.current);
    const move = (delta) => () => pane.move(delta);
    useHotkey("arrowdown", move(1), { allowRepeat: true, isAvailable: hasRecords });
    useHotkey("j", move(1), { allowRepeat: true, isAvailable: hasRecords });
    useHotkey("arrowup", move(-1), { allowRepeat: true, isAvailable: hasRecords });
    useHotkey("k", move(-1), { allowRepeat: true, isAvailable: hasRecords });
    useHotkey("enter", () => pane.openFull(), {
        // A focused button or link keeps its own Enter.
        isAvailable: () =>
            hasCurrent() && !document.activeElement?.closest?.("button, a, [role=button]"),
    });
    useHotkey("r", () => pane.compose("action_reply"), { isAvailable: () => pane.canAnswer });
    useHotkey("a", () => pane.compose("action_reply_all"), { isAvailable: () => pane.canAnswer });
    useHotkey("f", () => pane.compose("action_forward"), { isAvailable: () => pane.canAnswer });
    useHotkey("u", () => pane.markUnread(), { isAvailable: hasCurrent });
    useHotkey("delete", () => pane.deleteCurrent(), { isAvailable: hasCurrent });

    // "?" and "#" are not keys of the hotkey service (its keys are letters, digits and
    // navigation keys; "#" is not on the same key everywhere): the same rules by hand.
    let owner = null;
    onMounted(() => Promise.resolve().then(() => (owner = pane.services.ui.activeElement)));
    useExternalListener(window, "keydown", (ev) => {
        if (!["?", "#"].includes(ev.key) || ev.defaultPrevented || ev.repeat) {
            return;
        }
        const { ui } = pane.services;
        if (ev.ctrlKey || ev.metaKey || ev.altKey || ui.isBlocked || ui.activeElement !== owner) {
            return;
        }
        if (isEditable(ev.target) || (ev.key === "#" && !hasCurrent())) {
            return;
        }
        ev.preventDefault();
        if (ev.key === "?") {
            pane.showHelp();
        } else {
            pane.deleteCurrent();
        }
    });
    return pane;
}

export class MailboxPane {
    constructor(controller, services) {
        this.controller = controller;
        this.services = services;
        this.env = controller.env;
        this.canSplit = !this.env.isSmall;
        this.storageKey = `mail_accounts_ext.reading_pane,${user.userId}`;
        this.state = useState({
            split: this.canSplit && browser.localStorage.getItem(this.storageKey) !== "list",
            currentId: false,
        });
        // Stable callbacks: the pane's props do not change while the e-mail stays.
        this.onChanged = this.onChanged.bind(this);
        this.onButton = this.reloadList.bind(this);
        this.onDelete = this.deleteMessage.bind(this);
    }

    get records() {
        return visibleRecords(this.controller.model.root);
    }

    get current() {
        const { currentId } = this.state;
        return (currentId && this.records.find((record) => record.resId === currentId)) || null;
    }

    /** The e-mail the pane shows: the current one while the list shows it. */
    get paneResId() {
        const current = this.current;
        return current ? current.resId : false;
    }

    get canAnswer() {
        const current = this.current;
        return Boolean(current) && current.data.state !== "draft";
    }

    toggle() {
        this.state.split = !this.state.split;
        browser.localStorage.setItem(this.storageKey, this.state.split ? "split" : "list");
    }

    /** A row was clicked: shown in the pane (true), or the caller opens its form. */
    show(record) {
        if (!this.state.split) {
            return false;
        }
        this.state.currentId = record.resId;
        return true;
    }

    async move(delta) {
        const records = this.records;
        const index = records.findIndex((record) => record.resId === this.state.currentId);
        const next = index === -1 ? records[0] : records[index + delta];
        if (next) {
            this.select(next);
        } else {
            await this.turnPage(delta);
        }
    }

    /** Past the last (first) row of a page: the next (previous) page of the list. */
    async turnPage(delta) {
        const root = this.controller.model.root;
        if (root.isGrouped) {
            return;
        }
        const { offset, limit, count } = root;
        if (delta > 0 && offset + limit < count) {
            await root.load({ offset: offset + limit });
            this.select(root.records[0]);
        } else if (delta < 0 && offset > 0) {
            await root.load({ offset: Math.max(0, offset - limit) });
            this.select(root.records[root.records.length - 1]);
        }
    }

    select(record) {
        if (!record) {
            return;
        }
        // A list cell keeps the focus after a click; the keyboard has moved on.
        if (document.activeElement?.closest?.(".o_list_renderer .o_data_row")) {
            document.activeElement.blur();
        }
        this.state.currentId = record.resId;
    }

    openFull() {
        const current = this.current;
        if (current) {
            this.controller.props.selectRecord(current.resId, {
                activeIds: this.records.map((record) => record.resId),
            });
        }
    }

    async compose(method) {
        const current = this.current;
        if (!current) {
            return;
        }
        // As the form's buttons do: the composer opens in a dialog.
        await this.services.action.doActionButton({
            type: "object",
            name: method,
            resModel: MODEL,
            resId: current.resId,
            resIds: [current.resId],
            onClose: () => this.env.bus.trigger(MAILBOX_CHANGED),
        });
    }

    async markUnread() {
        const current = this.current;
        if (current) {
            await this.services.orm.call(MODEL, "action_mark_unread", [[current.resId]]);
            // The list, the folder counts and the pane's form read it again.
            this.env.bus.trigger(MAILBOX_CHANGED);
        }
    }

    /** Del / #: to Deleted Items; from Deleted Items for good, once confirmed. */
    deleteCurrent() {
        const current = this.current;
        if (!current) {
            return;
        }
        if (current.data.folder_role === "trash") {
            this.services.dialog.add(ConfirmationDialog, {
                body: _t("The e-mail will be deleted for good. Continue?"),
                confirm: () => this.deleteMessage(current.resId),
                cancel: () => {},
            });
            return;
        }
        return this.deleteMessage(current.resId);
    }

    /** Delete with the notification (and Undo); the next e-mail becomes current. */
    async deleteMessage(resId) {
        const records = this.records;
        const index = records.findIndex((record) => record.resId === resId);
        const neighbour = index === -1 ? null : records[index + 1] || records[index - 1];
        const result = await this.services.orm.call(MODEL, "action_delete", [[resId]]);
        notifyDeleted(this.env, (result && result.params) || {});
        this.state.currentId = neighbour ? neighbour.resId : false;
        await this.reloadList();
    }

    /** The pane's form marked its e-mail read: its row (kept in sight) and the counts. */
    async onChanged(resId) {
        const record = this.records.find((r) => r.resId === resId);
        if (record) {
            await record.load();
        }
        await this.controller.refreshFolderCounts();
        this.controller.render(true);
    }

    /** After a button of the pane or a deletion: the list, the counts. */
    async reloadList() {
        await this.controller.model.load();
        await this.controller.refreshFolderCounts();
        this.controller.render(true);
    }

    showHelp() {
        this.services.dialog.add(MailboxShortcutsDialog, {});
    }
}
