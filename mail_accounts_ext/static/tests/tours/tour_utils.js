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
 * Steps typing the test's loopback servers into the setup wizard (STARTTLS both ways):
 * `data(key)` reads "host", "imap" and "smtp" (when the step runs); with `passwordKey`,
 * the password `data(passwordKey)` of each direction is typed too.
 */
export function typeServers(data, passwordKey = null) {
    const direction = (prefix, port) => [
        {
            content: `${prefix}: STARTTLS`,
            trigger: `.modal .o_field_widget[name=${prefix}_security] select`,
            run: `select "starttls"`,
        },
        {
            content: `${prefix}: the local test server`,
            trigger: `.modal .o_field_widget[name=${prefix}_host] input`,
            run: (helpers) => helpers.edit(data("host")),
        },
        {
            trigger: `.modal .o_field_widget[name=${prefix}_port] input`,
            run: (helpers) => helpers.edit(data(port)),
        },
        ...(passwordKey === null ? [] : [{
            trigger: `.modal .o_field_widget[name=${prefix}_password] input`,
            run: (helpers) => helpers.edit(data(passwordKey)),
        }]),
    ];
    return [...direction("incoming", "imap"), ...direction("smtp", "smtp")];
}
