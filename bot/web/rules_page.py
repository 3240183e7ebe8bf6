"""The 规则 page (staff only): the classifier's keywords by category, adding one as `规则 加`
does in chat (domain/rule_changes.py: at once, kept as a RuleChange), the recent corrections
(改类 / 非诉求 / 转工单 / 忽略: LabelledExample rows), and the judge's figures on them — the
table `lianhu eval --db` prints (domain/classifier/measure.py on every correction)."""
from __future__ import annotations

import math
from typing import Any

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from bot.web.ticket_actions import category_choices
from domain import rule_changes as R
from domain.classifier.corrections import DEFAULT_WEIGHT
from kernel import texts as T
from storage.models import Person


class RulesPage:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock
        # the judge's figures are recomputed only when a correction or a keyword changed
        self._judged: tuple[tuple[object, ...], tuple[int, dict[str, Any]]] | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROOT + "/rules", self.page), web.post(ROOT + "/rules/keywords", self.add)]

    @login_required
    async def page(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        flash, error = websession.pop("flash", ""), websession.pop("error", "")
        classifier = self.c.host.classifier

        def work(session: Session) -> dict[str, Any]:
            viewer = self.c.viewer(session, uid)
            if not viewer.is_staff:
                return {"viewer": viewer, "page": "rules", "message": T.CONSOLE_RULES_STAFF_ONLY}
            context: dict[str, Any] = {
                "viewer": viewer, "page": "rules", "flash": flash, "error": error,
                "corrections": [(self.clock.show(c.at), c) for c in R.corrections(session, viewer.community_id)],
                "categories": category_choices(), "default_weight": DEFAULT_WEIGHT,
                "modes": T.CONSOLE_JUDGE_MODES, "judge_rows": T.CONSOLE_JUDGE_ROWS,
                "keywords": [], "judged": 0, "judge": {}}
            if classifier is not None:
                context["keywords"] = [(code, name, *R.plain_keywords(classifier, code))
                                       for code, name in category_choices()]
                context["judged"], context["judge"] = self._judge(session, classifier)
            return context
        context = await self.c.db(work)
        if "message" in context:
            return self.c.render("error.html", request, websession, context, 403)
        context["no_classifier"] = T.CONSOLE_NO_CLASSIFIER if classifier is None else ""
        return self.c.render("rules.html", request, websession, context)

    def _judge(self, session: Session, classifier: Any) -> tuple[int, dict[str, Any]]:
        version = R.corrections_version(session)
        if self._judged is None or self._judged[0] != version:
            self._judged = (version, R.judge_on_corrections(session, classifier))
        return self._judged[1]

    @login_required
    async def add(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        """规则 加 类别 关键词 [权重], from a form."""
        form = await request.post()
        code, keyword = str(form.get("category", "")), str(form.get("keyword", "")).strip()
        try:
            weight = float(str(form.get("weight", "")).strip() or DEFAULT_WEIGHT)
        except ValueError:
            weight = math.nan
        classifier = self.c.host.classifier

        def work(session: Session) -> tuple[str, str]:
            viewer = self.c.viewer(session, uid)
            actor = session.get(Person, viewer.person_id)
            if not viewer.is_staff or actor is None:
                return "", T.CONSOLE_RULES_STAFF_ONLY
            if classifier is None:
                return "", T.CONSOLE_NO_CLASSIFIER
            if code not in dict(category_choices()):
                return "", T.CONSOLE_CATEGORY_UNKNOWN
            if not R.weight_ok(weight):
                return "", T.RULES_BAD_WEIGHT.format(given=form.get("weight", ""))
            change = R.add_keyword(session, self.clock, classifier, actor, code, keyword, weight)
            if isinstance(change, str):
                return "", T.RULES_BAD_KEYWORD.format(keyword=keyword, reason=change)
            template = T.RULES_ADDED_NONE if code == "none" else T.RULES_ADDED
            return template.format(keyword=keyword, category=T.CATEGORY_NAMES[code], weight=weight, id=change.id,
                                   who=f"{viewer.role_name}{viewer.name}"), ""
        flash, error = await self.c.db(work)
        websession["flash" if flash else "error"] = flash or error
        raise web.HTTPFound(f"{ROOT}/rules")
