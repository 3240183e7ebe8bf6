"""The console's 办事指南 page (staff only): the entries — those saved from chat by ``存为指南``
waiting for confirmation first — an entry's form to edit or add, retire or put back, confirm or
reject. domain/guide_edit.py does the work: saved to the data folder's guide/console.toml and in
effect for the next question at once."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from domain import guide_edit as G
from domain.console import Viewer
from kernel import texts as T
from storage.models import GuideEntry, GuideStatus
from storage.outbox import Speaker

PAGE = "guide"


def routes(pages: GuidePages) -> list[web.RouteDef]:
    return [web.get(ROOT + "/guide", pages.index), web.get(ROOT + "/guide/new", pages.form),
            web.post(ROOT + "/guide/new", pages.save), web.get(ROOT + "/guide/{id:\\d+}", pages.form),
            web.post(ROOT + "/guide/{id:\\d+}", pages.save),
            web.post(ROOT + "/guide/{id:\\d+}/status", pages.status)]


def _row(e: GuideEntry) -> dict[str, Any]:
    return {"id": e.id, "title": e.title, "status": e.status, "status_name": T.GUIDE_STATUS_NAMES.get(e.status, ""),
            "asks": len(e.asks), "answer": e.answer.splitlines()[0][:60] if e.answer else "",
            "private": e.private, "tags": "、".join(e.tags), "checked": e.checked or "",
            "from_chat": e.from_ticket_id is not None}


class GuidePages:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock
        self.folder = console.host.settings.data_dir / "guide"

    def _staff(self, session: Session, uid: int) -> Viewer:
        viewer = self.c.viewer(session, uid)
        if not viewer.is_staff:
            raise web.HTTPForbidden(text=T.CONSOLE_GUIDE_STAFF_ONLY, content_type="text/plain")
        return viewer

    @login_required
    async def index(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        flash, error = websession.pop("flash", ""), websession.pop("error", "")

        def work(session: Session) -> dict[str, Any]:
            viewer = self._staff(session, uid)
            rows = [_row(e) for e in G.entries(session, viewer.community_id)]
            return {"viewer": viewer, "page": PAGE, "rows": rows, "flash": flash, "error": error,
                    "pending": sum(r["status"] == GuideStatus.PENDING for r in rows)}
        return self.c.render("guide.html", request, websession, await self.c.db(work))

    @login_required
    async def form(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        entry_id = request.match_info.get("id")

        def work(session: Session) -> dict[str, Any] | None:
            viewer = self._staff(session, uid)
            if entry_id is None:
                return {"viewer": viewer, "page": PAGE, "entry": None, "form": G.Form(), "error": ""}
            entry = G.entry_for(session, viewer.community_id, int(entry_id))
            if entry is None:
                return None
            return {"viewer": viewer, "page": PAGE, "entry": _row(entry), "form": G.Form.of(entry), "error": ""}
        context = await self.c.db(work)
        if context is None:
            return self._missing(request, websession, entry_id)
        return self.c.render("guide_entry.html", request, websession, context)

    @login_required
    async def save(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        entry_id = request.match_info.get("id")
        form = G.Form.read(await request.post())

        def work(session: Session) -> tuple[dict[str, Any] | None, str]:
            viewer = self._staff(session, uid)
            entry = None if entry_id is None else G.entry_for(session, viewer.community_id, int(entry_id))
            if entry_id is not None and entry is None:
                return None, ""
            fields, error = form.fields()
            if error:
                return {"viewer": viewer, "page": PAGE, "entry": _row(entry) if entry else None, "form": form,
                        "error": error}, ""
            was_pending = entry is not None and entry.status == GuideStatus.PENDING
            saved = G.save(session, self.folder, viewer.community_id, entry, fields, self.clock.now())
            if was_pending:
                G.confirm(session, Speaker(session, self.clock), saved, viewer.person_id, self.clock.now())
            return None, T.CONSOLE_GUIDE_SAVED.format(id=saved.id, title=saved.title)
        context, flash = await self.c.db(work)
        if context is not None:
            return self.c.render("guide_entry.html", request, websession, context, status=400)
        if not flash:
            return self._missing(request, websession, entry_id)
        self.c.host.wake()
        websession["flash"] = flash
        raise web.HTTPFound(f"{ROOT}/guide")

    @login_required
    async def status(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        entry_id = int(request.match_info["id"])
        action = str((await request.post()).get("action", ""))

        def work(session: Session) -> tuple[str, str]:
            viewer = self._staff(session, uid)
            entry = G.entry_for(session, viewer.community_id, entry_id)
            if entry is None:
                return "", T.CONSOLE_GUIDE_NO_SUCH.format(id=entry_id)
            now = self.clock.now()
            if action == "confirm" and entry.status == GuideStatus.PENDING:
                G.confirm(session, Speaker(session, self.clock), entry, viewer.person_id, now)
                return T.GUIDE_CONFIRMED.format(id=entry.id, title=entry.title), ""
            if action == "reject" and entry.status == GuideStatus.PENDING:
                G.reject(entry, now)
                return T.GUIDE_REJECTED.format(id=entry.id, title=entry.title), ""
            if action == "retire" and entry.status == GuideStatus.ACTIVE:
                G.set_status(session, self.folder, entry, GuideStatus.RETIRED, now)
                return T.CONSOLE_GUIDE_RETIRED.format(id=entry.id, title=entry.title), ""
            if action == "restore" and entry.status == GuideStatus.RETIRED:
                G.set_status(session, self.folder, entry, GuideStatus.ACTIVE, now)
                return T.CONSOLE_GUIDE_RESTORED.format(id=entry.id, title=entry.title), ""
            return "", T.GUIDE_NOT_PENDING.format(id=entry.id, status=T.GUIDE_STATUS_NAMES.get(entry.status, ""))
        flash, error = await self.c.db(work)
        self.c.host.wake()
        websession["flash" if flash else "error"] = flash or error
        raise web.HTTPFound(f"{ROOT}/guide")

    def _missing(self, request: web.Request, websession: WebSession, entry_id: str | None) -> web.Response:
        return self.c.render("error.html", request, websession,
                             {"message": T.CONSOLE_GUIDE_NO_SUCH.format(id=entry_id), "page": PAGE}, 404)
