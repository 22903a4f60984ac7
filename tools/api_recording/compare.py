"""Hold the emulator's answer to Google's recorded one, field by field.

Every field Google sent must be in the emulator's answer with the same JSON
type, and the emulator may send no field Google did not. Values must be
equal too, except for the fields below, which differ between any two runs
(identifiers, times, fingerprints, addresses, how far an operation has got):
for those only the type is held. The answers of both have their project
replaced by the placeholder first, so a project name is no difference.
"""

# Fields whose value depends on the run, not on the API's behaviour.
RUN_DEPENDENT = frozenset({
    "id", "targetId", "sourceImageId", "sourceDiskId",
    "creationTimestamp", "insertTime", "startTime", "endTime", "lastStartTimestamp", "lastStopTimestamp",
    "lastSuspendedTimestamp", "lastAttachTimestamp", "lastDetachTimestamp",
    "fingerprint", "labelFingerprint", "progress", "status", "natIP", "networkIP", "user",
    "clientOperationId", "selfLinkWithId", "nextPageToken",
})
# Fields whose value names something the run made (operations, instance names are kept).
OPERATION_NAMED = ("name", "selfLink", "targetLink")


def _json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def compare(recorded, answered, where="response", operation=False):
    """Every difference between Google's ``recorded`` JSON and the emulator's ``answered``, as strings."""
    if _json_type(recorded) != _json_type(answered):
        return ["%s: Google sent %s, the emulator %s" % (where, _json_type(recorded), _json_type(answered))]
    if isinstance(recorded, dict):
        is_operation = operation or recorded.get("kind") == "compute#operation"
        differences = []
        for key in sorted(set(recorded) - set(answered)):
            differences.append("%s.%s: Google sent it, the emulator did not" % (where, key))
        for key in sorted(set(answered) - set(recorded)):
            differences.append("%s.%s: the emulator sent it, Google did not" % (where, key))
        for key in sorted(set(recorded) & set(answered)):
            held_by_type = key in RUN_DEPENDENT or (is_operation and key in OPERATION_NAMED)
            if held_by_type and not isinstance(recorded[key], (dict, list)):
                if _json_type(recorded[key]) != _json_type(answered[key]):
                    differences.append("%s.%s: Google sent %s, the emulator %s" % (
                        where, key, _json_type(recorded[key]), _json_type(answered[key])))
                continue
            differences.extend(compare(recorded[key], answered[key], "%s.%s" % (where, key), is_operation))
        return differences
    if isinstance(recorded, list):
        if len(recorded) != len(answered):
            return ["%s: Google sent %d items, the emulator %d" % (where, len(recorded), len(answered))]
        differences = []
        for index, (one, other) in enumerate(zip(recorded, answered)):
            differences.extend(compare(one, other, "%s[%d]" % (where, index), operation))
        return differences
    if recorded != answered:
        return ["%s: Google sent %r, the emulator %r" % (where, recorded, answered)]
    return []
