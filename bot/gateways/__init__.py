"""The gateways, by name: the app makes the one named in the settings (``gateway = ...``).

Each entry imports its module only when that gateway is made, so the simulator never
loads python-wechaty and the wechaty extra stays optional.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.driver.gateway import GatewayUnavailable

if TYPE_CHECKING:
    from bot.driver.gateway import Gateway
    from kernel.config import Settings

GatewayFactory = Callable[["Settings"], "Gateway"]


def _simulator(settings: Settings) -> Gateway:
    from bot.gateways.simulator import SimulatorGateway, is_loopback

    if not is_loopback(settings.sim_host) and not settings.sim_token:
        raise GatewayUnavailable(
            f"模拟器要在 {settings.sim_host} 上对外开放,必须先设置令牌 sim_token"
            "(环境变量 LIANHU_SIM_TOKEN),否则任何能连上这台机器的人都能冒充居民和工作人员、"
            "读取全部对话。只在本机使用请用默认的 127.0.0.1。")
    return SimulatorGateway(token=settings.sim_token, host=settings.sim_host, hosts=settings.sim_hosts,
                            account=settings.account or None, rooms=settings.sim_rooms,
                            send_log=settings.sim_send_log or None, send_seconds=settings.sim_send_seconds)


def _wechaty(settings: Settings) -> Gateway:
    if not settings.wechaty_token or not settings.wechaty_endpoint:
        raise GatewayUnavailable("缺少 WECHATY_PUPPET_SERVICE_ENDPOINT / WECHATY_PUPPET_SERVICE_TOKEN。"
                                 "见 README 的“接入真实微信”一节。")
    from bot.gateways.wechaty import WechatyGateway

    # several accounts: each keeps its own journal and pictures (bot/gateways/wechaty_journal.py)
    data_dir = settings.data_dir / "accounts" / settings.account if settings.account else settings.data_dir
    return WechatyGateway(settings.wechaty_endpoint, settings.wechaty_token, data_dir)


def _test(settings: Settings) -> Gateway:
    from bot.gateways.testing import TestGateway

    return TestGateway()


#: name -> factory; `lianhu run --gateway NAME` offers the first two
GATEWAYS: dict[str, GatewayFactory] = {
    "simulator": _simulator,
    "wechaty": _wechaty,
    "test": _test,
}


def create_gateway(settings: Settings) -> Gateway:
    """The gateway named in the settings (GatewayUnavailable: unknown, or missing settings)."""
    factory = GATEWAYS.get(settings.gateway)
    if factory is None:
        raise GatewayUnavailable(f"未知的 gateway: {settings.gateway}(可选 simulator、wechaty)")
    return factory(settings)
