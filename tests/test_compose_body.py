# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import pytest

from mail_accounts_ext.tools import compose_body

OLD = compose_body.signature_block("<p>-- <br>Anna Nowak, Sprzedaż</p>")
NEW = compose_body.signature_block("<p>-- <br>Олена Коваль</p>")


def test_block_wraps_and_empty_gives_nothing():
    assert OLD == '<div class="o_mae_signature"><p>-- <br>Anna Nowak, Sprzedaż</p></div>'
    assert compose_body.signature_block("") == ""
    assert compose_body.signature_block(None) == ""
    assert compose_body.signature_block("  ") == ""


@pytest.mark.parametrize(("body", "new", "expected"), [
    # new mail: the block is replaced in place, what was typed stays
    (f"<p>Dzień dobry,</p>{OLD}", NEW, f"<p>Dzień dobry,</p>{NEW}"),
    # reply: above the quote
    (f"<p><br></p>{OLD}<div>On ...</div><blockquote>q</blockquote>", NEW,
     f"<p><br></p>{NEW}<div>On ...</div><blockquote>q</blockquote>"),
    # no signature on the new account: removed
    (f"<p>Hi</p>{OLD}<blockquote>q</blockquote>", "", "<p>Hi</p><blockquote>q</blockquote>"),
    # the writer deleted the block: nothing inserted
    ("<p>Hi</p><blockquote>q</blockquote>", NEW, "<p>Hi</p><blockquote>q</blockquote>"),
    ("", NEW, ""),
    (False, NEW, False),
])
def test_replace_signature(body, new, expected):
    assert compose_body.replace_signature(body, new) == expected


def test_only_the_first_block_and_the_quoted_ones_stay():
    quoted = f"<blockquote>{OLD}</blockquote>"
    body = f"<p>x</p>{OLD}{quoted}"
    assert compose_body.replace_signature(body, NEW) == f"<p>x</p>{NEW}{quoted}"
    # the writer deleted ours: the quoted e-mail's signature is not taken for it
    assert compose_body.replace_signature(f"<p>x</p>{quoted}", NEW) == f"<p>x</p>{quoted}"
    forwarded = f"<div><p>fwd</p>{OLD}</div>"
    assert compose_body.replace_signature(forwarded, NEW) == forwarded


def test_a_similar_class_is_not_a_signature_block():
    body = "<p>x</p><p class='o_mae_signatures'>x</p>"
    assert compose_body.replace_signature(body, NEW) == body
