"""``lianhu doctor``: what the bot set aside for a person to look at.

    lianhu doctor                 messages whose handling failed (still to be retried, or set
                                  aside after 3 attempts) and outbox messages that could not be sent
    lianhu doctor --retry N       handle inbound message N again on the next start (3 more attempts)
    lianhu doctor --drop N        mark inbound message N as dealt with (it is never retried)

Nothing here is retried forever: a failing message is tried at most 3 times (bot/inbox.py),
an outbox message ``outbox_max_attempts`` times (bot/outbox.py); then they wait here.
"""
from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.clock import Clock
from storage.models import InboundMessage, InboxStatus, OutboxMessage, OutboxStatus

T_ALL_WELL = "没有出错的消息:收到的都已处理,要发的都已发出或在排队。"
T_INBOX_HEAD = "处理出错的消息 {n} 条(“待重试”会在下次启动时再试,“已搁置”试了 3 次不再自动重试):"
T_INBOX_LINE = "  #{id} {at} {where} {sender}:{text}  [{state},已试 {attempts} 次] {error}"
T_OUTBOX_HEAD = "发送失败的消息 {n} 条(已放弃重试):"
T_OUTBOX_LINE = "  #{id} {at} 发往 {to}:{text}  [已试 {attempts} 次] {error}"
T_HINT = "处理后:lianhu doctor --retry 编号(下次启动再处理)或 --drop 编号(不再处理)。"
T_NO_SUCH = "没有编号为 {id} 的出错消息。"
T_RETRY = "消息 #{id} 将在下次启动时重新处理。"
T_DROP = "消息 #{id} 已标记为处理完毕,不再重试。"
STATES = {InboxStatus.FAILED: "待重试", InboxStatus.ASIDE: "已搁置"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    doc = sub.add_parser("doctor", help="failed messages (inbound and outbound) set aside for staff")
    group = doc.add_mutually_exclusive_group()
    group.add_argument("--retry", type=int, metavar="N", help="handle inbound message N again on the next start")
    group.add_argument("--drop", type=int, metavar="N", help="mark inbound message N as dealt with")
    doc.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.cli.common import migrated_session

    with migrated_session(args) as (settings, session):
        if args.retry is not None or args.drop is not None:
            return change(session, args.retry if args.retry is not None else args.drop, retry=args.retry is not None)
        print(report(session, Clock(settings.timezone)))
    return 0


def _first_line(error: str | None) -> str:
    lines = [line for line in (error or "").strip().splitlines() if line.strip()]
    return lines[-1].strip()[:120] if lines else ""


def report(session: Session, clock: Clock) -> str:
    """The failed inbound and outbound messages, newest last, one line each."""
    failed_in = session.scalars(select(InboundMessage).where(
        InboundMessage.status.in_((InboxStatus.FAILED, InboxStatus.ASIDE))).order_by(InboundMessage.id)).all()
    failed_out = session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.FAILED).order_by(OutboxMessage.id)).all()
    if not failed_in and not failed_out:
        return T_ALL_WELL
    lines: list[str] = []
    if failed_in:
        lines.append(T_INBOX_HEAD.format(n=len(failed_in)))
        lines += [T_INBOX_LINE.format(
            id=m.id, at=clock.show(m.received_at, "%m-%d %H:%M"), where=m.room_name or m.room or "私聊",
            sender=m.sender_name, text=(m.text or f"[{m.kind}]")[:60].replace("\n", " "),
            state=STATES.get(m.status, m.status), attempts=m.attempts, error=_first_line(m.error))
            for m in failed_in]
        lines.append(T_HINT)
    if failed_out:
        lines.append(T_OUTBOX_HEAD.format(n=len(failed_out)))
        lines += [T_OUTBOX_LINE.format(
            id=m.id, at=clock.show(m.created_at, "%m-%d %H:%M"), to=m.conversation,
            text=m.text[:60].replace("\n", " "), attempts=m.attempts, error=_first_line(m.last_error))
            for m in failed_out]
    return "\n".join(lines)


def change(session: Session, inbound_id: int, *, retry: bool) -> int:
    row = session.get(InboundMessage, inbound_id)
    if row is None or row.status not in (InboxStatus.FAILED, InboxStatus.ASIDE):
        print(T_NO_SUCH.format(id=inbound_id))
        return 1
    if retry:
        row.status, row.attempts = InboxStatus.FAILED, 0
    else:
        row.status = InboxStatus.DONE
    session.commit()
    print((T_RETRY if retry else T_DROP).format(id=inbound_id))
    return 0
