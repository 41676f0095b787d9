/** @odoo-module **/
// An operator types a Microsoft address: "Sign in with Microsoft" is offered first.
// - mail_accounts_ext_oauth_sign_in: without a registered application it explains what
//   the administrator must do.
// - mail_accounts_ext_oauth_sign_in_microsoft: with one, the servers typed by hand (the
//   loopback test servers), the click leaves for the provider's consent page; the test
//   drives that page (another origin, where tours cannot run) and the callback, then
// - mail_accounts_ext_oauth_signed_in: back on the account, it is signed in and tested.
// The test puts its data in window.maeTour.
import { registry } from "@web/core/registry";

// Read lazily: the steps are built before the test has set window.maeTour.
const tourData = (key) => String(window.maeTour[key]);

function typeAddress() {
    return [
        {
            content: "Add an account from My e-mail accounts",
            trigger: ".o_list_button_add, button:contains('Add account')",
            run: "click",
        },
        {
            content: "Type a Microsoft address",
            trigger: ".modal .o_field_widget[name=email] input",
            run: async (helpers) => {
                await helpers.edit(tourData("email"));
                await helpers.press("Tab");
            },
        },
    ];
}

// The loopback test servers, STARTTLS both ways (no password: the sign-in replaces it).
function typeServers() {
    return ["incoming", "smtp"].flatMap((prefix) => [
        {
            content: `${prefix}: STARTTLS`,
            trigger: `.modal .o_field_widget[name=${prefix}_security] select`,
            run: `select "starttls"`,
        },
        {
            content: `${prefix}: the local test server`,
            trigger: `.modal .o_field_widget[name=${prefix}_host] input`,
            run: (helpers) => helpers.edit(tourData("host")),
        },
        {
            trigger: `.modal .o_field_widget[name=${prefix}_port] input`,
            run: (helpers) => helpers.edit(tourData(prefix === "smtp" ? "smtp" : "imap")),
        },
    ]);
}

function clickSignInWithMicrosoft() {
    return {
        content: "Sign in with Microsoft is offered first, before the password test",
        trigger: ".modal-footer button[name=action_oauth_sign_in]:contains(Sign in with Microsoft)",
        run: function () {
            const signIn = this.anchor;
            const test = document.querySelector(
                ".modal-footer button[name=action_test_and_save]");
            if (!test || !(signIn.compareDocumentPosition(test)
                    & Node.DOCUMENT_POSITION_FOLLOWING)) {
                throw new Error("Sign in with Microsoft is not the first choice");
            }
            signIn.click();
        },
    };
}

registry.category("web_tour.tours").add("mail_accounts_ext_oauth_sign_in", {
    steps: () => [
        ...typeAddress(),
        clickSignInWithMicrosoft(),
        {
            content: "Not set up yet: the administrator's part is explained",
            trigger: ".modal:contains(not set up in this database yet):contains(Settings)",
        },
    ],
});

registry.category("web_tour.tours").add("mail_accounts_ext_oauth_sign_in_microsoft", {
    steps: () => [
        ...typeAddress(),
        {
            content: "The Microsoft 365 preset is found from the address",
            trigger: ".modal .o_field_widget[name=preset] select:has(option:selected:contains(Microsoft 365))",
        },
        {
            content: "Microsoft's servers are filled in; their fields wait behind Manual settings",
            trigger: ".modal:not(:has(.o_field_widget[name=incoming_host]))",
        },
        {
            content: "Manual settings: here, the local test servers",
            trigger: ".modal .o_field_widget[name=manual_settings] input",
            run: "click",
        },
        ...typeServers(),
        {
            content: "Leave the last field",
            trigger: ".modal .o_field_widget[name=rate_limit_per_minute] input",
            run: "click",
        },
        clickSignInWithMicrosoft(),
    ],
});

registry.category("web_tour.tours").add("mail_accounts_ext_oauth_signed_in", {
    steps: () => [
        {
            content: "Back on the new account: its address",
            trigger: `.o_form_view .o_field_widget[name=email]:contains(${tourData("email")})`,
        },
        {
            content: "It signs in with Microsoft",
            trigger: ".o_form_view .o_field_widget[name=oauth_provider]:contains(Microsoft 365)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=oauth_status]:contains(Signed in)",
        },
        {
            content: "Its connection test passed with the new sign-in",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Tested)",
        },
    ],
});
