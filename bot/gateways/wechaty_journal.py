"""The Wechaty gateway's small journal: a JSON file in the data folder (the gateway never
touches the database) that carries three things across a lost connection or a kill -9.

* **pending** message ids: an id is written when its event arrives and removed once the app
  has the message. A message whose content could not be fetched because the puppet service
  went away stays pending and is fetched again after the next login (also after a restart
  of the bot); an id that still fails after ``MAX_TRIES`` logins is given up, with an error
  in the log.
* **sends**: before a message goes to the puppet service, its outbox id, conversation and
  text are written ("in flight"); once the service took it, it is marked done. The outbox
  marks it sent only after that, so after a kill -9 in between, the outbox sends it again:
  the gateway recognises the done id and does not send it twice.
* **echoes**: WeChat hands the bot its own messages back as message events; the gateway
  notes them (conversation and text). A message still "in flight" when the bot died is sent
  again only if no echo of it came back (the gateway waits a moment for a late echo first).

What remains possible is written in bot/gateways/WECHATY.md ("重复发送").
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from bot.gateways.wechaty_support import log

MAX_TRIES = 5  # logins after which a message whose content cannot be fetched is given up
KEEP_DONE = 500  # sent outbox ids remembered
KEEP_ECHOES = 300  # own messages remembered


def fingerprint(conversation: str, text: str) -> str:
    return hashlib.sha256(f"{conversation}\x00{text}".encode()).hexdigest()[:24]


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: dict[str, int] = {}  # message id -> logins it was tried after
        self.in_flight: dict[str, dict[str, Any]] = {}  # outbox id -> {conversation, print, at}
        self.done: dict[str, str] = {}  # outbox id -> fingerprint
        self.echoes: list[dict[str, Any]] = []  # {conversation, text, at}
        self._load()

    # --- file ----------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("wechaty: journal %s unreadable (%s); starting a new one", self.path, exc)
            return
        self.pending = {str(k): int(v) for k, v in data.get("pending", {}).items()}
        self.in_flight = dict(data.get("in_flight", {}))
        self.done = dict(data.get("done", {}))
        self.echoes = list(data.get("echoes", []))

    def _save(self) -> None:
        data = {"pending": self.pending, "in_flight": self.in_flight, "done": self.done, "echoes": self.echoes}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
            os.replace(tmp, self.path)  # whole or not at all, even on kill -9
        except OSError as exc:
            log.warning("wechaty: could not write the journal %s: %s", self.path, exc)

    # --- messages in ---------------------------------------------------------------------------

    def arrived(self, message_id: str) -> None:
        if message_id not in self.pending:
            self.pending[message_id] = 0
            self._save()

    def handed_over(self, message_id: str) -> None:
        if self.pending.pop(message_id, None) is not None:
            self._save()

    def is_pending(self, message_id: str) -> bool:
        return message_id in self.pending

    def retry_after_login(self) -> list[str]:
        """The pending ids to fetch again now (each login counts a try); those tried too often
        are given up."""
        again: list[str] = []
        for message_id, tries in list(self.pending.items()):
            if tries >= MAX_TRIES:
                log.error("wechaty: message %s could not be fetched after %d reconnects; given up",
                          message_id, tries)
                del self.pending[message_id]
            else:
                self.pending[message_id] = tries + 1
                again.append(message_id)
        if self.pending or again:
            self._save()
        return again

    # --- messages out --------------------------------------------------------------------------

    def was_sent(self, outbox_id: int, conversation: str, text: str) -> bool:
        return self.done.get(str(outbox_id)) == fingerprint(conversation, text)

    def interrupted(self, outbox_id: int, conversation: str, text: str) -> float | None:
        """When a send of this message began and never finished (the bot died, or the call
        failed), or None."""
        entry = self.in_flight.get(str(outbox_id))
        if entry is None or entry.get("print") != fingerprint(conversation, text):
            return None
        return float(entry.get("at", 0.0))

    def sending(self, outbox_id: int, conversation: str, text: str) -> None:
        self.in_flight[str(outbox_id)] = {"print": fingerprint(conversation, text), "at": time.time(),
                                          "conversation": conversation}
        self._save()

    def sent(self, outbox_id: int, conversation: str, text: str) -> None:
        self.in_flight.pop(str(outbox_id), None)
        self.done[str(outbox_id)] = fingerprint(conversation, text)
        while len(self.done) > KEEP_DONE:
            del self.done[next(iter(self.done))]
        self._save()

    def echo(self, conversation: str, text: str) -> None:
        """The bot's own message, handed back by WeChat."""
        self.echoes.append({"conversation": conversation, "text": text[-2000:], "at": time.time()})
        del self.echoes[:-KEEP_ECHOES]
        self._save()

    def echoed_since(self, conversation: str, text: str, since: float) -> bool:
        """Whether WeChat handed back a message of the bot's with this text in this
        conversation since ``since`` (mentions are put in front of the text, so: ends with)."""
        want = text.strip()[-2000:]
        return any(e["conversation"] == conversation and e["at"] >= since - 1.0
                   and str(e["text"]).strip().endswith(want) for e in self.echoes)
