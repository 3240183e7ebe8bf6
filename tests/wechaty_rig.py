"""Test rig: the official Wechaty puppet-service server (Node) with the mock puppet.

``tests/puppet/server.mjs`` runs ``PuppetServer`` (wechaty-puppet-service) around
``PuppetMock`` (wechaty-puppet-mock) on a free loopback port, TLS off, and
answers a small HTTP control channel; :class:`PuppetRig` starts, stops and
restarts it and plays the residents.  Set-up (once, and in CI)::

    npm ci --prefix tests/puppet
    pip install -e '.[wechaty,test]'

Without node, the npm packages or the ``wechaty`` extra, :func:`require_rig`
skips the test with the reason, except when ``CI`` is set: then it fails.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PUPPET_DIR = Path(__file__).resolve().parent / "puppet"
SERVER = PUPPET_DIR / "server.mjs"
BOT_ID = "bot"
BOT_NAME = "联户助手"


def rig_missing() -> str | None:
    """Why the rig cannot run here, or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed (the Wechaty rig needs Node >= 18)"
    if not (PUPPET_DIR / "node_modules" / "wechaty-puppet-service").is_dir():
        return "the rig's npm packages are missing: run `npm ci --prefix tests/puppet`"
    try:
        import bot.gateways.wechaty  # noqa: F401
    except ImportError as exc:
        return f"the wechaty extra is not installed ({exc}): pip install -e '.[wechaty]'"
    return None


def require_rig() -> None:
    reason = rig_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Wechaty rig unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30),
             noise: bool = False) -> bytes:
    """A valid PNG picture, made here (no imaging library needed). ``noise``: random
    pixels, which do not compress (for pictures over a size)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    if noise:
        raw = b"".join(b"\x00" + os.urandom(3 * width) for _ in range(height))
    else:
        raw = (b"\x00" + bytes(rgb) * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class RigError(RuntimeError):
    pass


class PuppetRig:
    """One puppet-service server process; restartable on the same port.

    Contacts and rooms created through the rig are created again after a
    restart (a real account keeps its contacts and groups). What the bot sent
    is collected across restarts.
    """

    def __init__(self, workdir: Path, *, token: str = "lianhu-test-token", port: int | None = None,
                 bot_id: str = BOT_ID, bot_name: str = BOT_NAME, boot_timeout: float = 30.0) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.port = port or free_port()
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.boot_timeout = boot_timeout
        self.control_port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._setup: list[tuple[str, dict[str, Any]]] = []
        self._sent_before: list[dict[str, Any]] = []  # from earlier processes
        self._log = self.workdir / "puppet-server.log"

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # ---------------------------------------------------------- process

    def _start_sync(self) -> None:
        if self.running:
            raise RigError("already running")
        log = open(self._log, "ab")
        env = dict(os.environ)
        env.setdefault("WECHATY_LOG", "warn")
        self.proc = subprocess.Popen(
            ["node", str(SERVER), "--port", str(self.port), "--token", self.token,
             "--bot-id", self.bot_id, "--bot-name", self.bot_name],
            cwd=PUPPET_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            env=env, start_new_session=True,
        )
        log.close()
        line = self._read_line(self.boot_timeout)
        try:
            ready = json.loads(line)
        except ValueError:
            ready = {}
        if ready.get("event") != "ready":
            self._kill()
            raise RigError(f"puppet server did not start: {line!r}\n{self.log_tail()}")
        self.control_port = int(ready["controlPort"])
        self.starts += 1
        for path, body in self._setup:
            self._http("POST", path, body)

    def _read_line(self, timeout: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + timeout
        try:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    break
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
        finally:
            sel.close()
        return buf.decode("utf-8", "replace").strip()

    def _kill(self, graceful: bool = True) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                if graceful:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(5)
                    except subprocess.TimeoutExpired:
                        pass
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)
            except ProcessLookupError:
                pass
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self.proc = None
        self.control_port = None

    def _stop_sync(self, graceful: bool) -> None:
        if self.running:
            try:
                self._sent_before.extend(self._http("GET", "/sent?since=0")["messages"])
            except Exception:
                pass
        self._kill(graceful=graceful)

    async def start(self) -> None:
        await asyncio.to_thread(self._start_sync)

    async def stop(self, *, graceful: bool = False) -> None:
        """Stop the server (SIGKILL by default: the process just dies)."""
        await asyncio.to_thread(self._stop_sync, graceful)

    async def restart(self, down_for: float = 0.0) -> None:
        await self.stop()
        if down_for:
            await asyncio.sleep(down_for)
        await self.start()

    def close(self) -> None:
        """Teardown: the server is always killed."""
        self._kill(graceful=False)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self._log.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    # ---------------------------------------------------------- control

    def _http(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self.control_port is None:
            raise RigError("puppet server not running")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.control_port}{path}", data=data, method=method,
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise RigError(f"{method} {path}: {exc.code} {exc.read().decode('utf-8', 'replace')}") from exc

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return await asyncio.to_thread(self._http, method, path, body)

    async def contact(self, contact_id: str, name: str) -> str:
        body = {"id": contact_id, "name": name}
        self._setup.append(("/contact", body))
        await self.call("POST", "/contact", body)
        return contact_id

    async def room(self, room_id: str, topic: str, members: list[str],
                   aliases: dict[str, str] | None = None) -> str:
        body = {"id": room_id, "topic": topic, "members": members, "aliases": aliases or {}}
        self._setup.append(("/room", body))
        await self.call("POST", "/room", body)
        return room_id

    async def say(self, sender: str, text: str, *, room: str | None = None,
                  mentions: list[str] | None = None) -> dict[str, Any]:
        """A resident says something (in a room, or privately to the bot): {id, at}."""
        body: dict[str, Any] = {"from": sender, "text": text}
        if room:
            body["room"] = room
            body["mentions"] = mentions or []
        return await self.call("POST", "/say", body)

    async def image(self, sender: str, data: bytes, name: str = "photo.png", *,
                    room: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"from": sender, "name": name, "base64": base64.b64encode(data).decode()}
        if room:
            body["room"] = room
        return await self.call("POST", "/image", body)

    async def wait_client(self, timeout: float = 30.0) -> None:
        """Wait until a client called Start on this server process (a bot connected)."""
        deadline = time.monotonic() + timeout
        while (await self.call("GET", "/status"))["startCalls"] < 2:
            if time.monotonic() >= deadline:
                raise AssertionError(f"no client connected within {timeout} s\n{self.log_tail()}")
            await asyncio.sleep(0.1)

    async def sent(self) -> list[dict[str, Any]]:
        """Everything the bot sent, across restarts, oldest first."""
        now = (await self.call("GET", "/sent?since=0"))["messages"] if self.running else []
        return self._sent_before + now

    async def wait_sent(self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 10.0,
                        count: int = 1) -> list[dict[str, Any]]:
        """Wait until ``count`` sent messages match; return the matches."""
        deadline = time.monotonic() + timeout
        while True:
            matches = [m for m in await self.sent() if predicate(m)]
            if len(matches) >= count:
                return matches
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} matching sent message(s) within {timeout} s, got {len(matches)}; "
                    f"all sent: {await self.sent()}"
                )
            await asyncio.sleep(0.05)
