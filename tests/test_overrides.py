"""What-if without YAML: settings changed by path give the same runs as the same change written in a scenario
file, are validated with the same one-line errors, and are listed by `workforce levers` / `parameters`."""

import pandas as pd
import pytest
import yaml

from model import compare, run
from model.calibration.inputs import CALIBRATION_DIR
from model.errors import InputError
from model.experiments.overrides import apply, parse_assignment
from model.experiments.runner import simulate
from model.reporting.catalogue import lever_settings, parameters
from model.scenario import Scenario, load_scenario

SMALL = {"scale": 0.0005, "end": "2020-06"}


def test_a_lever_override_runs_exactly_as_the_same_setting_in_a_scenario_file(tmp_path):
    path = tmp_path / "quota.yaml"
    path.write_text("name: quota\nextends: baseline\nlevers:\n  training_subsidy: {annual_quota: 200000}\n")
    from_file = run(path, **SMALL)
    from_overrides = run("baseline", overrides={"levers.training_subsidy.annual_quota": 200000}, **SMALL)
    pd.testing.assert_frame_equal(from_file, from_overrides)
    assert not from_file.equals(run("baseline", **SMALL))  # the lever did something


def test_a_parameter_override_runs_exactly_as_the_parameters_argument():
    by_path = simulate("baseline", overrides={"parameters.learning_rate_monthly": 0.04}, **SMALL)
    by_argument = simulate("baseline", parameters={"learning_rate_monthly": 0.04}, **SMALL)
    pd.testing.assert_frame_equal(by_path.table, by_argument.table)
    assert by_path.manifest["parameters"]["learning_rate_monthly"] == 0.04
    assert by_path.manifest["scenario"]["overrides"] == {"parameters.learning_rate_monthly": 0.04}


def test_a_variant_is_named_after_its_changes_and_gets_a_stable_id():
    base = load_scenario("reform_2020")
    changed, params = apply(base, {"levers.pay_parity.gap_closed_share": 0.2, "parameters.learning_rate_monthly": 0.03})
    assert params == {"learning_rate_monthly": 0.03}
    assert changed.levers.pay_parity.gap_closed_share.values == {"2020-01": 0.2}
    assert "gap_closed_share=0.2" in changed.key and changed.key != base.key
    assert changed.scenario_id.startswith("reform_2020+")
    again, _ = apply(base, {"levers.pay_parity.gap_closed_share": 0.2, "parameters.learning_rate_monthly": 0.03})
    assert again.scenario_id == changed.scenario_id
    assert apply(base, {"levers.pay_parity.gap_closed_share": 0.3})[0].scenario_id != changed.scenario_id
    assert apply(base, {}) == (base, {})


BAD = [
    ({"levers.training_subsidy.annual_quota": -1}, "set: levers.training_subsidy.annual_quota: -1", "0 to 1e+08"),
    ({"levers.nope.x": 1}, "set: levers.nope", "unknown lever (allowed: pilot_rollout"),
    ({"levers.pay_parity.colour": 1}, "set: levers.pay_parity.colour", "unknown key"),
    ({"parameters.nope": 1}, "set: parameters.nope", "unknown parameter"),
    ({"parameters.learning_rate_monthly": 9}, "set: parameters.learning_rate_monthly", "allowed range 0.005 to"),
    ({"parameters.learning_rate_monthly": "fast"}, "set: parameters.learning_rate_monthly", "must be a number"),
    ({"parameters.learning_by_education": 1}, "set: parameters.learning_by_education", "keys junior_secondary"),
    ({"colour": 1}, "set: colour", "use levers.<lever>.<setting>"),
    ({"levers.pay_parity.gap_closed_share.values.2019-01": 0.5}, "gap_closed_share", "before the simulation"),
]


@pytest.mark.parametrize(("overrides", "where", "allowed"), BAD, ids=[next(iter(b[0])) for b in BAD])
def test_a_bad_override_is_one_line_naming_the_path_and_what_is_allowed(overrides, where, allowed):
    with pytest.raises(InputError) as error:
        apply(Scenario.baseline(), overrides)
    message = str(error.value)
    assert "\n" not in message and where in message and allowed in message, message


def test_assignments_are_read_as_yaml_values():
    assert parse_assignment("levers.training_subsidy.annual_quota=200000") == (
        "levers.training_subsidy.annual_quota", 200000)
    assert parse_assignment("levers.pay_parity.coverage.scope = pilot") == ("levers.pay_parity.coverage.scope",
                                                                          "pilot")
    assert parse_assignment("levers.x.y={values: {2021-01: 0.5}, ramp_months: 12}")[1] == {
        "values": {"2021-01": 0.5}, "ramp_months": 12}
    for text in ("no_equals_sign", "=3"):
        with pytest.raises(InputError, match="write PATH=VALUE"):
            parse_assignment(text)


def test_a_comparison_takes_overrides_of_the_baseline_and_scenario_override_pairs():
    result = compare("baseline", [{"levers.pay_parity.gap_closed_share": 0.2},
                                  ("lever_pay_parity", {"levers.pay_parity.gap_closed_share": 0.2})],
                     seeds=2, scale=0.0005, end="2020-03", workers=1)
    ids = result.headline.scenario_id.tolist()
    assert ids[0].startswith("baseline+") and ids[1].startswith("lever_pay_parity+")
    assert set(result.effects.scenario_id) == set(ids)
    assert result.manifest["scenario_ids"][result.manifest["baseline"]] == "baseline"
    # the same lever setting on the baseline and on the pay-parity file: the same effect
    effect = result.headline.set_index("scenario_id")["delta_mean_wage_yuan_month"]
    assert effect.iloc[0] == pytest.approx(effect.iloc[1])
    with pytest.raises(InputError, match="baseline: must be a scenario"):
        compare({"levers.pay_parity.gap_closed_share": 0.2}, ["baseline"], seeds=2, scale=0.0005, end="2020-03")


def _settable(row) -> object:  # noqa: ANN001 - a row of the lever settings table
    low = row.allowed.split(" to ")[0].replace(",", "")
    if row.kind.startswith(("dated number", "integer")):
        return int(float(low)) if row.kind.startswith("integer") else float(low)
    if row.kind.startswith("choice"):
        return row.allowed.split(" | ")[-1]
    if row.kind.startswith("month"):
        return "2021-01"
    return [row.allowed.removeprefix("any of ").split(", ")[0]]


def test_every_listed_lever_setting_can_be_set_by_its_path():
    table = lever_settings()
    assert set(table.lever) >= {"training_subsidy", "pay_parity", "apprenticeship", "pilot_rollout"}
    assert (table.setting_zh != table.path.str.split(".").str[-1]).all()  # every setting has a Chinese label
    required = table[table.default == "(required)"]
    for row in table.itertuples():
        changes = {r.path: _settable(r) for r in required[required.lever == row.lever].itertuples()}
        changes[row.path] = _settable(row)
        if row.path.endswith(".coverage.scope"):
            changes["levers.pilot_rollout.first_batch_from"] = "2020-01"
        changed, _ = apply(Scenario.baseline(), changes)
        assert changed.levers.active(), row.path


def test_every_parameter_is_listed_with_bounds_and_its_value_in_force():
    listed = parameters().set_index("path")
    on_file = yaml.safe_load((CALIBRATION_DIR / "parameters.yaml").read_text())
    assert sorted(listed.index.str.removeprefix("parameters.")) == sorted(on_file)
    for name, entry in on_file.items():
        row = listed.loc[f"parameters.{name}"]
        assert (row.lo, row.hi) == tuple(entry["bounds"])
        assert row.name_zh != name and row.status == entry["status"]
    fitted = listed.loc["parameters.quit_base_logit"]
    assert fitted.status == "fitted" and fitted.value != fitted.default  # the fitted value is the one in force
