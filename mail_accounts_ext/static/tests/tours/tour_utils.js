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
