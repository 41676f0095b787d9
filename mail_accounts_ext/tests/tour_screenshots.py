# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the tours for the README, taken by the same browser run.

A tour step logs ``mae-screenshot:<name>`` (``screenshot()`` in
``static/tests/tours/tour_utils.js``). When the environment variable
``MAE_SCREENSHOTS`` names a folder (``python3 dev/devenv.py screenshots`` sets it to
``static/description/screenshots``), the page is captured there as ``<name>.png``;
otherwise the step does nothing.
"""

import base64
import contextlib
import logging
import os
import re
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser

_logger = logging.getLogger(__name__)
MARKER = re.compile(r"^mae-screenshot:([a-z0-9_]+)$")


@contextlib.contextmanager
def screenshots_on_request():
    folder = os.environ.get("MAE_SCREENSHOTS")
    if not folder:
        yield
        return
    os.makedirs(folder, exist_ok=True)
    original = ChromeBrowser._handle_console

    def handle_console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002
        if args:
            text = str(browser._from_remoteobject(args[0]))
            match = MARKER.match(text)
            if match:
                path = os.path.join(folder, f"{match.group(1)}.png")
                future = browser._websocket_send("Page.captureScreenshot", with_future=True)

                def save(done, path=path):
                    data = done.result(timeout=0).get("data")
                    if data:
                        with open(path, "wb") as handle:
                            handle.write(base64.b64decode(data))
                        _logger.info("screenshot saved: %s", path)

                future.add_done_callback(save)
                return None
        return original(browser, type, args=args, stackTrace=stackTrace, **kw)

    with patch.object(ChromeBrowser, "_handle_console", handle_console):
        yield


class TourScreenshotsMixin:
    """``start_tour`` that saves the screenshots a tour asks for (see module doc)."""

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        with screenshots_on_request():
            return super().start_tour(url_path, tour_name, step_delay=step_delay, **kwargs)
