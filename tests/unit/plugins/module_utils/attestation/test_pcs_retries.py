"""Pcs's retries of one GET, with a scripted session and a fake clock: no network, no test waits.

What is retried (no answer, HTTP 429 and 5xx), how often (``retries``), the
pauses (1, 2, 4, then 8 s) and the one-line messages; the HTTP cases over a
real socket are in tests/playbooks/attestation/test_tdx_collateral.py.
"""

import pytest
import requests

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.pcs import Pcs, PcsError
from tests.fake_clock import SteppedClock

URL = "http://pccs.test:8081"
PATH = URL + "/sgx/certification/v4/rootcacrl"


class Answer:
    def __init__(self, status_code, body=b"", headers=None):
        self.status_code = status_code
        self.content = body
        self.text = body.decode("utf-8", "replace")
        self.headers = headers or {}

    def json(self):
        raise ValueError("not JSON")


class ScriptedSession:
    """Answers (or raises) the scripted outcomes in turn, the last one for ever; records each GET."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.gets = []

    def get(self, url, timeout):
        self.gets.append((url, timeout))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def pcs(session, retries=2):
    clock = SteppedClock(start=50.0)
    return Pcs(URL, timeout=3.0, retries=retries, session=session, sleep=clock.sleep, clock=clock), clock


def test_a_passing_outage_is_retried_after_a_pause_and_every_attempt_is_counted():
    session = ScriptedSession(Answer(503), requests.ConnectionError("refused"), Answer(200, b"crl"))
    client, clock = pcs(session)
    assert client._get(PATH).content == b"crl"
    assert session.gets == [(PATH, 3.0)] * 3 and client.calls == 3
    assert clock.sleeps == [1.0, 2.0]


def test_pauses_double_up_to_eight_seconds():
    client, clock = pcs(ScriptedSession(Answer(502)), retries=6)
    with pytest.raises(PcsError):
        client._get(PATH)
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0] and client.calls == 7


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_lasting_outage_fails_after_the_retries_naming_the_answer_and_the_attempts(status):
    session = ScriptedSession(Answer(status, headers={"Error-Message": "busy,\n try later"}))
    client, clock = pcs(session, retries=3)
    with pytest.raises(PcsError) as raised:
        client._get(PATH)
    assert str(raised.value) == "GET %s answered HTTP %d: busy, try later after 4 attempts" % (PATH, status)
    assert client.calls == len(session.gets) == 4 and clock.sleeps == [1.0, 2.0, 4.0]


def test_no_answer_at_all_fails_after_the_retries_in_one_line():
    client, clock = pcs(ScriptedSession(requests.ConnectTimeout("timed out\nafter 3 s")))
    with pytest.raises(PcsError) as raised:
        client._get(PATH)
    assert str(raised.value) == "GET %s failed after 3 attempts: timed out after 3 s" % PATH
    assert clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_refusal_is_not_retried(status):
    session = ScriptedSession(Answer(status, b"no such FMSPC"))
    client, clock = pcs(session)
    with pytest.raises(PcsError) as raised:
        client._get(PATH)
    assert str(raised.value) == "GET %s answered HTTP %d: no such FMSPC" % (PATH, status)
    assert client.calls == 1 and clock.sleeps == []


def test_a_refusal_after_an_outage_says_how_many_attempts_it_took():
    client, clock = pcs(ScriptedSession(Answer(503), Answer(404, headers={"Error-Code": "NotFound"})))
    with pytest.raises(PcsError) as raised:
        client._get(PATH)
    assert str(raised.value) == "GET %s answered HTTP 404: NotFound after 2 attempts" % PATH
    assert clock.sleeps == [1.0]


def test_no_retries_means_one_attempt_and_no_pause():
    for outcome, message in ((Answer(503), "answered HTTP 503"), (requests.ConnectionError("down"),
                                                                  "failed after 1 attempts: down")):
        client, clock = pcs(ScriptedSession(outcome), retries=0)
        with pytest.raises(PcsError) as raised:
            client._get(PATH)
        assert str(raised.value) == "GET %s %s" % (PATH, message)
        assert client.calls == 1 and clock.sleeps == []


def test_each_get_has_its_own_retries():
    session = ScriptedSession(Answer(503), Answer(200, b"a"), Answer(503), Answer(503), Answer(200, b"b"))
    client, clock = pcs(session)
    assert client._get(PATH).content == b"a" and client._get(PATH).content == b"b"
    assert client.calls == 5 and clock.sleeps == [1.0, 1.0, 2.0]
