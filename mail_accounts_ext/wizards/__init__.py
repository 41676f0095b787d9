from . import mail_account_setup
from . import mail_batch_send
