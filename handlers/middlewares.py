"""Cross-cutting work around every handler (aiogram 3 middlewares)."""
from __future__ import annotations

import logging
from collections.abc import Callable

from handlers.context import Ctx
from kernel.messages import Kind

log = logging.getLogger(__name__)


def understand(ctx: Ctx, nxt: Callable[[Ctx], None]) -> None:
    """Read a text that is no command (the dispatcher read ``ctx.command`` first) once: its
    tokens and class.

    Only the head of a very long text is classified (it is stored whole)."""
    if ctx.msg.kind == Kind.TEXT and ctx.command is None and ctx.text.strip():
        head = ctx.text[: ctx.settings.max_text_chars]
        ctx.tokens = ctx.classifier.tokenize(head)
        ctx.classification = ctx.classifier.classify(head, ctx.tokens)
    nxt(ctx)


def log_route(ctx: Ctx, nxt: Callable[[Ctx], None]) -> None:
    nxt(ctx)
    c = ctx.classification
    log.debug("message %s from %s: command=%s class=%s", ctx.inbound_id, ctx.msg.sender_id,
              ctx.command.word if ctx.command else None, c.category if c else None)
