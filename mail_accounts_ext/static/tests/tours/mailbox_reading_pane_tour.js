/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The reading pane and the keyboard, as a plain user. The steps check structure and
// classes, not new English texts, so that the same tour runs in Polish.
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { inComposer, mailRow, openFolder, openMail, openMailbox, screenshot } from "./tour_utils";

const CURRENT = (subject) => `${mailRow(subject)}.o_mae_current`;
const PANE = ".o_mae_reading_pane";
const IN_PANE = (subject) =>
    `${PANE} .o_form_view .o_field_widget[name=subject]:contains('${subject}')`;
const POLISH = "dostawa do Łodzi";

/** Press a key, then wait for the row it makes current and the pane showing it. */
function pressTo(key, subject) {
    return [
        {
            content: `Press ${key}: ${subject} in the pane`,
            trigger: `${PANE}`,
            run: `press ${key}`,
        },
        {
            trigger: CURRENT(subject),
        },
        {
            trigger: IN_PANE(subject),
        },
    ];
}

/** @param {string} suffix of the screenshots' names: none in English, "_pl" in Polish */
function readingPaneSteps(suffix) {
    return [
        ...openMailbox(),
        {
            content: "Split view on (the default; remembered in the browser)",
            trigger: ".o_control_panel .o_mae_pane_toggle",
            run: (helpers) => {
                if (!helpers.anchor.classList.contains("active")) {
                    helpers.anchor.click();
                }
            },
        },
        {
            content: "The pane waits for an e-mail",
            trigger: `${PANE} .o_mae_reading_pane_empty`,
        },
        {
            trigger: `${mailRow("Pane first")}.o_mae_unread`,
        },
        {
            content: "j: the first e-mail, shown without leaving the list",
            trigger: `${mailRow("Pane first")}`,
            run: "press j",
        },
        {
            trigger: CURRENT("Pane first"),
        },
        {
            trigger: IN_PANE("Pane first"),
        },
        {
            content: "Side by side: the list on the left, the e-mail on the right",
            trigger: IN_PANE("Pane first"),
            run: () => {
                const list = document.querySelector(".o_list_renderer").getBoundingClientRect();
                const pane = document.querySelector(PANE).getBoundingClientRect();
                const sideBySide = pane.left >= list.right - 1 && Math.abs(pane.top - list.top) < 2;
                if (!sideBySide || pane.width < 300 || list.width < 300) {
                    throw new Error(`not side by side: list ${JSON.stringify(list)}, pane ${JSON.stringify(pane)}`);
                }
            },
        },
        {
            content: "The keyboard stays with the mailbox (the pane's Reply is not focused)",
            trigger: IN_PANE("Pane first"),
            run: () => {
                if (document.querySelector(PANE).contains(document.activeElement)) {
                    throw new Error(`focus in the pane: ${document.activeElement.outerHTML}`);
                }
            },
        },
        {
            content: "Opened in the pane: read",
            trigger: `${mailRow("Pane first")}:not(.o_mae_unread)`,
        },
        {
            content: "The mailbox keeps its title: the pane's form has breadcrumbs of its own",
            trigger: ".o_breadcrumb:not(:has(.breadcrumb-item)):not(:contains('Pane first'))",
        },
        ...pressTo("j", "Pane second"),
        ...pressTo("k", "Pane first"),
        screenshot(`mailbox_reading_pane${suffix}`, IN_PANE("Pane first")),
        openMail(mailRow("Pane third"), "A click shows an e-mail in the pane too"),
        {
            trigger: IN_PANE("Pane third"),
        },
        // The clicked cell has the focus: arrows still move through the e-mails.
        ...pressTo("ArrowUp", "Pane second"),
        {
            trigger: `${PANE} .o_mae_mail_body_content:contains('Body of the second')`,
        },
        {
            content: "r: the composer opens with the reply",
            trigger: IN_PANE("Pane second"),
            run: "press r",
        },
        ...inComposer("Pane second", [
            {
                content: "Typing in the composer is not a shortcut",
                trigger: ".modal .o_field_widget[name=subject] input",
                run: "edit Re: Pane second, u j k",
            },
        ]),
        {
            trigger: `${CURRENT("Pane second")}:not(.o_mae_unread)`,
        },
        {
            content: "u: unread again, in the list and in the pane",
            trigger: IN_PANE("Pane second"),
            run: "press u",
        },
        {
            trigger: `${CURRENT("Pane second")}.o_mae_unread`,
        },
        {
            content: "A button of the pane: the list follows",
            trigger: `${PANE} button[name=action_mark_read]`,
            run: "click",
        },
        {
            trigger: `${CURRENT("Pane second")}:not(.o_mae_unread)`,
        },
        {
            trigger: `${PANE} button[name=action_mark_unread]`,
            run: "press u",
        },
        {
            trigger: `${CURRENT("Pane second")}.o_mae_unread`,
        },
        {
            trigger: `${PANE} button[name=action_mark_read]`,
        },
        {
            content: "Del: to Deleted Items; the next e-mail takes its place",
            trigger: IN_PANE("Pane second"),
            run: "press Delete",
        },
        {
            trigger: `.o_list_view:not(:has(${mailRow("Pane second")}))`,
        },
        {
            trigger: ".o_notification.o_mae_deleted_notification button",
        },
        {
            trigger: CURRENT("Pane third"),
        },
        {
            trigger: IN_PANE("Pane third"),
        },
        {
            content: "#: delete too",
            trigger: IN_PANE("Pane third"),
            run: "press #",
        },
        {
            trigger: `.o_list_view:not(:has(${mailRow("Pane third")}))`,
        },
        {
            trigger: CURRENT(POLISH),
        },
        {
            trigger: IN_PANE(POLISH),
        },
        {
            content: "Typing in the search box is not a shortcut",
            trigger: ".o_searchview_input",
            run: "edit u",
        },
        {
            trigger: ".o_searchview_input",
            run: async (helpers) => {
                await helpers.clear();
                await new Promise((resolve) => setTimeout(resolve, 500));
                const unread = [...document.querySelectorAll(".o_data_row.o_mae_unread")];
                if (unread.some((row) => row.textContent.includes(POLISH))) {
                    throw new Error("u typed in the search box marked the e-mail unread");
                }
                helpers.anchor.blur();
            },
        },
        {
            content: "?: the shortcuts",
            trigger: IN_PANE(POLISH),
            run: "press ?",
        },
        {
            trigger: ".o_mae_shortcuts_dialog .o_mae_shortcuts tr[data-shortcut=delete] kbd",
        },
        screenshot(`mailbox_shortcuts${suffix}`, ".o_mae_shortcuts_dialog"),
        {
            trigger: ".o_mae_shortcuts_dialog .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        openMail(mailRow(POLISH), "Enter: the e-mail on its own page"),
        {
            trigger: IN_PANE(POLISH),
            run: "press Enter",
        },
        {
            trigger: `.o_breadcrumb:has(.breadcrumb-item) .o_last_breadcrumb_item:contains('${POLISH}')`,
        },
        {
            trigger: `.o_form_view .o_field_widget[name=subject]:contains('${POLISH}')`,
        },
        {
            trigger: "body:not(:has(.o_mae_reading_pane))",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "List only: the pane goes, a click opens the e-mail's page",
            trigger: ".o_control_panel .o_mae_pane_toggle.active",
            run: "click",
        },
        {
            trigger: `.o_list_view:not(:has(${PANE})) ${mailRow("Pane first")}`,
        },
        openMail(mailRow("Pane first")),
        {
            trigger: ".o_breadcrumb:has(.breadcrumb-item) .o_last_breadcrumb_item:contains('Pane first')",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Remembered: still list only",
            trigger: `.o_list_view:not(:has(${PANE})) .o_mae_pane_toggle:not(.active)`,
        },
        {
            trigger: ".o_control_panel .o_mae_pane_toggle",
            run: "click",
        },
        {
            trigger: `${PANE} .o_mae_reading_pane_empty`,
        },
        // In Deleted Items, Del deletes for good: it asks first.
        openFolder(["Deleted Items", "Elementy usunięte"]),
        {
            trigger: `.o_list_view:not(:has(${mailRow("Pane first")})) ${mailRow("Pane second")}`,
        },
        ...pressTo("j", "Pane second"),
        {
            trigger: IN_PANE("Pane second"),
            run: "press Delete",
        },
        {
            trigger: ".modal .modal-footer .btn-secondary",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) ${CURRENT("Pane second")}`,
        },
        openFolder(["Inbox", "Skrzynka odbiorcza"]),
        {
            trigger: `.o_list_view:not(:has(${mailRow("Pane second")})) ${mailRow("Pane first")}`,
        },
        // Past the last e-mail of a page: the next page. One e-mail per page here.
        {
            trigger: ".o_pager_value",
            run: "click",
        },
        {
            trigger: "input.o_pager_value",
            run: "edit 1-1",
        },
        {
            trigger: "input.o_pager_value",
            run: "press Enter",
        },
        {
            trigger: `.o_list_view:not(:has(${mailRow(POLISH)})) ${mailRow("Pane first")}`,
            run: "press j",
        },
        {
            trigger: CURRENT("Pane first"),
        },
        ...pressTo("j", POLISH),
        {
            trigger: `.o_list_view:not(:has(${mailRow("Pane first")}))`,
        },
        ...pressTo("k", "Pane first"),
    ];
}

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_reading_pane", {
    url: "/odoo",
    steps: () => readingPaneSteps(user.lang.startsWith("en") ? "" : `_${user.lang.slice(0, 2)}`),
});

registry.category("web_tour.tours").add("mail_accounts_ext_mailbox_reading_pane_mobile", {
    steps: () => [
        {
            content: "A phone: no toggle, no pane",
            trigger: `.o_list_view:not(:has(.o_mae_pane_toggle)) ${mailRow("Pane first")}`,
        },
        {
            trigger: `body:not(:has(${PANE}))`,
        },
        openMail(mailRow("Pane first")),
        {
            content: "The e-mail on its own page",
            trigger: `.o_form_view .o_field_widget[name=subject]:contains('Pane first')`,
        },
        {
            trigger: `body:not(:has(${PANE})):not(:has(.o_list_view))`,
        },
    ],
});
