"""Scenario files: every shipped file validates; `extends` merges as documented; malformed files give
one-line errors naming file, field and allowed range."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.engine.calendar import month_index
from model.errors import InputError
from model.levers import LEVER_IDS
from model.scenario import load_scenario

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    spec = load_scenario(path)
    assert spec.name and spec.period.last_month >= spec.period.first_month


def test_the_shipped_set_has_the_baseline_the_2020_reform_full_reform_and_one_file_per_lever():
    names = {p.stem for p in SHIPPED}
    assert {"baseline", "reform_2020", "full_reform"} <= names
    for lever in LEVER_IDS:
        spec = load_scenario(REPO / "scenarios" / f"lever_{lever}.yaml")
        assert [m.NAME for m, _ in spec.levers.active()] == [lever]
    assert not load_scenario(REPO / "scenarios" / "baseline.yaml").levers.active()
    assert len(load_scenario(REPO / "scenarios" / "full_reform.yaml").levers.active()) == len(LEVER_IDS)


def test_reform_2020_carries_the_articles_figures():
    levers = load_scenario(REPO / "scenarios" / "reform_2020.yaml").levers
    assert levers.training_subsidy.annual_quota.at(0) == 120_000
    assert levers.education_upgrade.annual_places.at(0) == 40_000
    assert levers.skill_competitions.annual_participations.at(0) == 5_000_000
    assert len(levers.pilot_rollout.cities) == 5
    assert levers.training_subsidy.source is not None


@pytest.mark.parametrize("path", [*SHIPPED, *sorted((REPO / "scenarios" / "experiments").glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_every_shipped_file_names_and_describes_itself_in_both_report_languages(path):
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for field in ("name", "description"):
        assert set(raw[field]) == {"zh", "en"}, field
        assert any("\u4e00" <= ch <= "\u9fff" for ch in raw[field]["zh"]), f"{field}.zh is not Chinese"


def test_a_bilingual_name_keys_results_as_zh_en_and_a_plain_name_still_works(tmp_path):
    from model.scenario import in_language

    text = "name: {zh: 甲方案, en: option A}\ndescription: {zh: 说明, en: text}\n"
    spec = load_scenario(write(tmp_path, "a.yaml", text))
    assert spec.key == "甲方案 (option A)" and in_language(spec.description, "zh") == "说明"
    plain = load_scenario(write(tmp_path, "b.yaml", "name: plain\ndescription: words\n"))
    assert plain.key == "plain" and in_language(plain.description, "zh") == "words"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_merges_mappings_adds_dates_replaces_values_and_null_removes(tmp_path):
    write(tmp_path, "base.yaml", """
name: base
period: {end: 2025-12}
levers:
  pay_parity:
    gap_closed_share: {values: {2021-01: 0.3}}
    coverage: {ownerships: [state]}
  career_ladder: {adoption_share: 0.5}
""")
    child = load_scenario(write(tmp_path, "child.yaml", """
extends: base.yaml
name: child
levers:
  pay_parity:
    gap_closed_share: {values: {2023-01: 0.6}}
  career_ladder: null
  training_subsidy: {annual_quota: 1000}
"""))
    assert child.name == "child" and child.period.end == "2025-12"  # inherited
    parity = child.levers.pay_parity
    assert parity.gap_closed_share.values == {"2021-01": 0.3, "2023-01": 0.6}  # dated values gain a date
    assert parity.coverage.ownerships == ["state"]  # untouched keys stay
    assert child.levers.career_ladder is None  # null switches a lever off
    assert child.levers.training_subsidy.annual_quota.at(0) == 1000
    grandchild = load_scenario(write(tmp_path, "grandchild.yaml", """
extends: child.yaml
name: grandchild
levers: {pay_parity: {gap_closed_share: 0.9}}
"""))
    assert grandchild.levers.pay_parity.gap_closed_share.values == {"2020-01": 0.9}  # a number replaces


def test_dated_values_step_and_ramp_linearly_from_the_value_before():
    spec = load_scenario(REPO / "scenarios" / "lever_pay_parity.yaml")
    series = spec.levers.pay_parity.gap_closed_share.series(month_index("2023-12"))
    start = month_index("2021-01") - month_index("2020-01")
    assert np.all(series[:start] == 0)
    np.testing.assert_allclose(series[start:start + 24], 0.5 * np.arange(1, 25) / 24)
    assert np.all(series[start + 23:] == 0.5)


MALFORMED = {
    "unknown_lever": ("name: x\nlevers: {pay_parityy: {}}\n", "levers.pay_parityy", "unknown lever"),
    "unknown_lever_key": ("name: x\nlevers: {pay_parity: {share: 0.5}}\n", "levers.pay_parity.share",
                          "unknown key (allowed: description, source, coverage, gap_closed_share)"),
    "ages_reversed": ("name: x\nlevers: {training_subsidy: {eligibility: {min_age_years: 40, max_age_years: 30}}}\n",
                      "eligibility", "min_age_years 40 is above max_age_years 30"),
    "share_above_one": ("name: x\nlevers: {pay_parity: {gap_closed_share: 1.5}}\n",
                        "levers.pay_parity.gap_closed_share", "0 to 1"),
    "negative_money": ("name: x\nlevers: {innovation_rewards: {reward_pool_yuan_year: -5}}\n",
                       "reward_pool_yuan_year", "0 to 1e+12 yuan"),
    "nan": ("name: x\nlevers: {career_ladder: {adoption_share: .nan}}\n", "adoption_share", "0 to 1"),
    "inf": ("name: x\nlevers: {education_upgrade: {annual_places: .inf}}\n", "annual_places", "allowed range"),
    "string_for_number": ("name: x\nlevers: {career_ladder: {adoption_share: lots}}\n", "adoption_share",
                          "must be a number"),
    "bool_for_number": ("name: x\nlevers: {career_ladder: {adoption_share: {values: {2021-01: true}}}}\n",
                        "adoption_share.values.2021-01", "number"),
    "dates_out_of_order": ("name: x\nlevers: {career_ladder: {adoption_share: {values: {2022-01: 1, 2021-01: 0}}}}\n",
                           "adoption_share.values", "increasing order"),
    "date_after_period": ("name: x\nperiod: {end: 2022-12}\nlevers: {career_ladder: {adoption_share: "
                          "{values: {2024-01: 1}}}}\n", "levers.career_ladder.adoption_share", "2020-01 to 2022-12"),
    "date_before_start": ("name: x\nlevers: {career_ladder: {adoption_share: {values: {2019-06: 1}}}}\n",
                          "adoption_share.values", "before the simulation starts"),
    "bad_month": ("name: x\nlevers: {pilot_rollout: {cities: {suzhou: 2020-13}}}\n", "pilot_rollout.cities.suzhou",
                  "YYYY-MM"),
    "unknown_city": ("name: x\nlevers: {pay_parity: {coverage: {cities: [atlantis]}}}\n",
                     "coverage.cities", "nanjing"),
    "unknown_grade": ("name: x\nlevers: {grade_wage_bargaining: {premium: {master: 0.1}}}\n", "premium", "senior"),
    "ramp_negative": ("name: x\nlevers: {career_ladder: {adoption_share: {values: {2021-01: 1}, ramp_months: -3}}}\n",
                      "ramp_months", "allowed range 0 to 240 months"),
    "pilot_scope_without_pilots": ("name: x\nlevers: {career_ladder: {coverage: {scope: pilot}}}\n",
                                   "levers.career_ladder.coverage.scope", "pilot_rollout"),
    "missing_required": ("name: x\nlevers: {education_upgrade: {subsidy_yuan: 740}}\n",
                         "education_upgrade.annual_places", "required"),
    "alias": ("name: x\nlevers:\n  pay_parity: &p {gap_closed_share: 0.5}\n  career_ladder: *p\n", "aliases",
              "not allowed"),
    "python_object": ("name: !!python/object/apply:os.system [echo hi]\n", "not valid YAML", ""),
    "not_a_mapping": ("- name: x\n", "a scenario must be a mapping", ""),
    "unknown_top_key": ("name: x\nlevers_typo: {}\n", "levers_typo", "unknown key"),
    "missing_extends": ("name: x\nextends: nowhere.yaml\n", "extends: nowhere.yaml", "no such scenario file"),
    "name_not_text": ("name: 123\n", "name", "a text, or {zh: ..., en: ...}"),
    "name_one_language": ("name: {zh: 甲}\n", "name.en", "required"),
    "name_third_language": ("name: {zh: 甲, en: a, fr: b}\n", "name.fr", "allowed: zh, en"),
    "description_list": ("name: x\ndescription: [a]\n", "description", "a text, or {zh: ..., en: ...}"),
    "huge_integer": ("name: x\nlevers: {training_subsidy: {annual_quota: " + "9" * 400 + "}}\n", "not valid YAML",
                     "at most 18 digits"),
    "bad_id": ("name: x\nid: Has Spaces\n", "id", "should match pattern"),
    "inherits_no_name": (f"extends: {REPO / 'scenarios' / 'baseline.yaml'}\n"
                         "levers: {career_ladder: {adoption_share: {values: {2021-01: 0.5}}}}\n", "name", "required"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_scenario_is_one_error_naming_file_field_and_range(tmp_path, case):
    text, field, fragment = MALFORMED[case]
    path = write(tmp_path, f"{case}.yaml", text)
    with pytest.raises(InputError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert field in message and fragment in message, message


def test_an_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_validate_exits_2_with_one_line_for_a_malformed_file_and_0_for_good_ones(tmp_path):
    bad = write(tmp_path, "bad.yaml", MALFORMED["share_above_one"][0])
    result = subprocess.run([sys.executable, "-m", "model.cli", "validate", *map(str, SHIPPED), str(bad)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert sum(line.startswith("error: ") for line in lines) == 1 and lines[-1].startswith("error: ")
    assert "bad.yaml: levers.pay_parity.gap_closed_share" in lines[-1]
    assert sum(": ok (" in line for line in lines) == len(SHIPPED)


def test_every_malformed_file_exits_2_with_one_line_from_the_command_line(tmp_path):
    """Each malformed file through `workforce validate` (in one interpreter, to keep the test quick)."""
    paths = [write(tmp_path, f"{case}.yaml", text) for case, (text, _, _) in sorted(MALFORMED.items())]
    script = """
import contextlib, io, json, sys
from model.cli import main
results = []
for path in sys.argv[1:]:
    sys.argv = ["workforce", "validate", path]
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code
    results.append([path, code, stderr.getvalue()])
print(json.dumps(results))
"""
    result = subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    for (path, code, stderr), case in zip(json.loads(result.stdout), sorted(MALFORMED), strict=True):
        _, field, fragment = MALFORMED[case]
        lines = stderr.strip().splitlines()
        assert code == 2 and len(lines) == 1, (case, code, stderr)
        assert lines[0].startswith(f"error: {path}") and field in lines[0] and fragment in lines[0], (case, lines)


@pytest.mark.parametrize(("text", "fragment"), [
    ("name: a\nname: b\n", "duplicate key 'name'"),
    ("name: !!binary aGVsbG8=\n", "binary values"),
    ("name: \"a\\x1b[31mred\"\n", "name: contains a control character"),
    ("name: \"a\\0b\"\n", "name: contains a control character"),
])
def test_duplicate_keys_binary_values_and_control_characters_are_refused(tmp_path, text, fragment):
    with pytest.raises(InputError) as error:
        load_scenario(write(tmp_path, "bad.yaml", text))
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_numbers_follow_yaml_1_2_so_an_exponent_without_a_dot_is_a_number(tmp_path):
    path = write(tmp_path, "s.yaml", "name: s\nlevers:\n  training_subsidy:\n    annual_quota: 1.2e5\n"
                                     "    annual_budget_yuan: 2e8\n")
    settings = load_scenario(path).levers.training_subsidy
    assert settings.annual_quota.at(0) == 120_000 and settings.annual_budget_yuan.at(0) == 2e8


def test_pipes_devices_and_symlink_loops_are_refused_without_reading(tmp_path):
    import os

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(loop)
    for path, fragment in ((fifo, "not a regular file"), (Path("/dev/zero"), "not a regular file"),
                           (loop, "cannot read"), (tmp_path, "is a directory")):
        with pytest.raises(InputError, match=fragment):  # returns at once: a FIFO read would block forever
            load_scenario(path)
    base = write(tmp_path, "child.yaml", f"name: c\nextends: {fifo.name}\n")
    with pytest.raises(InputError, match="not a regular file"):
        load_scenario(base)


def test_an_empty_lever_is_an_error_unless_it_switches_off_an_inherited_one(tmp_path):
    with pytest.raises(InputError, match=r"levers.education_upgrade: has no settings; write \{\} for its defaults"):
        load_scenario(write(tmp_path, "empty.yaml", "name: e\nlevers:\n  education_upgrade:\n"))
    write(tmp_path, "base.yaml", "name: b\nlevers:\n  education_upgrade: {}\n")
    child = load_scenario(write(tmp_path, "child.yaml", "name: c\nextends: base.yaml\nlevers:\n  education_upgrade:\n"))
    assert child.levers.education_upgrade is None
    assert load_scenario(write(tmp_path, "defaults.yaml", "name: d\nlevers: {training_subsidy: {}}\n")
                         ).levers.training_subsidy is not None
