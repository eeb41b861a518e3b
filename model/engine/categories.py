"""The fixed categories of the model: cities and regions, sectors, ownership, size, grades, education.

Codes are the integer values stored in the worker and employer columns; ids are the
stable English keys used in calibration files, scenario files and KPI tables.
"""

REGIONS = ("south", "central", "north")  # 苏南, 苏中, 苏北

# (id, region) in code order; the region of a city is geography, not calibration.
CITIES = (
    ("nanjing", "south"),
    ("wuxi", "south"),
    ("changzhou", "south"),
    ("suzhou", "south"),
    ("zhenjiang", "south"),
    ("nantong", "central"),
    ("yangzhou", "central"),
    ("taizhou", "central"),
    ("xuzhou", "north"),
    ("lianyungang", "north"),
    ("huaian", "north"),
    ("yancheng", "north"),
    ("suqian", "north"),
)
CITY_IDS = tuple(city for city, _ in CITIES)
CITY_REGION = tuple(REGIONS.index(region) for _, region in CITIES)

SECTORS = (
    "textiles_apparel",
    "electronics_ict",
    "electrical_machinery",
    "general_special_equipment",
    "autos_transport",
    "chemicals",
    "metals",
    "pharma_bio",
    "food",
    "other_manufacturing",
)

OWNERSHIPS = ("state", "private", "foreign")  # foreign includes Hong Kong, Macao, Taiwan
SIZES = ("small", "medium", "large")

# National vocational qualification grades, code = index.
GRADES = ("none", "junior", "intermediate", "senior", "technician", "senior_technician")
HIGH_SKILL_GRADE = 3  # 高级工 and above
MAX_GRADE = len(GRADES) - 1

EDUCATIONS = ("junior_secondary_or_less", "senior_secondary", "junior_college", "bachelor_plus")
SEXES = ("male", "female")
MIGRANT_STATUSES = ("local", "migrant")
# Reported cohorts: locals, migrants born before 1980, new-generation migrants (born 1980+).
MIGRANT_GENERATIONS = ("local", "older_migrant", "new_generation_migrant")
NEW_GENERATION_BIRTH_YEAR = 1980

AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55+")
AGE_BAND_LOWER_YEARS = (16, 25, 35, 45, 55)

# Worker status codes.
GONE, EMPLOYED, SEARCHING = 0, 1, 2

# Programme a worker is in (worker column `programme`): 0 none, else the code of a lever's programme
# (levers.PROGRAMME_CODES).
NO_PROGRAMME = 0
