"""How far a broadcast notice has gone (通知进度), and when the rest should be out."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from kernel.timing import QuietHours
from storage.models import OutboxStatus
from storage.outbox import batch_progress


def broadcast_progress_text(session: Session, clock: Clock, settings: Settings, broadcast_id: int) -> str:
    """通知进度: sent / waiting / failed, and when the rest should be out at the send pace."""
    counts = batch_progress(session, f"broadcast:{broadcast_id}")
    pending, sent, failed = counts[OutboxStatus.PENDING], counts[OutboxStatus.SENT], counts[OutboxStatus.FAILED]
    total = sum(counts.values())
    if not pending:
        eta = T.BROADCAST_DONE
    else:
        now = clock.now()
        each = settings.send_interval_seconds + settings.send_jitter_seconds / 2
        quiet = QuietHours.from_settings(settings)
        start = quiet.ends_after(clock, now)
        finish = start + timedelta(seconds=pending * each)
        if start > now:
            eta = T.BROADCAST_QUIET.format(when=clock.show(start, "%H:%M"), finish=clock.show(finish))
        else:
            eta = T.BROADCAST_ETA.format(when=clock.show(finish))
    return T.BROADCAST_PROGRESS.format(id=broadcast_id, total=total, sent=sent, pending=pending,
                                       failed=failed, eta=eta)
