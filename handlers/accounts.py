"""设置密码: a staff member or grid worker asks privately for a one-time link to set their web
console password (domain/password_links.py). In a group nothing secret is said: they are asked
to write privately. Residents and members are told the console is not for them."""
from __future__ import annotations

from domain.accounts import CONSOLE_ROLES
from domain.password_links import LINK_MINUTES, issue_link, link_url, login_name, may_have_login
from handlers.context import Ctx
from handlers.router import Command, Router
from kernel import texts as T
from kernel.config import Settings

router = Router("accounts")


def console_base(settings: Settings) -> str:
    """Where staff open the console: ``console_url``, else the app's own HTTP server."""
    if settings.console_url.strip():
        return settings.console_url.strip()
    host = settings.sim_host.strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"  # set console_url to the address people really open
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.sim_port}/"


@router.message(Command(*T.PASSWORD_WORDS))
def password_link(ctx: Ctx) -> None:
    if ctx.person.role not in CONSOLE_ROLES:
        ctx.reply(T.PASSWORD_LINK_NOT_FOR.format(role=T.ROLE_NAMES.get(ctx.person.role, "您")))
        return
    if not ctx.msg.is_private:
        ctx.reply(T.PASSWORD_LINK_PRIVATE)
        return
    why = may_have_login(ctx.session, ctx.person)
    if why:
        ctx.reply(why)
        return
    token = issue_link(ctx.session, ctx.clock, ctx.person)
    # urgent: a link held till morning by quiet hours would have expired
    ctx.reply(T.PASSWORD_LINK_SENT.format(minutes=LINK_MINUTES, url=link_url(console_base(ctx.settings), token),
                                          login=login_name(ctx.session, ctx.person)), urgent=True)
