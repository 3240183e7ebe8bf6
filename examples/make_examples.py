"""Make the example import files: examples/community.xlsx and examples/community-csv/*.csv.

    .venv/bin/python examples/make_examples.py

A small community (和平里社区: 2 grids, 3 buildings, 20 households, 4 members, 2 grid
workers, 2 staff, 3 residents) in the format docs/import.md describes. The workbook is
written with the exporter's table writer, so it looks like an exported 台账; the CSV
files are UTF-8 with a BOM, as Excel saves "CSV UTF-8".
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from openpyxl import Workbook  # noqa: E402

from domain.workbook.exporter import Header, write_table  # noqa: E402
from domain.workbook.schema import BUILDINGS, HOUSEHOLDS, PEOPLE, SHEETS  # noqa: E402

COMMUNITY = "和平里社区"

BUILDING_ROWS = [
    # 社区, 网格, 楼号, 楼栋, 群名, 楼栋长
    (COMMUNITY, "第一网格", "1", "1号楼", "和平里1号楼邻里群", "王建国"),
    (COMMUNITY, "第一网格", "2", "2号楼", "和平里2号楼邻里群", "李秀英"),
    (COMMUNITY, "第二网格", "3", "3号楼", "和平里3号楼邻里群", "张志强"),
]

HOUSEHOLD_ROWS = [
    # 楼号, 单元, 门牌, 楼层, 户主, 电话, 颜色, 颜色原因, 备注, 联户党员, 出生年份(每人一个), 标签
    ("1", "1", "101", 1, "王建国", "13800001001", "绿", "", "", "王建国", "1962、1965", ""),
    ("1", "1", "102", 1, "周海燕", "13800001002", "橙", "独居老人,子女在外地", "耳背,敲门请大声些", "王建国", "1941", "老人、独居"),
    ("1", "1", "201", 2, "孙德明", "13800001003", "绿", "", "", "王建国", "", ""),
    ("1", "1", "202", 2, "胡桂兰", "13800001004", "蓝", "低保户,家庭收入低", "", "王建国", "1958、1960", "低保"),
    ("1", "1", "301", 3, "朱志刚", "13800001005", "绿", "", "", "王建国", "1988、1990、2026", "新生儿"),
    ("1", "1", "302", 3, "高美玲", "13800001006", "黄", "与楼上因漏水有纠纷", "", "王建国", "", ""),
    ("1", "1", "401", 4, "林振华", "010-62345678", "绿", "", "", "王建国", "", ""),
    ("2", "1", "101", 1, "李秀英", "13800002001", "绿", "", "", "李秀英", "", ""),
    ("2", "1", "102", 1, "何素芬", "13800002002", "绿", "", "", "李秀英", "", ""),
    ("2", "1", "201", 2, "郭明辉", "13800002003", "绿", "", "", "李秀英", "", ""),
    ("2", "1", "202", 2, "马小军", "", "绿", "", "", "李秀英", "1995", "新市民、租户"),
    ("2", "2", "101", 1, "吴春梅", "13800002101", "橙", "空巢老人,行动不便", "腿脚不便,很少下楼", "刘丽娟", "1939", "老人、独居、残疾"),
    ("2", "2", "102", 1, "罗卫东", "13800002102", "绿", "", "", "刘丽娟", "", ""),
    ("2", "2", "201", 2, "刘丽娟", "13800002103", "绿", "", "", "刘丽娟", "", ""),
    ("3", "1", "101", 1, "张志强", "13800003001", "绿", "", "", "张志强", "", ""),
    ("3", "1", "102", 1, "梁雪梅", "13800003002", "蓝", "主要劳动力失业", "", "张志强", "1975、1978、2008", "失业"),
    ("3", "1", "201", 2, "徐永红", "13800003003", "绿", "", "", "张志强", "1944、1946", "老人"),
    ("3", "1", "202", 2, "宋宏伟", "13800003004", "黄", "与邻居因噪音有矛盾", "", "张志强", "", ""),
    ("3", "1", "301", 3, "郑丽华", "13800003005", "绿", "", "", "张志强", "", ""),
    ("3", "1", "302", 3, "谢家豪", "13800003006", "绿", "", "", "张志强", "", ""),
]

PEOPLE_ROWS = [
    # 社区, 姓名, 角色, 微信号, 电话, 住址, 网格, 特长, 联户上限
    (COMMUNITY, "陈国华", "社区干部", "wx_chenguohua", "13900000001", "", "", "", ""),
    (COMMUNITY, "杨玉兰", "社区干部", "wx_yangyulan", "13900000002", "", "", "", ""),
    (COMMUNITY, "赵德明", "网格员", "wx_zhaodeming", "13900000011", "", "第一网格", "", ""),
    (COMMUNITY, "黄淑珍", "网格员", "wx_huangshuzhen", "13900000012", "", "第二网格", "", ""),
    (COMMUNITY, "王建国", "楼栋长", "wx_wangjianguo", "13800001001", "1-1-101", "", "调解沟通", 15),
    (COMMUNITY, "李秀英", "楼栋长", "wx_lixiuying", "13800002001", "2-1-101", "", "时间充裕,医护", 15),
    (COMMUNITY, "刘丽娟", "联户党员", "wx_liulijuan", "13800002103", "2-2-201", "", "致富带富", 10),
    (COMMUNITY, "张志强", "楼栋长", "wx_zhangzhiqiang", "13800003001", "3-1-101", "", "法律", 15),
    (COMMUNITY, "周海燕", "居民", "", "13800001002", "1-1-102", "", "", ""),
    (COMMUNITY, "吴春梅", "居民", "", "13800002101", "2-2-101", "", "", ""),
    (COMMUNITY, "徐永红", "居民", "", "13800003003", "3-1-201", "", "", ""),
]

TABLES = {BUILDINGS: BUILDING_ROWS, HOUSEHOLDS: HOUSEHOLD_ROWS, PEOPLE: PEOPLE_ROWS}


def make_xlsx(path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in TABLES.items():
        write_table(wb.create_sheet(sheet), [Header(c.header, c.width) for c in SHEETS[sheet]], rows)
    wb.save(path)


def make_csv(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, rows in TABLES.items():
        with open(folder / f"{sheet}.csv", "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow([c.header for c in SHEETS[sheet]])
            writer.writerows(rows)


def main() -> None:
    make_xlsx(HERE / "community.xlsx")
    make_csv(HERE / "community-csv")
    print(f"wrote {HERE / 'community.xlsx'} and {HERE / 'community-csv'}/*.csv")


if __name__ == "__main__":
    main()
