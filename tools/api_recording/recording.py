"""The recording format: one JSON file per run.

    {"format": 1, "recorded_at": "...Z", "upstream": "https://compute.googleapis.com",
     "exchanges": [{"method": "POST", "path": "/compute/v1/projects/{project}/zones/Z/instances",
                    "query": {"requestId": "..."}, "body": {...} or null,
                    "status": 200, "response": {...} or null}, ...],
     "accepted": [{"exchange": 3, "where": "response.cpuPlatform", "why": "..."}]}

``{project}`` stands for the project of the run, so that a recording names
no project and replays against any. ``accepted`` lists differences from the
emulator that were looked at and kept, each with its reason; it starts empty.
"""

import json
import re

FORMAT = 1
PROJECT_PLACEHOLDER = "{project}"


def _each_string(value, change):
    """``value`` (JSON) with ``change`` applied to every string in it, keys left as they are."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_each_string(item, change) for item in value]
    if isinstance(value, dict):
        return dict((key, _each_string(item, change)) for key, item in value.items())
    return value


def scrub(value, project):
    """``value`` (JSON) with the project's name replaced by the placeholder wherever it is a word of its own
    (not inside a longer name), in URLs and emails alike."""
    word = re.compile(r"(?<![a-z0-9-])%s(?![a-z0-9-])" % re.escape(project))
    return _each_string(value, lambda text: word.sub(PROJECT_PLACEHOLDER, text))


def fill(value, project):
    """The reverse of scrub: the placeholder replaced by ``project``."""
    return _each_string(value, lambda text: text.replace(PROJECT_PLACEHOLDER, project))


def save(path, exchanges, upstream, recorded_at):
    with open(path, "w") as handle:
        json.dump({"format": FORMAT, "recorded_at": recorded_at, "upstream": upstream,
                   "exchanges": exchanges, "accepted": []}, handle, indent=1, sort_keys=True)
        handle.write("\n")


def load(path):
    with open(path) as handle:
        recording = json.load(handle)
    if recording.get("format") != FORMAT:
        raise ValueError("%s: recording format %r, this code reads %d" % (path, recording.get("format"), FORMAT))
    return recording
