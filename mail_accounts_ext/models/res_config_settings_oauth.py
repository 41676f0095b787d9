# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings of the accounts' OAuth 2.0 sign-in: the registered applications.

Microsoft and Google use Odoo's own parameter names (those of ``microsoft_outlook``
and ``google_gmail``), so one registration serves both, installed or not.
"""

from odoo import api, fields, models

from .mail_account_oauth import CLIENT_PARAMS, GENERIC_PREFIX, MICROSOFT_ENDPOINT_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mae_oauth_microsoft_client_id = fields.Char(
        string="Microsoft Client ID", config_parameter=CLIENT_PARAMS["microsoft"][0],
        help="The Application (client) ID of the app registered in Microsoft Entra.",
    )
    mae_oauth_microsoft_client_secret = fields.Char(
        string="Microsoft Client Secret", config_parameter=CLIENT_PARAMS["microsoft"][1],
        help="The Value of a client secret created under Certificates & secrets of the app "
        "(not its Secret ID); it is shown only once, when created.",
    )
    mae_oauth_microsoft_endpoint = fields.Char(
        string="Microsoft Endpoint", config_parameter=MICROSOFT_ENDPOINT_PARAM,
        help="Empty: https://login.microsoftonline.com/common/oauth2/v2.0/ (any "
        "organization and Outlook.com). Replace \"common\" with your tenant ID for a "
        "single-tenant app, or the host for a national cloud.",
    )
    mae_oauth_google_client_id = fields.Char(
        string="Google Client ID", config_parameter=CLIENT_PARAMS["google"][0],
        help="The OAuth client ID (type: Web application) created in Google Cloud.",
    )
    mae_oauth_google_client_secret = fields.Char(
        string="Google Client Secret", config_parameter=CLIENT_PARAMS["google"][1],
        help="The client secret of the same OAuth client, shown next to its ID.",
    )
    mae_oauth_generic_name = fields.Char(
        string="Other Provider Name", config_parameter=GENERIC_PREFIX + "name",
        help="Shown on the button: Sign in with <name>.",
    )
    mae_oauth_generic_authorize_url = fields.Char(
        string="Authorization URL", config_parameter=GENERIC_PREFIX + "authorize_url",
    )
    mae_oauth_generic_token_url = fields.Char(
        string="Token URL", config_parameter=GENERIC_PREFIX + "token_url",
    )
    mae_oauth_generic_userinfo_url = fields.Char(
        string="User Info URL", config_parameter=GENERIC_PREFIX + "userinfo_url",
        help="Where the signed-in mailbox is read when the ID token does not name it.",
    )
    mae_oauth_generic_scopes = fields.Char(
        string="Mail Scopes", config_parameter=GENERIC_PREFIX + "scopes",
        help="The provider's scopes for IMAP, POP3 and SMTP, separated by spaces (e.g. "
        "with offline_access); openid, email and profile are added.",
    )
    mae_oauth_generic_client_id = fields.Char(
        string="Other Provider Client ID", config_parameter=CLIENT_PARAMS["generic"][0],
    )
    mae_oauth_generic_client_secret = fields.Char(
        string="Other Provider Client Secret", config_parameter=CLIENT_PARAMS["generic"][1],
    )
    mae_oauth_redirect_uri = fields.Char(
        string="Redirect URL", compute="_compute_mae_oauth_redirect_uri",
        help="Register exactly this address as the redirect (reply) URL of the "
        "application at Microsoft Entra, Google Cloud or the other provider.",
    )

    @api.depends("company_id")
    def _compute_mae_oauth_redirect_uri(self):
        uri = self.env["mail.account"]._oauth_redirect_uri()
        for settings in self:
            settings.mae_oauth_redirect_uri = uri
