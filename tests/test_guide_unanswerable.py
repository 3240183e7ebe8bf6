"""办事指南 never answers what no entry answers, through the test gateway with hand-written lines:
a request to look up or act on the resident's own case (a person must do it: a ticket), another
province's or city's own scheme, and a recommendation of a private business — while a question
that only says where the resident came from, or asks whether family may act for an old parent,
is still answered."""
from __future__ import annotations

from tests.conftest import texts_to
from tests.helpers import building_room_of
from tests.test_guide import ask_in_turn, entry_id, ticket_count


def _answered_by(bot, sent, key: str) -> bool:  # type: ignore[no-untyped-def]
    return any(m.text.startswith(f"【办事指南 {entry_id(bot, key)}】") for m in sent)


def _no_guide(sent) -> bool:  # type: ignore[no-untyped-def]
    return not any("办事指南" in m.text for m in sent)


async def _assert_answered(bot, cases: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    """Each (text, entry key) asked in turn is answered from that entry."""
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text


async def _assert_not_answered(bot, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each line asked in turn gets no guide answer."""
    for text, sent in await ask_in_turn(bot, lines):
        assert _no_guide(sent), text


async def test_looking_up_ones_own_case_becomes_a_ticket_not_an_answer(bot) -> None:
    lines = ["能不能帮我查一下我儿子的新生儿医保交成功没有", "麻烦查下我上周报名的流感疫苗排在哪天",
             "我腿摔了出不了门 残疾证能不能托网格员帮我代领一下",
             "麻烦帮我问问我老伴的残疾人补贴申请批下来了吗"]
    for n, text in enumerate(lines):
        resident = f"r0{n + 1}"
        room = building_room_of(bot, resident)
        before = ticket_count(bot)
        sent = await bot.say(text, sender=resident, room=room)
        assert _no_guide(sent), text
        # a person sees it: a ticket, or (when the classifier is unsure) a member asked to confirm
        assert (ticket_count(bot) == before + 1 and any("工单号" in t for t in texts_to(sent, room))) or any(
            m.text.startswith("【待确认") and text in m.text for m in sent), text


async def test_another_places_own_scheme_is_not_answered(bot) -> None:
    lines = ["湖北那边的高龄补贴在这边能领吗", "杭州办的老年卡到这边坐公交能刷吗", "老家办的老年卡拿到这边能刷吗"]
    for text, sent in await ask_in_turn(bot, lines):
        assert _no_guide(sent), text


async def test_a_recommendation_of_a_business_is_not_answered(bot) -> None:
    for text, sent in await ask_in_turn(bot, ["附近有没有靠得住的钢琴培训班推荐", "想给娃报个游泳班 哪家便宜"]):
        assert _no_guide(sent), text


async def test_questions_that_only_mention_a_place_or_family_acting_are_still_answered(bot) -> None:
    cases = [("我从江西过来打工 居住证要准备什么材料", "residence-permit"),
             ("老人走不动路 家属能代办残疾证吗", "disability-certificate"),
             ("社区能推荐工作吗", "job-training"), ("我闺女毕业在家 社区能帮忙介绍个工作吗", "job-training")]
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text


async def test_another_thing_sharing_a_topic_word_is_not_answered(bot) -> None:
    # each shares a word with an entry (电动车上牌, 生育登记, 老人体检, 技能培训, 养犬登记) but asks of
    # something that entry does not cover: a person answers it
    lines = ["我那辆二手电瓶车想卖掉 卖给谁合适", "公司给交的生育险 报销去哪报", "婚检要带什么去",
             "女儿想学舞蹈 社区有培训吗", "养猫需不需要登记", "楼下有没有修电动车的店"]
    for text, sent in await ask_in_turn(bot, lines):
        assert _no_guide(sent), text


async def test_a_statement_with_an_idiom_is_not_taken_for_a_question(bot) -> None:
    sent = await bot.say("拿到老年卡坐公交不花钱了 我妈高兴得不得了", sender="r02", room=building_room_of(bot, "r02"))
    assert _no_guide(sent)


async def test_the_entrys_own_name_beside_another_thing_is_still_answered(bot) -> None:
    # 生育津贴 is not the guide's, but the question asks about 生育登记 itself; 二手 beside 上牌 is too
    cases = [("办生育津贴是不是得先做生育登记 生育登记怎么弄", "birth-registration"),
             ("买了辆二手电动车 怎么上牌", "ebike-registration")]
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text


async def test_full_width_punctuation_reads_as_the_rules_spell_it(bot) -> None:
    # residents type ，and ？: another city's scheme named across a full-width comma, and another
    # city's card asked about by an outsider, are still not this community's to answer
    for text, sent in await ask_in_turn(bot, ["我爸户口在成都，那边的医保报销在手机上怎么弄？", "上海的敬老卡外地老人能不能办？"]):
        assert _no_guide(sent), text
    sent = await bot.say("孩子刚出生，出生证明在哪里开？", sender="r03", room=building_room_of(bot, "r03"))
    assert _answered_by(bot, sent, "birth-certificate")


async def test_a_question_ending_its_clause_in_bu_before_a_space_is_answered(bot) -> None:
    # voice input leaves spaces, not commas: "…申请不 我腿脚不方便" asks as "…申请不,…" does
    cases = [("残疾人证能在网上申请不 我腿脚不方便", "disability-certificate"), ("社区周六办公不 我想去开证明", "office-hours")]
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text


async def test_shops_other_schemes_and_neighbour_matters_are_not_answered(bot) -> None:
    # a repair shop, an enterprise's pension (not the residents' scheme), divorce's own procedure,
    # another city's card moved to one's home town, and who left something in the way
    lines = ["楼下哪里有修自行车的", "我们厂里企业退休的退休金啥时候涨", "离婚登记要带什么材料",
             "上海的社保卡能转到老家用吗", "楼道里那辆电动车谁停的 挡着路了"]
    for text, sent in await ask_in_turn(bot, lines):
        assert _no_guide(sent), text


async def test_neighbours_talk_lost_and_found_and_asks_to_check_are_not_answered(bot) -> None:
    # a question put to a neighbour about their own papers, a card found in the lift, asking the
    # office to chase one's own application, a key shop, a boss who pays no insurance, a complaint
    # that nobody clears something away: none is a question the guide answers
    lines = ["张阿姨你家老头的老年卡办下来了没", "王哥你的居住证办好了吗 啥时候一起吃饭", "谁的乘车卡落在电梯里了 我交给门卫了",
             "居住证材料交了二十天了 帮我问问到哪一步了", "我家电动车上牌交了材料半个月 帮我问问进度",
             "哪儿可以配把钥匙 门禁卡丢了先用着", "我们老板一直不给我们交医保 这个怎么办",
             "门口的旧床垫扔了三天了也没人处理吗"]
    for text, sent in await ask_in_turn(bot, lines):
        assert _no_guide(sent), text
    # the same topics asked as questions are still answered
    cases = [("孩子打疫苗要预约吗", "child-vaccine"), ("门禁卡丢了怎么补办", "access-card")]
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text


async def test_whom_to_ask_is_answered_and_talk_of_the_past_or_elsewhere_is_not(bot) -> None:
    # a problem named to ask who mends it or whether the community mediates, a slip of a topic word
    # cut in two by jieba (居住正, 残急证), "…开始了没有", whether the supply is cut: the guide answers
    cases = [("过道里的灯不亮了好几天 该找谁修", "property-repair"),
             ("楼上卫生间漏水渗到我家墙上 吵了几次没结果 社区能出面调解吗", "legal-aid"),
             ("居住正要带什么材料", "residence-permit"), ("残急证在哪里办", "disability-certificate"),
             ("今年老年人体检开始了没有", "elderly-checkup"), ("电费忘了交会不会停电", "utility-payment"),
             # a paper other offices issue, named among the entry's materials (结婚证 for 生育登记)
             ("做生育登记两个人都得到场吗 结婚证用不用带", "birth-registration")]
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text
    # remembering the old days, another city's rules heard of, asking a neighbour about what they
    # promised, the ambulance's fee, a broadband line: not the guide's
    lines = ["以前在厂里上班那会哪想到现在还能领养老金", "听说杭州那边老年卡坐地铁免费 是真的吗",
             "王姐，上次你说帮我打听的高龄补贴有结果没有", "叫救护车要花多少钱", "请问宽带坏了找谁修"]
    for text, sent in await ask_in_turn(bot, lines):
        assert _no_guide(sent), text


async def test_family_acting_for_each_other_or_a_school_in_the_story_is_still_answered(bot) -> None:
    # the resident does a paper for a relative, a relative for the resident, grandparents come to
    # help with the baby; a school or kindergarten is only the story's reason: the guide answers
    cases = [("我姥姥从老家过来帮我带孩子 她在这边能办老年乘车卡吗", "senior-card"),
             ("我想用自己手机帮我妈交城乡居民医保 怎么交", "medical-insurance-payment"),
             ("让我儿子替我去社区开居住证明可以吗", "residence-proof"),
             ("娃九月份上幼儿园,幼儿园要家长的居住证,居住证在哪办", "residence-permit")]
    await _assert_answered(bot, cases)


async def test_asking_someone_to_go_or_come_for_the_resident_is_still_a_ticket(bot) -> None:
    # whom a paper is done for changes nothing when a person is asked to go or come
    await _assert_not_answered(bot, ["我腿脚不好 能不能帮我去社区把高龄补贴申请交了",
                                     "家里水管坏了 能不能派人来帮我修一下"])


async def test_a_safety_visit_the_repair_line_or_help_to_find_work_is_answered(bot) -> None:
    # someone asked to come to check the home's safety is the fire-safety visit's to book; a broken
    # thing named to ask the repair line, a pre-paid meter run dry, help to find work: all the guide's
    cases = [("家里电线老化了 有没有人能上门看看安不安全", "fire-safety-check"),
             ("卫生间水管漏水了 找物业报修打哪个电话", "property-repair"),
             ("社区能帮我介绍个工作吗 我下岗了", "job-training"),
             ("卡里没电了 电费在哪充", "utility-payment")]
    await _assert_answered(bot, cases)


async def test_asking_whether_it_came_before_a_story_or_how_many_days_ahead_is_answered(bot) -> None:
    cases = [("今年的流感疫苗到了没有 我想带我妈去打", "flu-vaccine"), ("大件垃圾要提前几天预约", "bulky-waste")]
    await _assert_answered(bot, cases)


async def test_a_few_of_something_still_so_and_another_places_hours_are_not_answered(bot) -> None:
    # 几 of "a few" and 还是 of "still" ask nothing; the opening hours of a shop or another office
    # are not the community's; asking staff to come to the home is for a person
    lines = ["我领了几张防诈骗的宣传单 贴在店门口了", "拿到老年卡那天还是挺高兴的", "旁边那个超市晚上几点关门",
             "我妈瘫在床上 能不能请工作人员上门来给她办残疾证"]
    await _assert_not_answered(bot, lines)


async def test_the_entry_both_learned_readings_name_and_a_relatives_city(bot) -> None:
    # BM25 leans to the newborn's insurance; the labelled questions and the model both say the
    # yearly payment: that entry answers. A relative's city and what is done there: no entry here.
    await _assert_answered(bot, [("居民医保今年几号开始交 一个人交多少", "medical-insurance-payment")])
    await _assert_not_answered(bot, ["我哥住在成都 他那边老年卡怎么办"])


async def test_cantonese_questions_are_read_as_mandarin(bot) -> None:
    # 喺边度, 咩, 点样, 几多 asked in Cantonese are answered as the Mandarin question is; a shop asked
    # where it is cheaper (平啲) is still no entry's
    await _assert_answered(bot, [("老人乘车卡喺边度办 要带咩证件", "senior-card"),
                                 ("BB出世咗 医保点样参保", "newborn-medical-insurance"),
                                 ("居住证喺边度续 要几多日", "residence-permit")])
    await _assert_not_answered(bot, ["边度换电动车电池平啲"])


async def test_we_few_selling_old_things_and_asking_to_be_rung_back_are_not_answered(bot) -> None:
    # 几 of "we few" asks nothing; where to sell one's old things is a market's; asking to be rung
    # back is for a person
    await _assert_not_answered(bot, ["我们几个老乡昨天一起去办了居住证", "家里旧冰箱不用了 哪儿能卖掉",
                                     "门禁卡坏了好几天 物业谁管这个 给我回个电话"])


async def test_southwestern_mandarin_questions_are_answered(bot) -> None:
    # 好多 "how much / how old", 好久 "when", 没得 "or not", 咋个, 电马儿, 找哪个 "whom" as
    # Sichuan and Chongqing residents write them
    await _assert_answered(bot, [("老爷子住院花了三万 医保能报好多", "medical-reimbursement"),
                                 ("今年老人体检好久开始 我想带我妈去", "elderly-checkup"),
                                 ("我家老汉满好多岁可以领高龄补贴", "elderly-allowance"),
                                 ("星期天社区办事大厅有人没得", "office-hours"),
                                 ("电马儿上牌咋个弄", "ebike-registration"),
                                 ("电梯坏了该找哪个", "property-repair"),
                                 ("物业那边的报修号码是好多", "property-repair")])
    # the same words in Mandarin's own sense ask nothing
    await _assert_not_answered(bot, ["等了好久才有人来修", "好多人都去打流感疫苗了", "这个月电费交了好多"])


async def test_cantonese_in_traditional_characters_and_not_yet_questions_are_answered(bot) -> None:
    await _assert_answered(bot, [("老人卡唔見咗點補", "senior-card"), ("長者卡喺邊度辦", "senior-card"),
                                 ("今年流感疫苗到咗未", "flu-vaccine"),
                                 ("報咗修之後幾耐有人嚟", "property-repair"),
                                 ("想帮我妈签个家庭医生 我代签行不行", "family-doctor")])


async def test_a_theft_a_joke_at_a_door_a_service_named_and_the_home_villages_scheme_are_not_answered(bot) -> None:
    # a theft is the police's (报案); a door that "has it in for me" asks no one; 心理咨询 named as
    # an event asks nothing; the home village's own fee is that village's
    await _assert_not_answered(bot, ["电动车被人偷了 派出所报案要带啥", "这破门是不是跟我过不去 刷三次才开",
                                     "下个月有心理咨询活动 我报了名", "我河南老家镇上的医保今年交多少"])


async def test_wu_minnan_and_northern_ways_of_asking_are_answered(bot) -> None:
    # 按怎 (Minnan "how"), 星期六 for the entries' 周六, the resident named by what they are to the
    # one they act for (我做女儿的去帮他办), an uncle among family, 上哪报修, 有开没有
    await _assert_answered(bot, [("阮阿嬷八十岁了 高龄补贴按怎申请", "elderly-allowance"),
                                 ("星期六社区有人吗", "office-hours"),
                                 ("我做女儿的去帮他办残疾证行不行", "disability-certificate"),
                                 ("我帮我舅交居民医保 在手机上怎么交", "medical-insurance-payment"),
                                 ("楼道灯坏了 上哪报修", "property-repair"),
                                 ("老年活动室过年有开没有", "activity-room")])


async def test_whoever_a_relatives_city_and_a_subsidy_no_entry_names_are_not_answered(bot) -> None:
    # 见谁给谁看 asks nobody; a relative's city "她那的 / 他那儿"; a subsidy for what no entry pays
    await _assert_not_answered(bot, ["新领的老年卡揣兜里 见谁给谁看", "我闺女在哈尔滨 她那的居住证到期了咋续",
                                     "我儿子在成都 他那儿的医保能在网上交吗", "老小区外立面翻新 有没有补贴"])


async def test_a_person_from_another_city_or_years_worked_there_leave_the_question_ours(bot) -> None:
    # a friend from Beijing parking here, years worked in Beijing before coming back, a cat's litter:
    # the question is about here (a card issued in Beijing used here stays another place's)
    await _assert_answered(bot, [("北京的朋友开车来看我 外来车进小区停车怎么收费", "parking"),
                                 ("我在北京上了十年班 现在回来了 失业登记在哪办", "unemployment-registration"),
                                 ("猫砂是扔干垃圾还是湿垃圾", "garbage-sorting")])
    await _assert_not_answered(bot, ["北京的老年卡在这边能用吗"])


async def test_wuhan_words_a_price_and_a_landlords_duty_are_answered(bot) -> None:
    # 么样 "how", 伢 "child", 好多钱 "how much" after a measure word, a landlord who must register
    # the tenants ("要帮他们去登记吗": the resident's own duty, not a person asked to help)
    await _assert_answered(bot, [("伢刚满月 户口么样上", "newborn-hukou"),
                                 ("残疾证到期了 换新证么样弄", "disability-certificate"),
                                 ("门禁卡丢了 补一张好多钱", "access-card"),
                                 ("我是房东 要帮他们去登记吗", "rental-registration")])


async def test_who_dumped_it_never_mind_mail_it_and_buying_a_space_are_not_answered(bot) -> None:
    # who left something (哪个丢的) is a neighbour matter; "…我也不管了" asks no one; asking the office
    # to post a paper on is for a person; buying a parking space is a sale
    await _assert_not_answered(bot, ["楼道里那个旧沙发 不晓得是哪个丢的", "明天社区几点开门我也不管了 反正去不了",
                                     "我的居住证明能不能开好直接寄给我儿子", "小区的车位能买吗 有产权吗"])


async def test_the_question_words_of_other_spoken_chineses_are_read(bot) -> None:
    # Xiang 么子, Hakka 样般, Jin 甚时候, Jianghuai 可有 and 多晚 — from what is known of them, not
    # from any labelled batch — while "可有意思了" stays a feeling
    await _assert_answered(bot, [("我爹今年八十了 听说有高龄补贴 要带搞么子材料", "elderly-allowance"),
                                 ("我妈的老年卡掉了 补办样般弄", "senior-card"),
                                 ("今年社区甚时候开始打流感疫苗 我想带老人去", "flu-vaccine"),
                                 ("我周六上午才有空 社区可有人上班", "office-hours"),
                                 ("我下班晚 社区办公室开到多晚", "office-hours")])
    await _assert_not_answered(bot, ["做完义工可有意思了"])


async def test_the_communitys_own_city_named_in_a_question_is_here(bot) -> None:
    # without the setting every city named is another place's scheme; with home_city the
    # community's own city (by either of its names) is here
    lines = [("北京的老年卡怎么办", "senior-card"), ("北京市居住证要什么材料", "residence-permit")]
    await _assert_not_answered(bot, ["北京的老年卡怎么办"])
    bot.app.settings.home_city = ["北京", "京"]  # a one-character name is left out (南京 holds it)
    await _assert_answered(bot, lines)
    await _assert_not_answered(bot, ["上海的老年卡怎么办", "南京的老年卡怎么办"])


async def test_after_all_where_ones_case_is_stuck_and_the_temporary_registration(bot) -> None:
    # 还是 of "after all" asks nothing; where one's own application is stuck is for a person to
    # look up; 暂住登记 is the rental registration, not the residence permit
    await _assert_not_answered(bot, ["老年证拿到了 照片还是我闺女给拍的",
                                     "我爸的残疾证申请两个月了 帮忙问问卡在哪个环节"])
    await _assert_answered(bot, [("暂住登记在哪办", "rental-registration")])


async def test_bottled_gas_and_a_named_home_towns_scheme_are_not_answered(bot) -> None:
    # bottled gas delivered is a dealer's, not the piped gas account; the home town's own fee
    # (老家信阳的医保) is that town's — while 老家那边的医保 used here is ours, and 出身证 is a
    # slip for the birth certificate
    await _assert_not_answered(bot, ["煤气罐没气了 送气电话多少", "老家信阳的医保今年交多少钱"])
    await _assert_answered(bot, [("老家那边的医保在这边看病要备案吗", "medical-reimbursement"),
                                 ("出身证丢了咋补", "birth-certificate")])


async def test_where_ones_own_application_has_got_to_is_for_a_person(bot) -> None:
    # the status of one's own application, payment or sign-up only the office can look up; how long
    # it usually takes is the entry's
    await _assert_not_answered(bot, ["我爸的高龄补贴这个月咋还没到账",
                                     "上周报名参加志愿者 一直没人联系 是不是没报上",
                                     "医保报销的单子递上去一个多月了 钱啥时候到"])
    await _assert_answered(bot, [("低保申请一般多久能批下来", "minimum-living-allowance")])


async def test_the_letters_typed_for_a_topic_word_are_read(bot) -> None:
    # a topic word's syllables' first letters, as people type them in a hurry
    await _assert_answered(bot, [("jzz 要带啥材料", "residence-permit"), ("yb在哪交", "medical-insurance-payment"),
                                 ("mjk丢了 咋补", "access-card")])


async def test_a_relatives_or_the_home_towns_place_a_symptom_and_a_fair_price(bot) -> None:
    # what is done where a relative lives or back home is that place's; whether a symptom needs a
    # doctor and whether a charge is fair are for a person — while the home town's insurance used
    # here is still answered
    await _assert_not_answered(bot, ["我舅在绵阳住 绵阳那边残疾证去哪办", "我爸在老家领高龄补贴 老家那边今年还给不给",
                                     "打完流感疫苗胳膊肿了 要不要去医院看看", "物业收的停车费一个月三百 合理吗"])
    await _assert_answered(bot, [("老家那边的医保在这边看病要备案吗", "medical-reimbursement")])


async def test_hakka_is_read_and_ones_own_records_are_for_a_person(bot) -> None:
    # Hakka's 涯 "I", 仰般 "how", 细人子 "child", 屋下 "home"; one's own number, the office asked to
    # look a record up, a meter at fault — a person's, not the guide's
    await _assert_answered(bot, [("涯屋下阿婆的老年卡唔见了 仰般补", "senior-card"),
                                 ("细人子的疫苗本丢了 仰般补办", "child-vaccine")])
    await _assert_not_answered(bot, ["我家狗证的编号是多少 忘了", "孩子的出生信息医院说推给社区了 你们能查到不",
                                     "这个月电费翻倍了 是不是电表有问题"])


async def test_a_supposed_problem_jins_what_and_what_one_was_told(bot) -> None:
    # a problem only supposed or feared asks nothing of a person; the resident acting for a parent
    # opens with 帮我妈; the fire-safety check comes into the home; Jin's 甚 "what" — while what an
    # official told the resident about their own case, asked again, is for a person
    await _assert_answered(bot, [("半夜水管要是坏了 物业有人值班不", "property-repair"),
                                 ("怕欠费停电 电费在哪交", "utility-payment"),
                                 ("帮我妈交医保 手机上能交不", "medical-insurance-payment"),
                                 ("想请消防的人来家里看看线路 怎么预约", "fire-safety-check"),
                                 ("登了失业有甚用", "unemployment-registration")])
    await _assert_not_answered(bot, ["残疾人补贴申请交了 张主任说还要补个东西 补啥来着"])


async def test_a_prefecture_city_a_relative_there_a_missing_record_and_a_sigh(bot) -> None:
    # a prefecture-level city's own scheme and a relative living there are that place's; a record
    # one cannot find is for a person to look up; "什么时候是个头" asks nothing — while a resident
    # saying which city they are from still gets the answer
    await _assert_not_answered(bot, ["九江那边高龄补贴是八十岁开始吗 我外婆户口在九江",
                                     "宜昌那边的独生子女奖励跟这边一样吗 我哥在那边",
                                     "上个月打的流感疫苗 怎么在手机上查不到记录",
                                     "电费一个月比一个月高 什么时候是个头"])
    await _assert_answered(bot, [("我是九江的 孩子他爸是南昌的 孩子户口跟谁上", "newborn-hukou")])


async def test_ones_own_result_money_or_sum_is_a_persons_not_the_guides(bot) -> None:
    """A result, a paper or money of one's own asked after, and a sum or decision for one household
    with its own figures (OWN_STATUS, OWN_DECISION) get no guide answer — while the same topics asked
    in general still do."""
    await _assert_not_answered(bot, [
        "我妈上礼拜做的残疾评定 结果出来了没",
        "我寄过来的组织关系介绍信 你们社区收到了吗",
        "网上申请的失业登记 一直显示待审核 咋回事",
        "我爸的独生子女奖励到现在一分钱没见着",
        "我一个月退休金一千五 老伴没收入 申请低保能批多少",
        "我今年摆摊收入多了两千 家里的低保会不会给停了",
    ])
    await _assert_answered(bot, [
        ("低保一般一个月能领多少 标准是多少", "minimum-living-allowance"),
        ("我爸做的老人体检结果出来没有 在哪领报告", "elderly-checkup"),
    ])


async def test_yunnans_clause_final_lo_after_can_asks(bot) -> None:
    # Kunming's 咯 ending a clause after 能 / 可以 asks whether one may; what has come at last does not
    await _assert_answered(bot, [("孙子刚满月 能先参医保咯 户口还没上", "newborn-medical-insurance"),
                                 ("水费可以在手机上交咯", "utility-payment")])
    await _assert_not_answered(bot, ["终于可以领高龄补贴咯 开心"])


async def test_ones_balance_records_refund_and_a_birth_abroad_are_a_persons(bot) -> None:
    """One's own balance, a payment made twice, papers or records that disagree, a deposit not
    returned, one's own paper asked after, a child born abroad, a parent's registered place and a
    symptom asked whether normal get no guide answer; a veteran asking for training is job training's."""
    await _assert_not_answered(bot, [
        "我社保卡里还剩多少钱",
        "医保在两个地方重复交了 能退回来吗",
        "户口本上的出生日期跟身份证上的不一样 还能领高龄补贴吗",
        "装修押金交了大半年了 怎么还没退",
        "我的那个老年证办好了没有",
        "孩子在美国出生的 回来怎么上户口",
        "我妈户口在老家县城那边 她的高龄补贴怎么领",
        "打完疫苗胳膊起疙瘩了 这正常吗",
    ])
    await _assert_answered(bot, [("退伍回来想学门手艺 社区有没有培训", "job-training")])


async def test_taiwans_words_and_another_places_registration(bot) -> None:
    """Families from Taiwan write their own names of things (简讯, 连结, 健保, 机车, 挂牌, in traditional
    characters): they are answered as the same questions in the mainland's words; registering a
    child back in Taiwan is that place's own procedure, not the guide's."""
    await _assert_answered(bot, [("收到簡訊說健保卡要停用 叫我點連結 這是詐騙嗎", "anti-fraud"),
                                 ("機車要去哪裡掛牌", "ebike-registration")])
    await _assert_not_answered(bot, ["回台湾报户口要准备什么"])


async def test_the_model_sure_of_another_entry_moves_the_answer(bot) -> None:
    """A question the entries' words lean to one entry (医保's yearly payment) that the learned model
    is sure is another's (the allowance's yearly review) is answered from the model's entry."""
    await _assert_answered(bot, [("低保每年都要重新审核吗 一般几月份审", "minimum-living-allowance")])


async def test_whether_ones_own_signing_went_through_is_a_persons(bot) -> None:
    """Whether one's own signing or payment went through ("是不是没签上") is for a person; the same
    words as a condition ("是不是没签上…就不能…") ask what the rule is, and the guide answers."""
    await _assert_not_answered(bot, ["前几天填了家庭医生的签约表 医生说会打电话来 是不是没签上"])
    await _assert_answered(bot, [("家庭医生怎么签 是不是没签上就不能开药", "family-doctor")])


async def test_guizhous_how_a_sigh_and_whether_a_fever_matters(bot) -> None:
    """Guizhou and Chongqing write 啷个 for how: the same question is answered; who can afford it is
    a sigh, and whether a fever matters is a health question for a person."""
    await _assert_answered(bot, [("残疾证搬家搞丢了 啷个补办", "disability-certificate")])
    await _assert_not_answered(bot, ["医保费又涨了 哪个交得起哦", "孩子打完针有点发烧 要不要紧"])


async def test_next_years_permit_and_a_registration_weeks_old(bot) -> None:
    """居住证 followed by 明年 is the permit, not the residence paper jieba cuts out of it; a
    registration made weeks ago and its money not yet come is one's own case, for a person."""
    await _assert_answered(bot, [("我的居住证明年三月到期 续签怎么弄", "residence-permit")])
    await _assert_not_answered(bot, ["失业登记都两周了 失业金什么时候发"])


async def test_who_mends_it_where_broken_things_go_and_the_electricity_card(bot) -> None:
    """A broken thing named only to ask who mends it (the owner or the property company), what a new
    card costs, or where it is thrown away is the guide's; so is where a prepaid electricity card is
    topped up. A broken light nobody has mended is still a person's."""
    await _assert_answered(bot, [("单元门的闭门器坏了 是业主自己修还是物业修", "property-repair"),
                                 ("马桶水箱坏了 户内的东西物业管修吗", "property-repair"),
                                 ("门禁卡坏了 换张新的要钱不", "access-card"),
                                 ("坏了的节能灯泡扔哪个桶", "garbage-sorting"),
                                 ("电卡没电了 晚上在哪充", "utility-payment")])
    await _assert_not_answered(bot, ["楼道里坏掉的灯到底有没有人修"])


async def test_paying_for_a_parent_and_ones_own_figures(bot) -> None:
    """A resident paying for parents ("想帮他们交", "用我的支付宝帮他交") asks how it is done: the guide
    answers. A pension worked out from one's own years of payment, whether one's own household will
    be granted the allowance, a record one cannot find, a chat that says "还是有人…" (still someone
    does…), and one's home province's scheme ("我们是四川的 我们那边…") are not the guide's."""
    await _assert_answered(bot, [("我在深圳打工 想帮他们交今年的新农合 手机上怎么弄", "medical-insurance-payment"),
                                 ("我爸不会用智能手机 我能用我的支付宝帮他交医保吗", "medical-insurance-payment")])
    await _assert_not_answered(bot, ["我爸养老保险交了二十年 退休以后一个月能领多少",
                                     "就我一个人打零工 一个月两千 能不能评上低保",
                                     "孩子打的疫苗在小程序上查不到记录 是不是漏录了",
                                     "垃圾分类喊了好几年了 还是有人把外卖盒扔进厨余桶",
                                     "我们是四川的 我们那边的医保今年交多少"])


async def test_qinghais_how_and_small_a_complaint_and_ones_own_doctor(bot) -> None:
    """Qinghai and Ningxia write 阿门 for how and 尕 for small: the same questions are answered (a
    prayer's 阿门 asks nothing). A drain blocked for days and "到底管不管" is a complaint for a person;
    whether one's own signed doctor was replaced is one's own case."""
    await _assert_answered(bot, [("老人的乘车卡丢了 阿门补办", "senior-card"),
                                 ("想给尕娃娃打疫苗 阿门预约", "child-vaccine")])
    await _assert_not_answered(bot, ["感谢主 阿门",
                                     "下水道堵着好几天了 物业到底管不管",
                                     "我们签约的那个家庭医生换人了吗 打了几次电话都打不通"])


async def test_a_broken_thing_to_throw_away_a_check_of_the_wiring_and_the_radiator(bot) -> None:
    """A broken appliance named to ask when bulky waste is collected, a courier's carton to sort, a
    visit to look at the home's wiring, and a radiator leaking (a fitting the property company
    mends, not the heating supply) are the guide's."""
    await _assert_answered(bot, [("旧洗衣机坏了要扔 大件垃圾哪天来收", "bulky-waste"),
                                 ("快递纸箱子放哪个桶", "garbage-sorting"),
                                 ("家里电线用了二十年了 社区有人上门看线路吗", "fire-safety-check"),
                                 ("家里暖气片漏水 物业管修吗", "property-repair")])


async def test_wenzhous_fa_xiaonan_and_whether_ones_own_was_done(bot) -> None:
    """Wenzhou and Ningbo close a question with 伐 and call a child 小囡: the same questions are
    answered, and "合法伐" asks an opinion as "合法吗" does. Whether one's own signing was done at all
    ("到底签没签"), and whether one's own card applied for last week has come, are for a person."""
    await _assert_answered(bot, [("小囡的疫苗要先预约伐", "child-vaccine"),
                                 ("孩子退伍了想找工作 社区有推荐的吗", "job-training")])
    await _assert_not_answered(bot, ["小区门口开了家棋牌室 开到半夜 合法伐",
                                     "我爸到底签没签家庭医生 签的是哪个医生",
                                     "上礼拜报的老年卡 卡到了没"])


async def test_guilins_how_a_relatives_paper_online_and_a_case_dragged_out(bot) -> None:
    """Guilin and Liuzhou write 哪门 for how (not 哪门子); a resident who pays a child's insurance on
    the phone, a volunteer offering to help, the fire-safety visit asked for at home, a month's
    carer allowance asked as 一个月好多钱, and someone who "moved here from that town" are the guide's.
    A deposit the property company keeps dragging out is one's own case for a person; another's
    unpaid wages, with legal aid asked, stay the guide's."""
    await _assert_answered(bot, [("邻居吵架了 社区的人民调解是哪门申请的", "legal-aid"),
                                 ("孩子刚落户 医保在手机上能直接帮他参保吗", "newborn-medical-insurance"),
                                 ("退休了想当志愿者 帮忙打扫卫生都行 哪门报名", "volunteer"),
                                 ("家里用煤气罐 社区消防检查能不能上门帮看一下 要预约吗", "fire-safety-check"),
                                 ("重度残疾的护理补贴一个月好多钱", "disability-subsidy"),
                                 ("我从百色那边嫁过来的 能办居住证吗", "residence-permit"),
                                 ("老板一直拖着工资不给 能申请法律援助吗", "legal-aid")])
    await _assert_not_answered(bot, ["装修押金 退不退得 已经搞完两个月了 物业一直拖",
                                     "这算哪门子的服务 电话都打不通"])


async def test_whether_a_cut_is_arrears_a_repairs_cost_and_a_refusal_asked_why(bot) -> None:
    """Whether the power is off for want of money, what a repair costs, the fire-safety visit by its
    other name (防火检查), free lawyers for unpaid wages and how to report a cold radiator to the
    property company are the guide's. Why one's own application was refused, what one's own
    household will get, a student's grant, and whether a vaccine "is any use" with a laugh are not."""
    await _assert_answered(bot, [("电费怎么查欠了多少 家里跳闸了 是不是没钱了", "utility-payment"),
                                 ("租的房子马桶堵了 物业报修要交钱吗", "property-repair"),
                                 ("防火检查可以上门来看看吗", "fire-safety-check"),
                                 ("老板跑了没结工钱 社区有没有免费的律师可以帮忙", "legal-aid"),
                                 ("家里暖气不热 物业维修怎么报", "property-repair")])
    await _assert_not_answered(bot, ["我去年在社区申请过低保没批下来 是什么原因",
                                     "那个补贴我们家到底能领多少 我妈七十九了",
                                     "低保家庭的孩子上大学有没有补助 去哪申请",
                                     "新冠疫苗打了有没有用啊 打了三针还是阳了两次 哈哈"])


async def test_xuzhous_keneng_a_lawyers_help_and_the_office_asked_to_speak_for_one(bot) -> None:
    """Xuzhou and Huaibei ask with 可能 before a deed that ends the clause ("可能补办"); Sichuan asks how
    long with 开好久. Free lawyers asked for (帮忙的律师), a relative far away paying one's bills,
    repairs at night, a look at the fire extinguishers at home, a table-tennis room and the
    hukou's town named for 异地就医 are the guide's. The office asked to speak to a kindergarten's
    head, or to look up one's own deductions or another city's vaccination record, and an elderly
    day-care centre, are for a person."""
    await _assert_answered(bot, [("出生医学证明丢了可能补办 孩子都三岁了", "birth-certificate"),
                                 ("长期处方一次最多能开好久的药", "chronic-long-prescription"),
                                 ("跟房东闹掰了押金不退 有没有免费帮忙的律师", "legal-aid"),
                                 ("交电费有没有微信能直接交的 我闺女在外地想帮我们交", "utility-payment"),
                                 ("晚上报修有人值班不 半夜跳闸了咋整", "property-repair"),
                                 ("想让社区来家里看看灭火器 是打电话约还是去办公室约", "fire-safety-check"),
                                 ("乒乓球室要不要预约", "activity-room"),
                                 ("俺娘在这边看病 户口在宿州那边 异地就医备案可能在网上弄", "medical-reimbursement")])
    await _assert_not_answered(bot, ["孩子没打完预防针就入园了 幼儿园不让上 你们能跟园长说说不",
                                     "俺家老人的高龄补贴卡上显示扣了钱 扣的啥钱你们能查吗",
                                     "孩子的接种记录在淮北打的 这边能查到吗",
                                     "社区养老服务中心能不能日托老人 多少钱一个月"])


async def test_a_broken_thing_to_throw_out_a_radiator_leak_and_what_one_persons_money_will_be(bot) -> None:
    """A broken fridge asked about as bulky waste, someone to come and carry a sofa away, a leaking
    radiator, an allowance granted where one lived before, a volunteer who will help "if needed", a
    tenant the landlord never registered, a father's disability card applied for by his child (想说
    帮他申请) are the guide's. What one person's money will come to each month, and how a dead
    parent's pension is stopped, are for a person."""
    await _assert_answered(bot, [("家里有个坏掉的冰箱 冰箱也算大件吗 收费吗", "bulky-waste"),
                                 ("旧沙发太大拿不下去 有人来载吗 要怎么约", "bulky-waste"),
                                 ("家里暖气漏水了咋报修 晚上物业有人值班不", "property-repair"),
                                 ("社区有活动要人帮忙的话我可以去 志愿者在哪里报名", "volunteer"),
                                 ("房东没给我办登记 派出所说要自己去报 社区能报吗", "rental-registration"),
                                 ("我老爸中风了 想说帮他申请残疾证 要先去医院评还是先到社区拿表", "disability-certificate")])
    await _assert_not_answered(bot, ["阿叔去年申请了特困供养 我想知道他那个钱一个月会给多少",
                                     "我家老人去世了 他的养老金和医保要怎么停"])


async def test_henans_mu_a_home_visit_in_the_procedure_and_a_plate_stolen(bot) -> None:
    """Henan writes 木 for 没 (咋还木到): one's own allowance not come is for a person, as is a deposit
    one paid asked back. Whether the procedure has a home visit ("中间要来家里看不") and how a stolen
    plate is replaced are the guide's."""
    await _assert_answered(bot, [("低保申请下来得多长时间 中间要来家里看不", "minimum-living-allowance"),
                                 ("电动车牌子被人偷了 补牌咋弄", "ebike-registration")])
    await _assert_not_answered(bot, ["残疾人补贴是每月发到卡上吗 俺家的咋还木到",
                                     "俺交的那个装修押金啥时候退给俺 都装完仨月了"])


async def test_jianghuais_a_and_a_question_closed_by_mou(bot) -> None:
    """Nanjing and Hefei ask yes or no with 阿 before the verb (阿能改, 阿开门), Hunan and Guangdong
    close the question with 冇, and 有么得 is "is there": each is a question the guide answers.
    Whether one's own allowance came this month (阿是发了) is for a person."""
    await _assert_answered(bot, [("出生证明名字写错了 阿能改", "birth-certificate"),
                                 ("社区礼拜天阿开门 想去开个证明", "office-hours"),
                                 ("社区周末上班冇 要去盖章", "office-hours"),
                                 ("有么得可以打电话说说心里话的热线", "mental-health-hotline")])
    await _assert_not_answered(bot, ["伲阿爹个高龄补贴这个月阿是发了"])


async def test_a_lost_card_replaced_a_card_topped_up_and_a_service_asked_to_come_home(bot) -> None:
    """What is lost or broken replaced ("换张新的咋弄", "咋补"), a card topped up after the power went,
    an offer that may be a scam, and whether a check-up or the family doctor comes to the home are
    the guide's, though each names a problem. Public housing is another office's; whether anyone is
    in the activity room now is asked of the neighbours."""
    await _assert_answered(bot, [("门禁卡弄坏了 换张新的咋弄", "access-card"),
                                 ("电动车牌子丢了 咋补", "ebike-registration"),
                                 ("电费卡里没钱了 能在手机上充吗", "utility-payment"),
                                 ("上门推销保健品的说是社区组织的 靠谱不", "anti-fraud"),
                                 ("老人免费体检能不能带到家里做 我妈坐轮椅", "elderly-checkup"),
                                 ("签了家庭医生能上门打针吗", "family-doctor"),
                                 ("楼道的东西坏了报修电话没人接 还有别的报修办法吗", "property-repair")])
    await _assert_not_answered(bot, ["我们是低保户 想申请公租房 咋弄",
                                     "今天活动室有人打牌没 我一会过去"])


async def test_a_volunteer_a_doctors_visits_a_card_replaced_and_a_cantonese_babys_insurance(bot) -> None:
    """Offering to help the community, whether the signed doctor comes round, what a replacement
    card costs after it broke, whether the office can issue a paper to a resident whose hukou is
    elsewhere, a baby's insurance done by a parent (幫佢參保) and a deadline asked with Hubei's 好久
    are all the guide's, though each names a help, a visit, a breakage or an act for another."""
    await _assert_answered(bot, [("想给社区帮忙 当志愿者怎么报名", "volunteer"),
                                 ("签了家庭医生 是不是每个月都有人来量血压", "family-doctor"),
                                 ("门禁卡洗坏了 补一张多少钱", "access-card"),
                                 ("户口不在这 只是租房住 社区能给我开居住证明吗", "residence-proof"),
                                 ("BB出世一個月 醫保點樣幫佢參保", "newborn-medical-insurance"),
                                 ("城乡医保今年交费截止到好久", "medical-insurance-payment")])


async def test_a_scam_told_and_asked_about_is_the_anti_fraud_entrys(bot) -> None:
    """A text or a caller who says he is the community, the pension office or the police, a link to
    click, a fee first, money already gone: asked whether it is real, what to do or where to report
    it, the anti-fraud entry answers, whatever the bait names (养老金, 医保卡, 补贴). A warning to the
    group asks nothing, and where one's own reported case has got to is for a person."""
    await _assert_answered(bot, [("短信说我的医保卡下个月停用 让点链接重新激活 这个能点不", "anti-fraud"),
                                 ("有个人打电话说是社区的 帮我办高龄补贴要先交三百手续费 真的假的", "anti-fraud"),
                                 ("我妈点了个领养老金的链接 填了卡号 钱被转走了 现在咋办 去哪报案", "anti-fraud"),
                                 ("微信上有人拉我做刷单 说一单返十块 这种往哪举报", "anti-fraud")])
    await _assert_not_answered(bot, ["最近骗子多 大家收到领补贴的短信别点链接",
                                     "现在的骗子真的厉害 我邻居差点把存款转出去了 还好银行拦住了",
                                     "上个月报的那个被骗的案子 派出所那边立案了没有"])


async def test_sichuans_you_mei_de_anhuis_ke_shi_and_a_thing_replaced_or_mended(bot) -> None:
    """Sichuan and Chongqing ask "is there" with 有没得 and "how much" with 好多钱一个月; Anqing and
    Wuhu ask yes or no with 可是 before the verb (社区可是有…). A broken card replaced (能补办不), who
    mends a blocked drain (物业管还是自己), mediation asked for after a leak, and a parent's paper
    bought by the resident (帮佢买医保) are the guide's, though each names a problem or a help. The
    "but" 可是 after a pause still reads as a statement."""
    await _assert_answered(bot, [("社区有没得免费的心理咨询电话 我想给娃儿打一个", "mental-health-hotline"),
                                 ("小区租个车位好多钱一个月", "parking"),
                                 ("社区可是有教老人用智能手机的志愿者 我想报个名", "volunteer"),
                                 ("老年卡掉水里泡坏了 刷不了 能补办不", "senior-card"),
                                 ("卫生间地漏堵了 算物业管还是自己找人通", "property-repair"),
                                 ("跟对门为漏水吵了几回了 能找社区调解不", "legal-aid"),
                                 ("BB啱出世 醫保幾時要幫佢買", "newborn-medical-insurance")])
    await _assert_not_answered(bot, ["我昨天去活动室了 可是门没开 白跑一趟"])


async def test_money_paid_wrongly_the_home_towns_standard_and_a_complaint_are_not_the_guides(bot) -> None:
    """Money paid to the wrong account asked back, the home town's own allowance standard, a bill
    from a hospital abroad, one's own subsidy short this month and a complaint that asks nobody
    (凭啥) get no guide answer: a person or nobody must answer them. Whether a floor may be laid and
    how the repair line works are still the guide's."""
    await _assert_not_answered(bot, ["水费交错户号了 钱跑到别人家去了 能退回来不",
                                     "俺老家商丘的高龄补贴是八十岁起还是九十岁起",
                                     "闺女在日本留学 在那边看病花的钱 回来能用这的医保报吗",
                                     "残疾人补贴这个月少了一百 为啥少了",
                                     "电动车充电还要收钱了 凭啥啊"])
    await _assert_answered(bot, [("租的房子想刷墙铺地板 要不要去社区报备", "renovation-filing"),
                                 ("物业的维修热线晚上有人接吗", "property-repair")])


async def test_a_school_a_court_a_pharmacy_or_another_city_named_in_passing_does_not_hold_an_answer_back(bot) -> None:
    """A child's school named to say how old he is, a court named as the other way, a pharmacy where
    the insurance card is used, a parcel's box to sort, the community's own city (咱…的标准) and a
    former employer's city (从…的单位退休) are named in passing: the question is still the entry's.
    What a school itself asks for at enrolment is still not the guide's."""
    await _assert_answered(bot, [("孙女读初中 她的城乡医保是在学校交还是在社区交", "medical-insurance-payment"),
                                 ("租房押金房东不退 想找人调解 是找社区还是找法院", "legal-aid"),
                                 ("快递纸箱子是扔可回收还是其他垃圾", "garbage-sorting"),
                                 ("我是党员 从杭州的单位退休搬过来了 组织关系怎么转到社区", "party-membership-transfer")])
    await _assert_not_answered(bot, ["孩子明年上小学 学校要什么材料"])


async def test_cantonese_dim_gwo_anhuis_ke_shi_after_a_pause_and_a_service_that_comes(bot) -> None:
    """Cantonese asks "how" with 点过 and 点转, Anhui asks with 可是有 after a pause, and whether a
    service comes to do it (有人来办) or a broken thing no longer wanted is collected are the guide's."""
    await _assert_answered(bot, [("燃氣過戶 舊戶主唔喺度 冇佢身份證點過", "gas-account"),
                                 ("家里旧床垫要扔 搬不下去 可是有人上门来拉", "bulky-waste"),
                                 ("电动车上牌要去车管所 还是小区里有人来办", "ebike-registration")])


async def test_ones_own_result_notice_payment_or_review_and_the_home_towns_pension_are_not_the_guides(bot) -> None:
    """Whether one's own check-up report is out, why one's own booking has had no text yet, a payment
    the phone shows as made, an application said to be still under review, the name of one's own
    signed doctor, what a used thing would sell for, a pension paid in the home town drawn here and
    a hospital bill from Hong Kong brought back:
    only a person (or nobody) can answer them, so the guide stays silent."""
    await _assert_not_answered(bot, ["我爸上周做的老年人体检 报告出来了吗 怎么一直没人说",
                                     "我上个月约的电动车上牌 咋到现在还没短信通知",
                                     "我在网上给孩子交了医保 显示交过了 社区又通知交 是不是弄错了",
                                     "我给我爸申请的低保 说还在审核 要等到啥时候",
                                     "我们签的那个家庭医生叫什么来着 我忘了",
                                     "旧电动车卖了能值多少钱",
                                     "我妈在老家交的养老保险 到六十了能在这边领吗",
                                     "我妈在香港医院住了几天院 单据拿回来医保能报吗"])


async def test_wuhans_mo_si_lanzhous_a_mo_whose_job_a_repair_is_and_a_scam_asked_about(bot) -> None:
    """Wuhan asks "what" with 么斯 (有么用: what use), Lanzhou asks "how" with 阿么; whether a blocked
    drain is the property company's (算物业管的么 还是…), training recommended by the community, and
    whether a leaflet's offer is a lie (是不是骗人的) are the guide's."""
    await _assert_answered(bot, [("厂里裁员我被裁了 听说要去社区做失业登记 登记了有么用", "unemployment-registration"),
                                 ("退休了想给社区当个志愿者 阿么报名", "volunteer"),
                                 ("我想去开个居住证明 单位要的 要带么斯", "residence-proof"),
                                 ("厨房下水道堵了 算物业管的么 还是自己找人通", "property-repair"),
                                 ("社区有推荐的电工培训吗", "job-training"),
                                 ("楼下发传单说交一百块能领两百斤米 是不是骗人的", "anti-fraud")])


async def test_beijings_duo_hui_er_cantonese_ding_hai_a_doctor_or_a_firm_acting_and_an_insurance_tier(bot) -> None:
    """Beijing asks "when" with 多会儿, Cantonese "or" with 定喺; the signed doctor prescribing for a
    parent, a decorating firm filing for the resident, which insurance tier to choose and the old
    people's 优待证 (not the veterans') are the guide's, though each names someone helping or asks
    which is better. Whether one's own application went through or when last week's is approved,
    and whether a bite needs the shots again, are a person's."""
    await _assert_answered(bot, [("今年的流感疫苗多会儿开始打", "flu-vaccine"),
                                 ("交医保系喺手机交定喺社区交", "medical-insurance-payment"),
                                 ("我妈有糖尿病 签约医生可以帮佢开药吗", "family-doctor"),
                                 ("城乡居民医保有两个档 交哪个好", "medical-insurance-payment"),
                                 ("家里要装修 备案要交什么资料 装修公司能不能帮我去办", "renovation-filing"),
                                 ("老年人优待证有什么用 坐公交免费吗", "senior-card")])
    await _assert_not_answered(bot, ["我的残疾证申请通过了没 都半个月了", "我上礼拜递了装修备案的申请 几时批下来",
                                     "上个月打过狂犬疫苗 昨天又被猫抓了 还要再打几针吗"])


async def test_yunnans_gei_nantongs_ah_which_office_a_fault_goes_to_and_a_paper_fetched_for_a_parent(bot) -> None:
    """Yunnan asks yes or no with 给 (给有, 给能), Nantong with 啊 opening the clause; whether a
    fault goes to the property company or the community, whether the resident reports it or the
    landlord, a police caller's "crime" asked about, and whether family may fetch a parent's card
    (代办) are the guide's. One's own refused application asked to be reviewed, the date of one's
    own booking, the home county's scheme, a change of medicine and a market's hours are not."""
    await _assert_answered(bot, [("社区医院给有带状疱疹疫苗 我爸七十了", "adult-vaccine"),
                                 ("低保给能在网上申请", "minimum-living-allowance"),
                                 ("生二胎 啊要先去登记", "birth-registration"),
                                 ("楼道的灯坏了是报物业还是报社区", "property-repair"),
                                 ("租的房子水管坏了 是我自己报修还是让房东去报", "property-repair"),
                                 ("有人打电话说是公安局的 说我涉嫌洗钱要配合调查 我要先干嘛", "anti-fraud"),
                                 ("我爸的老年优待证能帮他代办吗 他腿脚不好走不动", "senior-card")])
    await _assert_not_answered(bot, ["我家申请的低保被拒了 想问问能不能复核一下",
                                     "我预约的流感疫苗是哪天来着 我忘记了",
                                     "我爸户口在四川乡下老家 那边新农合今年交多少钱",
                                     "老家医院开的降压药吃完了 换成这边开的药会不会有问题",
                                     "明天商场几点开门 端午放不放假"])


async def test_hubeis_mao_de_xians_de_shi_a_scheme_chosen_and_how_a_repair_is_reported(bot) -> None:
    """Enshi and Xiangxi ask "is there" with 有冒得, Xi'an asks yes or no with 得是 and says 额 for I;
    which of the residents' and the employees' pension to choose, whether a son may be authorised
    (委托) to fetch a card, whether mediation takes on a family quarrel, whether a repair is phoned in
    or reported in the app, what papers relief after a fire needs and where the electricity card is
    topped up are the guide's. Another province's own rate, another city's own rules and the office
    asked to look up one's own record are not."""
    await _assert_answered(bot, [("社区有冒得免费的电工培训 我想学门手艺", "job-training"),
                                 ("额想给社区当志愿者 得是要先在网上登记", "volunteer"),
                                 ("居民养老跟职工养老选哪个好 居民养老在哪交", "resident-pension"),
                                 ("老年优待证可以委托儿子去代办吗", "senior-card"),
                                 ("两口子天天吵架 社区的人民调解管这种事不", "legal-aid"),
                                 ("厕所漏水找物业修是打电话还是在小程序上报", "property-repair"),
                                 ("前几天家里着火了 听说有临时救助 要啥材料", "temporary-assistance"),
                                 ("电表是插卡的 卡上哪充值", "utility-payment")])
    await _assert_not_answered(bot, ["我姐在贵州参的医保 贵州那边住院报销比例是多少",
                                     "我在苏州上班 苏州的规矩我不懂 那边办居住证要啥",
                                     "我爸的残疾证是几级的我忘了 社区能给查查吗"])


async def test_putians_hui_shi_a_paper_done_by_family_or_neighbours_and_advice_left_to_a_person(bot) -> None:
    """Putian asks "may I" with 会使 and closes a yes-or-no question with 无; a paper fetched or handed
    in by a grandson, a son or a neighbour, Southwestern 要好多钱 ("how much"), whether a fault in the
    common parts also goes to the property company and a child's vaccine by its name (百白破) are the
    guide's. What a lawyer for one's own case costs, the grade one's own disability would get, "should
    she or not", one's own application asked after, one's own allowance asked why it stopped, a
    hospital's opening hours and "who says …" are not."""
    await _assert_answered(bot, [("老年优待证会使叫孙子去领无", "senior-card"),
                                 ("居住证过期了会使补办无", "residence-permit"),
                                 ("残疾证能替我爸代办不 他瘫在床上", "disability-certificate"),
                                 ("低保申请的材料 我们邻居可以帮她递吗 她眼睛看不见", "minimum-living-allowance"),
                                 ("门禁卡坏了 换一张要好多钱", "access-card"),
                                 ("百白破第四针什么时候打", "child-vaccine")])
    await _assert_not_answered(bot, ["我表哥跟人打架被拘留了 请个律师要多少钱",
                                     "我这个耳朵能评上几级残疾 听力只剩三成",
                                     "我老婆有哮喘 今年打不打流感疫苗好",
                                     "我申请的临时救助批下来了没 等了两个月了",
                                     "我妈的高龄补贴这个月为什么停了",
                                     "市人民医院几点开门 我要去拿化验单"])


async def test_jianghuai_ke_neng_ah_zeng_and_shen_ne_are_questions_and_mandarins_maybe_is_not(bot) -> None:
    """Yancheng and Dongtai ask "can it be done" with 可能 before the deed (or who does it), "is it
    open" with 可 before a verb that ends the clause, "is there" with 啊曾, and "what" with 什呢; a
    neighbour doing a paper for an old woman is asked the same way as in Mandarin. Mandarin's 可能
    ("maybe") in what someone tells — what they will do, what happened, someone in a meeting — is no
    question, and a hospital's hours asked the same way stay the hospital's."""
    await _assert_answered(bot, [("老年优待证可能让我儿子代办", "senior-card"),
                                 ("医保可能在网上交", "medical-insurance-payment"),
                                 ("社区啊曾法律援助 我想问问", "legal-aid"),
                                 ("活动室礼拜天可开", "activity-room"),
                                 ("残疾证办理要带什呢", "disability-certificate")])
    await _assert_not_answered(bot, ["我可能明天去社区办居住证",
                                     "居住证可能办好了 我去拿了",
                                     "他可能申请过低保",
                                     "社区的人可能在开会吧 电话没人接",
                                     "市医院体检中心礼拜天可开"])


async def test_yunnans_mo_de_de_bu_de_and_hao_jiu_within_are_questions_and_a_story_is_not(bot) -> None:
    """Zhaotong and Guizhou ask "or not" with 莫得 (有莫得 "is there"), "has it begun" with a closing 了莫,
    "can it be done" with 得不得, "within how long" with 好久以内 and "how much" with 好多钱 after the deed;
    a relative asked to help with the paper is the guide's. A township clinic's doctors, a long wait told
    after the fact and someone's manners are not the guide's."""
    await _assert_answered(bot, [("残疾证要钱莫得", "disability-certificate"),
                                 ("老年优待证叫我孙子帮忙去领得不得", "senior-card"),
                                 ("流动人口登记开始了莫", "rental-registration"),
                                 ("孩子出生好久以内要上户口", "newborn-hukou"),
                                 ("电动车上牌好多钱", "ebike-registration")])
    await _assert_not_answered(bot, ["镇上卫生院礼拜天有莫得医生",
                                     "昨天等了好久才拿到居住证",
                                     "这个人真的莫得素质",
                                     "他家开店赚了好多钱"])


async def test_a_childs_vaccine_asked_by_the_health_centre_and_a_neighbours_paper_asked_first(bot) -> None:
    """Parents ask about a child's vaccine by naming the health centre (社区卫生服务中心 / 服务站) and the
    day; neighbours ask whether they may hand in an old man's paper for him; an income line asked as
    "below how much" (Southwestern 好多钱以下). All are the guide's."""
    await _assert_answered(bot, [("宝宝的预防针在社区卫生服务中心哪天打", "child-vaccine"),
                                 ("特困供养可以我们邻居帮他报不 他一个人", "extreme-poverty-support"),
                                 ("低保要家里收入好多钱以下才能申请", "minimum-living-allowance")])


async def test_taizhou_wu_fu_fou_and_he_wu_are_questions(bot) -> None:
    """Taizhou and Wenling say "not" with 弗 (要弗要, 能弗能), close a yes-or-no question with 否 and ask
    "what" with 何物; Mandarin's 是否 and 与否 and the 弗 of a name are left as they are."""
    await _assert_answered(bot, [("残疾证办理要带何物", "disability-certificate"),
                                 ("居住证过期了还能补办否", "residence-permit"),
                                 ("电动车上牌要弗要本人去", "ebike-registration")])
    await _assert_not_answered(bot, ["成功与否看天意", "弗兰克是谁", "今天天气好否"])


async def test_a_banks_own_hours_by_its_short_name_are_not_the_communitys(bot) -> None:
    """建行, 农行, 工行 …: a bank's hours asked by its short name are the bank's, as 银行's are."""
    await _assert_not_answered(bot, ["工行周六几点开门", "邮储礼拜天营业不"])
    await _assert_answered(bot, [("社区周六几点开门", "office-hours")])


async def test_a_lawyers_fee_for_ones_own_case_is_a_persons_and_legal_aids_cost_is_the_guides(bot) -> None:
    """What a lawyer for one's own case costs, however it is asked (律师费一般多少, 几多钱律师费), goes to a
    person; whether legal aid's lawyer costs anything is the guide's."""
    await _assert_not_answered(bot, ["我家这个官司律师费大概多少", "想告那个包工头 要几多钱律师费"])
    await _assert_answered(bot, [("法律援助律师费谁出", "legal-aid")])


async def test_the_central_plains_split_yes_or_no_is_a_question(bot) -> None:
    """Zhoukou and the Central Plains split "can or cannot" round the deed (还能补办不能, 能代他办不能, 要钱
    不要); a sentence that only says someone cannot is no question."""
    await _assert_answered(bot, [("残疾证过期了还能补办不能", "disability-certificate"),
                                 ("老年优待证要钱不要", "senior-card")])
    await _assert_not_answered(bot, ["这事我能管得了也不能不管"])


async def test_sichuans_hao_duo_and_hao_jiu_between_a_deed_and_its_outcome_are_questions(bot) -> None:
    """Sichuan and Guizhou ask "how much" with 好多 after being paid (每个月能领好多) and "how long" with 好久
    between a deed and what follows (申请了好久能发下来); a long wait told after the fact and a greeting are
    not questions."""
    await _assert_answered(bot, [("残疾人补贴每个月能领好多", "disability-subsidy"),
                                 ("高龄补贴申请了好久能发下来", "elderly-allowance")])
    await _assert_not_answered(bot, ["等了好久才来人 气死了", "好久没见王嬢嬢了"])


async def test_someone_near_the_resident_asked_whether_they_may_do_the_paper_is_the_guides(bot) -> None:
    """Whether a cousin, a colleague or a neighbour may do the paper for the resident or a parent
    (委托我表哥帮我爸申请, 叫同事帮我代办) is the guide's; asking the office to do one's own paper is a
    person's."""
    await _assert_answered(bot, [("能不能委托我表哥帮我爸申请特困供养", "extreme-poverty-support"),
                                 ("居住证可以叫同事帮我代办吗", "residence-permit")])
    await _assert_not_answered(bot, ["麻烦社区帮我代办一下居住证"])


async def test_sighs_and_complaints_that_use_question_words_are_left_alone(bot) -> None:
    """"Nothing worth saying" (有什么好讲的), "who says … not" (谁说, Hakka and Cantonese 哪个话) and "I said
    it several times" (讲过几次) ask nothing of the guide, though they name a topic."""
    await _assert_not_answered(bot, ["志愿者年年都是那几个人 有什么好讲的", "哪个话做义工冇用 我孙仔都话好",
                                     "谁说社区没人管 昨天就来修好了", "跟物业讲过几次了 都没人管"])


async def test_how_many_days_after_a_deed_and_what_not_paying_would_do_are_questions(bot) -> None:
    """几 between a deed done and its outcome (申请了几天能拿到) asks how many; what not paying would do
    (逾期不交会停电吗) is a supposed problem, asked of the guide."""
    await _assert_answered(bot, [("门禁卡补办申请了几天能拿到", "access-card"),
                                 ("电费逾期不交会停电吗", "utility-payment")])


async def test_a_doctors_a_polices_and_another_countrys_questions_are_not_the_guides(bot) -> None:
    """Cutting a medicine by oneself, which hospital for a sick child, whether money lost to a scam
    and already reported comes back, and insurance paid abroad: no entry answers them."""
    await _assert_not_answered(bot, ["降糖药能不能自己减量", "孩子咳嗽发烧 去社区医院还是大医院好",
                                     "被骗了五千 报警了 钱能追回来不", "在日本交的社保回来能领吗"])


async def test_jinhua_sha_xi_teochew_di_kuai_and_guizhou_na_yang_are_questions(bot) -> None:
    """Jinhua's 啥西 "what", Teochew's 底块 "where" and Guizhou's 哪样 "what", where no other word asks
    (a broken card's replacement is asked how, not reported)."""
    await _assert_answered(bot, [("门禁卡坏了 换张新的要带啥西", "access-card"),
                                 ("老年卡在底块办 我刚从乡下搬来", "senior-card"),
                                 ("门禁卡刷不开坏了 补一张要带哪样", "access-card")])


async def test_gan_mo_shi_hou_and_a_relatives_registration_are_questions(bot) -> None:
    """Gan and Jianghuai ask "when" with 么时候 (not 什么时候's tail); whether one may register a relative
    (能帮我爸登吗) is the guide's."""
    await _assert_answered(bot, [("居民医保今年交到么时候截止", "medical-insurance-payment"),
                                 ("失业登记能帮我爸登吗 他刚从外地回来", "unemployment-registration")])


async def test_sichuans_hao_duo_of_a_prescriptions_days_and_hao_da_of_an_age_are_questions(bot) -> None:
    """好多 before the days a prescription covers asks how many; 好大 before the age that brings a
    pension asks how old — with no other word that asks."""
    await _assert_answered(bot, [("长期处方能开好多天的药", "chronic-long-prescription"),
                                 ("养老保险交到好大年纪才能领", "resident-pension")])


async def test_a_record_got_wrong_which_kind_is_better_and_a_guessed_grade_are_not_the_guides(bot) -> None:
    """Whether a nurse got one's own record wrong, which of two vaccines is better, what grade one's
    father's disability would get: a person must look or judge, no entry answers."""
    await _assert_not_answered(bot, ["疫苗本上少登了一针 是不是护士搞错了", "流感疫苗打进口的好还是国产的好",
                                     "我爸的残疾证能评到三级吗"])


async def test_neighbours_calling_each_other_and_a_yes_to_meet_are_chatter(bot) -> None:
    """A yes and a place to meet, neighbours calling each other to a game (约起来, with 几 of "we few"),
    and Southwestern 哪个说 "who says" told of oneself: chatter, though they name the activity room or a
    bill."""
    await _assert_not_answered(bot, ["要得 明早活动室见", "周末老姐妹几个去活动室打乒乓球 约起来",
                                     "哪个说老年人不会交电费 我妈自己在手机上交了"])


async def test_a_neighbour_helping_asked_first_and_henan_bu_zhong_are_questions(bot) -> None:
    """Whether a neighbour may help hand the paper in (可以叫邻居帮忙递材料不), and Henan's clause-final
    不中 "may I", ask the guide; another office's own hours (医保局周六上班不) are not the community's."""
    await _assert_answered(bot, [("低保可以叫邻居帮忙递材料不", "minimum-living-allowance"),
                                 ("居住证我能替我儿子去办不中", "residence-permit")])
    await _assert_not_answered(bot, ["医保局周六上班不"])


async def test_money_just_sent_to_a_scammer_reaches_a_person_at_once_and_the_resident_gets_the_advice(bot) -> None:
    """Money gone to a scammer a moment ago (刚才…被骗…转了) can still be stopped by the bank in the first
    minutes: the danger net tells the members, grid worker and staff at once (险情提醒), a ticket is
    opened, and the resident gets the anti-fraud entry (110, 96110) privately — not only a guide answer
    in the group. A scam asked about before any money went, or one from last month, is as before."""
    resident = "r01"
    room = building_room_of(bot, resident)
    before = ticket_count(bot)
    sent = await bot.say("我妈刚刚被人骗了 转了八千块过去 现在怎么办 谁能来帮帮我们", sender=resident, room=room)
    assert ticket_count(bot) == before + 1
    alerts = [m for m in sent if m.text.startswith("🔴【险情提醒】")]
    assert alerts and all(m.conversation != room for m in alerts)
    advice = [m for m in sent if m.text.startswith(f"【办事指南 {entry_id(bot, 'anti-fraud')}】")]
    assert advice and all(m.conversation != room for m in advice) and "110" in advice[0].text
    await _assert_answered(bot, [("有人打电话说是社区的 让我先交三百手续费 是不是骗子", "anti-fraud")])
    for _, said in await ask_in_turn(bot, ["上个月被骗转了两千 还能追回来吗"]):
        assert not any(m.text.startswith("🔴【险情提醒】") for m in said)
