"""Conversations: subject keys, participants and the grouping plan (no database)."""

import datetime

import pytest

from mail_accounts_ext.tools.conversation import (
    Candidate,
    Known,
    Message,
    link_ids,
    participants,
    plan,
    subject_key,
)

DAY = datetime.timedelta(days=1)
T0 = datetime.datetime(2026, 3, 1, 9, 0)


@pytest.mark.parametrize("subject, expected", [
    ("Oferta na krzesła", "oferta na krzesła"),
    ("Re: Oferta na krzesła", "oferta na krzesła"),
    ("RE: re: Fwd: Oferta na krzesła", "oferta na krzesła"),
    ("AW: WG: Angebot", "angebot"),
    ("Odp: PD: Faktura 12/2026", "faktura 12/2026"),
    ("Odp.: x", "odp.: x"),  # not a prefix: kept
    ("Відп: Рахунок-фактура", "рахунок-фактура"),
    ("Пересл: Відповідь: РАХУНОК", "рахунок"),
    ("Re[2]: Meeting", "meeting"),
    ("RE^3 : Meeting", "meeting"),
    ("[Ticket #4711] Re: Printer broken", "printer broken"),
    ("Re: [Ticket #4711] Printer broken", "printer broken"),
    ("Printer   broken\t(fwd)", "printer broken"),
    ("  Dostawa\r\n do   Łodzi ", "dostawa do łodzi"),
    ("Re: ", ""),
    ("", ""),
    (None, ""),
    ("Rechnung", "rechnung"),  # "Re" inside a word stays
    ("Read me: now", "read me: now"),
])
def test_subject_key(subject, expected):
    assert subject_key(subject) == expected


def test_participants_leave_out_own_addresses():
    found = participants('"Zbigniew Łódź" <Z@Example.com>', "sales@firma.pl, b@x.pl",
                         None, exclude=["SALES@firma.pl"])
    assert found == {"z@example.com", "b@x.pl"}


def test_link_ids_own_id_first_without_repeats():
    assert link_ids("<c@x>", "<b@x>", "<a@x> <b@x>") == ["<c@x>", "<a@x>", "<b@x>"]
    assert link_ids(False, None, "") == []


def _message(key, ids=(), subject="", people=("z@x.pl",), date=T0, conversation=None):
    return Message(key, tuple(ids), subject_key(subject), frozenset(people), date,
                   conversation)


def _by_key(groups):
    return {key: group for group in groups for key in group.keys}


def test_reply_joins_stored_parent_by_reference():
    groups = plan([_message(1, ["<r@x>", "<p@x>"])], Known(by_id={"<p@x>": 7}))
    assert len(groups) == 1 and groups[0].conversation == 7 and groups[0].merged == []
    assert groups[0].ids == ["<r@x>", "<p@x>"]


def test_parent_after_reply_joins_through_the_reply_references():
    # The reply was stored first and recorded the parent's id for its conversation.
    groups = plan([_message(2, ["<p@x>"])], Known(by_id={"<p@x>": 9}))
    assert groups[0].conversation == 9


def test_message_linking_two_conversations_merges_them():
    known = Known(by_id={"<a@x>": 12, "<c@x>": 5})
    groups = plan([_message(3, ["<b@x>", "<a@x>", "<c@x>"])], known)
    assert len(groups) == 1
    assert groups[0].conversation == 5 and groups[0].merged == [12]


def test_chunk_messages_linked_among_themselves():
    messages = [_message(1, ["<a@x>"], subject="One"),
                _message(2, ["<b@x>", "<a@x>"], subject="Two"),
                _message(3, ["<z@x>"], subject="Other", people=["q@y.pl"])]
    groups = plan(messages, Known())
    by_key = _by_key(groups)
    assert by_key[1] is by_key[2] and by_key[3] is not by_key[1]
    assert by_key[1].conversation is None and len(groups) == 2


def test_existing_conversation_of_a_changed_message_kept():
    groups = plan([_message(1, ["<new@x>"], conversation=4)], Known())
    assert groups[0].conversation == 4


def test_subject_fallback_needs_common_participant_and_window():
    candidate = Candidate(8, frozenset({"z@x.pl"}), T0 - 5 * DAY, T0 - 2 * DAY)
    known = Known(by_subject={"oferta": [candidate]})
    assert plan([_message(1, ["<n@x>"], "Re: Oferta")], known)[0].conversation == 8
    # Another person with the same subject: a conversation of its own.
    assert plan([_message(1, ["<n@x>"], "Re: Oferta", people=["o@y.pl"])],
                known)[0].conversation is None
    # Too late: more than 30 days after the conversation's last e-mail.
    assert plan([_message(1, ["<n@x>"], "Re: Oferta", date=T0 + 40 * DAY)],
                known)[0].conversation is None
    # Nothing left of the subject: no fallback.
    assert plan([_message(1, ["<n@x>"], "Re:")],
                Known(by_subject={"": [candidate]}))[0].conversation is None


def test_subject_fallback_picks_the_latest_candidate():
    old = Candidate(3, frozenset({"z@x.pl"}), T0 - 20 * DAY, T0 - 20 * DAY)
    recent = Candidate(6, frozenset({"z@x.pl"}), T0 - 3 * DAY, T0 - DAY)
    known = Known(by_subject={"oferta": [old, recent]})
    assert plan([_message(1, [], "Oferta")], known)[0].conversation == 6


def test_subject_fallback_inside_a_chunk():
    messages = [_message(2, ["<b@x>"], "Re: Oferta", date=T0 + DAY),
                _message(1, ["<a@x>"], "Oferta", date=T0),
                _message(3, ["<c@x>"], "Oferta", people=["other@y.pl"])]
    by_key = _by_key(plan(messages, Known()))
    assert by_key[1] is by_key[2] and by_key[3] is not by_key[1]


def test_subject_fallback_into_a_conversation_merged_by_the_same_chunk():
    known = Known(by_id={"<a@x>": 4, "<b@x>": 2},
                  by_subject={"oferta": [Candidate(4, frozenset({"z@x.pl"}), T0, T0)]})
    messages = [_message(1, ["<m@x>", "<a@x>", "<b@x>"], "Other"),
                _message(5, ["<n@x>"], "Re: Oferta")]
    groups = plan(messages, known)
    assert len(groups) == 1
    assert groups[0].conversation == 2 and groups[0].merged == [4]
    assert sorted(groups[0].keys) == [1, 5]


def test_linked_message_ignores_subject():
    known = Known(by_id={"<a@x>": 4},
                  by_subject={"oferta": [Candidate(9, frozenset({"z@x.pl"}), T0, T0)]})
    assert plan([_message(1, ["<a@x>"], "Oferta")], known)[0].conversation == 4
