"""The guide matcher's vocabularies (domain/guide.py): everyday names of the same thing, the
words that make a sentence a question, the words that make it a problem for a person, and
the words that carry no topic. General Chinese usage, not fitted to any test line."""
from __future__ import annotations

import re

#: everyday name → the name the guide's entries use (applied to questions and entries alike)
SYNONYMS: dict[str, str] = {
    "暂住证": "居住证", "暂住": "居住证",
    "高龄津贴": "高龄补贴", "高龄补助": "高龄补贴", "长寿补贴": "高龄补贴", "长寿金": "高龄补贴",
    "长寿津贴": "高龄补贴", "高龄金": "高龄补贴", "高龄钱": "高龄补贴", "老年补贴": "高龄补贴",
    "新农合": "医保", "农合": "医保", "合作医疗": "医保", "医疗保险": "医保", "居民医保": "医保",
    "医保费": "医保", "社保卡": "社保卡",
    "最低生活保障": "低保", "低保金": "低保", "吃低保": "低保",
    "残联证": "残疾人证", "残疾证": "残疾人证", "残疾人证件": "残疾人证",
    "上户口": "落户", "报户口": "落户", "入户口": "落户", "上户": "落户",
    "出生证": "出生医学证明", "出生证明": "出生医学证明",
    "老年卡": "老年优待证", "老人卡": "老年优待证", "敬老卡": "老年优待证", "老年证": "老年优待证",
    "老人证": "老年优待证", "敬老证": "老年优待证", "老年公交卡": "老年人乘车卡", "老人公交卡": "老年人乘车卡",
    "电瓶车": "电动车", "电驴": "电动车", "电单车": "电动车", "电动自行车": "电动车",
    "装修报备": "装修备案", "装修登记": "装修备案", "装修审批": "装修备案",
    "倒垃圾": "垃圾投放", "扔垃圾": "垃圾投放", "丢垃圾": "垃圾投放",
    "旧家具": "大件垃圾", "旧沙发": "大件垃圾", "旧床垫": "大件垃圾",
    "上班时间": "办公时间", "开门时间": "办公时间", "几点上班": "办公时间", "几点开门": "办公时间",
    "几点下班": "办公时间", "居委会": "社区", "居委": "社区",
    "打疫苗": "疫苗接种", "打预防针": "疫苗接种", "预防针": "疫苗接种", "打针": "疫苗接种",
    "流感针": "流感疫苗", "新冠疫苗": "成人疫苗",
    "义工": "志愿者", "志愿服务": "志愿者",
    "老年活动室": "活动室", "老年活动中心": "活动室", "棋牌室": "活动室", "活动中心": "活动室",
    "党组织关系": "组织关系", "党关系": "组织关系",
    "找工作": "就业", "再就业": "就业", "找活干": "就业", "技能培训": "培训",
    "退伍军人": "退役军人", "退伍": "退役军人", "复员": "退役军人",
    "住址证明": "居住证明", "居住地证明": "居住证明",
    "准生证": "生育登记", "生育服务证": "生育登记",
    "家医": "家庭医生", "签约医生": "家庭医生",
    "长处方": "长期处方", "慢性病": "慢病", "慢性病药": "慢病",
    "免费体检": "老人体检", "老年人体检": "老人体检",
    "天然气": "燃气", "煤气": "燃气",
    "交水费": "水电费", "交电费": "水电费", "水费": "水电费", "电费": "水电费",
    "门卡": "门禁卡", "门禁": "门禁卡",
    "车位": "停车", "停车位": "停车",
    "灭火器": "消防", "火灾隐患": "消防",
    "打官司": "法律援助", "请律师": "法律援助", "律师": "法律援助",
    "心理咨询": "心理援助", "心理医生": "心理援助",
    "骗子": "诈骗", "被骗": "诈骗", "电诈": "诈骗",
    "狗证": "养犬登记", "养狗": "养犬", "办狗证": "养犬登记", "犬证": "养犬登记", "狗狗": "狗",
    "泰迪": "狗", "柯基": "狗", "金毛": "狗", "哈士奇": "狗", "大型犬": "狗", "小狗": "狗",
    # common miswritings (same sound, wrong character)
    "补帖": "补贴", "补助金": "补贴", "低包": "低保", "出身证明": "出生医学证明", "志原者": "志愿者",
    "志远者": "志愿者", "心里热线": "心理援助热线", "心理热线": "心理援助热线", "心里咨询": "心理援助", "医宝": "医保",
    # other everyday names
    "农保": "养老保险", "新农保": "养老保险", "城居保": "养老保险", "评残": "残疾人证", "残疾鉴定": "残疾人证",
    "翻新": "装修", "报备": "备案", "宝宝": "孩子", "婴儿": "孩子", "娃娃": "孩子", "娃儿": "孩子",
    "小孩": "孩子", "大人": "成人", "成年人": "成人", "失业金": "失业保险金",
    "老年人": "老人", "老人家": "老人", "老爷子": "老人", "老太太": "老人", "接种本": "预防接种证",
    "接种证": "预防接种证", "疫苗本": "预防接种证", "好多钱": "多少钱",
    "翻修": "装修", "重新装修": "装修", "出租屋": "出租房", "房客": "租户", "租客": "租户",
    "家庭医师": "家庭医生", "体检项目": "体检 项目", "停车卡": "停车 月卡",
    # newborns, registering, and other everyday names
    "刚满月": "新生儿", "刚出生": "新生儿", "刚生的孩子": "新生儿", "满月的孩子": "新生儿",
    "报个到": "登记", "娃": "孩子", "介绍工作": "就业推荐", "推荐工作": "就业推荐", "找份工作": "就业",
    "找个工作": "就业", "找点活": "就业", "介绍个工作": "就业推荐", "推荐个工作": "就业推荐", "介绍份工作": "就业推荐",
    "推荐份工作": "就业推荐", "介绍个活": "就业推荐", "推荐个活": "就业推荐",
    "尊老金": "高龄补贴", "敬老金": "高龄补贴", "急难救助": "临时救助", "电摩": "电动车",
    "计划生育": "计生", "药方": "处方", "门禁扣": "门禁卡", "感应卡": "门禁卡", "报到": "登记", "登个记": "登记", "出生纸": "出生医学证明", "五保": "特困",
    # grandchildren and newborns, papers by their old names, slips of the same sound
    "外孙女": "孩子", "外孙": "孩子", "刚生了孩子": "新生儿", "刚生完孩子": "新生儿", "防疫本": "预防接种证",
    "防疫针": "疫苗接种", "残疾正": "残疾人证", "残疾症": "残疾人证", "午休": "办公时间", "哪天开门": "办公时间",
    "坐车不要钱": "老年人乘车卡", "坐公交不要钱": "老年人乘车卡", "免费坐公交": "老年人乘车卡", "免费乘车": "老年人乘车卡",
    "瘫在床上": "瘫痪", "瘫痪在床": "瘫痪", "中风": "脑梗", "户头": "户名",
    # the office's midday rest, subsistence as people say it
    "中午休息": "办公时间", "吃低保": "低保",
    # the senior card by its southern name, the birth paper by its Cantonese one, old furniture by the piece
    "长者卡": "老年优待证", "长者证": "老年优待证", "长者优待证": "老年优待证", "出世纸": "出生医学证明",
    "旧衣柜": "大件垃圾", "旧柜子": "大件垃圾", "旧桌子": "大件垃圾", "旧椅子": "大件垃圾", "旧桌椅": "大件垃圾",
    "烂椅子": "大件垃圾", "烂沙发": "大件垃圾", "破沙发": "大件垃圾", "旧床": "大件垃圾", "旧席梦思": "大件垃圾",
    # the days of the week as people name them (the entries write 周六), a check-up, an only child
    "星期一": "周一", "星期二": "周二", "星期三": "周三", "星期四": "周四", "星期五": "周五", "星期六": "周六",
    "星期天": "周日", "星期日": "周日", "礼拜一": "周一", "礼拜二": "周二", "礼拜三": "周三", "礼拜四": "周四",
    "礼拜五": "周五", "礼拜六": "周六", "礼拜天": "周日", "礼拜日": "周日",
    "免费查体": "老人体检", "查体": "体检", "贴补": "补贴", "老人会馆": "活动室", "老年会馆": "活动室",
    "就我一个孩子": "独生子女", "只有我一个孩子": "独生子女", "就一个孩子": "独生子女", "只有一个孩子": "独生子女",
}

#: a question: how, where, when, what, whether (a sentence without one is not answered)
QUESTION = re.compile(
    r"[?？]|怎么|怎样|如何|咋|(?<!那会)哪(?!想过|想到|能想到)|什么|啥|吗|嘛|么$|呢|伐|[不没][?？。!!]*$|[了过]没有(?=[?？。!!,,\s]|$)|有[^,,。?？\s]{1,4}没有(?=[?？。!!,,\s]|$)|提前几|[不没][,,\s]|(?!得不得了)(.)不\1|多少|(?<![好这前那了们])几(?!乎)|多久|多长|还是(?!挺|很|太|蛮|有点|比较|那么|这么|不错|一样|老样子)|"
    r"能不能|可不可以|可以不|要不要|是不是|是否|有没有|有无|(?<!见)谁(?![都也])|请问|想问|问一下|问问|打听|(?<!法律)(?<!心理)(?<!政策)(?<!义务)(?<!健康)咨询(?!台|会|点|活动|服务|日)|"
    r"不知道|知道.{0,6}(怎|哪|什么|吗)|求助.{0,4}(怎|哪)|流程|手续|需要.{0,8}(材料|证件|资料)")

#: a problem for a person (a ticket), not a question for the guide
PROBLEM = re.compile(
    r"(?<![憋累急吓气乐饿忙])坏了|坏掉|漏水|渗水|堵了|堵住|停水|停电|没水|(?<!卡里)(?<!表里)没电(?!梯|瓶|脑)|断电|断水|跳闸|不亮|(?<!打)不通|吵得|太吵|噪音|"
    r"臭味|异味|冒烟|(?<!打不)(?<!点不)着火|失火|燃气味|煤气味|救命|摔倒|晕倒|打架|(?<!偷)偷(?!偷)|被盗|快来|(?<![要让叫喊说]我)(?<![要让叫喊说])赶紧|"
    r"马上来|(?<!被)(?<!被楼下)(?<!被邻居)投诉|举报.{0,4}(楼|邻居|门口)|乱停|占用|堵门|[帮替][我俺](?!.{0,5}(问|查|打听)|看看|们?(介绍|推荐|找.{0,2}(工作|活)|打官司|调解))|"
    r"陪[我俺].{0,2}去|[来到][我俺]家(?!吃|玩|做客)|"
    r"(?<!带孩子)(?<!带娃)(?<!去)(?<!想)(?<!去帮)(?<!律师)(?<!社区帮)帮忙(?!问|查|打听|带|照看|看孩子|看娃|推荐|介绍|找.{0,2}工作)|"
    # someone to act for them: pay, go, come to the home, issue a paper ready to collect
    r"帮[他她](?!.{0,5}(问|查|打听))|[帮替][我俺]去|(?<!朋友)(?<!亲戚)(?<!客人)(?<!同学)[来到上]家里(?!吃|玩|做客|住)|"
    r"给[我俺](开|办|留|准备)(?!了)(?!.*(什么|啥|哪|怎么|多久|多少))|"
    # who left, dumped or parked something: a neighbour matter ("门口的旧沙发谁扔的")
    r"谁(家)?的?(扔|放|丢|堆|停|摆|倒)的|"
    # lost and found between neighbours ("谁家的门禁卡掉在一楼了", "捡到一张老年卡")
    r"谁(家)?的[^,,。?？\s]{0,6}(掉|丢|落|忘)(在|了)|捡到(了)?(一|个|张|把|串|只)|"
    # a complaint that nobody deals with something ("堆了好几天了也没人管吗")
    r"(?<!有)(没人|没有人|也没人|都没人)(管|问|处理|来收|来拉)(吗|么|嘛|啊|呀|的吗)")

#: someone asked to come (a ticket) — unless to check the home's safety, which is the fire-safety
#: visit's to book ("有没有人能来看看电线安不安全", "社区能不能派人上门查一下消防")
COME = re.compile(r"有人.{0,2}(上门|陪|来|帮)(?![^,,。?？]{0,2}[拉收卖推骗敲说过])|来个人|派个人|派人|让.{0,8}[来去](家|看看|看一下|瞧瞧)|"
                  r"给[我俺](回|打)个?电话|回个?电话给[我俺]|安排.{0,3}人.{0,2}(上门|来)|(?<![申邀])请(?!问)[^,,。?？\s]{0,6}(上门|到家|来家里)")
SAFETY_VISIT = re.compile(r"消防|隐患|安不安全|安全不安全|烟感|线路老化|电线老化")

_KIN = (r"爸|妈|爹|娘|爷爷?|奶奶?|姥姥?|姥爷|外公|外婆|老伴|老公|老婆|媳妇|爱人|对象|儿子|女儿|闺女|孙子|孙女|"
        r"儿媳妇?|女婿|哥|姐|弟|妹|婆婆|公公|公婆|岳父|岳母|丈母娘|亲戚|家人|家里人|老人|孩子|父亲|母亲|父母|"
        r"舅|姨|叔|伯|姑|婶")

#: 帮 / 替 of a relative acting for another, or of the resident acting for a relative ("我替我爸领行不
#: 行", "让我妈去社区替我开", "我能帮他代办吗", "我妈过来帮我带孩子", "孙子帮我打的字"): whom a paper
#: is done for, not a person asked to come (taken out of the text before ``PROBLEM`` is read)
_MODALS = r"(想|能|(去|到|在)(哪里|哪儿|哪)|可以|可不可以|能不能|来|去|要|得|就|也|自己|直接|远程|[用在]自己的?(手机|微信|网上)上?|[用在](手机|微信|网上)上?|线上|网上)*"
PROXY = re.compile(
    rf"(我|俺|家属|家人|子女|儿女|亲属)((这个?)?(做|当)[^,,。?？\s]{{1,3}}的)?{_MODALS}[帮替](他|她)们?|((我|俺)|(^|[\s,,。;;])想){_MODALS}[帮替](我|俺)的?({_KIN})|"
    rf"让(我|俺)?的?({_KIN})[^,,。?？\s]{{0,6}}[帮替](我|俺)|"
    r"[帮替](我|俺)们?(带|看|照顾|接送)(孩子|娃|孙|小孩)|[帮替](我|俺)打的?字")

#: a problem named only to ask how it is handled ("水管坏了怎么报修", "着火了能申请啥救助"): the
#: procedure is a question for the guide (a resident who wants a person replies 人工)
PROCEDURE = re.compile(
    r"(怎么|怎样|如何|找谁|去哪|在哪|上哪|哪里|能不能|能否|可以|可不可以|能|好(?=申请|报)).{0,3}"
    r"(报修|申请|救助|补助|报案|挂失|备案|来电|来水|恢复供|调解)|多久.{0,3}(来电|来水|恢复)|"
    r"修.{0,4}(要钱|收费|收钱|多少钱|免费)|"
    # whom to ask to mend it, the repair line, whether the supply is cut ("楼道灯坏了找谁修", "会不会停水")
    r"找谁(来)?(修|弄|处理)|报给谁|该找谁|报修电话|会不会(停|断)(水|电|气)|"
    # how and when a repair is reported, the line to ring, where a broken card is changed, when
    # arrears cut the supply ("报修以后多久能来", "找物业报修打哪个电话", "门禁卡坏了去哪换", "欠费多久会停电")
    r"报了?修[^,,。?？]{0,6}(怎么|咋|多久|几天|电话|流程)|找谁(?=$|[\s,,。?？呀啊呢])|(怎么|咋|如何)(叫|喊|找|联系)物业|(打|拨)(哪个|什么|啥)电话|管不管修|"
    r"(去哪|在哪|哪里)(换|补办)|管不管(?=$|[\s,,。?？])|是不是欠费|欠(费|了)[^,,。?？]{0,6}(会|就)(停|断)")

#: words that carry no topic: question words, particles, people, fillers
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 哈 啦 喔 噢 是 在 有 和 跟 与 或 就 都 也 还 又 才 再 很 太 "
    "我 你 他 她 它 我们 你们 他们 咱 咱们 俺 我家 俺家 家里 人家 自己 大家 这 那 这个 那个 这边 那边 "
    "哪 哪里 哪儿 哪个 什么 啥 怎么 怎样 咋 咋个 咋办 怎么办 如何 多少 几 谁 为什么 为啥 "
    "请问 问 问一下 想问 想 知道 一下 可以 能 能不能 要 要不要 需要 应该 得 会 去 来 到 给 把 被 让 "
    "办 办理 弄 搞 申请 领 拿 找 用 做 交 说 看 请 谢谢 麻烦 您 好 你好 大家好 老师 社区 "
    "现在 今天 今年 明天 时候 什么时候 一般 一个 个 些 点 吧 呗 嘞 咯 哟 呐 吖 没 不 没有 是不是 "
    "爸 妈 我爸 我妈 老爸 老妈 哥 姐 弟 妹 老婆 老公 媳妇 儿子 女儿 孙子 孙女 公公 婆婆 奶奶 爷爷 "
    "帮我 帮他 帮她 替我 老娘 老头 老头子 老伴 老汉 老两口 屋头 屋里 阿姨 叔叔 大爷 大妈 邻居 亲戚 朋友 "
    "听说 去年 明年 上个月 下个月 这个月 个月 上个 下个 每个 一直 刚 刚刚 新 最近 前几天 昨天 前天 以后 之前 "
    "以前 已经 还没 还是 估计 比如 或者 就是 问下 问一 想问一下 您好 打扰 第一次 第一 一次 懂 一趟 跑 "
    "下 上 里 后 前 时 条 只 个 位 那种 这种 情况 东西 事 事情 有人 人 "
    "问问 实在 真的 特别 非常 有点 比较 一点 可能 大概 主要 挺 蛮 好像 感觉 觉得 "
    # what to bring is asked of every topic: it names none ("要带户口本吗")
    "户口本 户口簿 口本 身份证 身份 份证 复印件 原件 证件 照片 "
    ", 。 ! ? 、 ; : ~ … , . ! ? ; : ( ) ( ) “ ” \" ' 【 】 [ ] - _ /".split())

#: question words stripped from the edges of a token (jieba keeps "哪里办", "什么材料" whole)
EDGE_WORDS = ("怎么", "怎样", "如何", "哪里", "哪儿", "在哪", "去哪", "什么", "咋个", "咋", "啥", "多少",
              "要", "能", "可以", "需要", "请问")

#: common public services and everyday places the guide may well not cover: a question naming
#: one is answered only by an entry that names it too (else it goes to a person)
ELSEWHERE = re.compile(
    r"护照|签证|通行证|驾照|驾驶证|行驶证|房产证|不动产|公积金|个税|税|结婚证|结婚登记|离婚证|离婚手续|"
    r"公证|营业执照|个体户|手机号|话费|运营商|健康证|高考|中考|考试|资格证|违章|"
    r"幼儿园|小学|初中|中学|高中|入学|学区|学位|丧葬|殡葬|墓地|火化|药店|超市|菜市场|菜场|快递|宽带|"
    r"银行卡|贷款|彩票|"
    # offices and trades no community guide speaks for: border control, courts, tax, schools' own
    # records, mortgages, hired help
    r"出入境|工商|商标|专利|法院|起诉|退税|发票|房贷|限购|学籍|奖学金|助学金|毕业证|学历|人事档案|"
    r"护工|搬家公司|开锁|离婚冷静期|离婚登记|离婚协议|协议离婚|(120|救护车|急救车)[^,,。]{0,8}(钱|费|多少|电话|怎么叫)")

#: another thing that shares a word with a topic (二手电动车 is not 电动车上牌, 生育津贴 not 生育登记,
#: 婚前检查 not 老人体检, 充电桩 not 停车, a child's 游泳 class not 技能培训, 养猫 not 养犬, 迁户口 not
#: 新生儿落户): a question naming one is answered only by an entry that names it too, however much
#: of the question the entry's title holds (``ELSEWHERE`` lets the title decide: 孩子上小学要居住证)
OTHER_THING = re.compile(
    r"二手|收购|生育津贴|生育保险|生育险|婚前|婚检|孕检|产检|充电桩|摩托|"
    r"游泳|钢琴|舞蹈|美术|书法|补习|补课|辅导班|兴趣班|托管班|托育|早教|夏令营|"
    r"猫(?!眼|冬|着|在)|宠物医院|物业费|维修基金|暖气|供暖|献血|入职体检|"
    r"无犯罪|亲属关系证明|死亡证明|退休手续|食堂|助餐|老年餐|饭堂|理发|健身房|"
    r"企业(退休|职工)[^,,。?？\s]{0,4}(养老金|退休金|养老保险)|职工养老|企业养老|"
    # an employer's duty or a wage dispute (老板没给交社保, 拖欠工资)
    r"(老板|公司|单位|厂里|厂子|东家)[^,,。?？\s]{0,4}(没|不|不肯|不愿|拖着不)(给|帮|替)?[我俺他她们]{0,2}(交|缴|买|上|发)|"
    r"拖欠|欠薪|讨薪|工资没发|不发工资|工伤|"
    # a crime reported to the police (电动车被偷了去哪报案; the anti-fraud entry names it itself)
    r"报案|立案|"
    # a building's facade or an old estate's renewal is the street office's programme, not a filing;
    # a subsidy asked of a topic whose entry names none (外立面翻新有没有补贴) is for a person to answer
    r"外立面|旧改|老旧小区改造|补贴")

#: one's own papers lost or expired: the police's or the social security office's, never an entry's
#: unless it names the paper (a question naming one is not answered by "补办" in another title)
LOST_PAPERS = re.compile(r"(身份证|户口本|户口簿|社保卡)(?=.{0,3}(丢|补|掉|换|过期|到期))")

#: another city's own rules ("北京的居住证怎么办", "在杭州办老年卡"): the guide is this community's
#: (a question about using one's insurance elsewhere, 异地, is ours)
_CITIES = (r"北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|武汉|成都|西安|长沙|郑州|济南|青岛|沈阳|大连|哈尔滨|长春|"
           r"石家庄|太原|合肥|福州|厦门|南昌|昆明|贵阳|南宁|海口|兰州|西宁|银川|乌鲁木齐|呼和浩特|拉萨|宁波|无锡|"
           r"东莞|佛山|珠海|香港|澳门|台湾")
_PROVINCES = (r"河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|"
              r"陕西|甘肃|青海|内蒙古?|广西|西藏|宁夏|新疆")
OTHER_PLACE = re.compile(
    rf"({_CITIES}|[一-龥]{{2,3}}省)(市)?(的|那边的|那里的)|在({_CITIES})(市)?(办|交|领|申请|上)|"
    # "深圳那边电动车上牌…": that city's own rules (not "从深圳那边过来")
    rf"({_CITIES})(市)?(那边|那里|当地)(?!过来|来的|回来|来这|到这)|"
    # a relative living in another city and what is done there ("我姐在杭州 她那边给小孩办医保…")
    rf"(在|住|去了?)({_CITIES})(市)?[\s,,]{{0,2}}[他她]们?(那边|那里|那儿|那的|当地)|"
    rf"(去|到|回)({_CITIES})(市)?(哪|办|交|续|领|申请)|"
    # a city opening a clause and naming what follows ("深圳新生儿落户要啥材料"), not a street or estate
    rf"(^|[\s,,。;;])({_CITIES})(市)?(?!路|街|大道|道|小区|花园|广场|公园|[东西南北]路)")

#: a named province's or city's own scheme, even for one whose home it is ("老家在河南 那边的新农合
#:能在这边办吗", "外地城市办的老年卡在这边能用吗"): no entry answers another place's version (a
#: question that only says where the resident came from, "我从安徽来打工,居住证怎么办", is ours)
PLACE_VERSION = re.compile(
    rf"({_PROVINCES}|{_CITIES})[\s,,]?(那边|那里|当地)的|"
    r"老家[^,,。?？\s]{0,2}(村里|村上|镇上|县里|乡里)(今年|现在|去年|明年)?的|"
    rf"({_CITIES}|{_PROVINCES})(办|交|缴|参|领)的[^,,。?？]{{0,8}}(在|到|来|回)(这边|这里|咱这|咱们这|我们这|本地)|"
    # any other place's card or paper, used here ("老家办的老年卡拿到这边能刷吗", "<某>市发的…在这边能用吗")
    # another city's card or paper named by its place, asked about here ("<城市>的老年卡我们这边能用吗")
    rf"({_CITIES}|{_PROVINCES})(市|省)?的[^,,。?？\s]{{0,6}}(卡|证|补贴|医保|社保)[^,,。?？\s]{{0,6}}"
    r"(在|到)?(我们|咱们?|这边|这里|本地|老家)|"
    r"(外地|老家|外省|[一-龥]{2}[市县省])(办|交|缴|参|领|发|买)的[^,,。?？\s]{0,8}(在|到|来|拿到|拿来)"
    r"(这边|这里|咱这|咱们这|我们这|本地)[^,,。?？\s]{0,6}(能|可以)?(用|刷|通用|认|坐)")

#: a complaint put as a question to a thing ("这门是不是跟我有仇"): it asks no one anything
RHETORICAL = re.compile(r"(跟|和|与)[我俺]们?(有仇|过不去|作对|开玩笑|对着干)|见谁[^,,。?？\s]{0,3}谁")

#: asking for an opinion or a recommendation (哪家好, 好点的, 哪家驾校便宜, 有没有…推荐): the guide
#: says how things are done, it does not recommend businesses (the community recommending work is
#: an entry: 推荐工作 stays a question)
OPINION = re.compile(r"哪(里|家|个|儿)(比较|最)?好|好点的|好一点的|靠谱|值得|(哪个|什么|啥)(牌子|品牌)|有(没有)?(什么|啥)?推荐(?![^,,。]{0,3}(工作|岗位|就业|个?活))|"
                     r"哪家[^,,。?？]{0,10}(好|便宜|实惠|快|新鲜)|(哪里|哪儿|哪)[^,,。?？\s]{0,4}(便宜|实惠)|"
                     # a shop or a private service nearby (附近哪里能修手机, 小区附近有没有药店)
                     r"(附近|周边|旁边|小区|楼下)[^,,。?？\s]{0,4}(哪里|哪儿|有没有|哪家|有啥|有什么)[^,,。?？\s]{0,8}"
                     r"(店|修|卖|超市|馆|辅导班|培训班|补习班|宠物医院|药房)|"
                     # where a shop is that mends, cuts or sells a thing (哪里有修电动车的, 哪儿能配钥匙)
                     r"(哪里|哪儿|哪)(有|能|可以)[^,,。?？\s]{0,2}(修|配|卖|收)[一-龥]{1,6}的|"
                     # a trade's shop named by its work (哪里可以配钥匙, 哪儿能修鞋)
                     r"(哪里|哪儿|哪)(有|能|可以)[^,,。?？\s]{0,2}(配(把)?钥匙|修鞋|修锁|开锁|换锁|修手机|修电脑|修家电|改衣服)|"
                     # buying and selling second-hand goods is a market's business, not the guide's
                     r"二手[^,,。?？]{0,8}(哪里|哪儿|哪家|谁|有没有人|有人)[^,,。?？]{0,3}(收|要|买)|"
                     r"二手[^,,。?？]{0,8}(卖|出手|转手)[^,,。?？]{0,3}(哪|谁|给)|"
                     # selling one's old things ("旧电动车不想要了哪里能卖掉")
                     r"(哪里|哪儿|哪|谁)[^,,。?？\s]{0,4}(卖掉|卖了|卖给|收购)|"
                     r"(有没有|有啥|有什么|大家有|求)[^,,。?？\s]{0,12}(?<!就业)(?<!工作)(?<!岗位)推荐(?![^,,。]{0,3}(工作|岗位|就业|个?活))")

#: the resident's own case to be looked up or done by a person, phrased as a question ("帮我查下
#: 我家的申请批了没", "麻烦查一下我预约的是哪天", "能不能请社区帮我代领"): a ticket, never a guide
#: answer (a fire-safety check at home, 上门查隐患, is the guide's; so is "家属能代办吗")
OWN_CASE = re.compile(
    r"^(?!.*(消防|隐患|灭火|安全)).*?(帮|麻烦|劳驾)[^,,。?？怎哪]{0,8}(?<!检)查(?!出|验)|"
    r"(请|托|让|派|麻烦)[^,,。?？]{0,8}代(领|办|交|缴|取|签)|[帮替][我俺]代(领|办|交|缴|取|签)|"
    # asking someone to ask or look whether one's own case has gone through ("帮我问问…批了没有")
    r"(帮|麻烦|劳驾)[^,,。?？]{0,10}(问问|问一下|问下|看一下|看下|看看)[^,,。?？]{0,16}"
    r"(没到|批了没|办好了?没|到账没|下来没|批下来|到哪一?步|进度|为什么|为啥|怎么(少|没|还没)|咋(少|没|还没)|"
    r"少(记|算|发|给|了)|多(扣|收))|把[我俺](拉|加)(进|到|入)|"
    # what someone said they would ask or do for the resident ("上回你说帮我问的…有结果没有")
    r"(上回|上次|之前|那天|前几天)[^,,。?？]{0,3}你[^,,。?？]{0,3}(说|答应)|有(结果|回音|下文)了?(没|吗|么)|"
    # asking the office to verify or check something that happened to the resident ("麻烦你们核实一下")
    r"(麻烦|请|帮|劳驾)[^,,。?？]{0,6}(核实|核查|落实一下|确认一下)")

#: a question put to another resident about their own affairs ("老王你的老年卡办好了没", "你家孩子疫苗
#: 打了没"): chat between neighbours, not a question for the guide
NEIGHBOURS = re.compile(
    r"(你|您)(的|家的?|们家的?)[^,,。?？\s]{0,8}(办好|弄好|领到|拿到|下来|批了|批下来|到了|打了|交了|办了|去了)"
    r"了?[^,,。?？\s]{0,2}(没|吗|么|没有|不)")

#: Cantonese as residents of a southern city write it, put into the Mandarin the rules and the
#: entries are written in (longest first; ``guide_text.mandarin``): question forms (点样, 边度, 有冇,
#: 系咪, 可唔可以, 几时, 咩), function words (嘅, 喺, 咗, 佢, 哋, 嚟, 俾) and everyday words (屋企,
#: 老豆, BB, 新抱, 电鸡, 梳化, 巴士, 揾工, 火烛)
CANTONESE = {
    # asking
    "点样": "怎么", "点算": "怎么办", "点搞": "怎么弄", "点解": "为什么", "做咩": "为什么", "乜嘢": "什么",
    "咩嘢": "什么", "咩": "什么", "乜": "什么", "边度": "哪里", "边处": "哪里", "边个": "谁", "边间": "哪间",
    "边位": "哪位", "几时": "什么时候", "有冇": "有没有", "系咪": "是不是", "系唔系": "是不是",
    "得唔得": "行不行", "定系": "还是", "唔该": "请", "唔知": "不知道", "唔识": "不会", "唔使": "不用",
    "使唔使": "用不用", "郁唔到": "动不了", "唔": "不", "冇": "没有",
    # function words and people
    "嘅": "的", "喺": "在", "咗": "了", "佢哋": "他们", "佢": "他", "我哋": "我们", "你哋": "你们",
    "嚟": "来", "俾": "给", "畀": "给", "睇": "看", "揾": "找", "搵": "找", "攞": "拿", "啲": "些",
    "嗰": "那", "呢度": "这里", "呢边": "这边", "呢个": "这个", "呢间": "这间", "咁": "这么",
    "嘢": "东西", "先至": "才", "得闲": "有空", "返工": "上班", "收档": "收摊",
    "屋企": "家里", "老豆": "爸爸", "阿爸": "爸爸", "阿妈": "妈妈", "新抱": "儿媳", "个仔": "儿子",
    "个女": "女儿", "孙仔": "孙子", "BB": "宝宝", "bb": "宝宝", "工人姐姐": "保姆",
    "电鸡": "电动车", "梳化": "沙发", "巴士": "公交", "揾工": "找工作", "火烛": "着火", "跌亲": "摔了",
    "几多": "多少", "而家": "现在", "细路": "小孩", "朝早": "早上", "下昼": "下午", "夜晚": "晚上",
    "隔篱": "隔壁", "唔得": "不行", "平啲": "便宜点", "换平": "换便宜", "买平": "买便宜",
    "几耐": "多久", "拎": "拿", "返嚟": "回来", "铺头": "店铺", "唔见": "丢", "社康": "社区卫生服务中心",
}

#: Southwestern Mandarin (Sichuan, Chongqing, Guizhou, Yunnan) as residents write it, put into the
#: Mandarin of the rules the same way (咋个 交法, 不晓得 找哪个, 屋头, 电马儿); the words of it that
#: Mandarin uses with another meaning (好久 "when", 好多 "how much", 哪个 "who", 没得 "or not") are
#: read by their neighbours (``SOUTHWEST_*``)
SOUTHWEST = {
    "咋个": "怎么", "啥子": "什么", "晓得": "知道", "屋头": "家里", "电马儿": "电动车", "电马": "电动车",
    "来耍": "来玩", "娃儿": "孩子", "要得不": "行不行", "要不得": "行不行",
}
#: Wu (Shanghai, Suzhou, Hangzhou), Minnan (Xiamen, Quanzhou, Taiwan) and Northeastern words as
#: residents write them, put into Mandarin the same way (阿拉 → 我们, 哪能 → 怎么, 啥辰光 → 什么时候;
#: 阮厝 → 我家, 按怎 → 怎么, 袂晓 → 不会; 咋整 → 怎么办)
WU = {
    "阿拉": "我们", "侬": "你", "啥地方": "哪里", "啥辰光": "什么时候", "辰光": "时候",
    "勿": "不", "铜钿": "钱", "钞票": "钱", "屋里厢": "家里", "姆妈": "妈妈", "爷娘": "父母", "号头": "月",
    "交关": "很", "家什": "家具", "娘舅": "舅舅",
}
MINNAN = {
    "阮厝": "我家", "阮兜": "我家", "阮新妇": "我儿媳", "阮后生": "我儿子", "阮阿公": "我爷爷", "阮阿嬷": "我奶奶",
    "厝边": "邻居", "老厝": "老房子", "厝": "房子", "按怎": "怎么", "袂晓": "不会", "袂": "不", "敢有": "有没有",
    "囝仔": "孩子", "查埔孙": "孙子", "查某孙": "孙女", "新妇": "儿媳", "阿嬷": "奶奶", "呷": "吃",
}
NORTHEAST = {"咋整": "怎么办", "嘎哈": "干什么", "干哈": "干什么", "调节": "调解"}
#: 伊 "he / she" and 伊拉 "they" of Wu (not 伊朗, 伊犁, 伊斯兰, 木乃伊)
WU_HE = re.compile(r"(?<!木乃)伊(拉)?(?![朗犁斯甸利克])")
#: 哪能 "how" of Wu (哪能弄, 哪能申请), not Mandarin's "where can" (在哪能查到)
WU_HOW = re.compile(r"(?<![在去到从上])哪能")

#: 好久 "when" before what happens then (好久开始, 好久有人来拉; not 好久不见, 等了好久)
SOUTHWEST_WHEN = re.compile(r"(?<![了等过隔有很])好久(?=开始|有|能|来|去|办|发|到|截止|打|上班|开门|结束|出|拿|领|可以|会)")
#: 好多 "how much" after paying or being paid, or of an age (能报好多, 要出好多, 满好多岁; not 好多人)
SOUTHWEST_HOW_MUCH = re.compile(r"(?<=[报交出给补退赔])好多(?=$|[\s,,。?？呀啊哦嘛呢]|钱)|(?<![了有])好多(?=岁)")
#: 哪个 "who" as the one to go to (找哪个, 问哪个, 哪个管; not 哪个部门)
SOUTHWEST_WHO = re.compile(r"(?<=[找问])哪个(?=$|[\s,,。?？呀啊哦嘛呢]|[来去]?(修|弄|处理|办|交|问|看|管))|哪个(?=管)")
#: 没得 "or not" closing a question (社区有人办事没得; not 没得说)
SOUTHWEST_OR_NOT = re.compile(r"没得(?=$|[\s,,。?？!!呀啊哦嘛])")
#: Cantonese 未 "yet?" closing a question (到咗未, 交成功未呀; not 未来, 未成年)
CANTONESE_YET = re.compile(r"(?<=[了好完到功])未(?=$|[\s,,。?？!!呀啊呢])")
#: Cantonese words that need their neighbours to be read: 系 "is" (not 关系, 联系, 系统), 去边 / 喺边
#: "where to", 点 "how" before the verb that ends the question (点办, 点改, 点约; not 几点, 点开)
CANTONESE_IS = re.compile(r"(?<![联关体派维直世星院文学])系(?![统列数])")
CANTONESE_WHERE = re.compile(r"(?<=[去在到放交报办住])边(?![上缘境])")
CANTONESE_HOW = re.compile(r"(?<![几一二两三四五六七八九十0-9零半早晚钟])点(?=办|改|约|补|续|申请|预约|交|报|参保|做|处理|领)")
