from . import partner_documents
from . import employee_declaration
