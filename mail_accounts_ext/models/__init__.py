from . import hr_employee
from . import ir_actions_report
from . import ir_mail_server
from . import mail_account
from . import res_company
from . import res_config_settings
from . import res_partner
from . import res_users
