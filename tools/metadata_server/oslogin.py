"""OS Login as the metadata server answers it: profiles kept per project (pure logic).

The paths and JSON shapes are the ones google-compute-engine-oslogin
20210907 (Debian 12's package) asks for and parses, read from its source
(github.com/GoogleCloudPlatform/guest-oslogin, tag 20210907.00):
src/oslogin_utils.cc, src/nss/nss_oslogin.cc,
src/authorized_keys/authorized_keys.cc, src/pam/pam_oslogin_{login,admin}.cc.

- ``users?username=NAME`` / ``users?uid=N``: ``{"loginProfiles": [profile]}``,
  404 for no such user (sshd's AuthorizedKeysCommand then prints no key).
- ``users?pagesize=N[&pagetoken=T]`` (getpwent): ``{"loginProfiles": [...],
  "nextPageToken": T}``; a page with ``nextPageToken`` "0" ends the listing
  and carries no profiles.
- ``users?groupname=G``: ``{"usernames": [...], "nextPageToken": "0"}``.
- ``groups?pagesize=N`` / ``groups?email=E`` / ``groups?groupname=G`` /
  ``groups?gid=N``: ``{"posixGroups": [{"name", "gid"}], "nextPageToken"}``;
  for groups "0" ends the listing but that page still holds groups.
- ``authorize?email=E&policy=login|adminLogin``: ``{"success": bool}``.
- A profile: ``{"name": email, "posixAccounts": [{"primary", "username",
  "uid", "gid", "homeDirectory", "shell", ...}], "sshPublicKeys":
  {fingerprint: {"key", "fingerprint"[, "expirationTimeUsec"]}}}``.
"""

import hashlib
import threading
import urllib.parse

NOT_FOUND = (404, None)
# OS Login gives no uid below 1000 (the NSS module refuses them).
FIRST_UID = 1000


class OsLoginDirectory:
    """Users and groups per project, with who may log in and who is an administrator."""

    def __init__(self):
        self._lock = threading.Lock()
        self._users = {}   # project -> {username: user dict}
        self._groups = {}  # project -> {name: {"gid", "members"}}

    def add_user(self, project, email, username, uid, ssh_keys=(), admin=False, login=True,
                 gid=None, home=None, shell="/bin/bash"):
        """Add or replace a user; ``login``/``admin``: what the login/adminLogin policies answer."""
        if int(uid) < FIRST_UID:
            raise ValueError("OS Login uid %s is below %d; give a uid of at least %d" % (uid, FIRST_UID, FIRST_UID))
        with self._lock:
            self._users.setdefault(project, {})[username] = {
                "email": email, "username": username, "uid": int(uid), "gid": int(gid or uid),
                "home": home or "/home/%s" % username, "shell": shell, "keys": list(ssh_keys),
                "admin": bool(admin), "login": bool(login),
            }

    def remove_user(self, project, username):
        with self._lock:
            self._users.get(project, {}).pop(username, None)

    def add_group(self, project, name, gid, members=()):
        with self._lock:
            self._groups.setdefault(project, {})[name] = {"gid": int(gid), "members": list(members)}

    # -- answers -------------------------------------------------------------------------
    def answer(self, project, resource, query):
        """``(status, json body or None)`` for ``oslogin/<resource>?<query>``."""
        params = {key: values[-1] for key, values in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        with self._lock:
            users = [dict(user) for user in self._users.get(project, {}).values()]
            groups = {name: dict(group) for name, group in self._groups.get(project, {}).items()}
        users.sort(key=lambda user: user["uid"])
        if resource == "users":
            return _users(users, groups, params)
        if resource == "groups":
            return _groups(users, groups, params)
        if resource == "authorize":
            return _authorize(users, params)
        return NOT_FOUND


def _profile(user):
    keys = {}
    for key in user["keys"]:
        fingerprint = hashlib.sha256(key.encode("utf-8")).hexdigest()
        keys[fingerprint] = {"key": key, "fingerprint": fingerprint}
    return {
        "name": user["email"],
        "posixAccounts": [{
            "primary": True, "username": user["username"], "uid": user["uid"], "gid": user["gid"],
            "homeDirectory": user["home"], "shell": user["shell"], "gecos": "",
            "systemId": "", "accountId": "", "operatingSystemType": "LINUX",
        }],
        "sshPublicKeys": keys,
    }


def _page(items, params):
    """One page of ``items`` and the next token ("0" once past the end)."""
    try:
        size = max(1, int(params.get("pagesize") or len(items) or 1))
        start = int(params.get("pagetoken") or 0)
    except ValueError:
        return None, None
    page = items[start:start + size]
    following = start + size
    return page, str(following) if following < len(items) else "0"


def _users(users, groups, params):
    if "username" in params:
        found = [user for user in users if user["username"] == params["username"]]
    elif "uid" in params:
        found = [user for user in users if str(user["uid"]) == params["uid"]]
    elif "groupname" in params:
        group = groups.get(params["groupname"])
        if group is None:
            return NOT_FOUND
        return 200, {"usernames": list(group["members"]), "nextPageToken": "0"}
    elif "pagesize" in params:
        start = params.get("pagetoken") or "0"
        if not start.isdigit():
            return 400, None
        if int(start) >= len(users):
            return 200, {"nextPageToken": "0"}
        size = max(1, int(params["pagesize"]) if params["pagesize"].isdigit() else 1)
        page = users[int(start):int(start) + size]
        # Users: the "0" token comes on a page of its own, after the last profiles.
        return 200, {"loginProfiles": [_profile(user) for user in page], "nextPageToken": str(int(start) + size)}
    else:
        return NOT_FOUND
    if not found:
        return NOT_FOUND
    return 200, {"loginProfiles": [_profile(found[0])]}


def _group_entries(groups):
    entries = [{"name": name, "gid": group["gid"]} for name, group in groups.items()]
    return sorted(entries, key=lambda entry: entry["gid"])


def _groups(users, groups, params):
    entries = _group_entries(groups)
    if "groupname" in params:
        found = [entry for entry in entries if entry["name"] == params["groupname"]]
    elif "gid" in params:
        found = [entry for entry in entries if str(entry["gid"]) == params["gid"]]
    elif "email" in params:
        user = next((user for user in users if user["email"] == params["email"]), None)
        if user is None:
            return NOT_FOUND
        mine = [entry for entry in entries if user["username"] in groups[entry["name"]]["members"]]
        page, token = _page(mine, params)
        return 200, {"posixGroups": page or [], "nextPageToken": token or "0"}
    elif "pagesize" in params:
        page, token = _page(entries, params)
        if page is None:
            return 400, None
        # Groups: the "0" token comes with the last groups.
        return 200, {"posixGroups": page, "nextPageToken": token}
    else:
        return NOT_FOUND
    if not found:
        return NOT_FOUND
    return 200, {"posixGroups": found}


def _authorize(users, params):
    policy = params.get("policy")
    if policy not in ("login", "adminLogin"):
        return 400, None
    user = next((user for user in users if user["email"] == params.get("email")), None)
    if user is None:
        return 200, {"success": False}
    allowed = user["login"] and (policy == "login" or user["admin"])
    return 200, {"success": allowed}
