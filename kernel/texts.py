"""Every sentence the bot says, in one place.

Change wording here, never in the handlers. Placeholders in {braces} are filled
by the handlers; a group message never gets a phone number, an ID number, a
household's colour or the details of a dispute or hardship.
"""
from __future__ import annotations

CATEGORY_NAMES = {
    "utilities": "水电气暖",
    "repair": "设施报修",
    "sanitation": "环境卫生",
    "dispute": "邻里纠纷",
    "safety": "治安消防",
    "traffic": "交通出行",
    "care": "帮扶关爱",
    "policy": "政策咨询",
    "suggestion": "意见建议",
    "other": "其他诉求",
    "none": "非诉求",
}

STATUS_NAMES = {
    "assigned": "待接单",
    "accepted": "处理中",
    "handed_up": "已转办",
    "returned": "已退回待定",
    "resolved": "已办结待评价",
    "closed": "已关闭",
}
#: what staff may type after 工单 to filter the list
STATUS_WORDS = {
    "待接单": ("assigned",),
    "处理中": ("accepted",),
    "已转办": ("handed_up",),
    "转办": ("handed_up",),
    "退回": ("returned",),
    "已退回": ("returned",),
    "已办结": ("resolved",),
    "办结": ("resolved",),
    "待评价": ("resolved",),
    "已关闭": ("closed",),
    "关闭": ("closed",),
    "未办结": ("assigned", "accepted", "handed_up", "returned"),
    "未完成": ("assigned", "accepted", "handed_up", "returned"),
    "全部": ("assigned", "accepted", "handed_up", "returned", "resolved", "closed"),
}

ROLE_NAMES = {
    "resident": "居民",
    "member": "联户党员",
    "grid_worker": "网格员",
    "staff": "社区工作人员",
    "admin": "管理员",
}

COLOUR_NAMES = {"green": "绿色(和谐平稳)", "blue": "蓝色(经济困难)",
                "yellow": "黄色(矛盾纠纷)", "orange": "橙色(孤老留守)"}

EVENT_NAMES = {
    "created": "受理", "assigned": "派单", "accepted": "接单", "progress": "进展",
    "handed_up": "转办", "returned": "退回", "resolved": "办结", "rated": "评价",
    "reopened": "重新打开", "merged": "合并", "escalated": "督办升级",
    "recategorised": "改类", "reminded": "提醒", "closed": "关闭", "attached": "补充图片",
}

RATING_NAMES = {1: "满意", 2: "基本满意", 3: "不满意"}

# --- receipts in the building group ----------------------------------------------------------

RECEIPT = (
    "已收到您反映的【{category}】问题,工单号 {number}。\n"
    "已转给{role}{assignee}处理,{promise}。\n"
    "查询进展请发送:查询 {number}"
)
PROMISE_NORMAL = "{hours}小时内联系您"
PROMISE_URGENT = "{minutes}分钟内响应"
RECEIPT_NO_HANDLER = (
    "已收到您反映的【{category}】问题,工单号 {number}。\n"
    "社区工作人员会尽快安排处理。查询进展请发送:查询 {number}"
)
URGENT_ADVICE = {
    "fire": "⚠️ 如有明火或浓烟,请立即拨打 119,捂住口鼻从楼梯撤离,不要乘电梯。",
    "gas": "⚠️ 闻到燃气味:请立即关闭燃气阀门、打开门窗,不要开关电器、不要打电话于室内,"
           "到室外拨打燃气抢修电话 {gas}。",
    "medical": "⚠️ 有人受伤或病倒:请立即拨打 120,不要随意搬动伤者。",
    "police": "⚠️ 如遇危险或有人受到威胁,请立即拨打 110,先保护好自己。",
    "electric": "⚠️ 有电线打火或漏电:请远离,不要用手碰触,能安全操作时先拉下总闸,并拨打 95598。",
    "water": "⚠️ 家中进水:请先关闭总水阀,拉下电闸防止触电。",
    "trapped": "⚠️ 被困电梯:请按电梯内警铃或拨打电梯内求救电话,不要强行扒门,保持冷静。",
    "general": "⚠️ 情况紧急请先拨打 110 / 119 / 120。",
}
URGENT_NOTICE = "已同时通知联户党员、网格员和社区值班人员。"
MERGED = "已有邻居反映同样的问题,已合并到工单 {number},进展会同步通知您。"
ALREADY_REPORTED = "您反映的问题已在工单 {number} 中处理,状态:{status}。查询进展请发送:查询 {number}"

# --- private messages to handlers ------------------------------------------------------------

NEW_TICKET_PRIVATE = (
    "【新工单 {number}】{urgent}{category}\n"
    "地点:{place}\n"
    "反映人:{reporter}\n"
    "内容:{text}\n"
    "{household}"
    "请在 {accept_due} 前接单。\n"
    "回复:接单 {number}|进展 {number} 内容|办结 {number} 说明|转办 {number} 原因|退回 {number} 原因"
)
URGENT_MARK = "🔴紧急 "
HOUSEHOLD_LINE = "住户档案:{colour}{notes}\n"
URGENT_ALERT = "🔴【紧急工单 {number}】{category}\n地点:{place}\n内容:{text}\n负责人:{assignee}。请立即跟进。"
MERGED_PRIVATE = "工单 {number} 又有一位居民反映({reporter}):{text}"

# --- members' commands --------------------------------------------------------------------------

ACCEPTED_GROUP = "您反映的问题(工单 {number})已由{role}{name}接单处理。"
ACCEPTED_OK = "已接单:工单 {number}。处理中可发送“进展 {number} 内容”,完成后发送“办结 {number} 说明”。"
ALREADY_ACCEPTED = "工单 {number} 已经接单了,当前状态:{status}。"
PROGRESS_GROUP = "工单 {number} 有新进展:{note}"
PROGRESS_GROUP_PRIVATE_CATEGORY = "工单 {number} 有新进展,{role}{name}正在处理。"
PROGRESS_OK = "已记录工单 {number} 的进展,并告知了反映人。"
#: a note that mentions hardship, health, a dispute, family or a household (kernel/privacy.py)
PROGRESS_PRIVATE_NOTE = "工单 {number} 有新进展:{note}"
PROGRESS_GROUP_NEUTRAL = "工单 {number} 有新进展,已私信反映人。"
PROGRESS_OK_GROUP = "已记录工单 {number} 的进展,内容已发到反映人所在的群。"
PROGRESS_OK_PRIVATE = ("已记录工单 {number} 的进展。内容涉及个人或家庭情况,已私信反映人,"
                       "群里只显示“工单 {number} 有新进展,已私信反映人”。")
RESOLVED_PRIVATE_NOTE = "工单 {number} 已办结:{note}"
RESOLVED_OK_GROUP = "已办结工单 {number},说明已发到反映人所在的群,正在请反映人评价。"
RESOLVED_OK_PRIVATE = ("已办结工单 {number}。说明涉及个人或家庭情况,已私信反映人,群里只显示办结和评价邀请;"
                       "正在请反映人评价。")
RESOLVED_GROUP = (
    "工单 {number} 已办结:{note}\n"
    "请问问题解决了吗?请回复数字:1 满意  2 基本满意  3 不满意"
)
RESOLVED_GROUP_PRIVATE_CATEGORY = (
    "工单 {number} 已办结。\n"
    "请问问题解决了吗?请回复数字:1 满意  2 基本满意  3 不满意"
)
RESOLVED_OK = "已办结工单 {number},正在请反映人评价。"
HANDED_UP_OK = "工单 {number} 已转给{role}{name}。"
HANDED_UP_PRIVATE = "【转办工单 {number}】{from_name}转来,原因:{reason}\n{summary}\n请回复:接单 {number}"
HANDED_UP_GROUP = "工单 {number} 已转交{role}处理。"
HANDED_UP_NOBODY = "工单 {number} 没有可以转给的上级(未设置网格员或社区工作人员),请联系社区。"
RETURNED_OK = "工单 {number} 已退回,由社区工作人员决定下一步。"
RETURNED_STAFF = (
    "【退回工单 {number}】{name}退回,原因:{reason}\n{summary}\n"
    "请决定:派单 {number} 姓名|办结 {number} 说明"
)
ASSIGNED_OK = "工单 {number} 已派给{role}{name}。"
MY_TICKETS_HEAD = "您手上未完成的工单({count}件):"
MY_TICKETS_NONE = "您手上没有未完成的工单。"
TICKET_LINE = "{number} {status} {category} {place} {when}"
NEED_REASON = "请写上原因,例如:{example}"
NEED_NOTE = "请写上说明,例如:{example}"

# --- residents ------------------------------------------------------------------------------------

RATED_THANKS = "感谢您的评价({rating})!工单 {number} 已关闭。"
RATED_REOPENED = "抱歉没能让您满意,工单 {number} 已重新打开,{role}{name}会继续跟进。"
REOPENED_PRIVATE = "【工单 {number} 被重新打开】反映人评价“不满意”,请继续处理并联系反映人。"
QUERY_GROUP = "工单 {number}:【{category}】{status}\n负责人:{role}{assignee}\n最近更新:{when}"
QUERY_PRIVATE_EXTRA = "\n地点:{place}\n内容:{text}\n经过:\n{timeline}"
QUERY_DEADLINES = "\n时限:{deadlines}"
TIMELINE_LINE = "  {when} {event}{actor}{note}"
MY_REQUESTS_HEAD = "您反映过的问题:"
MY_REQUESTS_NONE = "您还没有通过本群反映过问题。有问题直接在群里说明即可。"
BOUND = "已登记:您是 {address} 的住户。以后反映问题会直接转给联系您家的联户党员。"
BOUND_OTHER = "已将{name}登记为 {address} 的住户。"
UNKNOWN_ADDRESS = "没有找到门牌 {address}。请按“楼号-单元-门牌”发送,例如:我是 3-2-502"
BAD_ADDRESS = "门牌格式不对。请按“楼号-单元-门牌”发送,例如:我是 3-2-502"
BAD_ADDRESS_STAFF = "格式:登记 @某人 楼号-单元-门牌,例如:登记 @张三 3-2-502"
PERSON_NOT_SEEN = "没有找到“{name}”。请让本人先在群里说句话,或在命令里 @ 本人。"

# --- staff ------------------------------------------------------------------------------------------

BROADCAST_PREVIEW = (
    "将发送到 {count} 个群:{rooms}\n内容:{content}\n"
    "确认请回复:确认通知 {id};作废请回复:取消通知 {id}"
)
BROADCAST_QUEUED = "通知 {id} 已排队,共 {count} 个群,将按发送节奏陆续发出。发送“通知进度 {id}”可查看进度。"
BROADCAST_CANCELLED = "通知 {id} 已作废。"
BROADCAST_UNKNOWN = "没有找到待确认的通知 {id}。"
BROADCAST_NO_ROOMS = "没有找到“{audience}”对应的楼栋群。可以写:全部、网格名(如 第一网格)或楼栋名(如 3号楼)。"
BROADCAST_USAGE = "格式:通知 全部|网格名|楼栋名 内容。例如:通知 全部 明天上午9点至12点停水,请提前储水。"
BROADCAST_NOTICE = "【通知】{content}"
TICKETS_HEAD = "工单({filter},共 {count} 件{more}):"
TICKETS_NONE = "没有{filter}的工单。"
TICKETS_MORE = ",显示最新 {shown} 件"
STATS = (
    "【接诉即办统计】\n"
    "{rows}"
)
STATS_ROW = ("{period}:受理 {received} 件,按时接单 {accepted_in_time} 件(响应率 {response_rate}),"
             "办结 {resolved} 件(解决率 {resolve_rate}),评价 {rated} 件(满意率 {satisfaction})")
STATS_PERIODS = {"today": "今日", "week": "本周", "month": "本月"}
NO_DATA = "—"
ROOM_BOUND = "本群已绑定为 {building} 的楼栋群。居民在本群反映的问题会生成工单。"
ROOM_NOT_BOUND = "本群尚未绑定楼栋,暂不受理诉求。请社区工作人员在本群发送:绑定 楼栋名(例如:绑定 3号楼)"
BUILDING_UNKNOWN = "没有找到楼栋“{name}”。已有的楼栋:{names}"
REASSIGN_USAGE = "格式:派单 工单号 姓名。例如:派单 1024 王建国"
PERSON_UNKNOWN = "没有找到“{name}”这个人,或此人不是联户党员/网格员/工作人员。"

# --- errors and help ----------------------------------------------------------------------------------

NO_SUCH_TICKET = "没有找到工单 {number},请核对工单号。发送“我的诉求”或“我的工单”可以查看您的工单。"
NEED_NUMBER = "请在命令后写上工单号,例如:{example}"
NOT_YOURS = "工单 {number} 不是派给您的,不能操作。如需协助请联系网格员。"
NOT_ALLOWED = "“{command}”只有{who}可以使用。发送“帮助”查看您能用的命令。"
WHO_HANDLERS = "联户党员、网格员和社区工作人员"
WHO_STAFF = "社区工作人员"
TICKET_CLOSED_ALREADY = "工单 {number} 已经{status},不能再{action}。"
QUERY_NOT_YOURS = "工单 {number} 不是您反映的,只能查看自己反映的工单。"
MEDIA_GROUP = "暂时看不了图片、语音和文件,请用文字描述一下问题,比如“3单元楼道灯坏了”。"
MEDIA_PRIVATE = MEDIA_GROUP
ATTACHED = "图片已补充到工单 {number},会一并转给负责人。"
ATTACHED_PRIVATE = "工单 {number}:{reporter}补充了一张图片。"
MENTION_CHATTER = "您好!有问题请直接在群里描述,比如“3单元楼道灯坏了”,我会登记并转给负责的联户党员。发送“帮助”查看更多用法。"
PRIVATE_UNKNOWN = "没看懂您的意思。发送“帮助”查看可以用的命令。"
PRIVATE_REQUEST_UNBOUND = (
    "收到。为了转给负责您家的联户党员,请先发送您家的门牌,例如:我是 3-2-502;"
    "或者直接在所在楼栋的群里反映。"
)
EMPTY_TEXT = "消息是空的,请用文字描述问题。"
INTERNAL_ERROR = "抱歉,系统处理您的消息时出错了,已记录,稍后会自动重试。"

HELP_RESIDENT = (
    "【联户助手 使用说明】\n"
    "· 有问题直接在群里说,比如“3单元楼道灯坏了”,我会登记并转给负责的联户党员。\n"
    "· 查询 工单号:查看处理进展\n"
    "· 我的诉求:看看自己反映过的问题\n"
    "· 我是 楼号-单元-门牌:登记您家(例如:我是 3-2-502)\n"
    "· 问题办结后回复 1 满意、2 基本满意、3 不满意\n"
    "· 心愿 内容:登记微心愿,党员认领后会告诉您\n"
    "紧急情况请先拨打 110 / 119 / 120。"
)
HELP_MEMBER = (
    "【联户党员 命令】\n"
    "· 接单 工单号\n"
    "· 进展 工单号 内容\n"
    "· 办结 工单号 说明\n"
    "· 转办 工单号 原因(转给网格员/社区)\n"
    "· 退回 工单号 原因(不属于我们处理,由社区决定)\n"
    "· 我的工单 · 查询 工单号\n"
    "· 走访 门牌 内容(私聊;发现问题写“发现:…”,建议写“建议:…”)· 走访清单\n"
    "· 调色 门牌 颜色 原因(私聊)· 档案 门牌 · 婉拒 门牌 原因\n"
    "· 心愿单 · 认领 W编号 · 完成心愿 W编号 说明 · 积分"
)
HELP_STAFF = (
    "\n【社区工作人员 命令】\n"
    "· 通知 全部|网格名|楼栋名 内容(先预览,再“确认通知 编号”)\n"
    "· 工单 [待接单|处理中|已办结|未办结|全部]\n"
    "· 派单 工单号 姓名 · 统计\n"
    "· 登记 @某人 楼号-单元-门牌 · 绑定 楼栋名(在楼栋群里发)\n"
    "· 统计 本月|上月|2026-10 [网格名] · 匹配 · 确认匹配 编号 [序号]\n"
    "· 确认调色 编号 · 驳回调色 编号 原因 · 积分 [姓名] · 走访清单"
)

EXAMPLES = {
    "接单": "接单 1024",
    "进展": "进展 1024 已联系物业,明天上午来修",
    "办结": "办结 1024 已更换灯泡",
    "转办": "转办 1024 需要物业公司处理",
    "退回": "退回 1024 属于市政道路,不归社区",
    "查询": "查询 1024",
    "派单": "派单 1024 王建国",
}

# --- the ledger (台账): colours, visits, wishes, matching, points, the month's figures -------------
# A colour and its reason go only to staff and the linked member, by private message: none of
# the group texts below may carry them.

COLOUR_SHORT = {"green": "绿", "blue": "蓝", "yellow": "黄", "orange": "橙"}
_COLOUR_CODES = {word: code for code, word in COLOUR_SHORT.items()} | {code: code for code in COLOUR_SHORT}


def colour_code(word: str) -> str | None:
    """What people (and sheets) write for a colour → its code: 绿, 绿色, 绿色户, green,
    color-green → "green"; anything else → None. The one list of colour words."""
    w = word.strip().lower().removeprefix("color-").removesuffix("户").removesuffix("色")
    return _COLOUR_CODES.get(w)
CHANGE_STATUS_NAMES = {"pending": "待确认", "confirmed": "已确认", "rejected": "已驳回",
                       "superseded": "已被新申请替代"}
LEDGER_PRIVATE_ONLY = "“{command}”涉及住户隐私,请私聊我发送,不要在群里发。"
LEDGER_SENT_PRIVATELY = "已私信发给您。"
LEDGER_UNKNOWN_ADDRESS = "没有找到门牌 {address},请核对“楼号-单元-门牌”,例如 3-2-502。"

COLOUR_USAGE = "格式:调色 门牌 颜色 原因。例如:调色 3-2-502 绿 已就业,收入稳定(颜色:绿、蓝、黄、橙)"
COLOUR_UNKNOWN = "没看懂颜色“{word}”。可以写:绿(和谐平稳)、蓝(经济困难)、黄(矛盾纠纷)、橙(孤老留守)。"
COLOUR_NEED_REASON = "请写上调色的原因,例如:调色 3-2-502 绿 已就业,收入稳定"
COLOUR_NOT_YOURS = "{address} 不是您联系的住户。只有联系该户的党员、所在网格的网格员和社区工作人员可以查看或调整。"
COLOUR_SAME = "{address} 现在已经是{colour},不用调整。"
COLOUR_PROPOSED = ("已提交调色申请 {id}:{address} 由{old}调为{new},等社区工作人员确认后生效,结果会私信告诉您。"
                   "{replaced}")
COLOUR_REPLACED = "(此前未确认的申请 {ids} 已作废)"
COLOUR_PROPOSAL_STAFF = (
    "【调色申请 {id}】{role}{name}申请将 {address} 由{old}调为{new}\n原因:{reason}\n"
    "同意请回复:确认调色 {id};不同意请回复:驳回调色 {id} 原因"
)
COLOUR_SET = "已将 {address} 由{old}调为{new}(原因:{reason})。"
COLOUR_SET_MEMBER = "社区工作人员{staff}已将您联系的 {address} 由{old}调为{new},原因:{reason}。"
COLOUR_NEED_ID = "请写上调色申请编号,例如:{word} 12"
COLOUR_NO_SUCH = "没有找到调色申请 {id}。"
COLOUR_DECIDED_ALREADY = "调色申请 {id} {status},不用再处理。"
COLOUR_CONFIRMED_OK = "已确认调色申请 {id}({address}),并告知了申请人。"
COLOUR_UPGRADE_MARK = "(升级调色)"
COLOUR_CONFIRMED_MEMBER = "您的调色申请 {id} 已由{staff}确认:{address} 由{old}调为{new}{upgrade}。"
COLOUR_REJECT_NEED_REASON = "请写上驳回的原因,例如:驳回调色 {id} 请先走访核实收入情况"
COLOUR_REJECTED_OK = "已驳回调色申请 {id}({address}),并告知了申请人。"
COLOUR_REJECTED_MEMBER = "您的调色申请 {id}({address} 调为{new})未通过,{staff}的意见:{note}"

RECORD_USAGE = "格式:档案 门牌,例如:档案 3-2-502"
RECORD_HEAD = "【住户档案 {address}】{building} 户主:{head}"
RECORD_COLOUR = "颜色:{colour},原因:{reason}"
RECORD_MEMBER = "联户党员:{member}"
RECORD_NOBODY = "暂未联系"
RECORD_NOTES = "备注:{notes}"
RECORD_VISITS = "最近走访:{visits}"
RECORD_NEVER = "还没有走访记录"
RECORD_HISTORY_HEAD = "调色记录:"
RECORD_HISTORY_LINE = "  {when} {old}→{new}:{reason}"
RECORD_PENDING = "待确认的调色申请 {id}:调为{new}"

VISIT_USAGE = ("格式:走访 门牌 内容。例如:走访 3-2-502 老人身体不错;"
               "发现问题写“走访 3-2-502 发现:楼道堆放杂物”,收集建议写“走访 3-2-502 建议:增设休息座椅”。")
VISIT_NOT_YOURS = "{address} 不是您联系的住户,不能记录走访。如需调整联系住户请联系社区。"
VISIT_NEED_FINDING = "请在“发现:”或“建议:”后面写上内容,例如:走访 3-2-502 发现:楼道堆放杂物"
VISIT_DEFAULT_CONTENT = "走访"
VISIT_KIND_NAMES = {"finding": "发现的问题", "suggestion": "收集的建议"}
VISIT_TICKET_PREFIX = "走访发现:"
VISIT_TICKET_EVIDENCE = "走访登记"
VISIT_LOGGED = "已记录对 {address} 的走访。按走访频次,下次请在 {next} 前走访。"
VISIT_TICKET_MINE = "{kind}已生成工单 {number},由您跟进:接单 {number}|办结 {number} 说明"
VISIT_TICKET_SENT = "{kind}已生成工单 {number},已转给{who}处理。"

DUE_HEAD = "【本周走访提醒】需要走访 {count} 户,其中逾期 {overdue} 户:"
DUE_LINE_OVERDUE = "· {address}({colour})已逾期 {days} 天,上次走访:{last}"
DUE_LINE = "· {address}({colour})请在 {due} 前走访,上次走访:{last}"
DUE_NEVER = "还没有走访"
DUE_MORE = "……另有 {count} 户,发送“走访清单”查看"
DUE_FOOT = "走访后请发送:走访 门牌 内容"
DUE_NONE = "您联系的住户本周都不用走访,辛苦了!"
OVERDUE_NONE = "目前没有逾期未走访的住户。"
OVERDUE_HEAD = "【逾期未走访】共 {count} 户"
OVERDUE_GRID_LINE = "· {grid}:{count} 户"
OVERDUE_MEMBER_LINE = "  {name}:{count} 户"

WISH_USAGE = "格式:心愿 内容。例如:心愿 想请人帮忙修一下家里的旧收音机"
WISH_WHERE = "请在所在楼栋的群里发送心愿,或先私聊发送门牌登记,例如:我是 3-2-502"
WISH_RECEIVED = "已登记您的微心愿 {code},联户党员认领后会告诉您。"
WISH_NEW_PRIVATE = "【微心愿 {code}】{place} {name}:{text}\n认领请回复:认领 {code}"
WISH_STATUS_NAMES = {"open": "待认领", "claimed": "已认领", "done": "已实现"}
WISH_LIST_HEAD = "未实现的微心愿(共 {count} 个):"
WISH_LINE = "{code} {status}{who} {place} {when} {text}"
WISH_LIST_FOOT = "认领请回复:认领 编号;实现后回复:完成心愿 编号 说明"
WISH_LIST_NONE = "目前没有待实现的微心愿。"
WISH_NEED_CODE = "请写上心愿编号,例如:{word} W12"
WISH_NO_SUCH = "没有找到微心愿 {code}。发送“心愿单”查看。"
WISH_TAKEN = "微心愿 {code} {status}({who}),不能再认领。"
WISH_CLAIMED_OK = "已认领微心愿 {code}:{text}\n实现后请回复:完成心愿 {code} 说明"
WISH_CLAIMED_RESIDENT = "您的微心愿 {code} 已由{role}{name}认领,会尽快和您联系。"
WISH_DONE_ALREADY = "微心愿 {code} 已经实现了。"
WISH_NOT_YOURS = "微心愿 {code} 已由{who}认领,只有认领人或社区工作人员可以标记完成。"
WISH_DONE_OK = "已标记微心愿 {code} 实现,并告知了居民。"
WISH_DONE_RESIDENT = "您的微心愿 {code} 已经实现,感谢{role}{name}!"

MATCH_NOTHING = "所有住户都已联系到合适的党员,没有需要调整的。"
MATCH_NO_COMMUNITY = "不知道您属于哪个社区,无法匹配。请联系管理员设置。"
MATCH_HEAD = "【联户匹配建议 {batch}】建议联系 {count} 户,{unmatched} 户暂无合适党员:"
MATCH_LINE = "{line}. {address} → {name}({why})"
MATCH_MORE = "……另有 {count} 条,可在电脑上运行 lianhu match 查看全部"
MATCH_UNMATCHED = "暂无合适党员(党员已满或婉拒):{addresses}"
MATCH_FOOT = "全部接受请回复:确认匹配 {batch};部分接受请写序号,例如:确认匹配 {batch} 1,3,5-8"
MATCH_ACCEPT_USAGE = "格式:确认匹配 建议编号 [序号],例如:确认匹配 3 或 确认匹配 3 1,2,5-8"
MATCH_NO_SUCH = "没有找到待确认的匹配建议 {batch}(可能已被新的建议替代),请重新发送“匹配”。"
MATCH_ACCEPTED = "匹配建议 {batch}:已建立 {count} 户联系。"
MATCH_SKIPPED = "另有 {count} 户未建立(建议之后情况已变化或党员已满):{addresses}"

DECLINE_USAGE = "格式:婉拒 门牌 原因。例如:婉拒 3-2-502 与该户是亲戚,不便联系"
DECLINE_NEED_REASON = "请写上原因,社区会据此重新安排,例如:婉拒 3-2-502 住得太远,不便走访"
DECLINE_NOT_YOURS = "{address} 不是您联系或被建议联系的住户。"
DECLINE_OK = "已记录:您不再联系 {address}。社区会重新安排,谢谢说明原因。"
DECLINE_STAFF = "【婉拒联户】{name}婉拒联系 {address},原因:{reason}。该户需重新安排,可发送“匹配”。"

POINTS_OWN_ONLY = "只能查看自己的积分。"
POINTS_DETAIL = (
    "【{name} 的党员积分】本月 {month} 分,累计 {total} 分\n"
    "本月:按时接单 {accepted} 件(每件 {p_accepted} 分)· 按时办结 {resolved} 件(每件 {p_resolved} 分)· "
    "群众满意 {satisfied} 件(每件 {p_satisfied} 分)· 走访 {visits} 户次(每户次 {p_visits} 分)· "
    "实现微心愿 {wishes} 个(每个 {p_wishes} 分)"
)
POINTS_LIST_HEAD = "【本月党员积分】共 {count} 名党员:"
POINTS_LIST_LINE = "{name}:{points} 分(走访 {visits} 户次)"

REPORT_USAGE = "格式:统计 本月|上月|2026-10 [网格名]。只发“统计”查看今日、本周、本月工单。"
REPORT_NO_GRID = "没有找到网格“{name}”。"
REPORT_EMPTY = "没有可统计的社区。"
REPORT_HEAD = "【{year}年{month}月 台账统计】"
REPORT_ALL = "全部"
REPORT_SCOPE = "■ {name}"
REPORT_FIGURES = (
    "联系走访 {visits} 户次({households} 户),收集意见建议 {suggestions} 条,发现问题和隐患 {found} 个,"
    "解决问题 {solved} 件,调解矛盾纠纷 {disputes} 起,升级调色 {upgrades} 户,实现微心愿 {wishes} 个;"
    "受理诉求 {received} 件,响应率 {response},解决率 {resolve},满意率 {satisfaction};"
    "逾期未走访 {overdue} 户"
)
REPORT_COLOURS = "四色分布(共 {households} 户):{parts}"
REPORT_COLOUR_PART = "{colour} {count} 户 {share}"
REPORT_OVERDUE_MEMBERS_HEAD = "逾期未走访(按党员):"
REPORT_OVERDUE_MEMBER = "  {name}({grid}):{count} 户"
REPORT_MORE = "  ……另有 {count} 名"

# --- time: deadlines, escalation, follow-up, campaigns, send progress, weekly report (schedules/) --

DEADLINE_ACCEPT = "接单时限"
DEADLINE_RESOLVE = "办结时限"
DEADLINE_ITEM = "{label} {due}({state})"
DEADLINE_MET = "按时"
DEADLINE_MISSED = "超时完成"
DEADLINE_OVERDUE = "已超时"
DEADLINE_PENDING = "未到期"
TIMER_WHAT = {"accept": "接单", "resolve": "办结"}
REMIND_ACCEPT = "⏰ 提醒:工单 {number}({category} · {place})请在 {due} 前接单。回复:接单 {number}"
REMIND_RESOLVE = "⏰ 提醒:工单 {number}({category} · {place})请在 {due} 前办结。完成后回复:办结 {number} 说明"
REMIND_NOTE = "{what}时限提醒"
ESCALATE_TO = {1: "网格员", 2: "社区"}
ESCALATE_WORKER = (
    "【督办】工单 {number} {what}已超时(时限 {due}),负责人:{assignee}。\n{summary}\n"
    "请督促处理,或直接回复:接单 {number}"
)
ESCALATE_STAFF = (
    "【督办·社区】工单 {number} {what}已超时(时限 {due}),负责人:{assignee}。\n{summary}\n"
    "可回复:派单 {number} 姓名"
)
ESCALATE_ASSIGNEE = "工单 {number} {what}已超时(时限 {due}),已报告{to}。请尽快处理。"
ESCALATE_NOTE = "{what}超时,已报{to}{name}"

RATING_REMINDER = "工单 {number} 办结一天了,问题解决了吗?请回复数字:1 满意  2 基本满意  3 不满意"
RATING_REMINDER_NOTE = "请反映人评价"
AUTO_CLOSED_PRIVATE = "工单 {number} 办结后 {hours} 小时未收到评价,已自动关闭(记为未评价)。"
AUTO_CLOSED_NOTE = "未评价,自动关闭"
REVISIT = "上周反映的【{category}】问题(工单 {number}:{snippet})现在还好吗?如果又坏了,请回复“又坏了 {number}”重新打开。"
REVISIT_NOTE = "回访:问现在还好吗"
REOPEN_OK = "已重新打开工单 {number},{role}{name}会尽快处理。"
REOPEN_PRIVATE = "【工单 {number} 重新打开】反映人说又坏了:{text}\n请尽快处理,完成后回复:办结 {number} 说明"
REOPEN_NOTE = "反映人说又坏了"
REOPEN_STILL_OPEN = "工单 {number} 还在处理中({status}),不用重新打开。查询进展请发送:查询 {number}"
REOPEN_NOT_YOURS = "工单 {number} 不是您反映的,不能重新打开。如有新问题,直接在群里说明即可。"

CAMPAIGN_USAGE = (
    "格式(每项一行,内容放最后):\n"
    "新建宣传 防电诈\n"
    "对象:全部(或 第一网格、1号楼,3号楼、橙色,蓝色)\n"
    "时间:每周一 09:00(或 每天 08:00、工作日 09:00、每月1日 09:00、2026-12-01 09:00)\n"
    "起止:2026-12-01 至 2027-02-28(可不写)\n"
    "内容:警惕冒充公检法的电话,不转账、不透露验证码。"
)
CAMPAIGN_BAD = "宣传没有创建:{error}\n" + CAMPAIGN_USAGE
CAMPAIGN_NEED = "缺少“{field}”。"
CAMPAIGN_BAD_DATES = "起止日期看不懂:“{text}”。请写成 2026-12-01 至 2027-02-28。"
CAMPAIGN_ENDS_BEFORE = "结束日期早于开始日期。"
CAMPAIGN_NO_AUDIENCE = (
    "没有找到“{audience}”对应的楼栋群或住户。对象可以写:全部、网格名(如 第一网格)、"
    "楼栋名(如 1号楼,3号楼),或颜色(如 橙色,蓝色:由联系这些住户的联户党员上门走访宣传)。"
)
CAMPAIGN_CREATED = (
    "已创建宣传 {id}「{name}」:{schedule},发给{audience}({targets})。下次发送:{next}。\n"
    "暂停:暂停宣传 {id};删除:删除宣传 {id};查看:宣传列表"
)
CAMPAIGN_TARGETS_ROOMS = "{count} 个群"
CAMPAIGN_TARGETS_MEMBERS = "{count} 户,由 {members} 位联户党员走访"
CAMPAIGN_NO_NEXT = "无(时间已过或已过结束日期)"
CAMPAIGN_LIST_HEAD = "宣传活动(共 {count} 项):"
CAMPAIGN_LINE = "{id}「{name}」{schedule} · {audience} · {status} · 下次 {next} · 已发 {runs} 次"
CAMPAIGN_NONE = "还没有宣传活动。发送“新建宣传”查看格式。"
CAMPAIGN_STATUS = {"active": "进行中", "paused": "已暂停", "finished": "已结束", "deleted": "已删除"}
CAMPAIGN_PAUSED = "宣传 {id}「{name}」已暂停。恢复请发送:恢复宣传 {id}"
CAMPAIGN_RESUMED = "宣传 {id}「{name}」已恢复,下次发送:{next}。"
CAMPAIGN_DELETED = "宣传 {id}「{name}」已删除(已发送的记录保留)。"
CAMPAIGN_UNKNOWN = "没有找到宣传 {id}。发送“宣传列表”查看全部。"
CAMPAIGN_NEED_ID = "请写上宣传编号,例如:{word} 3"
CAMPAIGN_NOT_NOW = "宣传 {id}「{name}」{status},不能{action}。"
CAMPAIGN_ROOM_TEXT = "【{name}】{content}"
CAMPAIGN_VISIT = "【走访任务 · {name}】{content}\n请上门走访并宣传到以下住户({count} 户):\n{households}"
CAMPAIGN_FILE_ERROR = "宣传文件 {file} 有错误,未导入:{error}"

BROADCAST_PROGRESS = "通知 {id}:共 {total} 个群,已发 {sent},待发 {pending},失败 {failed}。{eta}"
BROADCAST_ETA = "按发送节奏,预计 {when} 前发完。"
BROADCAST_DONE = "已全部发完。"
BROADCAST_QUIET = "夜间免打扰,{when} 起继续发送,预计 {finish} 前发完。"
BROADCAST_PROGRESS_NONE = "还没有确认发送的通知。"
BROADCAST_NOT_QUEUED = "通知 {id} 还没有确认发送(当前:{status})。确认请回复:确认通知 {id}"
BROADCAST_STATUS_NAMES = {"draft": "待确认", "queued": "已确认", "cancelled": "已作废"}

WEEKLY_HEAD = "【上周接诉即办周报】{start} 至 {end}"
WEEKLY_RECEIVED = "受理 {received} 件{by_category}"
WEEKLY_RATES = (
    "响应率 {response}(按时接单 {accepted_in_time}/{received})\n"
    "解决率 {resolve}(按时办结 {resolved_in_time}/{received})\n"
    "满意率 {satisfaction}(满意和基本满意 {satisfied}/{rated} 件评价;未评价关闭 {unrated} 件)"
)
WEEKLY_OPEN_HEAD = "目前未办结 {open} 件,其中超时 {overdue} 件:"
WEEKLY_OPEN_LINE = "  {building}:未办结 {open},超时 {overdue}"
WEEKLY_OPEN_NONE = "目前没有未办结的工单。"
WEEKLY_RECURRING_HEAD = "近四周反复出现的问题:"
WEEKLY_RECURRING_LINE = "  {building}:{items}"
WEEKLY_RECURRING_ITEM = "{category} {count} 次"
WEEKLY_RECURRING_NONE = "近四周没有反复出现的问题。"
CAMPAIGN_PAST = "时间已经过了(或已过结束日期),没有可以发送的时间。"

# --- classifier rules and corrections (handlers/rules_admin.py) ----------------------------------
RULES_USAGE = (
    "规则命令:\n"
    "· 规则 看 类别 [页码](例:规则 看 设施报修)\n"
    "· 规则 加 类别 关键词 [权重](例:规则 加 设施报修 升降机;权重默认 {weight:g},可写 0.5-10)\n"
    "· 规则 删 类别 关键词(例:规则 删 设施报修 升降机)\n"
    "类别可写中文或代码:{categories}"
)
RULES_UNKNOWN_CATEGORY = "没有“{given}”这个类别。可用的类别:{categories}"
RULES_BAD_WEIGHT = "权重“{given}”不对,请写 0.5 到 10 之间的数字,例如:规则 加 设施报修 升降机 3"
RULES_BAD_KEYWORD = "关键词“{keyword}”不能用:{reason}"
RULES_KEYWORD_TOO_LONG = "太长了(最多 {max} 个字),请写最能说明问题的词"
RULES_NO_REGEX = "聊天里不能写正则表达式(re:),请改规则文件"
RULES_ADDED = "已把“{keyword}”加入【{category}】,权重 {weight:g},立即生效(记录 {id},{who})。"
RULES_ADDED_NONE = "已把“{keyword}”记为【非诉求】用词(出现时减 {weight:g} 分),立即生效(记录 {id},{who})。"
RULES_REMOVED = "已从【{category}】删除“{keyword}”,立即生效(记录 {id},{who})。"
RULES_NOT_THERE = "【{category}】里没有“{keyword}”这个词。发送“规则 看 {category}”查看现有关键词。"
RULES_LIST_HEAD = "【{category}】现有关键词 {count} 个(第 {page}/{pages} 页,按权重排列):"
RULES_LIST_MORE = "还有更多,发送“规则 看 {category} {next}”看下一页。"
RULES_LIST_REGEX = "另有 {count} 条组合/正则规则,见规则文件。"
RULES_LIST_EMPTY = "【{category}】还没有关键词。"
RULES_LIST_CHANGES = "最近在聊天里的改动:"
RULES_CHANGE_LINE = "  {when} {who} {action}“{keyword}”{weight}"
RULES_ACTION_NAMES = {"add": "加", "remove": "删"}
RULES_BAD_PAGE = "页码“{given}”不对,请写数字,例如:规则 看 {category} 2"

RECATEGORISE_USAGE = "请写工单号和新类别,例如:改类 1024 环境卫生(不是诉求请写:改类 1024 非诉求)"
RECATEGORISE_SAME = "工单 {number} 已经是【{category}】,没有改动。"
RECATEGORISED_OK = "工单 {number} 已从【{old}】改为【{new}】,这条消息已记为分类样本,用于检查自动分类。"
NOT_REQUEST_OK = "工单 {number} 已按非诉求关闭,这条消息已记为分类样本。"
NOT_REQUEST_GROUP = "经核实,工单 {number} 不属于需要社区处理的诉求,已关闭。如有需要,请随时在群里说明。"
NOT_REQUEST_ASSIGNEE = "工单 {number} 已由{role}{name}按非诉求关闭,您无需再处理。"
HELP_MEMBER += "\n· 改类 工单号 类别(分错类时)· 非诉求 工单号(不是诉求,关闭)"
HELP_STAFF += "\n· 规则 看|加|删 类别 [关键词](分类关键词,立即生效)"
EXAMPLES.update({"改类": "改类 1024 环境卫生", "非诉求": "非诉求 1024"})
HELP_STAFF += "\n· 通知进度 [编号] · 新建宣传(定时宣传,发送看格式)· 宣传列表 · 暂停宣传|恢复宣传|删除宣传 编号"


#: what people may write for a category, besides the code and its full Chinese name
CATEGORY_ALIASES = {
    "水电": "utilities", "水电气": "utilities", "报修": "repair", "设施": "repair", "维修": "repair",
    "卫生": "sanitation", "环境": "sanitation", "纠纷": "dispute", "邻里": "dispute",
    "治安": "safety", "消防": "safety", "交通": "traffic", "出行": "traffic", "帮扶": "care",
    "关爱": "care", "政策": "policy", "咨询": "policy", "建议": "suggestion", "意见": "suggestion",
    "其他": "other", "其它": "other", "不是诉求": "none", "非诉求": "none",
}


def category_code(word: str) -> str | None:
    """'repair', '设施报修', '报修' → 'repair'; '非诉求' → 'none'; unknown → None."""
    w = word.strip().lower()
    if w in CATEGORY_NAMES:
        return w
    for code, name in CATEGORY_NAMES.items():
        if w == name:
            return code
    return CATEGORY_ALIASES.get(w)

# --- judgement residents can trust (issue 10): heads-ups, the safety net, merging, splitting ------
EVENT_NAMES.update({"upgraded": "升级为紧急", "split": "拆分"})
#: a report joined an open ticket of the same problem (in the group, @ the reporter)
MERGED_SAME = ("已有邻居反映同样的问题,已合并到工单 {number}({summary}),进展会同步通知您。\n"
               "如果您说的不是这件事,请回复:不是一个问题")
MERGED_UPGRADED_PRIVATE = ("🔴【工单 {number} 升级为紧急】又有居民({reporter})反映:{text}\n"
                           "请在 {accept_due} 前接单并立即跟进。")
#: 不是一个问题: the merged report became its own ticket
SPLIT_NOTHING = "没有找到您最近被合并的反映。有新问题请直接在群里说明。"
SPLIT_CLOSED = "工单 {number} 已经{status},不能再拆分。如果问题还在,请直接在群里重新说明。"
SPLIT_NOTE = "{name}说不是同一个问题,已另开工单 {new}"
SPLIT_PRIVATE = "工单 {number} 的反映人{name}说不是同一个问题,已另开工单 {new}。"
#: the safety net: people may be in danger (privately, at once, never held)
DANGER_NAMES = {
    "fire": "火情", "gas": "燃气", "electric": "用电危险", "water": "水电危险", "trapped": "被困",
    "medical": "伤病", "fall": "摔倒受伤", "violence": "暴力", "police": "治安危险",
    "intruder": "可疑人员", "child": "儿童安全", "missing": "人员走失", "suicide": "轻生倾向",
    "elderly": "独居老人", "unseen": "多日未见",
}
DANGER_ALERT = (
    "🔴【险情提醒】{danger}\n楼栋:{building}\n{reporter}说:{text}\n{where}"
    "请立即核实情况并联系反映人;如有危险,先拨打 110 / 119 / 120。"
)
DANGER_WHERE_TICKET = "已在工单 {number} 中({status})。\n"
DANGER_WHERE_HEADS_UP = "系统不确定,未在群里回复。核实后回复:转工单 {id} 或 忽略 {id}\n"
DANGER_PRIVATE_ACK = "收到,已转告联户党员和社区。情况紧急请直接拨打 110 / 119 / 120。"
#: heads-ups (待确认): what the classifier is unsure of goes to one person, privately
HEADS_UP = (
    "{alert}【待确认 {id}】{building} {reporter}{said}:\n{text}\n"
    "机器判断不准(可能是【{category}】),没有公开回复,也没有生成工单。\n"
    "需要处理请回复:转工单 {id}(可加类别,如:转工单 {id} 环境卫生)\n不需要处理请回复:忽略 {id}"
)
HEADS_UP_ALERT_MARK = "🔴"
HEADS_UP_SAID = {True: "在群里说", False: "私信说"}
HEADS_UP_REMINDER = "还有一条待确认消息没有处理:【待确认 {id}】{reporter}:{text}\n请回复:转工单 {id} 或 忽略 {id}"
HEADS_UP_LINE = "待确认 {id} {building} {reporter}:{text}"
HEADS_UP_LIST_HEAD = "待确认的群消息({count}条,回复 转工单 编号 / 忽略 编号):"
HEADS_UP_TICKETED = "待确认 {id} 已转为工单 {number},回执已发给反映人,这条消息已记为分类样本。"
HEADS_UP_IGNORED = "待确认 {id} 已忽略,这条消息已记为分类样本(非诉求)。"
HEADS_UP_DONE_ALREADY = "待确认 {id} 已经处理过了({status})。"
HEADS_UP_STATUS_NAMES = {"ticketed": "已转工单 {number}", "ignored": "已忽略"}
HEADS_UP_UNKNOWN = "没有找到待确认 {id}。发送“我的工单”可以查看待确认的消息。"
HEADS_UP_NOT_YOURS = "待确认 {id} 不是发给您的,请由联户党员、网格员或社区工作人员处理。"
HEADS_UP_BAD_CATEGORY = "没有“{given}”这个类别。可用的类别:{categories}"
EXAMPLES.update({"转工单": "转工单 12", "忽略": "忽略 12"})
HELP_MEMBER += "\n· 转工单 编号 [类别] · 忽略 编号(机器不确定的群消息,私信发给您确认)"

# --- when handling a message fails (bot/inbox.py) ----------------------------------------------

#: said once to the sender of a message whose handling failed (it is retried, then set aside)
HANDLING_FAILED = "出错了,已记录。工作人员会查看这条消息;着急的事请直接联系网格员或社区。"
#: ... and, when the message sounds like an emergency, what to do right now
HANDLING_FAILED_URGENT = "出错了,已记录,已通知社区工作人员。{advice}"
HANDLING_FAILED_STAFF = "⚠ 一条可能紧急的消息处理出错,请人工跟进:\n{where} {sender}:{text}"
#: a number or date the database cannot hold (认领 W99999999999999999999, a date in year 9999)
NUMBER_TOO_LARGE = "数字或日期超出了范围,请检查后重发。工单号、心愿编号一般是 4 位以内的数字,日期如 2026-12-01。"


# --- 办事指南 (handlers/guide.py) and 议事 (handlers/deliberation.py) ---------------------------------

HELP_RESIDENT += ("\n· 办事问题直接问,比如“居住证在哪里办”;指南 关键词:查办事指南 · 指南 列表"
                  "\n· 议事时回复选项数字表态(每户一票,以最后一次为准)")
HELP_MEMBER += "\n· 存为指南 工单号 [标题](把答复存为办事指南,社区确认后生效)· 议事 楼栋 问题 1 … 2 … 截止 月-日"
HELP_STAFF += "\n· 确认指南 编号 · 驳回指南 编号 · 议事 楼栋 问题 1 选项 2 选项 截止 12-05 · 议事结果 编号"
EXAMPLES.update({"指南": "指南 居住证", "存为指南": "存为指南 1024 小区充电桩办卡", "确认指南": "确认指南 46",
                 "驳回指南": "驳回指南 46", "议事结果": "议事结果 1",
                 "议事": "议事 3号楼 是否同意加装电梯 1 同意 2 不同意 3 再商量 截止 12-05"})

GUIDE_SHORT = "【办事指南 {id}】{title}\n{answer}\n详细材料和地点回复“指南 {id}”私信给您;还有疑问请回复“人工”。"
GUIDE_SENT_PRIVATELY = "已私信您。"
GUIDE_PRIVATE_ANSWER = "【办事指南 {id}】{title}\n{body}\n\n还有疑问请回复“人工”,联户党员会联系您。"
GUIDE_MEMBER_TOLD = ("【私密咨询】{place}居民{name}问了“{title}”(指南 {id}),已私信答复。"
                     "原话:{text}\n如需要,请您私下联系,注意保护隐私。")
GUIDE_FULL = "【办事指南 {id}】{title}\n{body}"
GUIDE_FIELD_ANSWER = "{answer}"
GUIDE_FIELD_MATERIALS = "所需材料:\n{items}"
GUIDE_FIELD_PLACE = "办理地点:{value}"
GUIDE_FIELD_HOURS = "办理时间:{value}"
GUIDE_FIELD_PHONE = "咨询电话:{value}"
GUIDE_FIELD_CHECKED = "(信息核对于 {checked}{source},以窗口最新要求为准)"
GUIDE_NO_SUCH = "没有编号为 {id} 的办事指南。发送“指南 列表”查看全部。"
GUIDE_USAGE = "请写“指南 关键词”查找(例如:指南 居住证),或“指南 列表”查看全部,“指南 编号”看详细内容。"
GUIDE_SEARCH_HEAD = "和“{words}”有关的办事指南:"
GUIDE_SEARCH_LINE = "· 指南 {id}:{title}"
GUIDE_SEARCH_FOOT = "回复“指南 编号”看详细内容(私信发给您)。"
GUIDE_SEARCH_NONE = "没有找到和“{words}”有关的办事指南。可以直接在群里说明您的问题,联户党员会答复您。"
GUIDE_LIST_HEAD = "【办事指南 共{count}条】回复“指南 编号”看详细内容:"
GUIDE_LIST_EMPTY = "办事指南还没有内容。"
GUIDE_HUMAN_NONE = "没有找到您最近的办事咨询。请直接说明您的问题,联户党员会答复您。"
GUIDE_HUMAN_ALREADY = "您的问题已转为工单 {number},请等待联户党员联系您。"
GUIDE_HUMAN_NOTE = "(居民看过办事指南 {id}“{title}”后仍有疑问)"
GUIDE_SAVE_NEED_ANSWER = "工单 {number} 还没有答复内容。请先“办结 {number} 答复内容”,再存为指南。"
GUIDE_SAVED = "已把工单 {number} 的答复存为待确认的办事指南 {id}“{title}”,社区工作人员确认后生效。"
GUIDE_CONFIRM_ASK = ("【待确认指南 {id}】{name}从工单 {number} 存入:\n标题:{title}\n问法:{ask}\n答复:{answer}\n"
                     "回复“确认指南 {id}”生效,或“驳回指南 {id}”。")
GUIDE_NOT_PENDING = "办事指南 {id} 不在待确认状态(现在:{status})。"
GUIDE_CONFIRMED = "办事指南 {id}“{title}”已确认生效,以后有人问同样的问题会自动答复。"
GUIDE_CONFIRMED_PROPOSER = "您从工单存入的办事指南 {id}“{title}”已由社区确认生效。"
GUIDE_REJECTED = "办事指南 {id}“{title}”已驳回,不会用于答复。"
GUIDE_STATUS_NAMES = {"active": "已生效", "pending": "待确认", "rejected": "已驳回", "retired": "已停用"}
GUIDE_ASIDE_ANSWER = ("【办事指南 {id}】{title}\n{body}\n\n以上是您问的办事答复。您说的情况已按流程转告联户党员和社区;"
                      "办事还有疑问请回复“人工”。")

VOTE_USAGE = ("请这样写:议事 3号楼 是否同意加装电梯 1 同意 2 不同意 3 再商量 截止 12-05\n"
              "(楼栋、问题、至少两个带编号的选项、截止日期 月-日 或 月-日 时:分)")
VOTE_NO_BUILDING = "没有找到楼栋“{name}”。请写楼栋名,例如 3号楼。"
VOTE_NO_GROUP = "{building}还没有绑定楼栋群,无法发起议事。请先在群里发“绑定 {building}”。"
VOTE_BAD_DEADLINE = "截止时间“{deadline}”不对:请写将来的日期,例如 截止 12-05 或 截止 12-05 18:00。"
VOTE_POSTED = "议事 {id} 已发到{building}群,截止 {deadline}。到时我会在群里公布结果,并把各户表态明细私信给您。"
VOTE_GROUP = ("【议事 {id}】{question}\n{options}\n请每户回复选项数字表态,或“投票 数字”(每户一票,以最后一次为准),"
              "截止 {deadline}。表态内容不会在群里公开。")
VOTE_OPTION_LINE = "{number} {label}"
VOTE_THANKS = "已记下您家的表态(议事 {id}),截止前可以重新回复数字更改。"
VOTE_UNBOUND = "议事按户表态,请先登记您家:发送“我是 楼号-单元-门牌”(例如:我是 3-2-502),再回复数字。"
VOTE_OTHER_BUILDING = "这次议事是{building}的住户表态,您登记的住址不在这栋楼。"
VOTE_TALLY = "【议事 {id} 结果】{question}\n{lines}\n共 {voted} 户表态(全楼 {households} 户)。感谢大家参与!"
VOTE_TALLY_LINE = "{number} {label}:{count} 户"
VOTE_DETAIL = ("【议事 {id} 明细】{building}:{question}\n{lines}\n未表态 {missing} 户:{missing_list}")
VOTE_DETAIL_LINE = "{number} {label}({count} 户):{households}"
VOTE_NO_SUCH = "没有编号为 {id} 的议事。"
VOTE_OPEN_NOW = "议事 {id} 还没到截止时间({deadline}),现在的明细:"
VOTE_NOT_RATING = "(这次记为议事表态。如要评价工单 {number},请回复“评价 1”满意、“评价 2”基本满意或“评价 3”不满意。)"
VOTE_ANSWER_USAGE = "请这样写:投票 1(1 换成您选的选项数字)。"
VOTE_IN_GROUP = "议事表态请在您楼栋的群里回复“投票 数字”。"
VOTE_NONE_OPEN = "这个群现在没有进行中的议事。"
VOTE_NO_OPTION = "议事 {id} 只有 {count} 个选项,请回复“投票 数字”。"

# --- 宣传到户 (handlers/outreach.py) -------------------------------------------------------------------

HELP_MEMBER += "\n· 走访 门牌 宣传:政策名(政策宣传到户后标记)"
HELP_STAFF += "\n· 政策宣传 政策名 对象:80岁以上|新生儿 [内容:…] · 宣传覆盖 政策名"
EXAMPLES.update({"政策宣传": "政策宣传 高龄补贴 对象:80岁以上 内容:满80岁每月可领高龄补贴",
                 "宣传覆盖": "宣传覆盖 高龄补贴"})
DRIVE_USAGE = ("请这样写:政策宣传 高龄补贴 对象:80岁以上 内容:满80岁每月可领高龄补贴\n"
               "(对象写年龄“N岁以上”或住户标签,如 新生儿、残疾、低保)")
DRIVE_STARTED = "政策宣传 D{id}“{name}”已派给联户党员:{count} 户({members} 位党员),未联户 {unlinked} 户。发送“宣传覆盖 {name}”查看进度。"
DRIVE_NONE = "没有符合“{audience}”的住户,未发起宣传。"
DRIVE_TASKS = ("【政策宣传 D{id}】{name}\n请在下次走访时向以下 {count} 户讲解:\n{addresses}{content}\n"
               "讲解后回复:走访 {example} 宣传:{name}")
DRIVE_NO_SUCH = "没有找到政策宣传“{name}”。"
DRIVE_NOT_IN = "{address} 不在政策宣传“{name}”的对象里。"
DRIVE_REACHED = "已记下:{address} 已宣传“{name}”(政策宣传 D{id}),并记为一次走访。"
DRIVE_COVERAGE = ("【政策宣传 D{id} 覆盖】{name}(对象:{audience})\n宣传到户率 {reached}/{total} = {rate}\n"
                  "已宣传:{by}\n未宣传:\n{missing}")
HELP_MEMBER += "\n· 标签 门牌 [新生儿 残疾 …] · 去掉标签 门牌 标签 · 出生年份 门牌 1941 1945(住户年龄和标签,用于政策宣传;请私聊)"
HELP_STAFF += "\n· 标签 门牌 [标签…] · 去掉标签 门牌 标签 · 出生年份 门牌 年份或N岁(住户年龄和标签;请私聊)"
EXAMPLES.update({"标签": "标签 3-2-502 新生儿", "去掉标签": "去掉标签 3-2-502 新生儿",
                 "出生年份": "出生年份 3-2-502 1941 1945"})
PROFILE_USAGE = ("请这样写:标签 3-2-502 新生儿(可写多个,用空格隔开)· 去掉标签 3-2-502 新生儿 · "
                 "出生年份 3-2-502 1941 1945(或 85岁)")
PROFILE_UNKNOWN_TAGS = "标签“{words}”不认识,可用:{known}"
PROFILE_BAD_YEARS = "出生年份“{words}”不对:请写出生年份(如 1941)或年龄(如 85岁)。"
PROFILE_NOT_YOURS = "{address} 不是您联系的住户:只有它的联户党员、网格员和社区工作人员可以改它的标签和年龄。"
PROFILE_SHOW = "{address}:标签 {tags};年龄 {ages}。"
PROFILE_NONE = "无"
PROFILE_SAVED = "已更新 {address}:标签 {tags};年龄 {ages}。政策宣传按这些对象派发。"

# --- the web console (issue 13): logins ------------------------------------------------------

CONSOLE_USER_UNKNOWN = "台账里没有叫“{name}”的人。请先导入或登记此人。"
CONSOLE_USER_ROLE = "“{name}”是{role}:只有社区工作人员和网格员可以登录控制台。"
CONSOLE_USER_AMBIGUOUS = "台账里有 {count} 个叫“{name}”的工作人员/网格员,无法确定是谁。"
CONSOLE_PASSWORD_SHORT = "密码太短:至少 {min} 位。"
CONSOLE_PASSWORD_MISMATCH = "两次输入的密码不一致。"
CONSOLE_USER_ADDED = "已为{role}{name}开通控制台账号(用户名:{name})。"
CONSOLE_USER_UPDATED = "已为{role}{name}重设控制台密码并解除锁定。"
CONSOLE_LOGIN_WRONG = "用户名或密码不对。"
CONSOLE_LOGIN_LOCKED = "密码错误次数过多,账号已锁定到 {until},请稍后再试。"
CONSOLE_CSRF = "表单已过期或来源不明(缺少校验码),请刷新页面后重试。"
CONSOLE_WELCOME = "  网页控制台:{url}console/  演示账号 用户名 {name} 密码 {password}(仅限演示数据)\n"
CONSOLE_EVENT_CREATED = "{actor}反映,助手受理"
CONSOLE_EVENT_ASSIGNED = "{actor}派单给{target}"
CONSOLE_ASSIGNED = "已派单给{role}{name}:对方已收到私信,社区工作群已留记录。"
CONSOLE_REPLIED = "已回复反映人:楼栋群里已@反映人,并记为一条进展。"
CONSOLE_REPLY_EMPTY = "回复内容不能为空。"
CONSOLE_NOT_ALLOWED = "您没有权限做这件事。"
CONSOLE_NO_TICKET = "没有工单 {number},或不在您的管辖范围。"
# 设置密码: a one-time link, sent privately, to set one's console password (handlers/accounts.py)
PASSWORD_WORDS = ("设置密码", "重置密码", "控制台密码")
PASSWORD_LINK_SENT = (
    "这是您设置网页控制台密码的链接(仅限本人使用,{minutes} 分钟内有效,只能用一次):\n{url}\n"
    "设置后用户名是您的姓名“{login}”。请勿转发给他人;如不是您本人要求,忽略即可。"
)
PASSWORD_LINK_PRIVATE = "设置密码的链接只能私下发给您:请私聊我发送“设置密码”。"
PASSWORD_LINK_NOT_FOR = "网页控制台只供社区工作人员和网格员使用;{role}请继续在微信里办理,发送“帮助”查看您能用的命令。"
PASSWORD_LINK_AMBIGUOUS = "台账里有别的工作人员/网格员也叫“{name}”,无法用姓名作用户名,请联系管理员用 lianhu user add 开通。"
PASSWORD_PAGE_TITLE = "设置控制台密码"
PASSWORD_PAGE_INTRO = "为{role}{name}设置网页控制台的密码(用户名:{login})。密码至少 {min} 位。"
PASSWORD_PAGE_INVALID = "这个链接无效:可能抄错了。请在微信里私聊助手发送“设置密码”获取新链接。"
PASSWORD_PAGE_EXPIRED = "这个链接已过期(有效期 {minutes} 分钟)。请在微信里私聊助手发送“设置密码”获取新链接。"
PASSWORD_PAGE_USED = "这个链接已经用过或已被新链接取代,不能再用。如需再次设置,请私聊助手发送“设置密码”。"
PASSWORD_PAGE_DONE = "密码已设置。现在可以用用户名“{login}”和新密码登录控制台。"
PASSWORD_PAGE_NEW = "新密码"
PASSWORD_PAGE_AGAIN = "再输一次"
PASSWORD_PAGE_SUBMIT = "设置密码"
PASSWORD_PAGE_LOGIN = "去登录"
HELP_STAFF += "\n· 设置密码(私聊:领取网页控制台的一次性设置密码链接)"

CONSOLE_GUIDE_NEED_TITLE = "请填写标题。"
CONSOLE_GUIDE_NEED_ANSWER = "请填写答复。"
CONSOLE_GUIDE_NEED_ASKS = "请至少写一种居民的问法(每行一种)。"
CONSOLE_GUIDE_TOO_LONG = "标题、电话、来源各不能超过 200 个字。"
CONSOLE_GUIDE_BAD_DATE = "核对日期“{value}”应写成 2026-11-01 这样。"
CONSOLE_GUIDE_SAVED = "已保存办事指南 {id}“{title}”,立即生效。"
CONSOLE_GUIDE_RETIRED = "已停用办事指南 {id}“{title}”,不再用于答复。"
CONSOLE_GUIDE_RESTORED = "已恢复办事指南 {id}“{title}”。"
CONSOLE_GUIDE_NO_SUCH = "没有办事指南 {id},或不在您的社区。"
CONSOLE_GUIDE_STAFF_ONLY = "办事指南只有社区工作人员可以编辑。"

# 待处理 (bot/web/pending.py, domain/pending.py)
PENDING_HEADS_UPS = "待确认的消息(助手拿不准,已私信提醒)"
PENDING_CLAIMS = "住户认证"
PENDING_BINDINGS = "群绑定"
PENDING_COLOURS = "调色申请"
PENDING_MATCHES = "联户匹配建议"
PENDING_HEADS_UP_TITLE = "待确认 {id} · {building} · {reporter}"
PENDING_HEADS_UP_TO = "已私信{name};转工单将按“{category}”受理"
PENDING_CLAIM_TITLE = "认证 {id}:{name} 说自己是 {address} 的住户"
PENDING_BINDING_TITLE = "绑定 {id}:群「{room}」→ {building}"
PENDING_COLOUR_TITLE = "调色 {id}:{address} {old} → {new}"
PENDING_COLOUR_WHY = "{name}申请,理由:{reason}"
PENDING_MATCH_TITLE = "匹配建议 {batch}:{count} 户待确认"
PENDING_GONE = "这件事已经处理过,或已不存在。"
PENDING_NONE = "眼下没有等您处理的事。"
# 台账 (bot/web/ledger_pages.py, domain/ledger_view.py)
LEDGER_LOAD_UNDER = "偏少"
LEDGER_LOAD_OVER = "超额"
LEDGER_LOAD_OK = "适中"
LEDGER_NO_BUILDING = "没有这个楼栋,或不在您的管辖范围。"
# 通知与宣传 (bot/web/notices_page.py)
NOTICE_TO_MEMBER = "【通知】{content}\n请转告您联系的 {count} 户:{households}"
NOTICE_AUDIENCE_KINDS = {"all": "全部楼栋群", "grid": "一个网格的楼栋群", "buildings": "选定楼栋的群",
                         "colours": "按颜色(私信联户党员转告)"}
NOTICE_NEED_CONTENT = "请填写通知内容。"
NOTICE_NEED_TARGET = "请选择网格、楼栋或颜色。"
NOTICE_NO_TARGETS = "所选范围内没有可发送的楼栋群或联户党员。"
NOTICE_HELD = "现在是夜间免打扰时段,通知将在 {when} 起陆续发出。"
NOTICE_NOT_HELD = "不在免打扰时段,确认后立即按发送节奏陆续发出。"
NOTICE_QUEUED = "通知 {id} 已确认发送,共 {count} 条,将按发送节奏陆续发出。"
NOTICE_CANCELLED = "通知 {id} 已作废,没有发出。"
NOTICE_STAFF_ONLY = "发通知和管理宣传由社区工作人员操作;网格员可在这里查看本网格收到的通知。"
NOTICE_UNKNOWN = "没有找到通知 {id},或不在您的管辖范围。"
CAMPAIGN_WEB_UNKNOWN = "没有找到宣传 {id},或不在您的管辖范围。"
CAMPAIGN_WEB_PAUSED = "宣传 {id}「{name}」已暂停,可随时在这里恢复。"

# the ticket page's 转办 / 改类 / 非诉求, live updates and photos (bot/web/ticket_actions.py, live.py)
CONSOLE_HANDED_UP = "已转给{role}{name}:对方已收到私信,楼栋群里已告知反映人。"
CONSOLE_REASON_EMPTY = "请写上转办的原因,对方会在私信里看到。"
CONSOLE_CATEGORY_UNKNOWN = "请选择一个类别。"
CONSOLE_LIVE_NEW = "有新的工单或变化,列表已更新。"
CONSOLE_LIVE_CHANGED = "工单有新变化,页面已更新。"
CONSOLE_NO_PHOTO = "没有这张图片,或不在您的管辖范围。"
# the 规则 page (bot/web/rules_page.py)
CONSOLE_RULES_KEYWORD_EMPTY = "请写上关键词。"
CONSOLE_RULES_STAFF_ONLY = "规则页只对社区工作人员开放。"
CONSOLE_CORRECTION_KINDS = {"recategorised": "改类", "none": "非诉求", "to_ticket": "转工单", "ignored": "忽略"}
CONSOLE_NO_CLASSIFIER = "本进程没有加载分类器,无法显示关键词和评测。"
#: the judge's figures on the corrections (the rows of `lianhu eval --db`'s judge table)
CONSOLE_JUDGE_ROWS = (
    ("公开误报率(闲聊被当成诉求)", "public_false_alarm_rate", "public_false_alarms", "chatter", "≤ 2%"),
    ("诉求被人看到的比例(召回)", "seen_recall", "seen", "requests", "≥ 98%"),
    ("闲聊转给党员确认的比例", "unsure_chatter_rate", "unsure_chatter", "chatter", "≤ 8%"),
    ("诉求分类准确率", "category_accuracy", None, "requests", "≥ 92%"),
    ("被看到的诉求分类准确率", "category_accuracy_seen", None, "seen", ""),
    ("紧急情况报警召回", "alert_recall", "alerts_on_urgent", "urgent_lines", "= 100%"),
    ("公开紧急的准确率", "public_urgent_precision", None, "public_urgent", "≥ 85%"),
)
CONSOLE_JUDGE_MODES = {"rules": "仅规则", "model": "仅模型", "combined": "合并(实际使用)"}
# import and export of the ledger in the console (bot/web/transfer.py)
CONSOLE_IMPORT_OTHER_COMMUNITY = "工作簿里有社区“{name}”:您只能导入本社区({mine})的台账。"
CONSOLE_IMPORT_OTHER_BUILDINGS = "工作簿里的 {names} 不属于本社区({mine}),不能从这里导入。"
CONSOLE_IMPORT_DONE_WORD = "导入完成:"
CONSOLE_IMPORT_CHECKED = "检查通过,没有发现问题。确认导入后将写入:{summary}"
CONSOLE_IMPORT_APPLIED = "已导入。{summary}"
CONSOLE_IMPORT_NO_FILE = "请选择要导入的工作簿(.xlsx)。"
CONSOLE_IMPORT_NOT_XLSX = "请上传 .xlsx 工作簿(在 Excel 或 WPS 里“另存为” .xlsx)。"
CONSOLE_IMPORT_EXPIRED = "要导入的文件已过期或已导入,请重新上传。"
CONSOLE_IMPORT_TOO_BIG = "文件太大(最大 {mb} MB)。请按楼栋分几次导入。"
CONSOLE_TRANSFER_STAFF_ONLY = "导入导出只对社区工作人员开放。"


# --- who may see and do what (issue 11: domain/access.py) ------------------------------------------

QUERY_NO_RIGHT = "无权查看工单 {number}。只有反映人、负责处理的人和社区工作人员可以查看;您可以发送“我的诉求”查看自己反映的问题。"
QUERY_ASK_PRIVATELY = "工单 {number} 不是本楼的工单,请私聊我发送“查询 {number}”。"
QUERY_YOUR_TEXT = "\n您反映的:{text}"
QUERY_STAFF_GROUP_EXTRA = "\n地点:{place}\n内容:{text}\n经过:\n{timeline}"
REOPEN_NOT_ALLOWED = "工单 {number} 只能由反映人或负责处理的人重新打开。如有新问题,直接在群里说明即可。"

CLAIM_PENDING = ("已收到:您说自己是 {address} 的住户。联系该户的联户党员或社区工作人员确认后生效,"
                 "结果会私信告诉您。确认之前,您仍可以在楼栋群里反映问题、查询自己反映的工单。")
CLAIM_PENDING_GROUP = "已收到您的住户登记,确认后会私信告诉您。门牌属于个人信息,以后请私聊我发送。"
CLAIM_ASK = "{name} 说自己是 {address} 的住户,回复 确认住户 {id} / 不是 {id}"
CLAIM_ALREADY = "您已登记为 {address} 的住户,不用再登记。"
CLAIM_NEED_ID = "请写上登记编号,例如:确认住户 12"
CLAIM_NO_SUCH = "没有待确认的住户登记 {id}。"
CLAIM_NOT_YOURS = "住户登记 {id} 应由联系该户的联户党员或社区工作人员确认。"
CLAIM_CONFIRMED_OK = "已确认:{name} 是 {address} 的住户。"
CLAIM_DENIED_OK = "已记录:{name} 不是 {address} 的住户,登记未通过。"
CLAIM_DENIED_RESIDENT = "您登记 {address} 的申请没有通过确认。如有疑问,请联系网格员或社区工作人员。"

RATED_CO_REPORTER = "谢谢您的评价({rating}),已记录。工单 {number} 是否关闭由最先反映的居民确认。"
RATED_CO_UNHAPPY = ("已记录您的评价(不满意),并转告了负责人。工单 {number} 是否重新处理由最先反映的居民确认;"
                    "如果问题还在,可以回复“又坏了 {number} 情况”。")
RATED_CO_PRIVATE = "工单 {number}:另一位反映人{name}评价“不满意”,请留意并联系了解情况。"
RATED_NOT_VOTE = "(这次记为工单评价。如要给议事 {id} 表态,请回复“投票 数字”,例如 投票 1。)"
RATE_USAGE = "请这样写:评价 1(1 满意、2 基本满意、3 不满意)。"
RATE_NOTHING = "您没有等待评价的工单。"

BINDING_PROPOSAL = ("群「{room}」的名称与 {building} 的楼栋群相符,但群不会因为名称自动绑定。"
                    "确认是本楼居民的群,请回复:确认绑定 {id}{other}")
BINDING_OTHER = "\n注意:{building} 已有楼栋群「{room}」,确认后改用新群,原群解除绑定。"
BINDING_NEED_ID = "请写上编号,例如:确认绑定 3"
BINDING_NO_SUCH = "没有待确认的群绑定 {id}。"
BINDING_CONFIRMED = "已将群「{room}」绑定为 {building} 的楼栋群。{replaced}"
BINDING_REPLACED = "原来的群「{room}」已解除绑定。"
ROOM_BOUND_STAFF = "本群已设为{community}的社区工作群:紧急工单、督办和退回的工单会发到这里。本群只限社区工作人员。"
ROOM_STAFF_WORDS = ("工作群", "社区工作群")
BIND_NO_COMMUNITY = "不知道您属于哪个社区,请联系管理员在人员表里登记。"
BUILDING_AMBIGUOUS = "“{name}”对应多个楼栋:{names}。请写得更具体,例如加上社区名。"

WHO_STAFF_OR_GRID = "网格员和社区工作人员"
HELP_GRID_WORKER = (
    "【网格员 命令】\n"
    "· 接单 / 进展 / 办结 / 转办 / 退回 工单号 …(本网格的工单)\n"
    "· 工单 [待接单|处理中|已办结|未办结|全部](本网格)· 统计(本网格)\n"
    "· 我的工单 · 查询 工单号\n"
    "· 走访 门牌 内容(私聊)· 走访清单 · 调色 门牌 颜色 原因(私聊)· 档案 门牌\n"
    "· 心愿单 · 认领 W编号 · 完成心愿 W编号 说明 · 积分\n"
    "· 确认住户 编号 / 不是 编号(居民自报门牌时)"
)
HELP_MEMBER += "\n· 确认住户 编号 / 不是 编号(居民自报门牌时)"
HELP_STAFF += "\n· 确认绑定 编号 · 绑定 工作群(在社区工作群里发)"
STAFF_GROUP_SUMMARY = "{category} · {building}\n内容:{text}"
HELP_GRID_WORKER += "\n· 设置密码(私聊:领取网页控制台的一次性设置密码链接)"

# --- the simulator's demo clock and unread counts (bot/gateways/simulator.py) ----------------------

SIM_NEED_READER = "缺少 as 参数(以谁的身份查看)"
SIM_BAD_ADVANCE = "advance 应是 \"1h\"、\"1d\"、\"30m\" 或秒数(大于 0,最多 {days} 天)"
SIM_CLOCK_FIXED = "这个应用用的是真实时钟,不能快进"


# --- several WeChat accounts on one PostgreSQL (issue 12: bot/outbox.py, schedules/leadership.py) ---

#: `lianhu run --account NAME` with a settings file whose [accounts] has no section NAME
ACCOUNT_UNKNOWN = "未知的账号“{account}”:配置文件的 [accounts] 里只有 {known}。"
#: an [accounts.NAME] section that is not a table of settings
ACCOUNT_SECTION_BAD = "配置文件里 [accounts.{account}] 应是一组设置(例如 wechaty_token = \"...\")。"
#: several accounts need PostgreSQL: on SQLite one process serves one account
ACCOUNTS_NEED_POSTGRES = ("多个账号(--account)要连同一个 PostgreSQL 数据库(database_url = \"postgresql://...\");"
                          "SQLite 只能一个进程、一个账号。")
