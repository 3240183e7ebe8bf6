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
    "recategorised": "改类", "reminded": "提醒", "closed": "关闭",
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
    "紧急情况请先拨打 110 / 119 / 120。"
)
HELP_MEMBER = (
    "【联户党员 命令】\n"
    "· 接单 工单号\n"
    "· 进展 工单号 内容\n"
    "· 办结 工单号 说明\n"
    "· 转办 工单号 原因(转给网格员/社区)\n"
    "· 退回 工单号 原因(不属于我们处理,由社区决定)\n"
    "· 我的工单 · 查询 工单号"
)
HELP_STAFF = (
    "\n【社区工作人员 命令】\n"
    "· 通知 全部|网格名|楼栋名 内容(先预览,再“确认通知 编号”)\n"
    "· 工单 [待接单|处理中|已办结|未办结|全部]\n"
    "· 派单 工单号 姓名 · 统计\n"
    "· 登记 @某人 楼号-单元-门牌 · 绑定 楼栋名(在楼栋群里发)"
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
