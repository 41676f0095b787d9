/** @odoo-module **/
// Shared tour steps of mail_accounts_ext.

/** The steps that open the mailbox from the home menu. */
export function openMailbox() {
    return [
        {
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: ".o_app[data-menu-xmlid='mail_accounts_ext.mail_accounts_menu_root']",
            run: "click",
        },
    ];
}

/**
 * A step that asks the test for a screenshot of the current screen, saved as
 * static/description/screenshots/<name>.png when the screenshots are regenerated
 * (`python3 dev/devenv.py screenshots`); in normal test runs nothing is saved.
 */
export function screenshot(name, trigger = "body") {
    return {
        content: `Screenshot ${name}`,
        trigger,
        run: async () => {
            console.log(`mae-screenshot:${name}`);
            // Let the screenshot be taken before the next step changes the screen.
            await new Promise((resolve) => setTimeout(resolve, 700));
        },
    };
}

/**
 * A value the test put in window.maeTour, read when the step runs: the steps are
 * built before the test has set window.maeTour.
 */
export const tourData = (key) => String(window.maeTour[key]);

/**
 * A step typing the test's value `key` (see `tourData`) into the field `name`;
 * `scope` narrows the trigger (".modal " for a dialog), `tab` leaves the field after.
 */
export function editField(name, key, { content, scope = "", tab = false } = {}) {
    return {
        content,
        trigger: `${scope}.o_field_widget[name=${name}] input`,
        run: async (helpers) => {
            await helpers.edit(tourData(key));
            if (tab) {
                await helpers.press("Tab");
            }
        },
    };
}

/** A step choosing `value` in the selection field `name`. */
export function selectField(name, value, content) {
    return {
        content,
        trigger: `.o_field_widget[name=${name}] select`,
        run: `select "${value}"`,
    };
}

/**
 * Steps that switch the mailbox to list only (the reading pane off), so that a click
 * opens the e-mail on its own page; the choice is remembered in the browser.
 */
export function mailboxListOnly() {
    return [
        {
            content: "Mailbox: list only",
            trigger: ".o_control_panel .o_mae_pane_toggle",
            run: (helpers) => {
                if (helpers.anchor.classList.contains("active")) {
                    helpers.anchor.click();
                }
            },
        },
        {
            trigger: ".o_control_panel .o_mae_pane_toggle:not(.active)",
        },
    ];
}

/**
 * Steps that check the composer opened with a subject containing `text`, run `steps` in
 * it, then close it without sending.
 */
export function inComposer(text, steps = []) {
    return [
        {
            trigger: ".modal .o_field_widget[name=subject] input",
            run: (helpers) => {
                if (!helpers.anchor.value.includes(text)) {
                    throw new Error(`unexpected subject: ${helpers.anchor.value}`);
                }
            },
        },
        ...steps,
        {
            trigger: ".modal button[special=cancel]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ];
}

/**
 * A step opening a folder in the mailbox's folder panel: the first of `names` found (its
 * name in each language the tour runs in).
 */
export function openFolder(names, content) {
    const headers = [].concat(names).map(
        (name) => `.o_search_panel_category_value header:contains('${name}')`
    );
    return { content, trigger: headers.join(", "), run: "click" };
}

/** The selector of the mailbox list's row of the e-mail whose subject contains `subject`. */
export const mailRow = (subject) => `.o_data_row:has(td[name=subject]:contains('${subject}'))`;

/** A step opening the e-mail of `row` (a `mailRow`) by a click on its subject. */
export function openMail(row, content) {
    return { content, trigger: `${row} td[name=subject]`, run: "click" };
}
