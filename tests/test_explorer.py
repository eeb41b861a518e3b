"""The what-if explorer's logic without a browser: widgets from the lever schema, a change runs the option
against the cached baseline, a bad value is refused with the schema's message, a newer change supersedes a run
in progress, and the saved scenario file reproduces the numbers shown."""

import asyncio

import param
import pytest

from model import compare
from model.errors import InputError
from model.reporting.explorer import Explorer, check
from model.scenario import load_scenario

SMALL = {"lang": "en", "scale": 0.0005, "seeds": 2, "end": "2022-12"}
QUOTA = "levers.training_subsidy.annual_quota.values.2020-01"


@pytest.fixture(scope="module")
def app():
    explorer = Explorer(**SMALL)
    yield explorer
    explorer.runner.close()


def quiet_set(app: Explorer, path: str, value: object) -> None:
    """Set a widget without triggering its callback (the test drives the runs)."""
    widget = next(s.widget for s in app.settings if s.path == path)
    with param.discard_events(widget):
        widget.value = value


def test_every_lever_of_the_option_has_widgets_with_the_schemas_range_and_label(app):
    spec = load_scenario("reform_2020")
    levers = {s.path.split(".")[1] for s in app.settings}
    assert levers == {module.NAME for module, _ in spec.levers.active()}
    quota = next(s for s in app.settings if s.path == QUOTA)
    assert quota.initial == 120000 and (quota.widget.start, quota.widget.end) == (0, 1e8)
    assert quota.widget.label.startswith("Annual training quota (persons)")
    assert app.overrides() == {}


def test_a_change_runs_against_the_cached_baseline_and_a_newer_change_supersedes(app):
    shown = []
    original = app.show
    app.show = lambda result, seconds: (shown.append(result), original(result, seconds))

    async def two_changes():
        first = asyncio.create_task(app.update())
        await asyncio.sleep(0.2)  # the first run is under way
        quiet_set(app, QUOTA, 200000.0)
        await asyncio.gather(first, app.update())

    asyncio.run(two_changes())
    assert len(shown) == 1  # the first result was dropped
    headline = shown[0].headline.iloc[0]
    assert "annual_quota.values.2020-01=200000" in headline.scenario
    effects = shown[0].effects
    trainees = effects[(effects.dimension == "province") & (effects.kpi == "trainees")]["mean"].sum()
    quiet_set(app, QUOTA, 0.0)
    asyncio.run(app.update())
    fewer = app.comparison.effects
    assert fewer[(fewer.dimension == "province") & (fewer.kpi == "trainees")]["mean"].sum() < trainees
    assert "data-kpi='delta_trainees_total'" in app.metrics.object
    quiet_set(app, QUOTA, 120000.0)


def test_a_bad_value_is_refused_with_the_schemas_message_and_nothing_runs(app):
    before = app.comparison
    quiet_set(app, "levers.training_subsidy.duration_months.values.2020-01", 500.0)
    asyncio.run(app.update())
    assert "duration_months" in app.status.object and "1 to 120 months" in app.status.object
    assert app.comparison is before
    quiet_set(app, "levers.training_subsidy.duration_months.values.2020-01", 3.0)


def test_the_saved_scenario_file_validates_and_reproduces_the_numbers_shown(app, tmp_path):
    quiet_set(app, QUOTA, 150000.0)
    asyncio.run(app.update())
    path = tmp_path / "variant.yaml"
    text = app.scenario_yaml()
    path.write_text(text, encoding="utf-8")
    saved = load_scenario(path)
    assert saved.scenario_id.startswith("reform_2020+") and "annual_quota" in saved.key
    command = text.splitlines()[0]
    assert "workforce compare baseline THIS_FILE.yaml --end 2022-12 --scale 0.0005 --seeds 2" in command
    again = compare("baseline", [path], seeds=2, scale=0.0005, end="2022-12", workers=1)
    columns = ["delta_high_skill_workers", "delta_retained_workers", "fiscal_cost_yuan_total"]
    assert again.headline[columns].iloc[0].tolist() == app.comparison.headline[columns].iloc[0].tolist()
    quiet_set(app, QUOTA, 120000.0)


@pytest.mark.parametrize(("settings", "message"), [
    ({"scale": 0.5}, "scale: 0.5 is outside the allowed range 0 (exclusive) to 0.05"),
    ({"seeds": 9}, "seeds: 9 is outside the allowed range 1 to 4"),
    ({"end": "2040-12"}, "end: 2040-12 is not one of"),
    ({"lang": "fr"}, "lang: 'fr' is not one of zh, en"),
])
def test_the_explorers_own_settings_are_checked(settings, message):
    values = {"lang": "zh", "scale": 0.005, "seeds": 2, "end": "2025-12", **settings}
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check(**values)


def test_a_loaded_scenario_file_becomes_the_option_and_variants_are_kept_side_by_side(app, tmp_path):
    asyncio.run(app.update())
    app._keep()
    quiet_set(app, QUOTA, 60000.0)
    asyncio.run(app.update())
    app._keep()
    assert len(app.kept) == 2 and app.kept_table.object.count("<tr>") == 3
    text = "name: my option\nextends: baseline\nlevers:\n  pay_parity: {gap_closed_share: 0.4}\n"
    with param.discard_events(app.upload):
        app.upload.filename, app.upload.value = "mine.yaml", text.encode()

    async def load():  # choosing the loaded option rebuilds the settings and runs it (a callback's task)
        await app._load()
        await asyncio.gather(*(task for task in asyncio.all_tasks() if task is not asyncio.current_task()))

    asyncio.run(load())
    assert app.base_select.value == "my option (mine.yaml)"
    assert {s.path.split(".")[1] for s in app.settings} == {"pay_parity"}
    assert app.comparison.headline.scenario.iloc[0] == "my option"
    with param.discard_events(app.upload):
        app.upload.value = b"name: bad\nlevers: {pay_parity: {gap_closed_share: 3}}\n"
    asyncio.run(app._load())
    assert "gap_closed_share" in app.status.object and "0 to 1" in app.status.object
    app.base_select.value = "reform_2020"


def test_explore_returns_the_page_for_jupyter():
    from model import explore

    assert type(explore(lang="en", scale=0.0005, seeds=1, end="2022-12")).__name__ == "Row"
