"""The 118 business items (入格业务事项) of the 23 enforcement departments.

One row per item: (department, business line, name, English name, limit profile, default severity).
Each "网格+" practice's line owns the items it was set up for; everything else is 综合治理.
Limit profiles are defined in `dashboard.demo.catalogue.LIMIT_PROFILES`.
"""

from __future__ import annotations

ITEM_ROWS: list[tuple[str, str, str, str, str, int]] = [
    # 市场监督管理局
    ("scjg", "zonghe", "无证照经营", "Business without a licence", "normal", 2),
    ("scjg", "shiyao", "食品安全隐患", "Food safety hazard", "fast", 3),
    ("scjg", "shiyao", "销售过期变质食品", "Sale of expired or spoiled food", "fast", 3),
    ("scjg", "shiyao", "食品小作坊无证生产", "Unlicensed small food workshop", "normal", 2),
    ("scjg", "shiyao", "药品违规销售", "Illegal sale of medicines", "fast", 3),
    ("scjg", "shiyao", "餐饮单位卫生不达标", "Restaurant below hygiene standard", "normal", 2),
    ("scjg", "shiyao", "农村家宴食品安全", "Food safety of village banquets", "urgent", 3),
    ("scjg", "anquan", "特种设备安全隐患", "Special equipment safety hazard", "fast", 3),
    ("scjg", "weiwangge", "价格欺诈", "Price fraud", "normal", 2),
    ("scjg", "lvyou", "景区餐饮卫生隐患", "Hygiene hazard at scenic-area eateries", "fast", 2),
    # 生态环境局
    ("sthj", "weiwangge", "噪声扰民", "Noise nuisance", "fast", 2),
    ("sthj", "weiwangge", "餐饮油烟扰民", "Restaurant fumes nuisance", "normal", 1),
    ("sthj", "zonghe", "露天焚烧垃圾秸秆", "Open burning of rubbish or straw", "urgent", 2),
    ("sthj", "zonghe", "污水直排", "Direct sewage discharge", "normal", 3),
    ("sthj", "zonghe", "工业废气超标排放", "Industrial emissions above limits", "slow", 3),
    ("sthj", "anquan", "危险废物非法处置", "Illegal disposal of hazardous waste", "fast", 4),
    # 应急管理局
    ("yjgl", "anquan", "安全生产隐患", "Work-safety hazard", "fast", 3),
    ("yjgl", "anquan", "危化品违规储存", "Improper storage of hazardous chemicals", "urgent", 4),
    ("yjgl", "anquan", "非法生产经营烟花爆竹", "Illegal production or sale of fireworks", "urgent", 4),
    ("yjgl", "anquan", "“三合一”场所隐患", "Three-in-one premises hazard", "fast", 3),
    ("yjgl", "anquan", "有限空间作业隐患", "Confined-space work hazard", "urgent", 3),
    ("yjgl", "anquan", "小微企业安全隐患", "Safety hazard at a small enterprise", "normal", 2),
    ("yjgl", "zonghe", "防汛防台隐患", "Flood and typhoon hazard", "urgent", 3),
    # 城市管理局（综合执法局）
    ("cgzf", "weiwangge", "占道经营", "Street vending blocking the road", "fast", 1),
    ("cgzf", "zonghe", "违规户外广告", "Illegal outdoor advertising", "normal", 1),
    ("cgzf", "zonghe", "违法搭建", "Illegal construction", "slow", 2),
    ("cgzf", "weiwangge", "乱堆乱放", "Clutter piled in public space", "fast", 1),
    ("cgzf", "weiwangge", "暴露垃圾", "Exposed rubbish", "fast", 1),
    ("cgzf", "weiwangge", "井盖破损缺失", "Damaged or missing manhole cover", "urgent", 3),
    ("cgzf", "weiwangge", "路灯损坏", "Broken street light", "normal", 1),
    ("cgzf", "zonghe", "渣土车抛洒滴漏", "Spillage from muck trucks", "fast", 2),
    ("cgzf", "zonghe", "店外经营", "Trading outside the shopfront", "fast", 1),
    ("cgzf", "zonghe", "乱张贴乱涂写", "Illegal posters and graffiti", "normal", 1),
    ("cgzf", "zonghe", "建筑垃圾乱倾倒", "Illegal dumping of construction waste", "fast", 2),
    # 民政局
    ("mzj", "yifeng", "婚丧陋习", "Outdated wedding and funeral customs", "normal", 1),
    ("mzj", "yifeng", "大操大办红白喜事", "Extravagant weddings and funerals", "normal", 1),
    ("mzj", "yifeng", "乱埋乱葬", "Illegal burial", "slow", 2),
    ("mzj", "yifeng", "高价彩礼", "Exorbitant bride price", "normal", 1),
    ("mzj", "zonghe", "困难群众救助需求", "Relief needed by a family in hardship", "fast", 2),
    ("mzj", "zonghe", "独居老人关爱走访", "Care visit to a senior living alone", "normal", 1),
    ("mzj", "zonghe", "流浪乞讨人员救助", "Help for a homeless person", "urgent", 2),
    # 司法局
    ("sfj", "wangtiao", "矛盾纠纷", "Dispute", "normal", 2),
    ("sfj", "wangtiao", "邻里纠纷", "Neighbour dispute", "normal", 2),
    ("sfj", "wangtiao", "婚姻家庭纠纷", "Marriage and family dispute", "normal", 2),
    ("sfj", "wangtiao", "土地山林权属纠纷", "Land or forest ownership dispute", "long", 2),
    ("sfj", "wangtiao", "物业纠纷", "Property management dispute", "slow", 1),
    ("sfj", "wangtiao", "医患纠纷", "Doctor-patient dispute", "fast", 3),
    ("sfj", "teshu", "社区矫正人员走访", "Visit to a person under community correction", "normal", 2),
    ("sfj", "teshu", "刑满释放人员帮教", "Support for a released prisoner", "normal", 2),
    # 人力资源和社会保障局
    ("rsj", "wangtiao", "拖欠农民工工资", "Unpaid wages of migrant workers", "fast", 3),
    ("rsj", "wangtiao", "劳资纠纷", "Labour dispute", "normal", 2),
    ("rsj", "zonghe", "未签劳动合同用工", "Employment without a labour contract", "slow", 1),
    ("rsj", "zonghe", "非法使用童工", "Illegal child labour", "urgent", 4),
    # 住房和城乡建设局
    ("zjj", "anquan", "危房安全隐患", "Dangerous building", "fast", 3),
    ("zjj", "anquan", "建筑工地安全隐患", "Construction-site safety hazard", "fast", 3),
    ("zjj", "zonghe", "建筑工地扬尘", "Construction-site dust", "normal", 1),
    ("zjj", "anquan", "燃气安全隐患", "Gas safety hazard", "urgent", 4),
    ("zjj", "weiwangge", "小区物业管理问题", "Residential estate management problem", "slow", 1),
    ("zjj", "anquan", "装修破坏承重结构", "Renovation damaging load-bearing walls", "urgent", 3),
    # 公安局
    ("gaj", "teshu", "社区戒毒人员走访", "Visit to a person in community drug rehabilitation", "normal", 2),
    ("gaj", "teshu", "吸毒人员动态管控", "Follow-up of a known drug user", "fast", 3),
    ("gaj", "zonghe", "治安隐患", "Public order hazard", "fast", 3),
    ("gaj", "lvyou", "电动车违规停放", "Illegally parked e-bike", "fast", 1),
    ("gaj", "zonghe", "出租房屋未登记", "Unregistered rented housing", "normal", 1),
    ("gaj", "zonghe", "流动人口未登记", "Unregistered floating population", "normal", 1),
    ("gaj", "zonghe", "黄赌毒线索", "Lead on vice, gambling or drugs", "urgent", 3),
    ("gaj", "yifeng", "违规燃放烟花爆竹", "Fireworks set off where banned", "urgent", 2),
    ("gaj", "yifeng", "封建迷信活动", "Superstitious activity", "normal", 1),
    # 邮政管理局
    ("yzgl", "anquan", "快递网点安全隐患", "Safety hazard at a parcel outlet", "normal", 2),
    ("yzgl", "zonghe", "快递违规收寄", "Parcels accepted without inspection", "normal", 2),
    ("yzgl", "weiwangge", "快递包裹占道堆放", "Parcels piled on the pavement", "fast", 1),
    # 交通运输局
    ("jtys", "zonghe", "非法营运车辆", "Unlicensed passenger transport", "normal", 2),
    ("jtys", "weiwangge", "道路设施损毁", "Damaged road facilities", "normal", 2),
    ("jtys", "anquan", "农村公路安全隐患", "Rural road safety hazard", "fast", 3),
    ("jtys", "lvyou", "渡口渡船安全隐患", "Ferry and pier safety hazard", "urgent", 4),
    # 水利局
    ("slj", "zonghe", "河道乱倒垃圾", "Rubbish dumped in a river", "fast", 2),
    ("slj", "zonghe", "非法采砂", "Illegal sand mining", "fast", 3),
    ("slj", "zonghe", "水利设施损毁", "Damaged water facilities", "normal", 2),
    ("slj", "anquan", "山塘水库安全隐患", "Pond or reservoir safety hazard", "urgent", 4),
    # 农业农村局
    ("nync", "zonghe", "农村人居环境脏乱差", "Poor village living environment", "normal", 1),
    ("nync", "shiyao", "违规使用禁限用农药", "Use of banned pesticides", "fast", 3),
    ("nync", "zonghe", "动物疫情隐患", "Animal epidemic risk", "urgent", 3),
    ("nync", "shiyao", "兽药饲料违规经营", "Illegal trade in veterinary drugs or feed", "normal", 2),
    # 自然资源局
    ("zrzy", "zonghe", "违法占地", "Illegal land occupation", "slow", 2),
    ("zrzy", "zonghe", "乱占耕地建房", "Houses built on farmland", "slow", 2),
    ("zrzy", "anquan", "地质灾害隐患", "Geological hazard", "urgent", 4),
    ("zrzy", "zonghe", "非法采矿", "Illegal mining", "fast", 3),
    # 卫生健康委员会
    ("wjw", "shiyao", "非法行医", "Unlicensed medical practice", "fast", 3),
    ("wjw", "zonghe", "公共场所卫生不达标", "Public place below hygiene standard", "normal", 1),
    ("wjw", "lvyou", "民宿卫生隐患", "Homestay hygiene hazard", "fast", 2),
    ("wjw", "zonghe", "传染病疫情线索", "Infectious disease lead", "urgent", 4),
    ("wjw", "teshu", "严重精神障碍患者随访", "Follow-up of a patient with severe mental illness", "fast", 3),
    # 教育局
    ("jyj", "zonghe", "校园周边安全隐患", "Safety hazard near a school", "fast", 3),
    ("jyj", "zonghe", "无证办学", "Unlicensed school", "slow", 2),
    ("jyj", "zonghe", "校外培训机构违规", "Non-compliant tutoring centre", "normal", 1),
    # 文化和旅游局
    ("wlj", "lvyou", "景区安全隐患", "Scenic-area safety hazard", "fast", 3),
    ("wlj", "lvyou", "旅游市场秩序问题", "Tourism market disorder", "normal", 2),
    ("wlj", "zonghe", "无证经营网吧歌厅", "Unlicensed internet café or karaoke", "normal", 2),
    ("wlj", "zonghe", "文物保护隐患", "Risk to a cultural relic", "slow", 2),
    # 消防救援支队
    ("xfjy", "lvyou", "民宿消防隐患", "Homestay fire hazard", "fast", 3),
    ("xfjy", "weiwangge", "消防通道堵塞", "Blocked fire lane", "urgent", 3),
    ("xfjy", "lvyou", "电动车入户充电", "E-bike charged indoors", "fast", 3),
    ("xfjy", "anquan", "“九小场所”消防隐患", "Fire hazard at small premises", "fast", 3),
    ("xfjy", "zonghe", "消防设施损坏", "Damaged fire equipment", "normal", 2),
    ("xfjy", "lvyou", "餐饮场所消防隐患", "Fire hazard at a restaurant", "fast", 3),
    # 商务局
    ("swj", "anquan", "非法经营成品油", "Illegal fuel sales", "urgent", 4),
    ("swj", "zonghe", "再生资源回收站点违规", "Non-compliant recycling point", "normal", 1),
    # 林业局
    ("lyj", "anquan", "野外违规用火", "Illegal open fire in the countryside", "urgent", 4),
    ("lyj", "zonghe", "乱砍滥伐林木", "Illegal logging", "fast", 2),
    ("lyj", "zonghe", "非法猎捕交易野生动物", "Illegal hunting or trade in wildlife", "fast", 3),
    # 海洋与渔业局
    ("hyyy", "zonghe", "涉渔“三无”船舶", "Unregistered fishing boat", "normal", 2),
    ("hyyy", "zonghe", "非法捕捞", "Illegal fishing", "fast", 2),
    ("hyyy", "anquan", "渔船安全隐患", "Fishing boat safety hazard", "urgent", 3),
    ("hyyy", "lvyou", "海上休闲船只隐患", "Leisure boat hazard", "fast", 3),
    # 烟草专卖局
    ("yczm", "zonghe", "无证经营卷烟", "Selling cigarettes without a licence", "normal", 1),
    ("yczm", "zonghe", "向未成年人售烟", "Selling cigarettes to minors", "fast", 2),
    # 医疗保障局
    ("ybj", "zonghe", "欺诈骗取医保基金", "Medical insurance fraud", "slow", 2),
    ("ybj", "shiyao", "定点药店违规刷卡", "Insurance card misuse at a pharmacy", "normal", 2),
]
