"""The learned model (domain/classifier/model.py): the shipped model.json loads and scores in
plain Python, its probabilities are sane, and it tells apart kinds of messages."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from domain.classifier.model import DEFAULT_MODEL, Model, ModelFileError, Prediction, features

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clf():
    from domain.classifier import Classifier

    return Classifier()


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load()


def predict(model: Model, clf, text: str) -> Prediction:
    return model.predict(clf.tokenize(text), text)


def test_shipped_model_scores_without_sklearn():
    # a fresh interpreter: loading and scoring must not pull in scikit-learn, numpy or scipy
    code = (
        "import sys, json\n"
        "from domain.classifier import Classifier\n"
        "from domain.classifier.model import Model\n"
        "c = Classifier(); m = Model.load()\n"
        "p = m.predict(c.tokenize('3号楼电梯坏了 麻烦派人来修'), '3号楼电梯坏了 麻烦派人来修')\n"
        "heavy = sorted(k for k in sys.modules if k.split('.')[0] in ('sklearn', 'numpy', 'scipy'))\n"
        "print(json.dumps({'p': p.p_request, 'heavy': heavy}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["heavy"] == []
    assert 0.0 <= got["p"] <= 1.0


def test_shipped_file_is_small_and_describes_itself():
    # 3,511 labelled messages (dev, holdouts, the five fresh batches) give about 1.6 MB
    assert DEFAULT_MODEL.stat().st_size < 2_000_000
    data = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    assert data["format"] == 1
    from domain.classifier.training import first_look_recorded

    # a fresh batch is among the sources only once its first look is recorded
    fresh = [s for s in data["about"]["sources"] if s.startswith("b") and s.endswith(".jsonl")]
    assert all(first_look_recorded(Path("tests/data/fresh") / s) for s in fresh)
    t = data["tiers"]
    assert 0 < t["unsure"] < t["sure"] < 1 and 0 < t["urgent"] < 1


MESSAGES = [
    "3号楼电梯坏了 麻烦派人来修",
    "谢谢王师傅 水管修好了 辛苦了",
    "大家早上好",
    "楼道里有股很浓的煤气味 快来人看看",
    "",
    "a",
    "!!!",
    "ＡＢＣ１２３ 測試 繁體字",
    "好" * 300,
]


@pytest.mark.parametrize("text", MESSAGES)
def test_probabilities_are_probabilities(model, clf, text):
    p = predict(model, clf, text)
    assert 0.0 <= p.p_request <= 1.0
    assert 0.0 <= p.p_urgent <= p.p_request
    assert set(p.categories) == set(model.categories)
    assert all(0.0 <= v <= 1.0 for v in p.categories.values())
    assert sum(p.categories.values()) == pytest.approx(1.0, abs=1e-9)
    assert p.tier in ("request", "unsure", "chatter")


def test_features_come_from_tokens_and_characters():
    f = features(["3", "号楼", "电梯", "坏", "了"])
    assert "w:电梯" in f and "w:0" in f           # words, digits read as 0
    assert "电" in f and "电梯" in f and "0号楼" in f  # character 1-3-grams of the joined text
    assert len(f) == len(set(f))
    assert features([]) == []
    assert " " not in features(["下雨", " ", "了"])


# Kinds of messages, written for this test (not lines of the labelled sets).
REQUESTS = [
    ("utilities", "我们家从早上开始就没有自来水了 什么时候能恢复"),
    ("repair", "5单元楼道的灯坏了好几天了 晚上黑漆漆的 麻烦物业来换一下"),
    ("sanitation", "小区东门那个垃圾桶满了好几天没人清 臭味很大 麻烦安排清运"),
    ("dispute", "楼上邻居每天半夜十二点还在跺脚拖椅子 说了也不听 请社区出面协调一下"),
    ("policy", "请问退休人员的医保报销比例是多少 在哪里办理"),
]
CHATTER = [
    "大家早上好 今天天气真不错",
    "哈哈哈 笑死我了",
    "收到",
    "周末有人一起去爬山吗",
]
THANKS = [
    "谢谢物业的李师傅 我家水管已经修好了 效率真高",
    "电梯修好了 感谢社区 辛苦大家了",
]
EMERGENCIES = [
    "救命 2号楼1单元三楼着火了 浓烟都冒出来了",
    "电梯突然停在两层中间 我和孩子被关在里面了 快来人",
    "我家老人在卫生间摔倒了 起不来 叫也不答应",
]


def test_plain_requests_are_requests_of_their_category(model, clf):
    for category, text in REQUESTS:
        p = predict(model, clf, text)
        assert p.p_request >= model.unsure, (text, p.p_request)
        assert p.p_request > 0.7, (text, p.p_request)
        assert p.category == category, (text, p.categories)
        assert p.p_urgent < 0.5, (text, p.p_urgent)


def test_chatter_is_chatter(model, clf):
    for text in CHATTER:
        p = predict(model, clf, text)
        assert p.p_request < 0.5, (text, p.p_request)
        assert p.tier != "request", text


def test_thanks_after_a_repair_is_not_a_request(model, clf):
    for text in THANKS:
        p = predict(model, clf, text)
        assert p.p_request < 0.5, (text, p.p_request)
        assert p.p_urgent < model.urgent_at, (text, p.p_urgent)


def test_everyday_emergencies_are_urgent_requests(model, clf):
    for text in EMERGENCIES:
        p = predict(model, clf, text)
        assert p.tier == "request", (text, p.p_request)
        assert p.p_urgent >= model.urgent_at, (text, p.p_urgent)
    # the same topic without danger is not urgent
    calm = predict(model, clf, "电梯按钮有点不灵 要按好几下 麻烦物业有空看看")
    assert calm.p_urgent < model.urgent_at


def test_ranking_request_above_thanks_above_chatter(model, clf):
    req = predict(model, clf, "6号楼的电梯又坏了 麻烦尽快派人修一下").p_request
    thanks = predict(model, clf, "6号楼的电梯修好了 谢谢师傅").p_request
    hello = predict(model, clf, "晚上好 吃了吗").p_request
    assert req > thanks and req > hello


def test_bad_files_raise(tmp_path):
    bad = tmp_path / "m.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFileError):
        Model.load(bad)
    bad.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(ModelFileError):
        Model.load(bad)
    with pytest.raises(ModelFileError):
        Model.load(tmp_path / "missing.json")


def test_retraining_gives_the_shipped_model():
    """Determinism: training again on the same labelled sets (with the shipped tiers, which
    the grouped cross-validation chose) gives the same file. If this fails after a change to
    the rules' synonyms or the labelled sets, rebuild: python -m domain.classifier.training"""
    pytest.importorskip("sklearn")
    from domain.classifier import training

    files = training.default_files()
    if len(files) < 9:
        pytest.skip("the labelled sets are not all here")
    shipped = DEFAULT_MODEL.read_text(encoding="utf-8")
    examples = [e for f in files for e in training.load_jsonl(f)]
    again = training.train(examples, tiers=json.loads(shipped)["tiers"])
    assert training.dumps(again) == shipped


def test_training_reads_the_communitys_corrections(tmp_path):
    """``--db``: the labelled_example rows (corrections made in chat) join the training set."""
    from datetime import datetime

    from domain.classifier import training
    from storage import db
    from storage.models import LabelledExample

    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_factory(engine)() as s:
        s.add(LabelledExample(text="车棚的灯一直不亮", category="repair", urgent=False, created_at=datetime(2026, 1, 1)))
        s.add(LabelledExample(text="好的 知道了", category="none", urgent=False, created_at=datetime(2026, 1, 2)))
        s.commit()
    engine.dispose()
    got = training.load_corrections(url, str(tmp_path))
    assert got == [{"text": "车棚的灯一直不亮", "category": "repair", "urgent": False, "source": "db"},
                   {"text": "好的 知道了", "category": "none", "urgent": False, "source": "db"}]


def test_training_refuses_the_sealed_batches(tmp_path, capsys):
    pytest.importorskip("sklearn")
    from domain.classifier import training

    sealed = tmp_path / "fresh" / "batch.jsonl"
    sealed.parent.mkdir()
    sealed.write_text("", encoding="utf-8")
    assert training.main([str(sealed), "--out", str(tmp_path / "m.json")]) == 2
    assert not (tmp_path / "m.json").exists()


def test_choose_thresholds_meets_its_targets():
    from domain.classifier.training import choose_thresholds

    chatter = [i / 100 for i in range(100)]          # 100 chatter, uniform
    requests = [0.5 + i / 200 for i in range(100)]   # 100 requests in [0.5, 1)
    t = choose_thresholds(chatter + requests, [0] * 100 + [1] * 100, requests, [1] * 100)
    assert sum(p >= t["sure"] for p in chatter) <= 2
    assert sum(p >= t["unsure"] for p in requests) >= 98
    assert sum(p >= t["urgent"] for p in requests) >= 90


def test_default_training_files_leave_the_fresh_batches_sealed():
    from domain.classifier.training import default_files

    from domain.classifier.training import CATEGORY_ONLY, first_look_recorded

    files = default_files()
    assert files and all("fresh" not in f.parts or first_look_recorded(f) for f in files)
    assert all(f.name == "dev.jsonl" or f.name.startswith("holdout") or first_look_recorded(f)
               or f.parent == CATEGORY_ONLY for f in files)
    # a batch whose first look is not in the README stays out
    assert all(f.name not in ("b4.jsonl", "b5.jsonl") or first_look_recorded(f) for f in files)
