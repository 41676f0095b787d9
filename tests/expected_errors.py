"""Assertions on the refusals of ``tools/`` checks (shared by the pure tests).

A check returns None when all is well, else ``(template, params)``: an ``_lt``
template the ORM layer translates, and its named placeholders.
"""


def assert_refusal(error, template, expected_params):
    """``error`` is None when ``expected_params`` is None; otherwise it is ``template``
    with ``expected_params``, which fill every placeholder. Returns the English text
    (None when there is no refusal)."""
    if expected_params is None:
        assert error is None
        return None
    got_template, params = error
    assert got_template == template
    assert params == expected_params
    text = template % params
    assert "%(" not in text
    return text
