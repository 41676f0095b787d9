# Copyright 2026 mail_accounts_ext contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conversations: which stored e-mails belong together.

An e-mail joins the conversation of any e-mail its Message-Id, In-Reply-To or
References name (in either direction: a reply stored before its parent names the
parent, so the parent joins the reply's conversation when it arrives). An e-mail
that links two conversations merges them. Without a known link, the normalised
subject (no ``Re:``/``Fwd:``/``AW:``/``Odp:``/``Відп:``... prefixes, no ``[Ticket]``
tags, case and spaces folded) and at least one common participant (the account's
own addresses left out) within a time window decide.

The ORM reads what the planner needs in bulk (:class:`Known`), asks
:func:`plan` for a whole stored chunk at once and writes the answer with SQL.

No Odoo import here: this module is tested without a database.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from .parse import address_list, referenced_ids

# How far apart (from the conversation's first or last e-mail) a message may be to
# join a conversation by its subject alone.
SUBJECT_WINDOW = datetime.timedelta(days=30)
# Reply and forward prefixes of common mailers (English, German, Polish, Ukrainian,
# Russian, French, Spanish, Italian, Dutch, Nordic, Czech...), matched case-insensitively
# and optionally numbered ("Re[2]:", "RE^3:").
PREFIXES = (
    "re", "fw", "fwd", "aw", "wg", "odp", "pd", "prz", "przek", "dalej", "sv", "vs", "vb",
    "antw", "doorst", "tr", "ref", "rif", "r", "i", "enc", "res", "rv", "fs", "vl", "ynt",
    "відп", "відповідь", "пересл", "переслати", "отв", "ответ",
)
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:%s)\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*)" % "|".join(
        sorted({re.escape(prefix) for prefix in PREFIXES}, key=len, reverse=True)),
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"^\s*\[[^\]]{0,60}\]\s*")
_PAREN_FWD_RE = re.compile(r"\s*\((?:fwd|fw)\)\s*$", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")
# A conversation keeps at most this many participants for the subject fallback.
MAX_PARTICIPANTS = 50


def subject_key(subject):
    """The subject as conversations compare it; "" when nothing is left.

    >>> subject_key("RE: Fwd: [Ticket #12]  Oferta   NA krzesła")
    'oferta na krzesła'
    """
    text = unicodedata.normalize("NFC", subject or "")
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX_RE.sub("", text)
        text = _TAG_RE.sub("", text)
        text = _PAREN_FWD_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip().casefold()


def participants(*headers, exclude=()):
    """Lower-case addresses of the given address headers, without ``exclude``."""
    excluded = {address.lower() for address in exclude if address}
    found = set()
    for header in headers:
        found.update(address_list(header or ""))
    return frozenset(found - excluded)


def link_ids(message_id, in_reply_to, references):
    """The Message-Ids that tie a message to others: its own, then those it names."""
    ids = [message_id] if message_id else []
    return list(dict.fromkeys(ids + referenced_ids(references, in_reply_to)))


@dataclass(frozen=True)
class Message:
    """What the planner knows of a message being stored (or changed)."""

    key: object  # the caller's identifier (a record id)
    ids: tuple  # link_ids(...)
    subject: str  # subject_key(...)
    participants: frozenset
    date: datetime.datetime
    conversation: object = None  # its conversation already, when it has one


@dataclass(frozen=True)
class Candidate:
    """An existing conversation the subject fallback may pick."""

    conversation: object
    participants: frozenset
    first: datetime.datetime
    last: datetime.datetime


@dataclass
class Known:
    """What is stored already: ``by_id`` {Message-Id: conversation},
    ``by_subject`` {subject key: [Candidate]}."""

    by_id: dict = field(default_factory=dict)
    by_subject: dict = field(default_factory=dict)


@dataclass
class Group:
    """One conversation after the plan: ``conversation`` is an existing one kept (the
    lowest of those merged) or None for a new one; ``merged`` are the existing ones
    folded into it; ``keys`` the planned messages; ``ids`` their link ids."""

    conversation: object
    merged: list
    keys: list
    ids: list
    subject: str
    participants: frozenset
    first: datetime.datetime
    last: datetime.datetime


class _Sets:
    """Union-find over hashable nodes."""

    def __init__(self):
        self.parent = {}

    def find(self, node):
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, first, second):
        first, second = self.find(first), self.find(second)
        if first != second:
            self.parent[second] = first


def _matches(candidate, people, first, last, window):
    """Common participants, and dates within ``window`` of the candidate's."""
    return bool(candidate.participants & people) and \
        candidate.first - window <= last and first <= candidate.last + window


def _absorb(group, other):
    group.keys += other.keys
    group.ids = list(dict.fromkeys(group.ids + other.ids))
    group.merged = sorted((set(group.merged) | set(other.merged)) - {group.conversation})
    group.participants |= other.participants
    group.first, group.last = min(group.first, other.first), max(group.last, other.last)


def plan(messages, known, window=SUBJECT_WINDOW):
    """Group ``messages`` (a stored chunk) into conversations.

    :param messages: list of :class:`Message`
    :param known: :class:`Known` for the ``ids`` and ``subject`` of these messages
    :return: list of :class:`Group`, one per conversation touched
    """
    sets = _Sets()
    first_holder = {}
    for message in messages:
        node = ("m", message.key)
        sets.find(node)
        if message.conversation is not None:
            sets.union(node, ("c", message.conversation))
        for link in message.ids:
            conversation = known.by_id.get(link)
            if conversation is not None:
                sets.union(node, ("c", conversation))
            holder = first_holder.setdefault(link, node)
            if holder != node:
                sets.union(node, holder)
    components, conversations = {}, {}
    for message in messages:
        components.setdefault(sets.find(("m", message.key)), []).append(message)
    for node in list(sets.parent):
        if node[0] == "c":
            conversations.setdefault(sets.find(node), set()).add(node[1])

    linked, fresh = [], []
    for root, members in components.items():
        existing = sorted(conversations.get(root, ()))
        group = Group(
            conversation=existing[0] if existing else None, merged=existing[1:],
            keys=[m.key for m in members],
            ids=list(dict.fromkeys(i for m in members for i in m.ids)),
            subject=next((m.subject for m in members if m.subject), ""),
            participants=frozenset().union(*(m.participants for m in members)),
            first=min(m.date for m in members), last=max(m.date for m in members))
        (linked if existing else fresh).append(group)
    # Where each stored conversation ends (merged ones included).
    owner = {}
    for group in linked:
        for conversation in [group.conversation, *group.merged]:
            owner[conversation] = group
    # Groups linked to nothing stored: the subject fallback, oldest first, so that a
    # chunk's own messages of one subject end in one conversation too.
    fresh.sort(key=lambda group: group.first)
    result, placed = list(linked), []
    for group in fresh:
        stored = new = None
        if group.subject and group.participants:
            stored = max((c for c in known.by_subject.get(group.subject, ())
                          if _matches(c, group.participants, group.first, group.last,
                                      window)),
                         key=lambda c: c.last, default=None)
            if stored is None:
                new = next((g for g in reversed(placed) if g.subject == group.subject and
                            _matches(g, group.participants, group.first, group.last,
                                     window)), None)
        if stored is not None:
            target = owner.get(stored.conversation)
            if target is None:
                group.conversation = stored.conversation
                owner[stored.conversation] = group
                result.append(group)
            else:
                _absorb(target, group)
        elif new is not None:
            _absorb(new, group)
        else:
            result.append(group)
            placed.append(group)
    return result
