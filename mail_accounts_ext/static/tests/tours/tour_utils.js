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
