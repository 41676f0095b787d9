# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "E-mail Accounts",
    "summary": "Personal and company e-mail accounts, mailbox, sender choice and "
    "batch print & e-mail on top of Odoo's mail servers",
    "version": "18.0.1.0.0",
    "category": "Productivity/Discuss",
    "website": "https://github.com/mail-accounts-ext/mail_accounts_ext",
    "author": "mail_accounts_ext contributors",
    "license": "LGPL-3",
    "depends": ["mail", "project", "account", "hr"],
    "data": [
        "security/mail_accounts_ext_security.xml",
        "security/ir.model.access.csv",
        "wizards/mail_account_setup_views.xml",
        "wizards/mail_account_change_protocol_views.xml",
        "wizards/mail_compose_message_views.xml",
        "wizards/mail_account_compose_views.xml",
        "wizards/mail_account_link_views.xml",
        "views/mail_account_views.xml",
        "views/mail_account_message_views.xml",
        "views/mail_account_copy_job_views.xml",
        "views/project_project_views.xml",
        "views/res_users_views.xml",
        "views/res_config_settings_views.xml",
        "report/report_layout.xml",
        "report/partner_document_reports.xml",
        "report/employee_declaration_report.xml",
        "views/menus.xml",
        "data/ir_config_parameter_data.xml",
        "data/ir_cron.xml",
    ],
    "demo": ["demo/mail_account_demo.xml"],
    "assets": {
        "web.assets_backend": ["mail_accounts_ext/static/src/**/*"],
        "web.assets_tests": ["mail_accounts_ext/static/tests/tours/**/*"],
    },
}
