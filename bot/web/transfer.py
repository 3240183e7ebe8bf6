"""Import and export of the ledger in the browser (staff only, every form with its CSRF token):

    GET  /console/transfer            the page
    GET  /console/transfer/export     the `lianhu export` workbook of the viewer's community
    POST /console/transfer/check      upload a workbook → the `lianhu import` checks (a dry run):
                                      every problem with its sheet and row, or what it would write
    POST /console/transfer/apply      confirm → the same checks again, then written

The uploaded file waits in ``data_dir/uploads`` under a random name kept in the (encrypted)
session cookie, until it is applied, replaced by another upload, or a day old.
"""
from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.driver.server import MAX_BODY
from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from kernel import texts as T
from storage.models import Community

if TYPE_CHECKING:
    from domain.workbook.transfer import ImportReport

KEEP_SECONDS = 24 * 3600


class Transfer:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock
        self.folder = console.host.settings.data_dir / "uploads"

    def routes(self) -> list[web.RouteDef]:
        t = ROOT + "/transfer"
        return [web.get(t, self.page), web.get(t + "/export", self.export),
                web.post(t + "/check", self.check), web.post(t + "/apply", self.apply)]

    def _community(self, session: Session, uid: int) -> tuple[Any, Community | None] | None:
        """(viewer, their community — None for an administrator of all), or None: not staff."""
        viewer = self.c.viewer(session, uid)
        if not viewer.is_staff:
            return None
        community = session.get(Community, viewer.community_id) if viewer.community_id is not None else None
        return viewer, community

    async def _page(self, request: web.Request, websession: WebSession, uid: int, extra: dict[str, Any],
                    status: int = 200) -> web.StreamResponse:
        def work(session: Session) -> dict[str, Any]:
            found = self._community(session, uid)
            viewer = self.c.viewer(session, uid)
            if found is None:
                return {"viewer": viewer, "page": "transfer", "message": T.CONSOLE_TRANSFER_STAFF_ONLY}
            return {"viewer": viewer, "page": "transfer", "community": found[1].name if found[1] else "",
                    "max_mb": MAX_BODY // (1024 * 1024), **extra}
        context = await self.c.db(work)
        if "message" in context:
            return self.c.render("error.html", request, websession, context, 403)
        return self.c.render("transfer.html", request, websession, context, status)

    @login_required
    async def page(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        return await self._page(request, websession, uid, {"flash": websession.pop("flash", "")})

    @login_required
    async def export(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ledger.xlsx"

            def work(session: Session) -> str | None:
                found = self._community(session, uid)
                if found is None:
                    return None
                from domain.workbook.transfer import (
                    export_ledger,  # openpyxl: loaded when first used
                )

                export_ledger(session, path, found[1])
                return found[1].name if found[1] else "全部社区"
            name = await self.c.db(work)
            if name is None:
                return await self._page(request, websession, uid, {}, 403)
            body = await asyncio.to_thread(path.read_bytes)
        filename = f"台账-{name}-{self.clock.local().strftime('%Y%m%d')}.xlsx"
        return web.Response(body=body, headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store"})

    @login_required
    async def check(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or not upload.filename:
            return await self._page(request, websession, uid, {"problems": [T.CONSOLE_IMPORT_NO_FILE]}, 400)
        if not upload.filename.lower().endswith(".xlsx"):
            return await self._page(request, websession, uid, {"problems": [T.CONSOLE_IMPORT_NOT_XLSX]}, 400)
        path = await asyncio.to_thread(self._keep, upload.file.read())
        self._forget(websession)
        report = await self.c.db(self._run, uid, path, "check_import")
        if report is None:
            path.unlink(missing_ok=True)
            return await self._page(request, websession, uid, {}, 403)
        report.problems = [p.replace(path.name, upload.filename) for p in report.problems]  # the name they know
        if report.ok:
            websession["import"] = path.name
            websession["import_name"] = upload.filename[:100]
        else:
            path.unlink(missing_ok=True)
        return await self._page(request, websession, uid, {
            "checked": report.summary, "problems": report.problems, "filename": upload.filename},
            200 if report.ok else 422)

    @login_required
    async def apply(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        name = websession.get("import")
        path = self.folder / name if isinstance(name, str) and name.startswith("import-") else None
        if path is None or not path.is_file():
            self._forget(websession)
            return await self._page(request, websession, uid, {"problems": [T.CONSOLE_IMPORT_EXPIRED]}, 409)
        report = await self.c.db(self._run, uid, path, "apply_import")
        if report is None:
            return await self._page(request, websession, uid, {}, 403)
        if not report.ok:  # the ledger changed since the check
            known = str(websession.get("import_name") or "")
            report.problems = [p.replace(path.name, known) if known else p for p in report.problems]
            return await self._page(request, websession, uid, {"problems": report.problems}, 422)
        self._forget(websession)
        self.c.host.wake()
        websession["flash"] = T.CONSOLE_IMPORT_APPLIED.format(summary=report.summary)
        raise web.HTTPFound(f"{ROOT}/transfer")

    def _run(self, session: Session, uid: int, path: Path, step: str) -> ImportReport | None:
        """``step`` of domain/workbook/transfer.py (check_import / apply_import) for the viewer's community."""
        from domain.workbook import transfer as ledger_transfer  # openpyxl: loaded when first used

        found = self._community(session, uid)
        if found is None:
            return None
        report: ImportReport = getattr(ledger_transfer, step)(session, self.clock, path, found[1])
        return report

    def _keep(self, data: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("import-*.xlsx"):  # what nobody confirmed within a day
            with contextlib.suppress(OSError):
                if time.time() - old.stat().st_mtime > KEEP_SECONDS:
                    old.unlink()
        path = self.folder / f"import-{secrets.token_hex(16)}.xlsx"
        path.write_bytes(data)
        return path

    def _forget(self, websession: WebSession) -> None:
        name = websession.pop("import", None)
        websession.pop("import_name", None)
        if isinstance(name, str) and name.startswith("import-"):
            (self.folder / name).unlink(missing_ok=True)
