"""The console's 通知与宣传: write a notice, choose its audience (all, a grid, buildings,
colours), preview it with whether quiet hours will hold it, send it and watch its progress —
the same path as the chat commands 通知 / 确认通知 / 通知进度 (domain/notices.py, the outbox);
the campaigns as a two-week calendar and a list with 暂停/恢复 (domain/campaigns.py).

Sending and campaigns are staff's, as in chat; a grid worker sees the notices that reached
their grid's groups."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from domain import campaigns as C
from domain import console as DC
from domain import notices as N
from domain.access import may_list_colours
from kernel import texts as T
from storage.models import Broadcast, Campaign, CampaignStatus, ChatRoom, OutboxStatus, Person
from storage.outbox import batch_progress

RECENT = 20
CALENDAR_DAYS = 14
WEEKDAYS = "一二三四五六日"


def audience_of(session: Session, viewer: DC.Viewer, form: Mapping[str, Any]) -> tuple[str, str]:
    """The audience words the chosen fields make (the chat command's: 全部 | 网格名 |
    楼栋名,楼栋名 | 橙色,蓝色), or ("", why not)."""
    kind = str(form.get("kind", "all"))
    if kind == "all":
        return "全部", ""
    if kind == "grid":
        grids = {str(g.id): g.name for g in DC.grids(session, viewer)}
        name = grids.get(str(form.get("grid", "")))
        return (name, "") if name else ("", T.NOTICE_NEED_TARGET)
    if kind == "buildings":
        mine = {str(b.id): b.name for b in DC.buildings(session, viewer)}
        chosen = [mine[i] for i in form.getall("building", []) if i in mine] if hasattr(form, "getall") else []
        return (",".join(chosen), "") if chosen else ("", T.NOTICE_NEED_TARGET)
    if kind == "colours" and may_list_colours(viewer.role):
        chosen = [T.COLOUR_SHORT[c] + "色" for c in T.COLOUR_SHORT
                  if c in (form.getall("colour", []) if hasattr(form, "getall") else [])]
        return (",".join(chosen), "") if chosen else ("", T.NOTICE_NEED_TARGET)
    return "", T.NOTICE_NEED_TARGET


class NoticePages:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROOT + "/notices", self.page), web.post(ROOT + "/notices", self.preview),
                web.get(ROOT + "/notices/{id:\\d{1,9}}", self.notice),
                web.post(ROOT + "/notices/{id:\\d{1,9}}/{action:send|cancel}", self.act),
                web.post(ROOT + "/campaigns/{id:\\d{1,9}}/{action:pause|resume}", self.campaign)]

    # --- the page: the form, recent notices, campaigns ---------------------------------------------

    @login_required
    async def page(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        flash, error = websession.pop("flash", ""), websession.pop("error", "")

        def work(session: Session) -> dict[str, Any]:
            viewer = self.c.viewer(session, uid)
            return {"viewer": viewer, "page": "notices", "flash": flash, "error": error,
                    "staff": viewer.is_staff, "staff_only": T.NOTICE_STAFF_ONLY,
                    "kinds": [(k, v) for k, v in T.NOTICE_AUDIENCE_KINDS.items()
                              if k != "colours" or may_list_colours(viewer.role)],
                    "grids": [(g.id, g.name) for g in DC.grids(session, viewer)],
                    "buildings": [(b.id, b.name) for b in DC.buildings(session, viewer)],
                    "colours": [(c, T.COLOUR_SHORT[c]) for c in T.COLOUR_SHORT],
                    "held": self._held(), "recent": self._recent(session, viewer),
                    **self._campaigns(session, viewer)}
        context = await self.c.db(work)
        return self.c.render("notices.html", request, websession, context)

    def _held(self) -> str:
        until = N.held_until(self.clock, self.c.host.settings)
        return T.NOTICE_HELD.format(when=self.clock.show(until, "%H:%M")) if until else T.NOTICE_NOT_HELD

    def _scoped(self, viewer: DC.Viewer) -> Any:
        q = select(Broadcast)
        if viewer.community_id is not None:
            q = q.where(Broadcast.community_id == viewer.community_id)
        return q

    def _grid_rooms(self, session: Session, viewer: DC.Viewer) -> set[str]:
        return set(session.scalars(select(ChatRoom.chat_id).where(ChatRoom.building_id.in_(
            DC.building_ids(session, viewer)))))

    def _recent(self, session: Session, viewer: DC.Viewer) -> list[dict[str, Any]]:
        rows = session.scalars(self._scoped(viewer).where(Broadcast.status != "draft")
                               .order_by(Broadcast.id.desc()).limit(RECENT * 3)).all()
        if not viewer.is_staff:  # a grid worker: the notices that reached their grid's groups
            mine = self._grid_rooms(session, viewer)
            rows = [b for b in rows if mine & set(b.rooms)]
        out = []
        for b in rows[:RECENT]:
            counts = batch_progress(session, f"broadcast:{b.id}") if b.status == "queued" else {}
            out.append({"id": b.id, "audience": b.audience, "content": b.content[:60],
                        "at": self.clock.show(b.queued_at or b.created_at),
                        "status": T.BROADCAST_STATUS_NAMES.get(b.status, b.status),
                        "sent": counts.get(OutboxStatus.SENT, 0), "total": sum(counts.values())})
        return out

    def _campaigns(self, session: Session, viewer: DC.Viewer) -> dict[str, Any]:
        q = select(Campaign).where(Campaign.status != CampaignStatus.DELETED)
        if viewer.community_id is not None:
            q = q.where((Campaign.community_id == viewer.community_id) | Campaign.community_id.is_(None))
        campaigns = session.scalars(q.order_by(Campaign.id).limit(50)).all()
        today = self.clock.local(self.clock.now()).date()
        start = today - timedelta(days=today.weekday())  # the calendar starts on this week's Monday
        days: list[dict[str, Any]] = [{"date": start + timedelta(days=i), "events": []}
                                      for i in range(CALENDAR_DAYS + 7)]
        until = self.clock.to_utc(datetime.combine(start + timedelta(days=len(days)), time()))
        rows = []
        for c in campaigns:
            slots = C.upcoming(self.clock, c, until)
            for slot in slots:
                local = self.clock.local(slot)
                index = (local.date() - start).days
                if 0 <= index < len(days):
                    days[index]["events"].append(f"{local:%H:%M} {c.name}")
            rows.append({"id": c.id, "name": c.name, "schedule": C.describe_schedule(c), "audience": c.audience,
                         "status": c.status, "status_name": T.CAMPAIGN_STATUS.get(c.status, c.status),
                         "next": self.clock.show(slots[0], "%Y-%m-%d %H:%M") if slots else "—",
                         "runs": C.runs_of(session, c.id)})
        cells = [{"day": d["date"].day, "month": d["date"].month, "today": d["date"] == today,
                  "past": d["date"] < today, "events": d["events"]} for d in days]
        return {"campaigns": rows, "calendar": cells, "weekdays": WEEKDAYS}

    # --- write → preview → send ------------------------------------------------------------------------

    @login_required
    async def preview(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        form = await request.post()

        def work(session: Session) -> tuple[int | None, str]:
            viewer = self.c.viewer(session, uid)
            author = session.get(Person, viewer.person_id)
            if not viewer.is_staff or author is None:
                return None, T.CONSOLE_NOT_ALLOWED
            content = str(form.get("content", "")).strip()[:2000]
            if not content:
                return None, T.NOTICE_NEED_CONTENT
            audience, why = audience_of(session, viewer, form)
            if not audience:
                return None, why
            members = N.audience_members(session, viewer.community_id, audience)
            targets = ([m.chat_id for m, _ in members.values() if m.chat_id] if members else
                       [r.chat_id for r in N.audience_rooms(session, viewer.community_id, audience)])
            if not targets:
                return None, T.NOTICE_NO_TARGETS
            return N.make_draft(session, self.clock, viewer.community_id, author, audience, content, targets).id, ""
        draft_id, error = await self.c.db(work)
        if draft_id is None:
            websession["error"] = error
            raise web.HTTPFound(f"{ROOT}/notices")
        raise web.HTTPFound(f"{ROOT}/notices/{draft_id}")

    @login_required
    async def notice(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        number = int(request.match_info["id"])
        flash, error = websession.pop("flash", ""), websession.pop("error", "")

        def work(session: Session) -> dict[str, Any] | None:
            viewer = self.c.viewer(session, uid)
            draft = session.scalar(self._scoped(viewer).where(Broadcast.id == number))
            if draft is None or (not viewer.is_staff and (draft.status == "draft" or not (
                    self._grid_rooms(session, viewer) & set(draft.rooms)))):
                return None
            members = N.audience_members(session, draft.community_id, draft.audience)
            if members:
                sample_member, addresses = next(iter(members.values()))
                sample = T.NOTICE_TO_MEMBER.format(content=draft.content, count=len(addresses),
                                                   households="、".join(addresses))
                targets = [f"{m.name}({len(a)} 户)" for m, a in members.values() if m.chat_id in set(draft.rooms)]
            else:
                sample = T.BROADCAST_NOTICE.format(content=draft.content)
                names = dict(session.execute(select(ChatRoom.chat_id, ChatRoom.name)
                                             .where(ChatRoom.chat_id.in_(list(draft.rooms)))).all())
                targets = [names.get(c, c) for c in draft.rooms]
            counts = batch_progress(session, f"broadcast:{draft.id}")
            return {"viewer": viewer, "page": "notices", "flash": flash, "error": error, "draft": draft,
                    "status": T.BROADCAST_STATUS_NAMES.get(draft.status, draft.status), "sample": sample,
                    "targets": targets, "private": bool(members), "held": self._held(),
                    "counts": {"sent": counts[OutboxStatus.SENT], "pending": counts[OutboxStatus.PENDING],
                               "failed": counts[OutboxStatus.FAILED], "total": sum(counts.values())},
                    "progress": N.broadcast_progress_text(session, self.clock, self.c.host.settings, draft.id)
                    if draft.status == "queued" else ""}
        context = await self.c.db(work)
        if context is None:
            return self.c.render("error.html", request, websession,
                                 {"message": T.NOTICE_UNKNOWN.format(id=number), "page": "notices"}, 404)
        return self.c.render("notice.html", request, websession, context)

    @login_required
    async def act(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        number, action = int(request.match_info["id"]), request.match_info["action"]

        def work(session: Session) -> tuple[str, str]:
            viewer = self.c.viewer(session, uid)
            if not viewer.is_staff:
                return "", T.CONSOLE_NOT_ALLOWED
            draft = session.scalar(self._scoped(viewer).where(Broadcast.id == number))
            if draft is None or draft.status != "draft":
                return "", T.BROADCAST_UNKNOWN.format(id=number)
            if action == "cancel":
                draft.status = "cancelled"
                return T.NOTICE_CANCELLED.format(id=draft.id), ""
            count = N.queue(session, self.clock, draft)
            return T.NOTICE_QUEUED.format(id=draft.id, count=count), ""
        flash, error = await self.c.db(work)
        self.c.host.wake()
        websession["flash" if flash else "error"] = flash or error
        raise web.HTTPFound(f"{ROOT}/notices/{number}")

    @login_required
    async def campaign(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        number, action = int(request.match_info["id"]), request.match_info["action"]

        def work(session: Session) -> tuple[str, str]:
            viewer = self.c.viewer(session, uid)
            if not viewer.is_staff:
                return "", T.CONSOLE_NOT_ALLOWED
            c = session.get(Campaign, number)
            if c is None or c.status == CampaignStatus.DELETED or (
                    viewer.community_id is not None and c.community_id not in (None, viewer.community_id)):
                return "", T.CAMPAIGN_WEB_UNKNOWN.format(id=number)
            word = "暂停" if action == "pause" else "恢复"
            done = C.pause(c) if action == "pause" else C.resume(self.clock, c)
            if not done:
                return "", T.CAMPAIGN_NOT_NOW.format(id=c.id, name=c.name, action=word,
                                                     status=T.CAMPAIGN_STATUS.get(c.status, c.status))
            if action == "pause":
                return T.CAMPAIGN_WEB_PAUSED.format(id=c.id, name=c.name), ""
            nxt = C.next_run(self.clock, c)
            return T.CAMPAIGN_RESUMED.format(id=c.id, name=c.name,
                                             next=self.clock.show(nxt, "%Y-%m-%d %H:%M") if nxt else "—"), ""
        flash, error = await self.c.db(work)
        self.c.host.settle()  # the scheduler's jobs follow the campaign table
        websession["flash" if flash else "error"] = flash or error
        raise web.HTTPFound(f"{ROOT}/notices#campaigns")
