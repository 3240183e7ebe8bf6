"""The real app for the web console's tests: the simulator gateway, the demo community, a
temporary SQLite file, the app's one HTTP server on a free port, a clock that moves when told."""
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App
from domain.accounts import add_user
from kernel.clock import FrozenClock
from kernel.config import Settings
from tests.conftest import START

PASSWORD = "correct-horse"


@dataclass
class Rig:
    app: App
    base: str
    clock: FrozenClock

    @property
    def console(self) -> str:
        return self.base + "/console"

    async def post(self, room: str | None, sender: str, text: str) -> dict[str, Any]:
        body = {"room": room, "sender": sender, "text": text}
        if room is None:
            body["to"] = sender
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{self.base}/api/sim/messages", json=body) as res:
                assert res.status == 200, await res.text()
                data: dict[str, Any] = await res.json()
                return data

    async def transcript(self, conversation: str) -> list[str]:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{self.base}/api/sim/transcript", params={"conversation": conversation}) as res:
                assert res.status == 200
                return [m["text"] for m in (await res.json())["messages"] if m["bot"]]

    async def people(self) -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{self.base}/api/sim/people") as res:
                people: list[dict[str, Any]] = await res.json()
                return people

    async def name_of(self, chat_id: str) -> str:
        return next(p["name"] for p in await self.people() if p["id"] == chat_id)

    async def account(self, chat_id: str, password: str = PASSWORD) -> str:
        """A console login for a demo person (by chat id); returns the login name."""
        name = await self.name_of(chat_id)
        with self.app.sessions() as session:
            add_user(session, self.clock, name, password)
            session.commit()
        return name

    async def report(self, room: str, sender: str, text: str) -> tuple[int, str]:
        """A resident's report in a building group: (ticket number, the member's chat id)."""
        import re

        res = await self.post(room, sender, text)
        receipt = next(r["text"] for r in res["replies"] if r["conversation"] == room)
        number = re.search(r"工单号 (\d+)", receipt)
        assert number, receipt
        member = next(r["conversation"] for r in res["replies"] if not r["is_room"])
        return int(number.group(1)), member


@pytest.fixture
async def rig(tmp_path: Path, sqlite_template: Path, classifier: Any) -> AsyncIterator[Rig]:
    path = tmp_path / "lianhu.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{path}", sim_port=0)
    clock = FrozenClock(START)
    app = App(settings, clock=clock, classifier=classifier)
    await app.start()
    yield Rig(app, f"http://127.0.0.1:{app.server.port}", clock)
    await app.stop()
