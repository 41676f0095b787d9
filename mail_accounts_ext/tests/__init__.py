from . import test_operator_flags
from . import test_i18n
from . import test_mail_account
from . import test_tours
from . import test_partner_documents
from . import test_report_pdf
from . import test_batch
from . import test_batch_pdf
