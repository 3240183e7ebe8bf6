"""Pictures to and from WeChat: a local file as a FileBox to send, and the picture of an
image message stored in the data folder (base64, URL or UUID file boxes; the 0.10.7 client
has no stub for the service's Download stream, so its route and messages are defined here).
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import mimetypes  # noqa: E402
import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import betterproto  # noqa: E402
from grpclib.exceptions import GRPCError  # noqa: E402
from wechaty_grpc.wechaty.puppet import ImageType  # noqa: E402
from wechaty_puppet import FileBox  # noqa: E402

from bot.gateways.wechaty_state import _State  # noqa: E402
from bot.gateways.wechaty_support import _IMAGE_EXTENSIONS, _MAX_DOWNLOAD, _describe, log  # noqa: E402


@dataclass(eq=False, repr=False)
class _DownloadRequest(betterproto.Message):
    """wechaty.puppet.DownloadRequest (wechaty-grpc >= 0.29; not in 0.20's stub)."""

    id: str = betterproto.string_field(1)


@dataclass(eq=False, repr=False)
class _DownloadResponse(betterproto.Message):
    chunk: bytes = betterproto.bytes_field(1)


_DOWNLOAD_ROUTE = "/wechaty.Puppet/Download"


def _file_box(path: Path) -> FileBox:
    """A base64 FileBox of a local file (FileBox.from_file, minus its deprecation noise)."""
    box = FileBox.from_base64(base64.b64encode(path.read_bytes()), name=path.name)
    box.mediaType = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return box


class _Files(_State):
    """Fetching and storing the pictures residents send."""

    async def _save_image(self, message_id: str) -> str | None:
        """Store the picture of an image message in the data folder; its path, or None."""
        try:
            response = await self._rpc(
                self._puppet.puppet_stub.message_image(id=message_id, type=ImageType.IMAGE_TYPE_HD)
            )
            box = json.loads(response.filebox or "{}")
        except (GRPCError, ValueError, OSError, TimeoutError, asyncio.TimeoutError) as exc:
            log.warning("wechaty: could not fetch the picture of message %s: %s", message_id, _describe(exc))
            return None
        name = str(box.get("name") or "")
        box_type = box.get("boxType", box.get("type"))
        try:
            if box_type == 1:  # Base64
                data = base64.b64decode(box.get("base64") or "")
            elif box_type == 2:  # Url
                data = await self._download(str(box.get("remoteUrl") or box.get("url") or ""), box.get("headers"))
                name = name or str(box.get("remoteUrl") or "")
            elif box_type == 7 and box.get("uuid"):  # Uuid: servers send files > 20 KB so
                data = await self._download_uuid(str(box["uuid"]))
            else:
                # QRCode, Stream, ...: nothing a puppet service sends for a picture
                log.warning(
                    "wechaty: the picture of message %s came as a file box of type %s, which this "
                    "client cannot read; delivered without the file", message_id, box_type,
                )
                return None
        except Exception as exc:
            log.warning("wechaty: could not read the picture of message %s: %s", message_id, _describe(exc))
            return None
        if not data:
            return None
        ext = Path(name).suffix.lower()
        if ext not in _IMAGE_EXTENSIONS:
            mime = box.get("mimeType") or box.get("mediaType") or ""
            ext = mimetypes.guess_extension(str(mime)) or ".jpg"
            if ext not in _IMAGE_EXTENSIONS:
                ext = ".jpg"
        folder = self.attachments_dir / datetime.now().strftime("%Y-%m")
        safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", message_id)[:120] or "image"
        path = folder / f"{safe_id}{ext}"

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)
        return str(path)

    async def _download_uuid(self, uuid: str) -> bytes:
        """A UUID file box's bytes, through the service's Download stream (the
        0.10.7 client has no stub for it; the route and messages are defined here)."""
        stub = self._puppet.puppet_stub
        data = bytearray()

        async def pull() -> None:
            async for response in stub._unary_stream(_DOWNLOAD_ROUTE, _DownloadRequest(id=uuid), _DownloadResponse):
                data.extend(response.chunk)
                if len(data) > _MAX_DOWNLOAD:
                    raise ValueError("picture larger than 20 MB")

        await asyncio.wait_for(pull(), max(self.rpc_timeout, 30.0))
        return bytes(data)

    async def _download(self, url: str, headers: Any = None) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not a URL: {url[:60]!r}")
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=max(self.rpc_timeout, 30.0))
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url, headers=headers if isinstance(headers, dict) else None) as resp:
                resp.raise_for_status()
                data = await resp.content.read(_MAX_DOWNLOAD + 1)
        if len(data) > _MAX_DOWNLOAD:
            raise ValueError("picture larger than 20 MB")
        return data
