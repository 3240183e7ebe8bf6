"""Settings: defaults, then an optional TOML file, then environment variables.

Every setting has a documented default (``lianhu --help-config`` prints them) so the
embedded default runs with no configuration at all.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class Settings:
    #: where the SQLite file, jieba's cache, attachments and logs live
    data_dir: Path = Path("data")
    #: SQLAlchemy URL; empty means SQLite in data_dir/lianhu.db
    database_url: str = ""
    #: simulator (embedded default) or wechaty
    gateway: str = "simulator"
    sim_host: str = "127.0.0.1"
    sim_port: int = 8080
    #: the simulator on an address other than loopback (e.g. 0.0.0.0) needs this token: the
    #: page is opened as http://HOST:PORT/?token=..., scripts send "Authorization: Bearer ..."
    sim_token: str = ""
    #: Host names the simulator answers besides localhost/127.0.0.1/::1 and sim_host (e.g. the
    #: machine's address when sim_host is 0.0.0.0); any other Host header is refused
    sim_hosts: list[str] = field(default_factory=list)
    #: the community's time zone, for everything shown to people
    timezone: str = "Asia/Shanghai"
    #: the city the communities are in, by each name residents use of two characters or more
    #: (["上海", "上海滩"]; one-character names like 沪 are parts of other names): the 办事指南
    #: reads a question naming it as one about here ("上海的居住证怎么办"), not about another city's
    #: own scheme; empty: every city named is another place
    home_city: list[str] = field(default_factory=list)
    #: the local gas company's emergency line, told to residents who smell gas
    gas_emergency: str = "96777"
    #: a report of the same category in the same building within this many hours joins the open ticket
    merge_window_hours: float = 6.0
    #: load the demo community on first start when the database is empty
    demo_on_first_run: bool = True
    #: the puppet service for the wechaty gateway
    wechaty_endpoint: str = ""
    wechaty_token: str = ""
    #: a picture sent this many minutes after one's own report is attached to that ticket
    attach_window_minutes: float = 10.0
    #: texts longer than this are stored whole but only the head is classified and quoted
    max_text_chars: int = 2000
    #: outbox: attempts before a message is marked failed, and the first retry delay
    outbox_max_attempts: int = 8
    outbox_retry_seconds: float = 5.0
    #: pace of sending, per bot account and per group (issue: send pace)
    send_interval_seconds: float = 1.5
    send_jitter_seconds: float = 0.5
    room_interval_seconds: float = 3.0
    daily_send_cap: int = 3000
    #: handling deadlines in hours: urgent / normal
    urgent_accept_hours: float = 0.5
    urgent_resolve_hours: float = 24.0
    normal_accept_hours: float = 24.0
    normal_resolve_workdays: int = 5
    quiet_start: str = "21:30"
    quiet_end: str = "07:30"
    holidays: list[str] = field(default_factory=list)
    #: per-category deadlines "accept/resolve" (30m, 4h, 5d = working days); key "repair" for
    #: normal tickets, "repair:urgent" for urgent ones. In TOML a [category_deadlines] table
    category_deadlines: dict[str, str] = field(default_factory=dict)
    #: the assignee is reminded when this fraction of a deadline's span is left
    reminder_lead_fraction: float = 0.2
    #: after a missed deadline the grid worker is told; staff this fraction of the span later
    #: (at least 15 minutes, at most 24 hours)
    escalation_step_fraction: float = 0.5
    #: 回访: remind reporters to rate after this many hours; close as 未评价 after this many
    rating_reminder_hours: float = 24.0
    rating_close_hours: float = 72.0
    #: ask "现在还好吗" this many days after a solved ticket of these categories
    revisit_days: float = 7.0
    revisit_categories: list[str] = field(default_factory=lambda: ["repair", "utilities"])
    #: the weekly figures to the staff group (a schedule as in 每周一 08:30); empty: none
    weekly_report: str = "每周一 08:30"
    #: a job missed while the bot was down still runs once if its slot is this recent
    job_grace_hours: float = 6.0
    #: how often deadlines and follow-ups are checked
    deadline_check_seconds: float = 60.0
    #: the gateway says "too frequent": pause all sending this long
    too_frequent_pause_seconds: float = 300.0
    #: campaign files (*.toml); empty means data_dir/campaigns
    campaigns_dir: str = ""
    #: path of the classifier rules file; empty means the built-in one
    rules_path: str = ""
    #: ledger: visit pace in days per colour (走访频次)
    visit_days_orange: int = 7
    visit_days_yellow: int = 14
    visit_days_blue: int = 14
    visit_days_green: int = 30
    #: when members get their list of households due for a visit (empty: never)
    visit_reminders: str = "每周一 08:00"
    #: ledger: points (党员积分) per ticket accepted in time, resolved in time, rated satisfied,
    #: per visit (one per household a day), per wish fulfilled
    points_accept_in_time: int = 1
    points_resolve_in_time: int = 2
    points_satisfied: int = 2
    points_visit: int = 1
    points_wish: int = 3
    log_level: str = "INFO"
    #: a heads-up (待确认: a group message the classifier was unsure of) still unanswered after
    #: this many hours is reminded, once
    heads_up_remind_hours: float = 2.0
    #: a resident may answer 不是一个问题 this many hours after their report joined a ticket
    split_window_hours: float = 24.0

    #: the web console for staff and grid workers at /console/ on the app's HTTP server:
    #: auto (with a gateway that serves pages, i.e. the simulator), on (also with WeChat), off
    console: str = "auto"
    #: the console's address as staff open it, for links the bot sends (设置密码), e.g.
    #: https://lianhu.example.org/ ; empty: http://sim_host:sim_port/
    console_url: str = ""

    #: several WeChat accounts on one PostgreSQL, one process each (README "一个街道,多个微信号"):
    #: the name of the account this process serves (`lianhu run --account NAME`); empty: the one
    #: process sends everything. Settings in the file's [accounts.NAME] table apply to it
    account: str = ""
    #: the account that sends a private message to someone no account has as a contact
    default_account: str = ""
    #: per-account settings: [accounts.NAME] tables in the settings file (a token, a port, rooms)
    accounts: dict[str, Any] = field(default_factory=dict)
    #: the simulator as one account of several: the groups (chat ids) this account is in
    sim_rooms: list[str] = field(default_factory=list)
    #: the simulator writes every message it sends here, one JSON line each (tests count them)
    sim_send_log: str = ""
    #: the simulator takes this long for each send (a broadcast in progress, in tests and demos)
    sim_send_seconds: float = 0.0
    #: several processes: how often one that is not running the scheduled jobs tries to take
    #: them over (the one that runs them holds a PostgreSQL advisory lock)
    job_leader_retry_seconds: float = 3.0

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lianhu.db').as_posix()}"

    @classmethod
    def load(cls, config_file: str | Path | None = None, env: dict[str, str] | None = None,
             **overrides: object) -> Settings:
        env = dict(os.environ) if env is None else env
        values: dict[str, object] = {}
        path = config_file or env.get("LIANHU_CONFIG")
        if path:
            with open(path, "rb") as fh:
                values.update(tomllib.load(fh))
        elif Path("lianhu.toml").exists():
            with open("lianhu.toml", "rb") as fh:
                values.update(tomllib.load(fh))
        account = overrides.get("account") or env.get("LIANHU_ACCOUNT") or values.get("account")
        if account:
            values.update(_account_section(values.get("accounts"), str(account)))
        for f in fields(cls):
            key = f"LIANHU_{f.name.upper()}"
            if key in env:
                values[f.name] = env[key]
        # the puppet service's own variable names work too
        for key, name in (("WECHATY_PUPPET_SERVICE_ENDPOINT", "wechaty_endpoint"),
                          ("WECHATY_PUPPET_SERVICE_TOKEN", "wechaty_token")):
            if key in env and name not in values:
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"未知的配置项 unknown settings: {', '.join(unknown)}")
        settings = cls()
        for name, raw in values.items():
            setattr(settings, name, _coerce(getattr(settings, name), raw, name))
        return settings

    @classmethod
    def describe(cls) -> str:
        """One line per setting: name, environment variable, default."""
        default = cls()
        lines = []
        for f in fields(cls):
            lines.append(f"  {f.name:<26} LIANHU_{f.name.upper():<26} = {getattr(default, f.name)!r}")
        return "\n".join(lines)


def _account_section(accounts: object, account: str) -> dict[str, object]:
    """The settings of ``[accounts.NAME]`` for account NAME (none: nothing to add)."""
    from kernel import texts

    if not isinstance(accounts, dict) or not accounts:
        return {}
    if account not in accounts:
        raise ValueError(texts.ACCOUNT_UNKNOWN.format(account=account, known="、".join(sorted(accounts))))
    section = accounts[account]
    if not isinstance(section, dict):
        raise ValueError(texts.ACCOUNT_SECTION_BAD.format(account=account))  # noqa: TRY004 - a settings error, as all
    return {str(k): v for k, v in section.items()}


def _number(raw: object) -> str | int | float:
    """*raw* as int() and float() take it; TypeError for anything else (a list, a table)."""
    if isinstance(raw, (str, int, float)):
        return raw
    raise TypeError(f"not a number: {raw!r}")


def _iterable(raw: object) -> Iterable[Any]:
    """*raw* as dict() and list() take it; TypeError when it is a single value."""
    if isinstance(raw, Iterable):
        return raw
    raise TypeError(f"not a list or table: {raw!r}")


def _coerce(current: object, raw: object, name: str) -> object:
    try:
        if isinstance(current, bool):
            if isinstance(raw, str):
                return raw.strip().lower() in {"1", "true", "yes", "on"}
            return bool(raw)
        if isinstance(current, int):
            return int(_number(raw))
        if isinstance(current, float):
            return float(_number(raw))
        if isinstance(current, Path):
            return Path(str(raw))
        if isinstance(current, dict):
            if isinstance(raw, str):
                import json

                return dict(json.loads(raw))
            return dict(_iterable(raw))
        if isinstance(current, list):
            if isinstance(raw, str):
                return [part.strip() for part in raw.split(",") if part.strip()]
            return list(_iterable(raw))
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"配置项 {name} 的值无效 invalid value: {raw!r}") from exc
