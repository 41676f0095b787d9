"""Leak checks of the pure tests that talk to servers, declared once.

``pytestmark = NO_LEAKS`` in a test module: a socket or file left open
(``ResourceWarning``) or an exception raised where nobody sees it, e.g. in a
destructor (``PytestUnraisableExceptionWarning``), fails the test that caused it.
"""

import pytest

NO_LEAKS = [
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]
