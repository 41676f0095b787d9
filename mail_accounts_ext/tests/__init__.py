from . import test_operator_flags
from . import test_i18n
from . import test_mail_account
from . import test_sender_rule
from . import test_sender_composer
from . import test_sender_volume
from . import test_sender_rate_limit
from . import test_sender_failure
