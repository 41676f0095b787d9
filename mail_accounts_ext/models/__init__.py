from . import ir_mail_server
from . import mail_account
from . import res_users
