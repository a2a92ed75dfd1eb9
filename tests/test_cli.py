"""The command line: generate, inspect, demo; clear errors, no tracebacks; nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kinemyo.cli import main
from kinemyo.errors import DataFormatError
from tests.conftest import SPEC_DATA_HEADER, requires_real_data


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "c"
    code = main(
        [
            "data",
            "generate",
            "--out",
            str(out),
            "--subjects",
            "3",
            "--motions",
            "WAK,UPS,DNS",
            "--seconds",
            "3",
            "--seed",
            "1",
        ]
    )
    assert code == 0
    return out


def test_help_lists_the_commands(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "demo" in out and "data" in out
    code, out, _ = run(capsys, "data", "--help")
    assert "generate" in out and "inspect" in out


def test_generate_writes_the_spec_layout(cohort: Path) -> None:
    data_files = sorted(p.relative_to(cohort).as_posix() for p in cohort.rglob("*_Data.csv"))
    assert data_files == [
        f"Sub0{s}/Data/Sub0{s}_{m}_Data.csv" for s in (1, 2, 3) for m in ("DNS", "UPS", "WAK")
    ]
    for path in cohort.rglob("*_Data.csv"):
        with path.open("rb") as f:
            assert f.readline() == (SPEC_DATA_HEADER + "\n").encode()
    assert (cohort / "SubjectInformation.xlsx").is_file()
    assert len(list(cohort.rglob("*_Label.csv"))) == 9


def test_inspect_reports_subjects_motions_rate_and_no_problems(capsys, cohort: Path) -> None:
    code, out, _ = run(capsys, "data", "inspect", cohort, "--trials")
    assert code == 0
    assert "3 subject(s): Sub01, Sub02, Sub03" in out
    assert "motions: WAK, UPS, DNS" in out
    assert "1920.0" in out
    assert "soleus" in out and "left knee flexion" in out
    assert "No problems found." in out


def test_inspect_a_real_fragment(capsys) -> None:
    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    code, out, _ = run(capsys, "data", "inspect", path)
    assert code == 0
    assert "1 subject(s): Sub10" in out and "tensor fascia lata" in out


def test_errors_are_one_paragraph_without_traceback(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "data", "inspect", tmp_path)
    assert code == 1
    assert "Traceback" not in out + err
    assert err.strip().startswith("error:") and "not a dataset kinemyo knows" in err
    assert "siat-llmd: a SIAT-LLMD root (SubXX folders)" in err and "manifest: " in err
    assert err.strip().count("\n") == 0


def test_error_text_with_brackets_is_printed_verbatim(capsys, cohort: Path, tmp_path) -> None:
    code, _, err = run(
        capsys,
        "fit",
        "ridge",
        cohort,
        "--motions",
        "DNS",
        "--param",
        "alpha",
        "--out",
        tmp_path / "m",
    )
    assert code == 1 and "--param 'alpha' is not NAME=VALUE" in err
    code, _, err = run(
        capsys, "fit", "ridge", cohort, "--motions", "[DNS]", "--out", tmp_path / "x"
    )
    assert code == 1 and "'[DNS]'" in err  # not swallowed as Rich markup


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError):
        main(["--debug", "data", "inspect", str(tmp_path)])


def test_inspect_exits_1_and_lists_an_unreadable_trial(
    capsys, cohort: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for src in cohort.rglob("*"):
        dst = broken / src.relative_to(cohort)
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        else:
            dst.write_bytes(src.read_bytes())
    data = broken / "Sub02/Data/Sub02_UPS_Data.csv"
    data.write_text(data.read_text().replace("sEMG: soleus", "sEMG: soleus (right)", 1))
    code, out, _ = run(capsys, "data", "inspect", broken)
    assert code == 1
    assert "Sub02_UPS_Data.csv" in out and "missing 'sEMG: soleus'" in out
    assert "3 subject(s)" in out  # the readable trials are still summarised


def test_inspect_with_another_missing_value_policy(capsys, cohort: Path, tmp_path: Path) -> None:
    trial = tmp_path / "Sub01_WAK_Data.csv"
    lines = (cohort / "Sub01/Data/Sub01_WAK_Data.csv").read_text().splitlines()
    for row in (10, 11, 12):
        cells = lines[row].split(",")
        cells[-1] = ""  # sEMG: soleus
        lines[row] = ",".join(cells)
    trial.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "data", "inspect", trial)
    assert code == 0 and "3 missing value(s) in 1 gap(s), the first at row 10" in out
    code, out, _ = run(capsys, "data", "inspect", trial, "--nan-policy", "error")
    assert code == 1 and "row 10 (line 11)" in out
    code, out, _ = run(
        capsys, "data", "inspect", trial, "--nan-policy", "interpolate", "--max-gap", "0.01"
    )
    assert code == 0 and "interpolated 3 missing value(s)" in out
    code, out, _ = run(capsys, "data", "inspect", trial, "--moment-unit", "Nm/kg")
    assert code == 1 and "body mass of Sub01" in out


def test_generate_refuses_to_overwrite_and_keeps_the_old_folder(capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "c"
    out_dir.mkdir()
    (out_dir / "precious.txt").write_text("keep")
    code, _, err = run(
        capsys,
        "data",
        "generate",
        "--out",
        out_dir,
        "--subjects",
        "1",
        "--motions",
        "WAK",
        "--seconds",
        "2",
    )
    assert code == 1 and "--overwrite" in err
    assert [p.name for p in out_dir.iterdir()] == ["precious.txt"]


def test_generate_rejects_an_unknown_motion_before_writing(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "data", "generate", "--out", tmp_path / "c", "--motions", "WAK,RUN")
    assert code == 1 and "'RUN'" in err and "STDUP" in err
    assert not (tmp_path / "c").exists()


def test_preprocess_fit_and_evaluate_on_unseen_subjects(capsys, cohort: Path, tmp_path) -> None:
    pre = tmp_path / "pre"
    code, out, _ = run(capsys, "preprocess", cohort, "--motions", "DNS", "--out", pre)
    assert code == 0 and "x 9 x 6" in out and "x 8 x 2" in out
    dataset = json.loads((pre / "dataset.json").read_text())
    assert dataset["features"] == ["iemg", "var", "wl", "zc", "ssc", "wamp"]
    assert set(dataset["trials"]) == {"Sub01_DNS", "Sub02_DNS", "Sub03_DNS"}

    model = tmp_path / "ridge"
    code, _, _ = run(
        capsys,
        "fit",
        "ridge",
        cohort,
        "--motions",
        "DNS",
        "--subjects",
        "Sub01,Sub02",
        "--out",
        model,
        "--param",
        "alpha=3",
    )
    assert code == 0
    assert json.loads((model / "model" / "model.json").read_text())["params"] == {"alpha": 3}
    code, out, _ = run(
        capsys,
        "evaluate",
        model,
        cohort,
        "--motions",
        "DNS",
        "--subjects",
        "Sub03",
        "--out",
        tmp_path / "scores",
    )
    assert code == 0 and "| DNS | moment | N·m | rmse |" in out
    assert (tmp_path / "scores" / "scores.csv").is_file()


def test_evaluate_refuses_the_training_trials(capsys, cohort: Path, tmp_path) -> None:
    model = tmp_path / "mean"
    run(capsys, "fit", "mean", cohort, "--motions", "UPS", "--subjects", "Sub01", "--out", model)
    code, _, err = run(capsys, "evaluate", model, cohort, "--motions", "UPS")
    assert code == 1 and "['Sub01_UPS'] were used to train" in err


def test_fit_rejects_an_unknown_model(capsys, cohort: Path, tmp_path) -> None:
    code, _, err = run(capsys, "fit", "magic", cohort, "--out", tmp_path / "m")
    assert code == 1 and "Unknown model 'magic'" in err and "gpr" in err


@pytest.mark.slow
def test_compare_within_trial_writes_table_curves_and_predictions(capsys, cohort, tmp_path):
    out = tmp_path / "cmp"
    code, text, _ = run(
        capsys,
        "compare",
        cohort,
        "--models",
        "ridge,lstm,xlstm",
        "--motions",
        "DNS",
        "--preset",
        "seed-xlstm",
        "--out",
        out,
    )
    assert code == 0, text
    table = (out / "table.csv").read_text()
    rows = [line.split(",")[:3] for line in table.splitlines()[1:]]
    assert {model for gait, protocol, model in rows if gait.startswith("DNS")} == {
        "ridge",
        "lstm",
        "xlstm",
    }
    assert {protocol for _, protocol, _ in rows} == {"within-trial (chronological)"}
    assert "fit s" in table and "parameters" in table and "moment r" in table
    for figure in ("fig5_loss_curves", "fig6_xlstm_convergence", "fig7_predictions_per_joint"):
        assert (out / "figures" / f"{figure}.png").is_file()
    curves = (out / "figures" / "fig6_xlstm_convergence.csv").read_text()
    assert "xlstm,DNS,validation" in curves and "xlstm,DNS,training" in curves
    assert "Lowest moment RMSE" in (out / "report.md").read_text()


def test_compare_leave_one_subject_out_and_cross_task(capsys, cohort, tmp_path):
    code, _, _ = run(
        capsys,
        "compare",
        cohort,
        "--models",
        "mean,ridge",
        "--protocol",
        "loso",
        "--motions",
        "UPS",
        "--out",
        tmp_path / "loso",
    )
    assert code == 0
    scores = (tmp_path / "loso" / "scores.csv").read_text()
    for subject in ("Sub01", "Sub02", "Sub03"):  # every subject is a test subject once
        assert f"{subject},UPS" in scores
    code, _, _ = run(
        capsys,
        "compare",
        cohort,
        "--models",
        "ridge",
        "--protocol",
        "cross-task",
        "--train-tasks",
        "WAK",
        "--test-tasks",
        "DNS",
        "--out",
        tmp_path / "x",
    )
    assert code == 0
    tested = {
        line.split(",")[1] for line in (tmp_path / "x" / "scores.csv").read_text().splitlines()[1:]
    }
    assert tested == {"DNS"}
    code, _, err = run(
        capsys,
        "compare",
        cohort,
        "--models",
        "ridge",
        "--protocol",
        "random",
        "--out",
        tmp_path / "r",
    )
    assert code == 1 and "Unknown protocol 'random'" in err


def test_predict_needs_only_emg(capsys, cohort, tmp_path) -> None:
    model = tmp_path / "ridge"
    run(capsys, "fit", "ridge", cohort, "--motions", "DNS", "--out", model)
    fragment = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    code, _, _ = run(capsys, "predict", model, fragment, "--out", tmp_path / "p.csv")
    assert code == 0
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert len(lines) - 1 == (40_320 - 100) // 50 + 1  # one row per window of the fragment
    assert "left knee flexion moment (N·m)" in lines[0] and lines[1].startswith("Sub10,")


def test_version(capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("kinemyo ")


@pytest.mark.slow
def test_demo_writes_the_seed_table_report_and_figures(capsys, tmp_path: Path) -> None:
    out, cohort = tmp_path / "demo", tmp_path / "cohort"
    code, text, _ = run(
        capsys, "demo", "--out", out, "--cohort", cohort, "--subjects", "3", "--seconds", "8"
    )
    assert code == 0
    assert f"Report: {out / 'report.md'}" in text.replace("\n", "")
    report = (out / "report.md").read_text()
    leaky, honest = "random-kfold (leaky: overlapping windows)", "within-trial (chronological)"
    for gait in ("DNS (stair descent)", "UPS (stair ascent)"):
        for chain in ("seed-siat", "kinemyo-siat"):
            for protocol in (leaky, honest):
                for model in ("gpr", "ridge", "mean"):
                    assert f"| {gait} | {chain} | {protocol} | {model} |" in report
        assert f"| {gait} | seed-siat | {honest} | xlstm |" in report
    assert "moment RMSE (N·m)" in report and "angle MAE (deg)" in report
    assert "held-out" in report and "tensor named DNS (22,551 windows) is stair ASCENT" in report
    assert "How much the seed's protocol flatters GPR" in report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('<figure class="image">') == 3 and page.count('class="sortable"') == 1
    assert "subjects Sub01, Sub02, Sub03; gaits DNS, UPS" in page and "Model card" in report
    for figure in ("fig1_trial", "fig2_features", "fig4_gpr_predictions"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 10_000
        assert (out / "figures" / f"{figure}.csv").is_file()
        assert f"figures/{figure}.png" in report
    run_info = json.loads((out / "run.json").read_text())
    assert run_info["seed"] == 0 and len(run_info["data_fingerprint"]) == 64
    seed_chain = run_info["chains"]["seed-siat"]
    assert seed_chain["window"] == {
        "length": 100,
        "step": 50,
        "length_s": None,
        "step_s": None,
        "rate_hz": 1920.0,
        "split_on_status": True,
    }
    assert run_info["chains"]["kinemyo-siat"]["targets"]["at"] == "last"


def test_generate_shows_the_cohort_s_own_default_motions() -> None:
    from kinemyo.cli.data import DEFAULT_MOTIONS
    from kinemyo.data.synthetic import CohortConfig

    assert DEFAULT_MOTIONS.split(",") == list(CohortConfig().motions)


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """`kinemyo --help` must not pay for torch, pandas, scipy or matplotlib (benchmarks/bench_cli.py
    times it); each command imports what it needs in its body."""
    import subprocess
    import sys

    heavy = ["torch", "pandas", "scipy", "matplotlib", "sklearn", "pyarrow", "pywt"]
    code = (
        "import sys; from kinemyo.cli import main; main(['--help']); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_preprocess_refuses_an_implausible_moment_unless_allowed(
    capsys, cohort: Path, tmp_path: Path
) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(cohort, data)
    trial = data / "Sub01" / "Data" / "Sub01_WAK_Data.csv"
    lines = trial.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[400].split(",")
    cells[header.index("Kinetic: left ankle flexion torque")] = "3000"
    lines[400] = ",".join(cells)
    trial.write_text("\n".join(lines) + "\n")
    args = ["preprocess", data, "--motions", "WAK", "--out", tmp_path / "pre"]
    code, _, err = run(capsys, *args)
    assert code == 1
    assert "left ankle flexion' row 400: 3000 N·m" in err and "--allow-implausible" in err
    assert not (tmp_path / "pre").exists()
    code, _, _ = run(capsys, *args, "--allow-implausible")
    assert code == 0 and (tmp_path / "pre" / "windows.csv").is_file()
