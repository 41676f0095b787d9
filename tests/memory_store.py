"""In-memory implementations of the sync stores, for the pure tests.

They follow the contracts of ``imap_sync.ImapStore`` and ``pop3_fetch.Pop3Store``
with dictionaries, the way the ORM layer does with tables: messages are dicts,
deletions ("tombstones") are remembered so that nothing comes back.
"""

import itertools

from mail_accounts_ext.tools import imap_sync, pop3_fetch


class _StoreCalls:
    """Counts ``store()`` calls and fails the ``fail_on_store_call``-th (1-based), as a
    database error in the middle of a sync would."""

    def __init__(self, fail_on_store_call=None):
        self.store_calls = 0
        self.fail_on_store_call = fail_on_store_call

    def _count_store_call(self):
        self.store_calls += 1
        if self.store_calls == self.fail_on_store_call:
            raise RuntimeError("store failed on purpose")


class MemoryImapStore(_StoreCalls, imap_sync.ImapStore):
    def __init__(self, fail_on_store_call=None):
        super().__init__(fail_on_store_call)
        self.folders = {}  # server_name -> Folder
        self.states = {}  # server_name -> FolderState
        self.messages = {}  # key -> dict(folder, server_folder, uid, seen, seen_dirty, ...)
        self.tombstones = []  # dicts: folder, uid, message_id, expunge
        self.uploads = []  # Upload
        self._keys = itertools.count(1)

    # -- helpers for tests -----------------------------------------------------
    def in_folder(self, server_name):
        return [m for m in self.messages.values() if m["folder"] == server_name]

    def by_subject(self, subject):
        return [m for m in self.messages.values() if m["parsed"].subject == subject]

    def add_local(self, folder, raw, parsed, uid=None, server_folder=None, **extra):
        key = next(self._keys)
        self.messages[key] = dict(key=key, folder=folder, server_folder=server_folder,
                                  uid=uid, seen=False, seen_dirty=False, raw=raw,
                                  parsed=parsed, message_id=parsed.message_id, **extra)
        return key

    def move_local(self, key, folder):
        self.messages[key]["folder"] = folder

    def delete_local(self, key, expunge):
        message = self.messages.pop(key)
        self.tombstones.append({"folder": message["server_folder"], "uid": message["uid"],
                                    "message_id": message["message_id"], "expunge": expunge})

    def mark_seen(self, key, seen):
        self.messages[key].update(seen=seen, seen_dirty=True)

    # -- ImapStore ---------------------------------------------------------------
    def update_folders(self, folders):
        listed = {folder.server_name: folder for folder in folders}
        for name in list(self.folders):
            if name not in listed:
                del self.folders[name]
                self.states.pop(name, None)
                for key in [k for k, m in self.messages.items() if m["folder"] == name]:
                    del self.messages[key]
        self.folders.update(listed)

    def folder_states(self):
        return dict(self.states)

    def save_state(self, folder, state):
        self.states[folder] = state

    def reset_folder(self, folder, uidvalidity):
        for message in self.messages.values():
            if message["server_folder"] == folder:
                message["uid"] = None
        for tomb in self.tombstones:
            if tomb["folder"] == folder:
                tomb["uid"] = None
        self.states[folder] = imap_sync.FolderState(uidvalidity=uidvalidity)

    def local_uids(self, folder):
        return {m["uid"]: m["seen"] for m in self.messages.values()
                if m["server_folder"] == folder and m["uid"]}

    def deleted_uids(self, folder):
        return {t["uid"] for t in self.tombstones if t["folder"] == folder and t["uid"]}

    def unmatched_message_ids(self, folder):
        ids = {m["message_id"] for m in self.messages.values()
               if m["server_folder"] == folder and not m["uid"]}
        ids |= {t["message_id"] for t in self.tombstones if t["folder"] == folder and not t["uid"]}
        return ids

    def adopt(self, folder, uids_by_message_id):
        for message in self.messages.values():
            found = uids_by_message_id.get(message["message_id"])
            if message["server_folder"] == folder and not message["uid"] and found:
                message["uid"], message["seen"] = found
        for tomb in self.tombstones:
            found = uids_by_message_id.get(tomb["message_id"])
            if tomb["folder"] == folder and not tomb["uid"] and found:
                tomb["uid"] = found[0]

    def store(self, folder, messages, state):
        self._count_store_call()
        for fetched in messages:
            key = next(self._keys)
            self.messages[key] = {
                "key": key, "folder": folder, "server_folder": folder, "uid": fetched.uid,
                "seen": fetched.seen, "seen_dirty": False, "raw": fetched.raw,
                "parsed": fetched.parsed, "message_id": fetched.parsed.message_id}
        self.states[folder] = state

    def set_flags(self, folder, seen_by_uid):
        for message in self.messages.values():
            if message["server_folder"] == folder and message["uid"] in seen_by_uid:
                message["seen"] = seen_by_uid[message["uid"]]

    def vanished(self, folder, uids):
        uids = set(uids)
        for key in [k for k, m in self.messages.items()
                    if m["server_folder"] == folder and m["uid"] in uids]:
            del self.messages[key]
        self.tombstones = [t for t in self.tombstones
                           if not (t["folder"] == folder and t["uid"] in uids)]

    def pending_flags(self, folder):
        return {m["uid"]: m["seen"] for m in self.messages.values()
                if m["server_folder"] == folder and m["uid"] and m["seen_dirty"]}

    def flags_pushed(self, folder, uids):
        for message in self.messages.values():
            if message["server_folder"] == folder and message["uid"] in uids:
                message["seen_dirty"] = False

    def pending_expunges(self, folder):
        return [t["uid"] for t in self.tombstones
                if t["folder"] == folder and t["uid"] and t["expunge"]]

    def expunged(self, folder, uids):
        self.tombstones = [t for t in self.tombstones
                           if not (t["folder"] == folder and t["uid"] in uids)]

    def pending_moves(self):
        return [imap_sync.Move(m["key"], m["server_folder"], m["uid"], m["folder"])
                for m in self.messages.values()
                if m["uid"] and m["server_folder"] and m["server_folder"] != m["folder"]]

    def moved(self, key, target, uid):
        self.messages[key].update(server_folder=target, uid=uid)

    def pending_uploads(self):
        return list(self.uploads)

    def uploaded(self, key, target, uid):
        self.uploads = [upload for upload in self.uploads if upload.key != key]
        self.messages[key].update(server_folder=target, uid=uid)


class MemoryPop3Store(_StoreCalls, pop3_fetch.Pop3Store):
    def __init__(self, fail_on_store_call=None):
        super().__init__(fail_on_store_call)
        self.messages = {}  # uidl -> FetchedMessage
        self.tombstones = {}  # uidl -> delete on server?

    def known_uidls(self):
        return set(self.messages) | set(self.tombstones)

    def pending_deletions(self):
        return {uidl for uidl, delete in self.tombstones.items() if delete}

    def store(self, messages):
        self._count_store_call()
        for message in messages:
            self.messages[message.uidl] = message

    def deleted_on_server(self, uidls):
        for uidl in uidls:
            self.tombstones.pop(uidl, None)

    def forget_deletions(self, current_uidls):
        for uidl in [u for u in self.tombstones if u not in current_uidls]:
            del self.tombstones[uidl]

    def delete_local(self, uidl, on_server):
        self.messages.pop(uidl)
        self.tombstones[uidl] = on_server
