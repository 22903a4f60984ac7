"""Send a recording's calls, in order, to the emulator and compare each answer with Google's."""

import json
import urllib.parse

import requests

from .compare import compare
from .recording import fill, scrub

REPLAY_TIMEOUT_SECONDS = 120


def _operation_names(recorded, answered):
    """(Google's name, the emulator's name) of the operations an answer carries, a list's items included."""
    pairs = []
    if isinstance(recorded, dict) and isinstance(answered, dict):
        if recorded.get("kind") == "compute#operation" and recorded.get("name") and answered.get("name"):
            pairs.append((recorded["name"], answered["name"]))
        if isinstance(recorded.get("items"), list) and isinstance(answered.get("items"), list):
            for one, other in zip(recorded["items"], answered["items"]):
                pairs.extend(_operation_names(one, other))
    return pairs


def _renamed(text, names):
    for google, emulator in names.items():
        text = text.replace(google, emulator)
    return text


def replay(recording, base_url, access_token, project):
    """[(exchange index, method, path, differences)] for every call whose answer differs from Google's.

    The emulator's operations get names of their own; a later call that
    names one of Google's operations is sent with the emulator's name.
    """
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + access_token
    names = {}
    found = []
    for index, exchange in enumerate(recording["exchanges"]):
        path = _renamed(fill(exchange["path"], project), names)
        query = dict((key, _renamed(fill(value, project), names)) for key, value in exchange["query"].items())
        url = base_url.rstrip("/") + path + ("?" + urllib.parse.urlencode(query) if query else "")
        body = fill(exchange["body"], project)
        answer = session.request(exchange["method"], url, data=json.dumps(body) if body is not None else None,
                                 headers={"Content-Type": "application/json"}, timeout=REPLAY_TIMEOUT_SECONDS)
        answered = scrub(answer.json(), project) if answer.content else None
        differences = []
        if answer.status_code != exchange["status"]:
            differences.append("status: Google answered %d, the emulator %d" % (exchange["status"],
                                                                                answer.status_code))
        differences.extend(compare(exchange["response"], answered))
        names.update(_operation_names(exchange["response"], answered))
        if differences:
            found.append((index, exchange["method"], exchange["path"], differences))
    return found


def unaccepted(recording, found):
    """The differences of ``found`` that the recording's ``accepted`` list does not name."""
    accepted = set((item["exchange"], item["where"]) for item in recording.get("accepted") or ())
    left = []
    for index, method, path, differences in found:
        kept = [text for text in differences if (index, text.split(":", 1)[0]) not in accepted]
        if kept:
            left.append((index, method, path, kept))
    return left
