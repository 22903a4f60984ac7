"""List calls: filter, order, and pages (``maxResults`` / ``pageToken``)."""

import base64
import hashlib
import json

from . import errors, filters

MAX_RESULTS_LIMIT = 500


def _query_digest(query):
    basis = json.dumps([query.get("filter", ""), query.get("orderBy", "")])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


def _encode_token(offset, query):
    raw = json.dumps({"offset": offset, "query": _query_digest(query)}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_token(token, query):
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        offset = int(data["offset"])
        digest = data["query"]
    except (ValueError, KeyError, TypeError):
        raise errors.invalid_field("pageToken", token, "Invalid page token.")
    if digest != _query_digest(query) or offset < 0:
        raise errors.invalid_field("pageToken", token, "The page token does not belong to this list request.")
    return offset


def max_results(query):
    raw = query.get("maxResults")
    if raw in (None, ""):
        return MAX_RESULTS_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_field("maxResults", raw, "Must be an integer.")
    if value < 0 or value > MAX_RESULTS_LIMIT:
        raise errors.invalid_field("maxResults", raw, "Must be less than or equal to %d" % MAX_RESULTS_LIMIT)
    return value or MAX_RESULTS_LIMIT


def select(items, query):
    """Filtered and ordered ``items`` (resource dicts)."""
    predicate = filters.parse(query.get("filter", ""))
    chosen = [item for item in items if predicate(item)]
    order = (query.get("orderBy") or "").strip()
    if order in ("", "name"):
        chosen.sort(key=lambda item: item.get("name", ""))
    elif order == "creationTimestamp desc":
        chosen.sort(key=lambda item: (item.get("creationTimestamp", ""), item.get("name", "")), reverse=True)
    else:
        raise errors.invalid_field("orderBy", order, "Sorting is only supported by name and creationTimestamp desc.")
    return chosen


def page(items, query):
    """``(items_on_this_page, next_page_token_or_None)`` of an already selected list."""
    size = max_results(query)
    token = query.get("pageToken")
    offset = _decode_token(token, query) if token else 0
    chunk = items[offset:offset + size]
    following = offset + size
    return chunk, (_encode_token(following, query) if following < len(items) else None)


def list_response(kind, self_link, items, query, list_id):
    chosen, next_token = page(select(items, query), query)
    body = {"kind": kind, "id": list_id, "items": chosen, "selfLink": self_link}
    if not chosen:
        del body["items"]
    if next_token:
        body["nextPageToken"] = next_token
    return body
