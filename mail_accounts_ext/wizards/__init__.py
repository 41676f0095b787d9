from . import mail_account_setup
