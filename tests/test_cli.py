"""The `workforce` command line: outputs with provenance, one-line errors, exit codes, nothing partial."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"


def drawing_starts() -> dict[str, str]:
    """The environment of a command that must still be running a moment after it starts: it draws its start, as a
    first run does, instead of reading one an earlier test kept (model/engine/start_cache.py)."""
    return {**os.environ, "WORKFORCE_START_CACHE": "off"}


def workforce(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_run_writes_kpis_and_a_manifest_with_provenance(tmp_path):
    out = tmp_path / "run"
    result = workforce("run", str(BASELINE), "--scale", "0.0005", "--seed", "4", "--end", "2020-06",
                       "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_parquet(out / "kpis.parquet")
    assert list(table.columns) == ["date", "kpi", "dimension", "group", "value"]
    assert table.date.nunique() == 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["scale"] == 0.0005
    assert manifest["scenario"]["name"] == {"zh": "基准情景", "en": "baseline"} and manifest["scenario"]["sha256"]
    assert manifest["scenario"]["key"] == "基准情景 (baseline)"
    assert "quit_base_logit" in manifest["parameters"]
    assert manifest["package_version"] and "timings_seconds" in manifest
    assert set(manifest["calibration_files"]) >= {"population.yaml", "parameters.yaml"}
    assert not list(out.glob(".*partial"))


def test_same_seed_from_the_cli_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        assert workforce("run", str(BASELINE), "--scale", "0.0005", "--end", "2020-03", "--out",
                         str(tmp_path / name)).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "kpis.parquet"),
                                  pd.read_parquet(tmp_path / "b" / "kpis.parquet"))


def test_start_flag_reports_from_a_later_month(tmp_path):
    out = tmp_path / "later"
    assert workforce("run", str(BASELINE), "--scale", "0.0005", "--start", "2020-04", "--end", "2020-05",
                     "--out", str(out)).returncode == 0
    dates = pd.read_parquet(out / "kpis.parquet").date.drop_duplicates().dt.strftime("%Y-%m").tolist()
    assert dates == ["2020-04", "2020-05"]


def test_a_finished_run_is_not_overwritten_without_asking(tmp_path):
    out = tmp_path / "run"
    assert workforce("run", str(BASELINE), "--scale", "0.0005", "--end", "2020-02", "--out", str(out)).returncode == 0
    before = (out / "manifest.json").read_bytes()
    assert_one_line_error(workforce("run", str(BASELINE), "--scale", "0.0005", "--end", "2020-02", "--out", str(out)),
                          "already holds results")
    assert (out / "manifest.json").read_bytes() == before


BAD_SCENARIOS = {
    "unknown_key.yaml": ("name: x\nbudget: 3\n", "budget", "unknown key"),
    "bad_month.yaml": ("name: x\nperiod: {start: 2020-13, end: 2021-01}\n", "period.start", "YYYY-MM"),
    "reversed.yaml": ("name: x\nperiod: {start: 2025-01, end: 2021-01}\n", "period", "before start"),
    "too_early.yaml": ("name: x\nperiod: {start: 2019-01}\n", "period.start", "allowed range"),
    "not_yaml.yaml": ("name: [unclosed\n", "not valid YAML", ""),
    "alias_bomb.yaml": ("a: &a [1, 2]\nb: [*a, *a]\nname: x\n", "aliases", ""),
    "python_object.yaml": ("name: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML", ""),
    "list.yaml": ("- 1\n- 2\n", "mapping", ""),
    "no_name.yaml": ("description: x\n", "name", "required"),
}


@pytest.mark.parametrize("filename", sorted(BAD_SCENARIOS))
def test_malformed_scenario_gives_one_line_exit_2_and_writes_nothing(tmp_path, filename):
    text, *fragments = BAD_SCENARIOS[filename]
    path = tmp_path / filename
    path.write_text(text)
    out = tmp_path / "out"
    assert_one_line_error(workforce("run", str(path), "--out", str(out)), filename, *[f for f in fragments if f])
    assert not out.exists()
    assert_one_line_error(workforce("validate", str(path)), filename)


@pytest.mark.parametrize("flags, fragment", [
    (["--scale", "abc"], "--scale"),
    (["--scale", "-1"], "scale"),
    (["--scale", "nan"], "scale"),
    (["--scale", "100"], "scale"),
    (["--scale", "2"], "scale: 2.0 is outside the allowed range 0 (exclusive) to 1"),
    (["--set", "levers.training_subsidy.annual_quota=-5"], "set: levers.training_subsidy.annual_quota"),
    (["--set", "parameters.learning_rate_monthly=1"], "allowed range 0.005 to 0.08"),
    (["--set", "nonsense"], "write PATH=VALUE"),
    (["--seed", "-3"], "seed"),
    (["--end", "2020-1"], "period"),
    (["--end", "1999-01"], "allowed range"),
    (["--threads", "0"], "threads"),
    (["--bogus"], "--bogus"),
])
def test_bad_flags_give_one_line_exit_2_and_write_nothing(tmp_path, flags, fragment):
    out = tmp_path / "out"
    assert_one_line_error(workforce("run", str(BASELINE), "--out", str(out), *flags), fragment)
    assert not out.exists()


def test_missing_scenario_file(tmp_path):
    assert_one_line_error(workforce("run", str(tmp_path / "nope.yaml")), "no such scenario file",
                          "can be given by its name")
    assert_one_line_error(workforce("run", "baselin", cwd=tmp_path), "'baselin' is not a shipped scenario",
                          "baseline, full_reform")


def test_a_comparison_above_full_scale_is_refused_before_running(tmp_path):
    out = tmp_path / "cmp"
    assert_one_line_error(workforce("compare", "baseline", "reform_2020", "--scale", "2", "--out", str(out)),
                          "scale: 2.0 is outside the allowed range")
    assert not out.exists()


def test_shipped_scenarios_by_name_and_settings_by_path_from_any_folder(tmp_path):
    result = workforce("run", "baseline", "--scale", "0.0005", "--end", "2020-02", "--out", "here", "--set",
                       "levers.pay_parity.gap_closed_share=0.3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "here" / "manifest.json").read_text())
    assert manifest["scenario"]["file"] == str(REPO / "scenarios" / "baseline.yaml")
    assert manifest["scenario"]["overrides"] == {"levers.pay_parity.gap_closed_share": 0.3}
    assert manifest["scenario"]["id"].startswith("baseline+")


def test_version_and_the_report_languages_are_shown():
    version = workforce("--version")
    assert version.returncode == 0 and version.stdout.startswith("workforce ") and version.stdout.strip()[-1].isdigit()
    assert_one_line_error(workforce("report", "x", "--lang", "fr"), "'fr' is not one of 'zh', 'en'")
    assert "<zh|en>" in " ".join(workforce("report", "--help").stdout.split())


def test_levers_and_parameters_are_listed_with_ranges_and_labels():
    levers = workforce("levers", "--csv")
    assert levers.returncode == 0, levers.stderr
    table = pd.read_csv(io.StringIO(levers.stdout))
    quota = table.set_index("path").loc["levers.training_subsidy.annual_quota"]
    assert (quota.setting_zh, quota.allowed, quota.unit) == ("年度补贴培训名额", "0 to 100,000,000", "persons")
    shown = workforce("parameters")
    assert shown.returncode == 0 and "learning_rate_monthly" in shown.stdout and "干中学速度" in shown.stdout


def test_validate_accepts_every_shipped_scenario():
    files = sorted(str(p) for p in (REPO / "scenarios").glob("*.yaml"))
    result = workforce("validate", *files)
    assert result.returncode == 0, result.stderr


def test_two_runs_into_the_same_folder_do_not_collide(tmp_path):
    """The second writer is refused with one line naming the holder; the first one's results are whole."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / "baseline.yaml"), "--scale",
               "0.02", "--end", "2030-12", "--out", str(out)]  # long enough to be caught running
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                             env=drawing_starts())
    for _ in range(600):  # until the first holds the folder
        if (out / ".workforce.lock").exists() and (out / ".workforce.lock").read_text().strip():
            break
        time.sleep(0.05)
    second = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    first_err = first.communicate(timeout=600)[1]
    assert first.returncode == 0, first_err
    assert second.returncode == 2 and f"pid {first.pid}" in second.stderr.strip().splitlines()[-1], second.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 0 and (out / "kpis.parquet").exists()


def test_an_output_folder_that_cannot_be_made_is_one_line_exit_1(tmp_path):
    """An OSError on writing (here: a file where a folder should be) is one line naming the path, exit 1."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / "baseline.yaml"),
                             "--scale", "0.0005", "--end", "2020-02", "--out", str(blocker / "out")],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot write" in result.stderr and str(blocker) in result.stderr


def _children(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def started_workers(parent: subprocess.Popen, n: int = 2) -> list[int]:
    """The worker processes of a command, once it has started `n` of them."""
    for _ in range(1200):
        workers = _children(parent.pid)
        if len(workers) >= n:
            return workers
        time.sleep(0.05)
    raise AssertionError("the command never started its worker processes")


def assert_workers_die_with_the_killed(command: list[str]) -> None:
    """SIGKILL the command once its workers run: none of them may outlive it by 5 s."""
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
                              env=drawing_starts())
    workers = started_workers(parent)
    time.sleep(1.0)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "worker processes outlived the killed command"


def test_worker_processes_die_with_a_killed_comparison(tmp_path):
    assert_workers_die_with_the_killed([
        sys.executable, "-m", "model.cli", "compare", str(REPO / "scenarios" / "baseline.yaml"),
        str(REPO / "scenarios" / "lever_training_subsidy.yaml"), "--seeds", "4", "--scale", "0.01", "--workers", "2",
        "--out", str(tmp_path / "cmp")])


def test_ctrl_c_during_a_run_is_one_line_exit_130_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / "baseline.yaml"),
                            "--scale", "0.02", "--end", "2030-12", "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=drawing_starts())
    for _ in range(1200):  # simulating: the folder is held
        if (out / ".workforce.lock").exists():
            break
        time.sleep(0.05)
    time.sleep(2.0)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert run.returncode == 130 and lines[-1] == "error: interrupted; nothing was written", stderr
    assert "Traceback" not in stderr and not out.exists()


@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_ctrl_c_while_kernels_compile_is_one_line_exit_130(tmp_path, delay):
    """An empty numba cache: the kernels compile after the folder is locked, and the Ctrl-C lands in a compile."""
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / "baseline.yaml"),
                            "--scale", "0.001", "--end", "2021-12", "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                           env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")})
    for _ in range(1200):
        if (out / ".workforce.lock").exists():
            break
        time.sleep(0.05)
    time.sleep(delay)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert run.returncode == 130 and lines == ["error: interrupted; nothing was written"], stderr
    assert not out.exists()


def test_a_ctrl_c_during_a_compile_is_delivered_again_once_the_compile_is_done(monkeypatch):
    from numba.core.compiler_lock import global_compiler_lock

    from model.cli import _interrupt_unless_compiling

    sent = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: sent.append((pid, signum)))
    with global_compiler_lock:
        _interrupt_unless_compiling(signal.SIGINT, None)  # held back: no exception inside the compiler
    for _ in range(100):
        if sent:
            break
        time.sleep(0.01)
    assert sent == [(os.getpid(), signal.SIGINT)]
    with pytest.raises(KeyboardInterrupt):
        _interrupt_unless_compiling(signal.SIGINT, None)


def test_ctrl_c_during_a_comparison_with_worker_processes_is_one_line_exit_130(tmp_path):
    out = tmp_path / "cmp"
    command = [sys.executable, "-m", "model.cli", "compare", str(REPO / "scenarios" / "baseline.yaml"),
               str(REPO / "scenarios" / "lever_training_subsidy.yaml"), "--seeds", "4", "--scale", "0.01",
               "--workers", "2", "--out", str(out)]
    parent = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                              start_new_session=True, env=drawing_starts())
    started_workers(parent)
    time.sleep(2.0)
    os.killpg(parent.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _, stderr = parent.communicate(timeout=60)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert parent.returncode == 130 and lines == ["error: interrupted; nothing was written"], stderr
    assert not out.exists()


def test_a_write_that_runs_out_of_room_is_one_line_exit_1_and_leaves_no_folder(tmp_path):
    """A full disk, as the process sees it: files may not grow past 100 kB (RLIMIT_FSIZE, SIGXFSZ ignored), so
    writing the KPI table fails with an OSError half-way."""
    import resource

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / "baseline.yaml"),
                             "--scale", "0.001", "--end", "2021-12", "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, preexec_fn=small_files)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: cannot write"), result.stderr
    assert not out.exists()


def test_ctrl_c_while_the_command_starts_is_one_line_exit_130(tmp_path):
    """Through the installed `workforce` script: a Ctrl-C while the model's libraries load."""
    script = Path(sys.executable).parent / "workforce"
    for delay in (0.1, 0.3, 0.5, 0.8, 1.2):
        command = subprocess.Popen([str(script), "run", str(REPO / "scenarios" / "baseline.yaml"), "--scale",
                                    "0.001", "--out", str(tmp_path / "out")], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=REPO)
        time.sleep(delay)
        command.send_signal(signal.SIGINT)
        _, stderr = command.communicate(timeout=60)
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert command.returncode == 130 and lines == ["error: interrupted; nothing was written"], stderr
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["report", "{missing}", "-o", "{tmp}/r.html"], ["sensitivity", "{missing}"],
                                     ["compare", "{missing}", "{missing}", "--out", "{tmp}/c"],
                                     ["sweep", "{missing}", "--out", "{tmp}/s"], ["validate", "{missing}"],
                                     ["run", "{missing}", "--out", "{tmp}/r"]])
def test_every_command_given_a_missing_input_exits_2_with_one_line(tmp_path, command):
    missing = str(tmp_path / "no_such_input")
    result = workforce(*[part.format(missing=missing, tmp=tmp_path) for part in command])
    assert_one_line_error(result, "no_such_input")
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing written


@pytest.mark.parametrize("call", [
    'compare("baseline", ["lever_pay_parity"], seeds=2, scale=0.0005, end="2020-03", workers=2)',
    'sweep("subsidy_x_parity_grid", "store", scale=0.0005, end="2020-03", max_runs=2, workers=2)',
])
def test_a_plain_script_without_a_main_guard_stops_with_one_line_saying_what_to_add(tmp_path, call):
    (tmp_path / "script.py").write_text(f"from model import compare, sweep\n{call}\n")
    result = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert 'if __name__ == "__main__":' in result.stderr and "workers=1" in result.stderr
    assert not (tmp_path / "store" / "runs.parquet").exists()


def test_the_confidence_table_never_calls_a_seed_noise_interval_robust():
    """Without --posterior an interval counts simulation noise only: excluding zero is said as such, not 'robust'
    (as the report says it)."""
    import pandas as pd
    from rich.console import Console

    from model.cli import _confidence

    headline = pd.DataFrame({"scenario": ["a", "b"], "delta_high_skill_workers_lo": [10.0, -5.0],
                             "delta_high_skill_workers_hi": [20.0, 5.0],
                             "probability_cheapest_per_high_skill_worker": [1.0, 0.0],
                             "probability_cheapest_total_per_high_skill_worker": [1.0, 0.0]})
    console = Console(record=True, width=200)
    console.print(_confidence(headline))
    text = console.export_text()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.startswith("│")}
    assert "excludes zero (seed noise only)" in rows["a"] and "robust" not in text
    assert "includes zero (seed noise only)" in rows["b"] and "uncertain" not in rows["b"]
