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
