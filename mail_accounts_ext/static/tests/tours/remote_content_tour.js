/** @odoo-module **/
// Copyright 2026 mail_accounts_ext contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { mailboxListOnly, openMailbox, screenshot } from "./tour_utils";

// The test serves the "remote" images on a local HTTP server and counts the requests;
// window.maeTour.remote is its base URL (http://127.0.0.1:<port>).
const remote = () => window.maeTour.remote;
const NEWSLETTER = ".o_list_view .o_data_row td[name=subject]:contains('Nowości tygodnia')";

function remoteResources() {
    // What the browser itself says it requested (Resource Timing), besides the server.
    return performance
        .getEntriesByType("resource")
        .filter((entry) => entry.name.startsWith(remote()) && !entry.name.includes("/marker"));
}

function assertNothingRemote() {
    const html = document.querySelector(".o_mae_mail_body_content").innerHTML;
    if (html.includes(remote())) {
        throw new Error(`a remote URL reached the page: ${html}`);
    }
    if (remoteResources().length) {
        throw new Error(`requests left for ${remote()}: ${JSON.stringify(remoteResources())}`);
    }
}

function marker(name) {
    return {
        content: `Tell the remote server: ${name}`,
        trigger: "body",
        run: async () => {
            await fetch(`${remote()}/marker-${name}`, { mode: "no-cors" });
        },
    };
}

function imageLoaded() {
    return {
        content: "The remote image loaded",
        trigger: ".o_mae_mail_body_content img[src*='pixel.gif']",
        run: async (helpers) => {
            const image = helpers.anchor;
            for (let i = 0; i < 50 && !(image.complete && image.naturalWidth > 0); i++) {
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            if (!image.naturalWidth) {
                throw new Error("the remote image did not load after Show");
            }
        },
    };
}

registry.category("web_tour.tours").add("mail_accounts_ext_remote_content", {
    url: "/odoo",
    steps: () => [
        ...openMailbox(),
        ...mailboxListOnly(),
        {
            trigger: NEWSLETTER,
            run: "click",
        },
        {
            content: "The bar says what was blocked",
            trigger: ".o_mae_remote_bar:contains('Remote content was blocked') .o_mae_remote_show",
        },
        {
            content: "The inline (cid:) image is there",
            trigger: ".o_mae_mail_body_content img[src^='/web/image/']",
        },
        {
            content: "Give the browser time to load what it would load",
            trigger: ".o_mae_remote_bar",
            run: async () => {
                await new Promise((resolve) => setTimeout(resolve, 1500));
                assertNothingRemote();
            },
        },
        screenshot("mailbox_remote_blocked"),
        marker("before-show"),
        {
            trigger: ".o_mae_remote_show",
            run: "click",
        },
        imageLoaded(),
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Mailbox')",
            run: "click",
        },
        {
            trigger: NEWSLETTER,
            run: "click",
        },
        {
            content: "Show was for that time only",
            trigger: ".o_mae_remote_always:contains('news@shop.example')",
            run: "click",
        },
        imageLoaded(),
        {
            trigger: ".o_form_view:not(:has(.o_mae_remote_bar))",
        },
    ],
});
