# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The body of the mailbox composer: the account's signature block in it.

The composer puts the signature of the sending account in a ``<div>`` of the class
:data:`SIGNATURE_CLASS`; choosing another account replaces that block (or removes it
when the new account has no signature). A body whose block the writer deleted stays
as it is: the writer's choice is kept. Only blocks at the top level count: a quoted
or forwarded e-mail keeps its own signature.
"""

from lxml import etree, html

SIGNATURE_CLASS = "o_mae_signature"


def signature_block(signature_html):
    """The block holding ``signature_html`` (a string of HTML), "" for none."""
    if not (signature_html or "").strip():
        return ""
    return f'<div class="{SIGNATURE_CLASS}">{signature_html}</div>'


def _signature_elements(root):
    # Top level only: signatures inside a quoted or forwarded e-mail are not ours.
    return root.xpath(
        "./*[contains(concat(' ', normalize-space(@class), ' '), $cls)]",
        cls=f" {SIGNATURE_CLASS} ")


def replace_signature(body, new_block):
    """``body`` with its first signature block replaced by ``new_block`` ("" removes it).

    Returns ``body`` unchanged when it holds no block.
    """
    if not (body or "").strip():
        return body
    root = html.fragment_fromstring(body, create_parent="div")
    found = _signature_elements(root)
    if not found:
        return body
    old = found[0]
    parent = old.getparent()
    tail = old.tail
    if new_block:
        new = html.fragment_fromstring(new_block)
        new.tail = tail
        parent.replace(old, new)
    else:
        previous = old.getprevious()
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(old)
    text = root.text or ""
    return text + "".join(etree.tostring(child, encoding="unicode", method="html")
                          for child in root)
