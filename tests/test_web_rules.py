"""The console's 规则 page in Chromium: keywords by category, adding one as `规则 加` does,
the recent corrections, and the judge's figures on them (the same as `lianhu eval --db`)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.cli.classifier import main as classifier_cli
from storage.models import RuleChange
from tests.test_web_browser import browser, open_as, shot  # noqa: F401 - the fixture
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture


def eval_db_row(out: str, label: str) -> list[str]:
    """The cells ("0.500 (1/2)") of one line of `lianhu eval --db`'s judge table."""
    line = next(line for line in out.splitlines() if line.startswith(label))
    return re.findall(r"(\d\.\d{3})", line)


async def test_corrections_and_their_figures_match_eval_db(browser: Any, rig: Rig, capsys: Any) -> None:
    lamp, member = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    rubbish, _ = await rig.report("room-2", "r07", "楼下垃圾桶满了好几天没人清")
    await rig.post(None, member, f"改类 {lamp} 水电气暖")
    await rig.post(None, "s1", f"非诉求 {rubbish}")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click("header nav a:has-text('规则')")
    await page.wait_for_selector("#judge")
    rows = await page.locator("tr.correction").all_inner_texts()
    assert len(rows) == 2
    assert "非诉求" in rows[0] and f"工单 {rubbish}" in rows[0] and "环境卫生" in rows[0]
    assert "改类" in rows[1] and f"工单 {lamp}" in rows[1] and "设施报修" in rows[1] and "水电气暖" in rows[1]
    assert "共 2 条纠正样本" in await page.inner_text("#judge")

    capsys.readouterr()
    settings = rig.app.settings
    assert classifier_cli(["eval", "--db", "--database-url", settings.db_url,
                           "--data-dir", str(settings.data_dir)]) == 0
    out = capsys.readouterr().out
    for label, key in (("public false alarms", "public_false_alarm_rate"),
                       ("requests seen", "seen_recall"), ("category accuracy on requests ", "category_accuracy")):
        cells = await page.locator(f"#judge tr[data-key={key}] td[data-mode]").evaluate_all(
            "tds => tds.map(td => td.dataset.value)")
        assert cells == eval_db_row(out, label), (key, cells, out)
    await shot(page, "rules")


async def test_a_keyword_added_on_the_page_is_the_chat_commands(browser: Any, rig: Rig) -> None:
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.goto(rig.console + "/rules")
    assert "晾衣杆" not in await page.text_content("details[data-category=repair]") or ""
    await page.select_option("#keyword-form select", label="设施报修")
    await page.fill("#keyword-form input[name=keyword]", "晾衣杆")
    await page.fill("#keyword-form input[name=weight]", "4")
    await page.click("#keyword-form button")
    await page.wait_for_selector("#flash")
    assert "已把“晾衣杆”加入【设施报修】,权重 4" in await page.inner_text("#flash")
    assert "晾衣杆" in await page.text_content("details[data-category=repair]") or ""
    with rig.app.sessions() as session:
        change = session.scalar(select(RuleChange))
        assert change is not None and (change.category, change.keyword, change.weight) == ("repair", "晾衣杆", 4.0)
    res = await rig.post(None, "s1", "规则 看 设施报修")
    assert any("晾衣杆(4)" in r["text"] for r in res["replies"])
    # a weight out of range: a Chinese error, nothing added
    await page.fill("#keyword-form input[name=keyword]", "电梯间")
    await page.fill("#keyword-form input[name=weight]", "99")
    await page.click("#keyword-form button")
    await page.wait_for_selector("#error")
    assert "权重“99”不对" in await page.inner_text("#error")
    assert "电梯间" not in await page.text_content("details[data-category=repair]") or ""


async def test_the_rules_page_is_for_staff_only(browser: Any, rig: Rig) -> None:
    page = await open_as(browser, rig, await rig.account("g1"))
    assert await page.locator("header nav a:has-text('规则')").count() == 0
    res = await page.goto(rig.console + "/rules")
    assert res is not None and res.status == 403
    assert "只对社区工作人员开放" in await page.inner_text("#page-error")
    token = await page.evaluate("document.querySelector('header input[name=csrf]').value")
    res2 = await page.request.post(rig.console + "/rules/keywords",
                                   form={"csrf": token, "category": "repair", "keyword": "网格员加的词"})
    assert "只对社区工作人员开放" in await res2.text()
    with rig.app.sessions() as session:
        assert session.scalar(select(RuleChange)) is None
