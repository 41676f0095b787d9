"""Remote content of e-mail bodies: nothing leaves for another server until allowed."""

import re

import pytest

from mail_accounts_ext.tools.remote_content import clean_body, url_kind

REMOTE = "t.example"


@pytest.mark.parametrize("url, kind", [
    ("http://t.example/p.gif", "remote"),
    ("HTTPS://t.example/p.gif", "remote"),
    ("//t.example/p.gif", "remote"),
    ("\\\\t.example/p.gif", "remote"),  # read as //t.example by browsers
    ("/\\t.example/p.gif", "remote"),
    (" ht\ttp://t.example/", "remote"),  # tabs and spaces inside are ignored
    ("ftp://t.example/x", "remote"),
    ("cid:logo@example.com", "local"),
    ("data:image/png;base64,iVBORw0KGgo=", "local"),
    ("/web/image/42", "local"),
    ("image.png", "local"),
    ("", "local"),
    ("javascript:alert(1)", "other"),
    ("file:///etc/passwd", "other"),
])
def test_url_kind(url, kind):
    assert url_kind(url) == kind


# (body, number of remote references blocked); every case must leave no remote URL
# in what the browser gets, and give it back with block_remote=False.
CASES = [
    ('<img src="http://t.example/pixel.gif?u=42">', 1),
    ('<img src="HtTp://t.example/pixel.gif">', 1),
    ('<img src="//t.example/pixel.gif">', 1),
    ('<img src=" https://t.example/a.png " alt="logo">', 1),
    ('<img srcset="http://t.example/a.png 1x, http://t.example/b.png 2x">', 2),
    ('<picture><source srcset="https://t.example/a.webp"><img src="cid:x"></picture>', 1),
    ('<table background="http://t.example/bg.gif"><tr><td>x</td></tr></table>', 1),
    ('<td background="https://t.example/bg.gif">x</td>', 1),
    ('<div style="background-image: url(http://t.example/bg.png)">x</div>', 1),
    ('<div style="background: #fff url(\'https://t.example/bg.png\') no-repeat">x</div>', 1),
    ('<div style="background:URL( &quot;//t.example/bg.png&quot; )">x</div>', 1),
    ('<div style="background:u\\72l(http://t.example/escaped.png)">x</div>', 1),
    ('<div style="background:ur\\l(http://t.example/escaped.png)">x</div>', 1),
    ('<div style="background-image:image-set(\'https://t.example/a.png\' 1x)">x</div>', 1),
    ('<style>@import url(http://t.example/a.css); p{color:red}</style><p>x</p>', 1),
    ('<style>@import "https://t.example/a.css";</style><p>x</p>', 1),
    ('<style>@font-face{font-family:X;src:url(https://t.example/f.woff2)}</style>', 1),
    ('<style>.x{background:url(/*c*/http://t.example/a.png)}</style>', 1),
    ('<video poster="http://t.example/p.jpg" src="http://t.example/v.mp4"></video>', 2),
    ('<audio src="https://t.example/a.mp3"></audio>', 1),
    ('<input type="image" src="http://t.example/i.png">', 1),
    ('<svg><image href="http://t.example/s.png"></image></svg>', 1),
    ('<svg><use xlink:href="http://t.example/s.svg#a"></use></svg>', 1),
    ('<html><head><style>body{background:url(http://t.example/b.png)}</style></head>'
     '<body background="http://t.example/body.png"><p>x</p></body></html>', 2),
]


@pytest.mark.parametrize("body, blocked", CASES)
def test_remote_resources_are_blocked_then_shown_on_request(body, blocked):
    cleaned = clean_body(body)
    assert cleaned.blocked == blocked
    assert REMOTE not in cleaned.html
    shown = clean_body(body, block_remote=False)
    assert shown.blocked == 0
    assert REMOTE in shown.html


@pytest.mark.parametrize("body", [
    '<link rel="stylesheet" href="http://t.example/a.css"><p>x</p>',
    '<link rel="preload" as="font" href="https://t.example/f.woff2"><p>x</p>',
    '<link rel="dns-prefetch" href="//t.example"><p>x</p>',
    '<meta http-equiv="refresh" content="0;url=http://t.example/"><p>x</p>',
    '<base href="http://t.example/"><p>x</p>',
    '<iframe src="http://t.example/f"></iframe><p>x</p>',
    '<object data="http://t.example/o.swf"></object><p>x</p>',
    '<embed src="http://t.example/e.swf"><p>x</p>',
    '<script src="http://t.example/s.js"></script><p>x</p>',
    '<!--[if mso]><v:image src="http://t.example/v.png"/><![endif]--><p>x</p>',
    '<a href="http://example.com" ping="http://t.example/ping">x</a>',
    '<img src="javascript:alert(1)" onerror="fetch(\'http://t.example\')"><p>x</p>',
])
def test_loaders_never_shown_even_when_allowed(body):
    for block in (True, False):
        cleaned = clean_body(body, block_remote=block)
        assert REMOTE not in cleaned.html
        assert "javascript" not in cleaned.html
        assert "x" in cleaned.html


@pytest.mark.parametrize("body", [
    '<img src="cid:logo1@example.com">',
    '<img src="/web/image/42?unique=1">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<div style="background:url(cid:bg)">x</div>',
    '<p style="color:red">plain text, no resources</p>',
])
def test_local_content_is_kept_and_nothing_reported(body):
    cleaned = clean_body(body)
    assert cleaned.blocked == 0
    for url in re.findall(r'(?:src|url)[=(]"?([^")]+)', body):
        assert url in cleaned.html


def test_links_open_in_a_new_tab_without_referrer():
    cleaned = clean_body('<p><a href="https://example.com/offer">offer</a> '
                         '<a href="#top">top</a> <a href="mailto:a@example.com">a</a> '
                         '<a href="javascript:alert(1)">js</a></p>')
    html = cleaned.html
    assert '<a href="https://example.com/offer" target="_blank" ' \
           'rel="noopener noreferrer">offer</a>' in html
    assert '<a href="#top">top</a>' in html
    assert 'href="mailto:a@example.com" target="_blank"' in html
    assert "javascript" not in html and ">js</a>" in html
    assert cleaned.blocked == 0


@pytest.mark.parametrize("body", ["", "   ", None])
def test_empty_bodies(body):
    assert clean_body(body).html == (body or "")


def test_text_and_structure_survive():
    body = 'Dzień dobry,<br><b>Łódź</b> &amp; <i>Київ</i> <img src="http://t.example/p.gif"> end'
    cleaned = clean_body(body)
    assert cleaned.html == ('<div>Dzień dobry,<br><b>Łódź</b> &amp; <i>Київ</i> <img> end'
                            '</div>')
