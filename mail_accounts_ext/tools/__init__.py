# Plain-Python logic of mail_accounts_ext: no ORM, no ``odoo`` import.
# Every module here is tested without a database (repository ``tests/``).
