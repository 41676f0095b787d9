"""Remote content of e-mail bodies, neutralised until the reader allows it.

An e-mail that loads an image, a style sheet or a font from a server tells that
server that (and when, and from which address) it was read: newsletters use
one-pixel images for exactly that. As Thunderbird and Outlook do, the mailbox
shows nothing remote by default.

:func:`clean_body` rewrites the (already sanitized) HTML of a body that is about
to be shown:

* every attribute that makes a browser fetch something (``src``, ``srcset``,
  ``background``, ``poster``, ``data``, ``href`` of anything but a link, SVG
  ``xlink:href``...) is removed when it points to another server, and CSS
  ``url()``, ``image-set()`` and ``@import`` of remote resources are replaced in
  ``style`` attributes and ``<style>`` elements (after CSS escapes are decoded,
  so ``u\\72l(`` is caught as well);
* what is never shown, allowed or not: ``<link>``, ``<meta>``, ``<base>``,
  scripts, frames, plug-ins (their fallback content stays), comments (Outlook's
  conditional comments hold VML images), event handler attributes and URLs of other schemes
  (``javascript:``);
* ``cid:`` images, ``data:`` URLs and the addresses of Odoo itself (relative
  URLs, e.g. the inline images stored as attachments) are kept;
* links open in a new tab with ``rel="noopener noreferrer"``.

With ``block_remote=False`` (the reader chose *Show*), remote resources stay and
only the rest applies. The result says how many remote references were blocked,
so that the mailbox shows its "Remote content was blocked" bar only when it did.

No Odoo import here: this module is tested without a database.
"""

import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

# Schemes that never leave the machine: inline parts of the message and data URLs.
LOCAL_SCHEMES = {"cid", "data"}
# Remote schemes a reader may allow; anything else (javascript:, file:...) is dropped.
REMOTE_SCHEMES = {"http", "https", "ftp"}
# Elements never shown: they load or run something, or change the whole page.
DROPPED_TAGS = {"script", "link", "meta", "base", "iframe", "frame", "frameset", "param",
                "portal", "fencedframe"}
# Plug-in elements: dropped, their fallback content (children) kept.
UNWRAPPED_TAGS = {"object", "embed", "applet"}
# Attributes holding one URL that the browser fetches on its own.
LOADER_ATTRIBUTES = {"src", "lowsrc", "dynsrc", "background", "poster", "data", "codebase",
                     "archive", "longdesc", "manifest", "profile", "icon"}
# Attributes holding a list of URLs (``srcset``: "url 1x, url 2x").
SRCSET_ATTRIBUTES = {"srcset", "imagesrcset"}
LINK_TAGS = {"a", "area"}

_URL_NOISE_RE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_CSS_COMMENT_RE = re.compile(r"/\*.*?(\*/|$)", re.S)
_CSS_ESCAPE_RE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\r\n\f]?|(.))", re.S)
_CSS_URL_RE = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)""", re.I | re.S)
_CSS_IMPORT_RE = re.compile(
    r"""@import\s+(?:url\(\s*(?:"[^"]*"|'[^']*'|[^)]*)\s*\)|"[^"]*"|'[^']*')[^;]*;?""",
    re.I | re.S)
_CSS_IMAGE_SET_RE = re.compile(r"(?:-webkit-)?image-set\((?:[^()]|\([^()]*\))*\)", re.I | re.S)
_CSS_STRING_RE = re.compile(r""""([^"]*)"|'([^']*)'""")
_DOCUMENT_RE = re.compile(r"<\s*(html|head|body)[\s>/]", re.I)


@dataclass
class CleanedBody:
    html: str
    blocked: int = 0  # remote references neutralised


def url_kind(url):
    """``"local"`` (relative, ``cid:``, ``data:``), ``"remote"`` or ``"other"``.

    Browsers ignore tabs, line breaks and control characters inside URLs and read
    backslashes as slashes: ``"ht\\ttp://x"`` and ``"\\\\x"`` are remote.
    """
    cleaned = _URL_NOISE_RE.sub("", url or "").replace("\\", "/").lower()
    if cleaned.startswith("//"):
        return "remote"
    match = _SCHEME_RE.match(cleaned)
    if not match:
        return "local"
    scheme = match.group(1)
    if scheme in LOCAL_SCHEMES:
        return "local"
    return "remote" if scheme in REMOTE_SCHEMES else "other"


def _decode_css_escapes(css):
    def replace(match):
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF \
                else "\ufffd"
        return "" if match.group(2) == "\n" else match.group(2)

    return _CSS_ESCAPE_RE.sub(replace, css)


class _Cleaner:
    def __init__(self, block_remote):
        self.block_remote = block_remote
        self.blocked = 0

    def keep_url(self, url):
        """Whether a fetched URL stays (counts what is blocked)."""
        kind = url_kind(url)
        if kind == "local":
            return True
        if kind == "remote" and not self.block_remote:
            return True
        if kind == "remote":
            self.blocked += 1
        return False

    def css(self, text):
        """CSS without remote resources (unchanged when nothing is blocked)."""
        if not text or not re.search(r"url|image-set|@import|\\", text, re.I):
            return text
        decoded = _decode_css_escapes(_CSS_COMMENT_RE.sub("", text))
        before = self.blocked

        def import_(match):
            urls = _CSS_URL_RE.findall(match.group(0)) or [
                (a, b, "") for a, b in _CSS_STRING_RE.findall(match.group(0))]
            kept = [self.keep_url("".join(u)) for u in urls]
            return match.group(0) if all(kept) else ""

        def image_set(match):
            strings = ["".join(s) for s in _CSS_STRING_RE.findall(match.group(0))]
            strings += ["".join(u) for u in _CSS_URL_RE.findall(match.group(0))]
            kept = [self.keep_url(s) for s in strings]
            return match.group(0) if all(kept) else "none"

        def url(match):
            return match.group(0) if self.keep_url("".join(match.groups(""))) else "none"

        cleaned = _CSS_IMPORT_RE.sub(import_, decoded)
        cleaned = _CSS_IMAGE_SET_RE.sub(image_set, cleaned)
        cleaned = _CSS_URL_RE.sub(url, cleaned)
        return cleaned if self.blocked != before else text

    def element(self, element):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        for name in list(element.attrib):
            value = element.attrib[name]
            local = name.lower().rsplit(":", 1)[-1].rsplit("}", 1)[-1]
            if local.startswith("on") or local == "ping":
                del element.attrib[name]
            elif local in LOADER_ATTRIBUTES or (local == "href" and tag not in LINK_TAGS):
                if not self.keep_url(value):
                    del element.attrib[name]
            elif local in SRCSET_ATTRIBUTES:
                candidates = [c.strip().split()[0] for c in value.split(",") if c.strip()]
                kept = [self.keep_url(candidate) for candidate in candidates]  # counts all
                if not all(kept):
                    del element.attrib[name]
            elif local == "style":
                cleaned = self.css(value)
                if cleaned != value:
                    element.attrib[name] = cleaned
            elif local == "href" and url_kind(value) == "other" and \
                    not value.strip().lower().startswith(("mailto:", "tel:")):
                del element.attrib[name]  # javascript: and the like
        if tag in LINK_TAGS and element.get("href") and \
                not element.get("href").lstrip().startswith("#"):
            element.set("target", "_blank")
            element.set("rel", "noopener noreferrer")
        if tag == "style" and element.text:
            element.text = self.css(element.text)


def _parse(body):
    """(wrapper element, whether it is a whole document)."""
    if _DOCUMENT_RE.search(body):
        document = lxml_html.document_fromstring(body)
        wrapper = document.find("body")
        if wrapper is None:
            wrapper = etree.SubElement(document, "body")
        head = document.find("head")
        if head is not None:  # keep its style sheets, drop the rest
            for style in reversed(head.findall(".//style")):
                wrapper.insert(0, style)
        wrapper.tag = "div"
        return wrapper
    return lxml_html.fragment_fromstring(body, create_parent="div")


def clean_body(body, block_remote=True):
    """A :class:`CleanedBody` for the sanitized HTML ``body`` (see the module doc)."""
    if not body or not body.strip():
        return CleanedBody(body or "")
    try:
        wrapper = _parse(body)
    except (etree.ParserError, ValueError):
        return CleanedBody("")
    cleaner = _Cleaner(block_remote)
    for element in list(wrapper.iter()):
        if element is wrapper:
            cleaner.element(element)
        elif not isinstance(element.tag, str) or element.tag.lower() in DROPPED_TAGS:
            element.drop_tree()  # comments, scripts, frames, style sheet links...
        elif element.tag.lower() in UNWRAPPED_TAGS:
            element.drop_tag()
        else:
            cleaner.element(element)
    text = etree.tostring(wrapper, encoding="unicode", method="html")
    return CleanedBody(text, cleaner.blocked)
