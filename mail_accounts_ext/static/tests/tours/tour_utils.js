/** @odoo-module **/
// Shared tour steps of mail_accounts_ext.

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
