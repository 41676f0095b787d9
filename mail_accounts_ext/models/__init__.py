from . import ir_mail_server
from . import mail_account
from . import mail_account_deletion
from . import mail_account_folder
from . import mail_account_message
from . import mail_mail
from . import res_users
