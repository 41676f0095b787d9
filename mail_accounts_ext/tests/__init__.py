from . import test_operator_flags
from . import test_i18n
from . import test_mail_account
from . import test_mailbox_imap
from . import test_mailbox_pop3
from . import test_mailbox_delete
from . import test_mailbox_routing
from . import test_mailbox_compose
