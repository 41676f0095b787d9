from . import mail_account_compose
from . import mail_account_link
from . import mail_account_setup
from . import mail_batch_send
from . import mail_account_change_protocol
from . import mail_compose_message
from . import mail_account_setup_oauth
from . import mail_account_oauth_pending
