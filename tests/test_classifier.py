"""Behaviour of the message classifier that residents and staff would notice."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.classifier import classify_lines, evaluate, load_labelled
from domain.classifier.measure import missed
from domain.classifier.training import first_look_recorded
from domain.classifier import CATEGORIES, Classification, Classifier, RuleFileError
from domain.classifier.rules import DEFAULT_RULES

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("jieba-cache")


@pytest.fixture(scope="module")
def clf(cache_dir) -> Classifier:
    return Classifier(cache_dir=cache_dir)


def check(clf: Classifier, text: str, category: str, urgent: bool = False) -> Classification:
    """The keyword rules' answer (one voice of the judge; the judge's own tests are further down)."""
    r = clf.classify(text, mode="rules")
    assert (r.category, r.urgent) == (category, urgent), f"{text!r} -> {r}"
    return r


# --------------------------------------------------------------------------- API


def test_categories_follow_labels_order():
    assert list(CATEGORIES) == ["utilities", "repair", "sanitation", "dispute", "safety", "traffic",
                                "care", "policy", "suggestion", "other", "none"]
    assert CATEGORIES["utilities"] == "水电气暖" and CATEGORIES["none"] == "非诉求"


def test_tokenize_normalises_and_keeps_text(clf):
    tokens = clf.tokenize("ＡＢＣ１２３ 樓道燈壞了！")
    assert "".join(tokens) == "abc123 楼道灯坏了!"
    assert "楼道灯" in tokens  # community vocabulary stays one token


def test_classify_uses_given_tokens(clf):
    text = "楼道灯坏了三天了 晚上上楼黑漆漆的"
    tokens = clf.tokenize(text)
    assert clf.classify(text, tokens, mode="rules") == clf.classify(text, mode="rules")
    # the tokens are what gets classified
    other = clf.tokenize("今天天气真好")
    assert clf.classify(text, other, mode="rules").category == "none"


def test_evidence_names_the_rules(clf):
    r = check(clf, "楼道里一股煤气味 我不敢开灯", "utilities", True)
    assert r.is_request
    assert any(e.startswith("urgent:燃气味") for e in r.evidence)
    assert any(e.startswith("utilities:") for e in r.evidence)
    r = clf.classify("电梯修好了,谢谢", mode="rules")
    assert not r.is_request
    assert any(e.startswith("cancel:修好了") for e in r.evidence)


# --------------------------------------------------------------------------- hard negatives


@pytest.mark.parametrize("text", [
    "电梯已经修好了 谢谢物业师傅",
    "收到",
    "收到,谢谢楼长",
    "【通知】周三上午九点至十二点停水检修,请提前储水",
    "今天热得要着火了 空调一天没停",
    "我老家那边昨天停了一整天电 还好咱这没事",
    "上周楼道灯坏了 物业当天就给换好了 点个赞",
    "哈哈 停水正好不用洗碗了",
    "出闲置电暖气一台 八成新 自提",
    "转:【防火提醒】冬季用电注意安全,电动车不要在楼道充电",
    "那个电梯困人的视频我也刷到了 是外省的 不是咱们这的",
    "暖气来了 屋里暖和多了",
    "好的 明白",
    "有人知道附近哪里修自行车吗",
])
def test_chatter_stays_silent(clf, text):
    check(clf, text, "none", False)


# --------------------------------------------------------------------------- requests, one per category


@pytest.mark.parametrize("text,category", [
    ("一打开水龙头就只有一点点水 洗澡都洗不了 楼上更惨", "utilities"),
    ("晚上回家楼梯上的灯怎么跺脚都不亮 黑漆漆的 麻烦物业换个灯泡", "repair"),
    ("单元门关不上了 谁都能进 门禁跟摆设一样", "repair"),
    ("垃圾桶都满得溢出来了 两天没人清 苍蝇嗡嗡的", "sanitation"),
    ("楼上天天半夜拖椅子 咣咣响 说了好几次都不听", "dispute"),
    ("好几辆电动车推到楼道里拉线充电 这太危险了", "safety"),
    ("小区门口的路灯一排全坏了 晚上走路看不清", "traffic"),
    ("4楼的老太太一个人住 最近腿脚不好下不了楼 能不能派人帮她买点菜", "care"),
    ("请问失业了去哪里申请失业金 要带什么材料", "policy"),
    ("建议在小区空地装几个健身器材 老人们锻炼方便", "suggestion"),
    ("我们单元手机信号特别差 能不能让运营商来加个基站", "other"),
])
def test_each_category(clf, text, category):
    check(clf, text, category, False)


# --------------------------------------------------------------------------- dialect, Traditional, typos


@pytest.mark.parametrize("text,category", [
    ("部升降机又坏咗 我哋要行十几层楼 唔该物业快啲整", "repair"),          # Cantonese
    ("楼道灯莫得了 黑黢黢的 啥子时候来修嘛", "repair"),                 # Sichuan
    ("樓道燈壞了好幾天,晚上回家黑漆漆的,麻煩處理一下", "repair"),       # Traditional
    ("停車場裡有人亂停車 把出口都堵了 請物業處理", "traffic"),          # Traditional
    ("电悌又不动了 卡在五楼", "repair"),                                 # typo 电悌
    ("拉圾站好几天没人清 臭得不行", "sanitation"),                      # typo 拉圾
])
def test_dialect_traditional_typos(clf, text, category):
    check(clf, text, category, False)


# --------------------------------------------------------------------------- urgent


@pytest.mark.parametrize("text,category", [
    ("5楼阳台起火了 冒黑烟 快打119", "safety"),                           # fire
    ("厨房一股很冲的煤气味 阀门关了还有味", "utilities"),                 # gas
    ("我爸在楼道里晕倒了 叫不醒 谁会急救", "care"),                       # collapse
    ("电梯卡在9楼和10楼中间 我和孩子困在里面了", "repair"),               # trapped in lift
    ("楼下配电箱一直冒火花 噼啪响", "utilities"),                        # sparks
    ("水管爆了 水已经淹到客厅了 总阀在哪", "utilities"),                  # flooding
    ("我家孩子下午在楼下玩 现在找不到了 六岁 穿黄衣服", "care"),          # child missing
    ("楼下有人在打架 一个拿着刀 快报警", "safety"),                       # violence between strangers
    ("隔壁男的又在打老婆 女的一直喊救命", "dispute"),                    # family violence
    ("门口路上有个老人被车撞倒了 躺在地上起不来", "traffic"),             # hurt on the road
])
def test_urgent_triggers(clf, text, category):
    check(clf, text, category, True)


@pytest.mark.parametrize("text,category", [
    ("急!!电梯又坏了 快来修", "repair"),
    ("万一着火怎么办 楼道里天天有人给电动车充电", "safety"),
    ("下周社区搞消防演练 怎么报名参加", "other"),
    ("昨天我妈在楼道里差点摔倒 楼道灯一直不亮", "repair"),
    ("电梯困人的事上个月发生过一次 年检到底有没有做", "repair"),
])
def test_urgent_sounding_but_not_urgent(clf, text, category):
    check(clf, text, category, False)


def test_negated_and_resolved_emergencies(clf):
    assert not clf.classify("不是燃气味 是楼下在炖肉", mode="rules").urgent
    check(clf, "孩子找到了 谢谢大家帮忙", "none")
    assert clf.classify("电梯还没修好 已经三天了", mode="rules").is_request


# --------------------------------------------------------------------------- rules file


def _copy_rules(tmp_path: Path) -> Path:
    p = tmp_path / "rules.toml"
    p.write_text(DEFAULT_RULES.read_text(encoding="utf-8"), encoding="utf-8")
    return p


@pytest.mark.parametrize("bad,expect_line_of", [
    ('\n[category.repair]\n"电梯" = "很多"\n', '"电梯" = "很多"'),          # weight not a number
    ('\n[category.plumbing]\n"水管" = 2\n', "[category.plumbing]"),       # unknown category
    ('\n[cue]\n"re:(((" = 1\n', '"re:(((" = 1'),                          # bad regex
    ('\n[cue]\n"能不能" = 1\n"能不能" = 2\n', None),                      # TOML error (duplicate)
])
def test_rule_file_error_reports_line_and_keeps_rules(tmp_path, cache_dir, bad, expect_line_of):
    path = _copy_rules(tmp_path)
    c = Classifier(rules_path=path, cache_dir=cache_dir)
    before = c.classify("楼道灯坏了三天 晚上黑漆漆的", mode="rules")
    assert before.category == "repair"
    good = path.read_text(encoding="utf-8")
    # replace the whole file by a small broken one: old rules must stay in force
    path.write_text('[scoring]\nthreshold = 3\n' + bad, encoding="utf-8")
    with pytest.raises(RuleFileError) as ei:
        c.reload()
    err = ei.value
    assert err.file == str(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if expect_line_of is not None:
        assert err.line == lines.index(expect_line_of) + 1
    else:
        assert err.line is not None and 1 <= err.line <= len(lines)
    assert str(path) in str(err) and f":{err.line}" in str(err) and "规则文件错误" in str(err)
    assert c.classify("楼道灯坏了三天 晚上黑漆漆的", mode="rules") == before
    # a fixed file is picked up again
    path.write_text(good.replace('"楼道灯" = 3', '"楼道灯" = 3.5'), encoding="utf-8")
    c.reload()
    assert ("楼道灯", 3.5) in c.keywords("repair")


def test_constructor_rejects_bad_file(tmp_path, cache_dir):
    path = tmp_path / "bad.toml"
    path.write_text('[scoring]\nthreshold = "high"\n', encoding="utf-8")
    with pytest.raises(RuleFileError) as ei:
        Classifier(rules_path=path, cache_dir=cache_dir)
    assert ei.value.line == 2


def test_add_keyword_takes_effect(tmp_path, cache_dir):
    c = Classifier(rules_path=_copy_rules(tmp_path), cache_dir=cache_dir)
    text = "小区的共享充电宝柜子被人砸了 能不能找人弄走"
    assert not any("充电宝柜" in e for e in c.classify(text, mode="rules").evidence)
    c.add_keyword("other", "充电宝柜", 4)
    assert ("充电宝柜", 4.0) in c.keywords("other")
    assert "充电宝柜" in c.tokenize(text)
    r = c.classify(text, mode="rules")
    assert r.category == "other" and "other:充电宝柜(+4)" in r.evidence
    c.reload()  # run-time keywords survive a reload
    assert ("充电宝柜", 4.0) in c.keywords("other")
    with pytest.raises(ValueError):
        c.add_keyword("plumbing", "水管")


def test_private_tokenizer_does_not_leak(tmp_path, cache_dir):
    a = Classifier(rules_path=_copy_rules(tmp_path), cache_dir=cache_dir)
    b = Classifier(cache_dir=cache_dir)
    a.add_keyword("other", "锦鲤池塘")
    assert "锦鲤池塘" in a.tokenize("锦鲤池塘漏了")
    assert "锦鲤池塘" not in b.tokenize("锦鲤池塘漏了")


def test_segmentation_is_jiebas_with_one_shared_dictionary(tmp_path, cache_dir):
    """The classifier cuts exactly as a private jieba tokenizer with its words would (plain and
    HMM), while jieba's own dictionary stays free of those words."""
    import jieba

    from domain.classifier.tokenizer import user_words

    c = Classifier(rules_path=_copy_rules(tmp_path), cache_dir=cache_dir, hmm=True)
    c.add_keyword("other", "锦鲤池塘")
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines()[:300]]
    texts += ["锦鲤池塘漏了", "楼道灯坏了 abc123 x光机", "鲃鱼塘边上有人钓鱼 ", "12幢B区东门"]
    c.tokenize("")  # the shared dictionary is loaded at the first message
    jieba.initialize()  # jieba's own (the classifier never loads it): the reference
    private = jieba.Tokenizer()
    private.FREQ = {k: v for k, v in jieba.dt.FREQ.items() if v}  # jieba's own words ...
    for word in list(private.FREQ):
        for i in range(1, len(word)):
            private.FREQ.setdefault(word[:i], 0)  # ... with their prefixes, as jieba builds them
    private.total, private.initialized = jieba.dt.total, True
    for word, freq in user_words():
        private.add_word(word, freq)
    for word in c._rules.words:
        private.add_word(word)
    for text in texts:
        norm = c.normalize(text)
        assert c.tokenize(text) == private.lcut(norm, HMM=True), text
        assert c._tk.cut(norm, hmm=False) == private.lcut(norm, HMM=False), text
    assert "锦鲤池塘" not in jieba.lcut("锦鲤池塘漏了")  # the process's jieba: the same dictionary, not our words


# --------------------------------------------------------------------------- command line


def test_classify_lines_keeps_order_and_reports_bad_lines(clf):
    lines = [
        json.dumps({"text": "楼道灯坏了三天了", "id": 1}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": 3}),
        json.dumps({"text": "收到"}, ensure_ascii=False),
        "",
        json.dumps(["text"]),
        json.dumps({"text": 5}),
    ]
    out = list(classify_lines(clf, lines))
    assert len(out) == len(lines)
    assert out[0]["category"] == "repair" and out[0]["urgent"] is False and out[0]["evidence"]
    assert "error" in out[1] and "JSON" in out[1]["error"] and "第2行" in out[1]["error"]
    assert "error" in out[2] and "text" in out[2]["error"]
    assert out[3]["category"] == "none"
    assert all("error" in out[i] for i in (4, 5, 6))


def test_classify_command(tmp_path, cache_dir):
    stdin = "\n".join([
        json.dumps({"text": "着火了 3楼冒黑烟"}, ensure_ascii=False),
        "garbage",
        json.dumps({"text": "大家早上好"}, ensure_ascii=False),
    ]) + "\n"
    env = dict(os.environ, LIANHU_DATA_DIR=str(cache_dir))
    run = subprocess.run([sys.executable, "-m", "bot.cli.classifier", "classify"], input=stdin.encode(),
                         capture_output=True, cwd=REPO, env=env, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    rows = [json.loads(l) for l in run.stdout.decode().splitlines()]
    assert len(rows) == 3
    assert rows[0]["category"] == "safety" and rows[0]["urgent"] is True
    assert "error" in rows[1]
    assert rows[2]["category"] == "none" and rows[2]["urgent"] is False

    run = subprocess.run([sys.executable, "-m", "bot.cli.classifier", "classify", "--plain"],
                         input="下水道堵了 污水冒出来了\n{\"text\": 1}\n".encode(),
                         capture_output=True, cwd=REPO, env=env, timeout=120)
    rows = [json.loads(l) for l in run.stdout.decode().splitlines()]
    assert rows[0]["category"] == "repair" and "error" not in rows[1]


def test_eval_command_lists_errors(tmp_path, cache_dir):
    f = tmp_path / "mini.jsonl"
    f.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"text": "楼道灯坏了三天了", "category": "repair", "urgent": False},
        {"text": "收到", "category": "policy", "urgent": False},  # deliberately wrong label
    ]) + "\n", encoding="utf-8")
    env = dict(os.environ, LIANHU_DATA_DIR=str(cache_dir))
    run = subprocess.run([sys.executable, "-m", "bot.cli.classifier", "eval", str(f), "--errors"],
                         capture_output=True, cwd=REPO, env=env, timeout=120)
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr.decode()
    assert "precision" in out and "confusion" in out and "macro F1" in out
    assert "mistakes (1)" in out and "cancel:收到" in out


# --------------------------------------------------------------------------- targets


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval/dev.jsonl not present")
def test_dev_set_meets_targets(clf):
    m = evaluate(clf, load_labelled(DEV))
    assert missed(m["judge"]["combined"]) == [], m["judge"]["combined"]


# --------------------------------------------------------------------------- generalisation (issue 3)
# Kinds of message found while measuring on the hand-written sets in tests/data/: each case
# stands for a general rule (a vocabulary class, a phrasing), not a line of those sets.

HOLDOUTS = [REPO / "tests" / "data" / name
            for name in ("holdout.jsonl", "holdout2.jsonl", "holdout3.jsonl", "holdout4.jsonl", "holdout5.jsonl", "holdout6.jsonl", "holdout7.jsonl", "holdout8.jsonl")]


@pytest.mark.parametrize("path", HOLDOUTS, ids=lambda p: p.name)
def test_holdout_sets_meet_targets(clf, path):
    """The judge's targets (issue 10) on every labelled set it was built with."""
    m = evaluate(clf, load_labelled(path))
    assert missed(m["judge"]["combined"]) == [], m["judge"]["combined"]


MEASURED = [p for p in sorted((REPO / "tests" / "data" / "fresh").glob("b*.jsonl")) if first_look_recorded(p)]


@pytest.mark.parametrize("path", MEASURED, ids=lambda p: p.name)
def test_fresh_batches_meet_targets_once_measured_and_tuned(clf, path):
    """A fresh batch joins the tuned sets only after its first look (README.md); then the judge
    must hold the targets on it like on the others."""
    m = evaluate(clf, load_labelled(path))
    assert missed(m["judge"]["combined"]) == [], m["judge"]["combined"]


@pytest.mark.parametrize("text,category,urgent", [
    # emergencies in words the first rules did not know
    ("厨房有股臭鸡蛋味 是不是燃气漏了", "utilities", True),  # the odorant smell, a question form
    ("楼外的自来水管裂了 水往我家地下室里灌", "utilities", True),  # water pouring into a home
    ("电梯里困住了两个人", "repair", True),  # "电梯&困" also fires inside 困住
    ("我闺女放学到现在还没到家 电话也打不通", "care", True),  # missing child, 没到家
    ("隔壁老王快不行了 倒在地上喘不上气", "care", True),
    # sounds urgent, is not: hypothetical, near miss, an object "不行了", a falling panel
    ("楼道里堆的纸箱子万一着火咋办", "safety", False),
    ("阳台上的花盆差点砸到楼下的小孩", "safety", False),
    ("外墙的空调支架不行了 晃得厉害", "safety", False),
    ("电梯里的广告屏掉下来了 没人管", "repair", False),
    # a long pattern must not swallow the keywords inside it
    ("凌晨两点了楼下还在划拳喝酒 吵得人没法睡", "dispute", False),
    # wishes: about the community is a suggestion, about one's own child is chat
    ("要是小区能建个充电棚就好了", "suggestion", False),
    ("要是我家孩子能考上重点就好了", "none", False),
    # a price question is policy, Traditional and dialect are understood
    ("燃气费这个月怎么涨价了 价格调了吗", "policy", False),
    ("電梯壞了三天了 咋整嘛", "repair", False),
])
def test_hard_cases_from_fresh_messages(clf, text, category, urgent):
    check(clf, text, category, urgent)


@pytest.mark.parametrize("text", [
    "我们公司今天停水 提前下班了",  # somewhere else
    "带猫咪去打疫苗了 好乖",  # a pet's vaccine is no policy question
    "专业开锁换锁 随叫随到 电话13900001111",  # an advert full of problem words
    "@王阿姨 我帮你把快递拿上去了",  # help offered between neighbours
    "昨天马桶堵了 自己疏通好了",  # fixed already, by oneself
    "感谢网格员上周帮我妈办了残疾证",  # thanks first
    "关于开展消防安全宣传月活动的通知",  # a notice's title
])
def test_problem_words_in_chatter_stay_silent(clf, text):
    check(clf, text, "none")


def test_runtime_rules_replace_and_remove(tmp_path, cache_dir):
    c = Classifier(rules_path=_copy_rules(tmp_path), cache_dir=cache_dir)
    assert c.classify("门口的雨搭被风吹歪了", mode="rules").category == "none"
    c.add_keyword("repair", "雨搭", 3)
    assert c.classify("门口的雨搭被风吹歪了", mode="rules").category == "repair"
    c.add_keyword("repair", "楼道灯", 5)  # a file keyword: the new weight replaces the old
    assert [w for k, w in c.keywords("repair") if k == "楼道灯"] == [5.0]
    assert c.remove_keyword("repair", "燈")  # file keyword "=灯", written in Traditional
    assert "repair:灯(+1.5)" not in c.classify("楼梯间的灯不亮", mode="rules").evidence
    assert not c.remove_keyword("repair", "没有这个词")
    c.reload()  # run-time changes survive a reload of the file
    assert c.classify("门口的雨搭被风吹歪了", mode="rules").category == "repair"
    problems = c.set_runtime_rules([("add", "other", "充电宝柜", 4), ("add", "repair", "re:(", 3),
                                    ("remove", "other", "充电宝柜", 0)])
    assert len(problems) == 1 and "re:(" in problems[0]  # a bad stored change is skipped, not fatal
    assert c.classify("门口的雨搭被风吹歪了", mode="rules").category == "none"  # everything else was replaced
    assert [w for k, w in c.keywords("repair") if k == "楼道灯"] == [3.0]
    assert not any("充电宝柜" in k for k, _ in c.keywords("other"))

# --------------------------------------------------------------------------- general mechanisms (issue 3)
# Each case stands for a mechanism added while measuring holdout3/holdout4; none is a line of a set.


@pytest.mark.parametrize("text,category", [
    ("隔壁单元的液化气罐阀门坏了 呲呲漏气 一屋子味儿", "utilities"),  # 液化气 = 燃气, hissing
    ("天然气的味道好重 从厨房飘出来的", "utilities"),  # "燃气的味", not only "燃气味"
    ("楼下变电箱那边的电缆烧起来了 冒黑烟", "utilities"),  # cable + fire verb: the power supply
    ("快递站旁边的充电宝柜子炸了 冒着火", "safety"),  # an object that explodes
    ("我老伴在阳台晕过去了 怎么叫都不醒", "care"),
    ("邻居大爷吃了安眠药 人已经叫不应了", "care"),  # poisoning
    ("我家娃七岁 放学一个多小时了还没回家 谁看见了", "care"),  # age + not home, far apart
    ("老伴在浴室滑倒了 起不来 后脑勺在流血", "care"),  # fall verbs: 滑倒, 跌倒, 绊倒
    ("他们两口子又打起来了 男的拿着菜刀", "dispute"),  # violence in a family is a dispute
    ("楼下路口三轮车撞倒一个老人 老人躺着不动", "traffic"),  # hurt on a road is traffic
    ("隔篱屋火烛呀 好大烟 快啲嚟人", "safety"),  # Cantonese: 火烛 a fire
    ("阿婆喺冲凉房跌低咗 起唔到身", "care"),  # Cantonese: 跌低 a fall, 起唔到身 cannot get up
])
def test_emergencies_in_new_words(clf, text, category):
    check(clf, text, category, True)


@pytest.mark.parametrize("text,category", [
    ("要是哪天半夜停电 电梯里的人可就惨了", "none"),  # hypothetical
    ("刚才说的煤气味 原来是楼下在熏腊肠 大家别慌", "none"),  # explained away
    ("昨晚梦见家里着火了 吓醒了", "none"),  # a dream
    ("物业说电梯明天上午来保养 大家尽量走楼梯", "none"),  # passed-on notice
    ("明天社区给老人打流感疫苗 记得带医保卡", "none"),  # policy words that ask nothing
    ("路边的电线杆被货车撞歪了 斜着", "traffic"),  # an object hit by a car is no emergency
    ("二楼那户把自行车锁在楼梯扶手上 大家上下楼都得侧身", "dispute"),  # shared space taken
    ("楼上的狗屎掉到我家空调外机上了 说了好几次", "dispute"),  # "...到我家": about the neighbour
    ("谁家孩子在楼道里拍皮球 天天拍到晚上十点", "dispute"),
    ("请问老年优待证怎么办 我妈七十了", "policy"),  # "X证怎么办" beats the person's need
    ("能不能在健身区再放几张长椅 老人走累了能坐", "suggestion"),
    ("楼后面水沟里有只死猫 苍蝇乱飞", "sanitation"),
    ("三号楼楼顶的铁皮被风吹起来一半 挂在那晃 下面是停车场", "safety"),  # overhead hazard
    ("接到自称法院的电话 让我转三万保证金 这是不是诈骗", "safety"),  # a scam, not a car crash
    ("我家电表半个月走了三百多度 这不对吧", "utilities"),  # meter reading with a number
])
def test_precedence_and_cancellation(clf, text, category):
    check(clf, text, category, False)


# --------------------------------------------------------------------------- the judge (issue 10)
# Hand-written cases of each general mechanism (domain/classifier/README.md, "The judge"),
# none copied from the labelled sets.

from domain.classifier.judge import Tiers, judge  # noqa: E402
from domain.classifier.model import Prediction  # noqa: E402


def test_a_plain_request_is_sure_and_named(clf):
    r = clf.classify("3单元的楼道灯不亮了 一个星期了 麻烦物业派人来换一下")
    assert (r.tier, r.category, r.urgent, r.alert) == ("sure", "repair", False, False)
    assert r.subject == "3单元楼道灯" and r.summary == "3单元楼道灯不亮"
    assert r.p_request is not None and r.p_request > 0.5
    r = clf.classify("3单元的电梯卡在八楼不动了 麻烦物业派人来看看")
    assert (r.tier, r.category, r.subject, r.summary) == ("sure", "repair", "3单元电梯", "3单元电梯停运")
    assert r.danger != "trapped"  # a lift stuck at a floor is not a person trapped


@pytest.mark.parametrize("kind,text", [
    ("figurative", "这两天热得我整个人都要冒烟了 空调开一天"),
    ("figurative", "带了一天娃 累得要散架了"),
    ("resolved", "楼道灯已经换好了 亮堂多了 谢谢电工师傅"),
    ("resolved", "昨晚停的水今早来水了 大家不用再问了"),
    ("hearsay", "听说别的小区前两天有电动车在楼道里起火 好吓人"),
    ("advice", "大家家里下水道返味一般用什么办法 有啥小妙招"),
    ("offer", "出一个九成新的电动车充电器 有人要吗 便宜"),
    ("offer", "捡到一串钥匙 挂在一楼信箱上了 谁丢的去拿"),
    ("thanks", "感谢网格员小刘 昨天帮我妈把降压药送上门 太贴心了"),
    ("notice", "【通知】本周六上午十点全楼消防演练 听到警报请从楼梯下楼"),
    ("chat", "外面下雪了 孩子们在楼下堆雪人 哈哈"),
    ("tip", "天冷了大家用电暖器记得离床远一点 出门记得断电"),
])
def test_kinds_of_chatter_get_no_public_receipt(clf, kind, text):
    r = clf.classify(text)
    assert r.tier != "sure", r
    assert not r.urgent
    assert not r.alert, r  # none of these is danger now


@pytest.mark.parametrize("danger,text", [
    ("ledge", "对面楼有个小孩爬到五楼窗台外面去了 家里好像没人"),
    ("child", "小区池塘边有个三岁的娃一个人在玩水 旁边没大人"),
    ("not_seen", "隔壁独居的老奶奶三天没出门了 敲门也没人应"),
    ("suicide", "楼上小伙子这几天一直说活不下去了 刚又在阳台上站着"),
    ("intruder", "凌晨三点有个不认识的男的在挨家拧门把手"),
    ("gas", "一楼楼道里有股很冲的煤气味 越来越浓"),
    ("fire", "五楼那家窗户往外冒黑烟 家里好像有人"),
    ("fall", "我婆婆在卫生间滑倒了 爬不起来 我一个人扶不动"),
    ("lift", "电梯停在两层中间 里面关着个送快递的 一直在拍门"),
    ("water_electric", "楼道配电箱在往下滴水 下面的插座都湿了"),
    ("electric", "楼下电线杆上的线掉下来了 搭在地上"),
    ("violence", "楼下两口子吵架 男的拿着菜刀追出来了"),
])
def test_the_danger_net_fires_on_everyday_words(clf, danger, text):
    r = clf.classify(text)
    assert r.alert, r
    assert r.danger == danger
    assert r.tier != "none"  # a person sees it: danger to people is never mere chatter


@pytest.mark.parametrize("text", [
    "上个月楼道起火那次 多亏了保安 现在想想还后怕",     # the past
    "新闻里说外地有个小孩从窗户掉下去了 大家看好孩子",   # hearsay + a tip
    "今天消防演练 好多人下楼 像真的着火一样",         # a drill
    "万一哪天电梯困人了 里面有没有应急电话啊",        # a hypothetical
    "刚才群里说的煤气味 原来是楼下在熬中药 虚惊一场",    # an all-clear
])
def test_the_danger_net_stays_quiet_on_danger_words_that_are_not_danger_now(clf, text):
    r = clf.classify(text)
    net = clf.danger.check("".join(clf.tokenize(text)))
    assert net is None, net
    assert r.tier != "sure" or not r.urgent


@pytest.mark.parametrize("text,danger", [
    ("楼里的王大爷是特困户 特困供养金每月几号发", None),   # 特困: the poverty scheme, nobody shut in
    ("楼上那家孩子病了 家里困难 社区能帮帮吗", None),       # hardship, not trapped
    ("我家伢在这边上学 医保在哪交", None),                  # 这边上学: at school here, not at an edge
    ("我妈被困在卫生间出不来了", "trapped"),
    ("孩子一个人在河边上玩 没大人看着", "child"),
])
def test_hardship_and_a_school_here_are_no_danger_while_a_person_shut_in_or_a_child_by_water_is(clf, text, danger):
    r = clf.classify(text)
    assert r.danger == danger, r
    assert r.alert == (danger is not None)


@pytest.mark.parametrize("text,danger", [
    ("我爸的老年乘车卡在哪里办 要带照片吗", None),           # a card 卡在 a place: nobody stuck
    ("搬家把孩子的出生证明弄丢了 怎么补办", None),           # a paper lost, not a child
    ("我儿子耳朵听不见 想给他办残疾证", None),             # 听不见: deaf, not missing
    ("女儿在外地上班 我一个人在家 能申请低保吗", None),      # an adult alone at home, no child
    ("我一个人在家发高烧 浑身没劲 谁能帮我买点药", "medical"),  # ill with nobody home
    ("楼下那个孩子不见了 刚才还在滑滑梯", "missing"),
    ("电梯门夹住了人 手卡在门缝里", "trapped"),
])
def test_a_card_a_lost_paper_deafness_and_an_adult_at_home_are_no_danger_while_someone_ill_alone_is(clf, text, danger):
    r = clf.classify(text)
    assert r.danger == danger, r
    assert r.alert == (danger is not None)


def _rules(category: str = "none", alert: bool = False) -> Classification:
    return Classification(category=category, urgent=alert and category != "none", evidence=(), score=0.0,
                          alert=alert)


def _pred(p: float, p_urgent: float = 0.0, category: str = "repair") -> Prediction:
    cats = {c: (0.9 if c == category else 0.1 / 9) for c in CATEGORIES if c != "none"}
    return Prediction(p, p_urgent, cats)


def test_alert_fires_when_only_unsure_and_urgent_needs_sure():
    T = Tiers()
    r = judge("有个小孩爬到窗台外面了", _rules(), _pred(T.unsure + 0.01, 0.0, "care"), None, T)
    assert r.tier == "unsure" and r.category == "care" and not r.urgent
    from domain.classifier.danger import DangerNet

    r = judge("有个小孩爬到窗台外面了", _rules(), _pred(T.unsure + 0.01, 0.0, "care"), DangerNet.load(), T)
    assert (r.tier, r.alert, r.danger, r.urgent) == ("unsure", True, "ledge", False)
    r = judge("电梯里有人", _rules("repair", alert=True), _pred(0.99, 0.9), None, T)
    assert (r.tier, r.urgent, r.alert) == ("sure", True, True)


LONG = "一条足够长的居民消息"  # long enough for the model to have a say


def test_tiers_follow_the_thresholds():
    T = Tiers()
    assert judge(LONG, _rules(), _pred(T.sure), None, T).tier == "sure"
    assert judge(LONG, _rules(), _pred(T.unsure), None, T).tier == "unsure"
    assert judge(LONG, _rules(), _pred(T.unsure - 0.01), None, T).tier == "none"
    assert judge(LONG, _rules(), _pred(T.unsure - 0.01), None, T).category == "none"
    # the rules agreeing lower the bar; the rules alone / model alone modes ignore the other voice
    assert judge(LONG, _rules("repair"), _pred(T.sure_with_rules), None, T).tier == "sure"
    assert judge(LONG, _rules("repair"), _pred(T.sure_with_rules), None, T, mode="model").tier != "sure"
    assert judge(LONG, _rules("repair"), _pred(0.0), None, T, mode="rules").tier == "sure"


def test_a_message_too_short_for_the_model_is_left_to_the_rules():
    T = Tiers()
    # the model would call these requests (or chatter) with confidence; in a few letters it has
    # nothing to go on, so the rules decide, and danger words alone still get a person to look
    assert judge("不是 999", _rules(), _pred(0.99), None, T).tier == "none"
    assert judge("停电了", _rules("utilities"), _pred(0.01), None, T).tier == "sure"
    r = judge("救命", _rules(alert=True), _pred(0.01), None, T)
    assert (r.tier, r.alert) == ("unsure", True)
    assert judge(LONG, _rules(), _pred(0.99), None, T).tier == "sure"


def test_classify_command_adds_tier_and_alert(tmp_path, cache_dir):
    env = dict(os.environ, LIANHU_DATA_DIR=str(cache_dir))
    lines = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in
                      ["3单元的楼道灯不亮了 麻烦物业来换一下", "今天天气真好", "一楼楼道里有股很冲的煤气味 越来越浓"])
    run = subprocess.run([sys.executable, "-m", "bot.cli.classifier", "classify"], input=lines.encode(),
                         capture_output=True, cwd=REPO, env=env, timeout=120)
    got = [json.loads(x) for x in run.stdout.decode().splitlines()]
    assert [(g["tier"], g["alert"]) for g in got] == [("sure", False), ("none", False), (got[2]["tier"], True)]
    assert all("category" in g and "urgent" in g for g in got)


def test_eval_reports_rules_model_and_combined(tmp_path, cache_dir):
    f = tmp_path / "mini.jsonl"
    f.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"text": "3单元电梯卡在八楼不动了 麻烦物业来看看", "category": "repair", "urgent": False},
        {"text": "谢谢物业 电梯修好了", "category": "none", "urgent": False},
        {"text": "一楼楼道里有股很冲的煤气味 越来越浓 快来人", "category": "utilities", "urgent": True},
    ]) + "\n", encoding="utf-8")
    env = dict(os.environ, LIANHU_DATA_DIR=str(cache_dir))
    run = subprocess.run([sys.executable, "-m", "bot.cli.classifier", "eval", str(f)],
                         capture_output=True, cwd=REPO, env=env, timeout=120)
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr.decode()
    head = next(line for line in out.splitlines() if line.startswith("judge"))
    assert head.split()[-3:] == ["rules", "model", "combined"]
    for label in ("public false alarms", "requests seen", "unsure share of chatter", "alert recall on urgent lines",
                  "public urgent precision"):
        assert label in out
    assert "alert recall on urgent lines" in out and "1.000 (1/1)" in out


def test_learn_refuses_a_fresh_batch_before_its_first_look(tmp_path, capsys):
    from bot.cli.classifier import main
    from domain.classifier.training import first_look_recorded

    sealed = tmp_path / "fresh" / "b9.jsonl"
    sealed.parent.mkdir()
    sealed.write_text(json.dumps({"text": "收到", "category": "none"}) + "\n", encoding="utf-8")
    assert not first_look_recorded(sealed)
    assert main(["learn", str(sealed), "--out", str(tmp_path / "lex.json"), "--model-out", str(tmp_path / "m.json")]) == 2
    assert not (tmp_path / "lex.json").exists() and not (tmp_path / "m.json").exists()
    assert "b9.jsonl" in capsys.readouterr().err


def test_danger_is_no_kind_of_chatter(clf):
    # "是不是哪家…" reads like a question between neighbours, but a gas smell now is danger
    r = clf.classify("楼道里一股很冲的煤气味 是不是哪家漏气了")
    assert (r.tier, r.category, r.urgent, r.alert, r.danger) == ("sure", "utilities", True, True, "gas")


@pytest.mark.parametrize("text", [
    "楼道灯坏了,我家电话13912345678,有事打我",          # a phone number the model has never seen
    "楼道灯坏了😡😡 '; DROP TABLE ticket; --",            # noise after a plain fault
])
def test_a_plain_fault_with_noise_still_gets_a_receipt(clf, text):
    r = clf.classify(text)
    assert (r.tier, r.category) == ("sure", "repair"), r


def test_a_keyword_staff_changed_in_chat_decides(tmp_path, cache_dir):
    c = Classifier(rules_path=_copy_rules(tmp_path), cache_dir=cache_dir)
    text = "门口的雨搭昨晚被风吹歪了"  # no rule knows 雨搭, the model is not sure of it
    assert c.classify(text).tier != "sure"
    c.add_keyword("repair", "雨搭", 6)
    r = c.classify(text)
    assert (r.tier, r.category) == ("sure", "repair")
    c.remove_keyword("repair", "雨搭")
    assert c.classify(text).tier == "none"
    # the danger net still speaks where staff's keywords decide
    c.add_keyword("repair", "雨搭", 6)
    r = c.classify("雨搭被风吹歪了 有个老人摔倒了 爬不起来")
    assert r.alert and r.danger == "fall"
