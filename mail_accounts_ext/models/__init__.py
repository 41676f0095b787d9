from . import ir_mail_server
from . import mail_account
from . import mail_mail
from . import mail_template
from . import mail_thread
from . import project_project
from . import project_task
from . import res_users
