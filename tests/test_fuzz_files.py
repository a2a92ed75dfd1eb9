"""Every reader and saved-file loader, fed damaged copies of a good file, either reads it or raises
a KinemyoError (which the CLI prints as one paragraph): never another exception, which the CLI
could only report as an "internal error".

Each good file is written by kinemyo or by an independent writer (``tests.foreign_writer``,
``tests.test_camargo_reader.write_trial``, ezc3d, plain ``torch.save`` / ``np.savez``); the
damaged copies are: empty, truncated at several points, random bytes, re-encoded as UTF-16, a
byte flipped in the header and in the body, and, for tables, NaN / infinite / huge / empty
cells; for JSON and pickled dicts, each key removed or given a value of the wrong type. The
random choices come from a seeded generator, so a failure names a mutation that can be replayed.
The default run is a sample; ``-m slow`` adds a wider sweep.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml
from safetensors.numpy import load_file as load_arrays
from safetensors.numpy import save_file as save_arrays

from kinemyo.cli import main
from kinemyo.config import PipelineConfig, load_config, save_config
from kinemyo.data.c3d import read_c3d_analog
from kinemyo.data.camargo import read_camargo
from kinemyo.data.opensim import StorageTable, read_storage, write_storage
from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd, read_subject_info, read_trial_file
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.forecasting.finetune import load_network, save_network
from kinemyo.forecasting.series import KNEE_CYCLE_KEYS, series_from_knee_cycles
from kinemyo.models import RidgeRegression, load_model
from kinemyo.models.lagllama import LagLlamaNetwork
from kinemyo.models.lagllama.checkpoint import network_from_checkpoint
from kinemyo.models.registry import create
from kinemyo.signal.pipeline import SignalPipeline
from tests.foreign_writer import write_foreign_subject_table, write_foreign_trial
from tests.test_camargo_reader import ANGLES, MOMENTS, write_trial

SEED = 20240614
BAD_CELLS = ("nan", "inf", "-inf", "1e999", "", "abc", "0x1p3", "1" + "0" * 400)
WRONG_VALUES = (None, "x", [], {}, -1, 0, 1e308, True, [1, 2], "1e999")
SMALL_LAGS = (0, 1, 2, 3, 5, 8, 12)


# ---------------------------------------------------------------------------- mutations
def byte_mutations(
    data: bytes, rng: np.random.Generator, flips: int
) -> Iterator[tuple[str, bytes]]:
    """(name, damaged bytes) of ``data``: empty, truncated, random, UTF-16, flipped bytes."""
    yield "empty", b""
    for fraction in (0.02, 0.3, 0.6, 0.95):
        cut = max(1, int(len(data) * fraction))
        yield f"truncated to {cut} bytes", data[:cut]
    yield "last byte dropped", data[:-1]
    yield "random bytes", rng.bytes(len(data))
    yield "random bytes, short", rng.bytes(64)
    yield "UTF-16", data.decode("latin-1").encode("utf-16")
    head = min(len(data), 128)
    for _ in range(flips):
        for region, low, high in (("header", 0, head), ("body", head, len(data))):
            if high <= low:
                continue
            at = int(rng.integers(low, high))
            damaged = bytearray(data)
            damaged[at] ^= int(rng.integers(1, 256))
            yield f"{region} byte {at} flipped", bytes(damaged)


def cell_mutations(
    text: str, rng: np.random.Generator, count: int, separator: str | None, first_row: int
) -> Iterator[tuple[str, bytes]]:
    """(name, damaged bytes) of a table with one data cell replaced by a bad value, and with a
    row cut short or lengthened (``first_row``: the 0-based line of the first data row)."""
    lines = text.splitlines()
    rows = range(first_row, len(lines))
    for _ in range(count):
        line = int(rng.choice(rows))
        cells = lines[line].split(separator)
        column = int(rng.integers(len(cells)))
        for bad in BAD_CELLS:
            damaged = cells.copy()
            damaged[column] = bad
            joined = (separator or "\t").join(damaged)
            yield f"line {line + 1} cell {column} = {bad[:12]!r}", _lines(lines, line, joined)
    line = int(rng.choice(rows))
    cells = lines[line].split(separator)
    joiner = separator or "\t"
    yield f"line {line + 1} ragged", _lines(lines, line, joiner.join(cells[:-1]))
    yield f"line {line + 1} one cell more", _lines(lines, line, joiner.join([*cells, "1"]))
    yield "header only", "\n".join(lines[:first_row]).encode() + b"\n"


def _lines(lines: list[str], at: int, replacement: str) -> bytes:
    return ("\n".join([*lines[:at], replacement, *lines[at + 1 :]]) + "\n").encode()


def json_tamperings(document: Any, depth: int) -> Iterator[tuple[str, Any]]:
    """(name, document with one key removed or one value replaced by a wrong type), through
    dicts nested up to ``depth`` levels, and the document replaced by other JSON types."""
    for wrong in ([], "x", None, 3):
        yield f"document = {wrong!r}", wrong

    def walk(node: dict, trail: tuple[str, ...], level: int) -> Iterator[tuple[str, Any]]:
        for key, value in node.items():
            path = ".".join((*trail, key))
            yield f"{path} removed", _edit(document, (*trail, key), delete=True)
            for wrong in WRONG_VALUES:
                if wrong != value:
                    yield f"{path} = {wrong!r}", _edit(document, (*trail, key), value=wrong)
            if isinstance(value, dict) and level < depth:
                yield from walk(value, (*trail, key), level + 1)

    if isinstance(document, dict):
        yield from walk(document, (), 1)


def _edit(document: Any, path: tuple[str, ...], *, value: Any = None, delete: bool = False) -> Any:
    copy = json.loads(json.dumps(document))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


# ---------------------------------------------------------------------------- the check
Loader = Callable[[Path], object]


def outcome(load: Loader, path: Path) -> str | None:
    """None when ``load(path)`` returns or raises a KinemyoError; else what it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load(path)
    except KinemyoError:
        return None
    except Exception as exc:  # what this test looks for
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return None


def fuzz_file(good: Path, load: Loader, cases: Iterator[tuple[str, bytes]]) -> list[str]:
    """Write each damaged version over ``good`` in turn (restored after), load, and list the
    failures as 'case: exception'."""
    original = good.read_bytes()
    assert outcome(load, good) is None, "the good file must load"
    failures = []
    try:
        for name, data in cases:
            good.write_bytes(data)
            problem = outcome(load, good)
            if problem:
                failures.append(f"{good.name} {name}: {problem}")
    finally:
        good.write_bytes(original)
    return failures


def fuzz_folder(
    folder: Path, load: Loader, rng: np.random.Generator, flips: int, depth: int
) -> list[str]:
    """Every file of a saved folder damaged byte-wise; every JSON file tampered key by key; each
    file removed in turn."""
    failures = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        cases = list(byte_mutations(path.read_bytes(), rng, flips))
        if path.suffix == ".json":
            document = json.loads(path.read_text())
            cases += [
                (name, json.dumps(value).encode())
                for name, value in json_tamperings(document, depth)
            ]
        if path.suffix == ".safetensors":
            cases += list(safetensors_tamperings(path))
        failures += fuzz_file(path, lambda _: load(folder), iter(cases))
        original = path.read_bytes()
        path.unlink()
        problem = outcome(load, folder)
        path.write_bytes(original)
        if problem:
            failures.append(f"{path.name} removed: {problem}")
    return failures


def safetensors_tamperings(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each array given a NaN, an infinity, a wrong shape or a wrong dtype, or removed; an
    unexpected array added."""
    arrays = load_arrays(str(path))
    scratch = path.with_suffix(".tmp")

    def encoded(changed: dict[str, np.ndarray]) -> bytes:
        save_arrays(changed, str(scratch))
        data = scratch.read_bytes()
        scratch.unlink()
        return data

    for name, values in arrays.items():
        for label, bad in (
            ("NaN", np.full_like(values, np.nan) if values.dtype.kind == "f" else None),
            ("inf", np.full_like(values, np.inf) if values.dtype.kind == "f" else None),
            ("shape (3,)", np.zeros(3, dtype=values.dtype)),
            ("empty", np.zeros(0, dtype=values.dtype)),
            ("int8", values.astype(np.int8)),
        ):
            if bad is not None:
                yield f"array {name} {label}", encoded({**arrays, name: bad})
        yield f"array {name} removed", encoded({k: v for k, v in arrays.items() if k != name})
    yield "extra array", encoded({**arrays, "extra": np.zeros(2)})


def assert_no_failures(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} damaged file(s) gave a non-KinemyoError:\n" + "\n".join(
        failures
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


@dataclass(frozen=True)
class Sweep:
    """How many damaged copies: byte flips per region, rows given bad cells, JSON depth."""

    flips: int
    rows: int
    depth: int


@pytest.fixture(
    params=[
        pytest.param(Sweep(flips=3, rows=2, depth=1), id="sample"),
        pytest.param(Sweep(flips=60, rows=20, depth=3), id="wide", marks=pytest.mark.slow),
    ]
)
def sweep(request: pytest.FixtureRequest) -> Sweep:
    return request.param


# ---------------------------------------------------------------------------- SIAT-LLMD
@pytest.fixture
def siat(tmp_path: Path):
    trial = write_foreign_trial(tmp_path, "Sub01", "DNS", n=480)
    write_foreign_subject_table(tmp_path, {"Sub01": 70.0})
    return trial


def read_siat_file(path: Path) -> object:
    return read_trial_file(path, options=ReadOptions(cache_dir=None))


@pytest.mark.parametrize("which", ["path", "label_path"])
def test_siat_csv_files(siat, rng, sweep: Sweep, which: str) -> None:
    good = getattr(siat, which)
    text = good.read_text()
    cases = [
        *byte_mutations(good.read_bytes(), rng, sweep.flips),
        *cell_mutations(text, rng, sweep.rows, ",", first_row=1),
    ]
    assert_no_failures(fuzz_file(good, lambda _: read_siat_file(siat.path), iter(cases)))


def test_siat_subject_table(siat, rng, sweep: Sweep, tmp_path: Path) -> None:
    good = tmp_path / "SubjectInformation.xlsx"
    cases = list(byte_mutations(good.read_bytes(), rng, sweep.flips))
    for weight in ("abc", 1e308, -70.0, float("nan"), 0.0, "", "1" + "0" * 400):
        other = tmp_path / "other"
        other.mkdir(exist_ok=True)
        cases.append(
            (
                f"weight {weight!r}",
                write_foreign_subject_table(other, {"Sub01": weight}).read_bytes(),
            )
        )
    failures = fuzz_file(good, read_subject_info, iter(cases))
    failures += fuzz_file(
        good, lambda _: read_siat_llmd(tmp_path, options=ReadOptions(cache_dir=None)), iter(cases)
    )
    assert_no_failures(failures)


# ---------------------------------------------------------------------------- Camargo
@pytest.mark.parametrize("fmt", ["csv", "mat"])
def test_camargo_tables(tmp_path: Path, rng, sweep: Sweep, fmt: str) -> None:
    write_trial(tmp_path, "AB06", "d", "treadmill", "treadmill_01_01", fmt)

    def load(_: Path) -> object:
        return read_camargo(tmp_path, angles=ANGLES, moments=MOMENTS)

    failures = []
    for path in sorted(p for p in tmp_path.rglob(f"*.{fmt}")):
        cases = list(byte_mutations(path.read_bytes(), rng, sweep.flips))
        if fmt == "csv":
            cases += cell_mutations(path.read_text(), rng, sweep.rows, ",", first_row=1)
        failures += fuzz_file(path, load, iter(cases))
    assert_no_failures(failures)


# ---------------------------------------------------------------------------- OpenSim
@pytest.fixture(params=["ik.mot", "id.sto"])
def storage_file(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    time = np.arange(50) / 100.0
    table = StorageTable(
        name="Coordinates",
        columns=("hip_flexion_r", "knee_angle_r", "hip_flexion_r_moment"),
        time=time,
        values=np.column_stack([20 * np.sin(time), 40 * np.sin(time), 30 * np.cos(time)]),
        in_degrees=True,
    )
    path = tmp_path / request.param
    write_storage(path, table)
    return path


def test_opensim_storage(storage_file: Path, rng, sweep: Sweep) -> None:
    text = storage_file.read_text()
    first_row = text.splitlines().index("endheader") + 2
    cases = [
        *byte_mutations(storage_file.read_bytes(), rng, sweep.flips),
        *cell_mutations(text, rng, sweep.rows, None, first_row=first_row),
        ("nRows=abc", text.replace("nRows=50", "nRows=abc").encode()),
        (
            "nColumns=99999999999999999999",
            text.replace("nColumns=4", "nColumns=" + "9" * 20).encode(),
        ),
        ("no endheader", text.replace("endheader", "").encode()),
    ]
    assert_no_failures(fuzz_file(storage_file, read_storage, iter(cases)))


def test_opensim_header_without_rows_is_refused(storage_file: Path) -> None:
    lines = storage_file.read_text().splitlines(keepends=True)
    storage_file.write_text("".join(lines[: lines.index("endheader\n") + 2]))
    with pytest.raises(DataFormatError, match="the file has a header but no data rows"):
        read_storage(storage_file)


def test_a_csv_row_that_is_not_utf8_is_named(siat) -> None:
    """Found by the fuzzing: pyarrow cannot hand such a row to its invalid-row handler, and
    printed an "Exception ignored" traceback while the reader failed."""
    lines = siat.path.read_bytes().split(b"\r\n")
    lines[300] = lines[300][:5] + b"\xff" + lines[300][6:].rsplit(b",", 1)[0]  # and a cell short
    siat.path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(DataFormatError, match=r"row 300 \(line 301\): is not UTF-8 text"):
        read_siat_file(siat.path)


# ---------------------------------------------------------------------------- C3D
def test_c3d(tmp_path: Path, rng, sweep: Sweep) -> None:
    from tests.test_c3d import sines, write_c3d

    good = write_c3d(tmp_path / "trial.c3d", sines(), ["V", "uV", "N"])
    cases = byte_mutations(good.read_bytes(), rng, sweep.flips)
    assert_no_failures(fuzz_file(good, read_c3d_analog, cases))


# ---------------------------------------------------------------------------- knee cycles npz
def test_knee_cycles_npz(tmp_path: Path, rng, sweep: Sweep) -> None:
    good = tmp_path / "knee.npz"
    angle = rng.normal(size=(6, 11))
    np.savez(good, **{KNEE_CYCLE_KEYS["angle"]: angle, KNEE_CYCLE_KEYS["moment"]: angle * 2})
    cases = list(byte_mutations(good.read_bytes(), rng, sweep.flips))
    for label, arrays in (
        ("object array", {k: np.array([None, 1], dtype=object) for k in KNEE_CYCLE_KEYS.values()}),
        ("1-d arrays", {k: np.zeros(5) for k in KNEE_CYCLE_KEYS.values()}),
        ("empty arrays", {k: np.zeros((0, 11)) for k in KNEE_CYCLE_KEYS.values()}),
        ("strings", {k: np.array([["a"]]) for k in KNEE_CYCLE_KEYS.values()}),
        ("NaN", {k: np.full((6, 11), np.nan) for k in KNEE_CYCLE_KEYS.values()}),
        ("inf", {k: np.full((6, 11), np.inf) for k in KNEE_CYCLE_KEYS.values()}),
        ("complex", {k: np.ones((6, 11), dtype=complex) for k in KNEE_CYCLE_KEYS.values()}),
    ):
        other = tmp_path / "other.npz"
        np.savez(other, **arrays)
        cases.append((label, other.read_bytes()))
    assert_no_failures(fuzz_file(good, series_from_knee_cycles, iter(cases)))


# ---------------------------------------------------------------------------- Lag-Llama
def tiny_network() -> LagLlamaNetwork:
    torch.manual_seed(0)
    return LagLlamaNetwork(lags=SMALL_LAGS, n_layer=1, n_head=2, n_embd_per_head=4)


def checkpoint_dict(network: LagLlamaNetwork) -> dict:
    """A Lightning-style checkpoint, built here (not by kinemyo's writer)."""
    model_kwargs = {
        "input_size": 1,
        "context_length": network.context_length,
        "max_context_length": network.max_context_length,
        "lags_seq": list(network.lags),
        "n_layer": network.n_layer,
        "n_embd_per_head": network.head_dim,
        "n_head": network.n_head,
        "scaling": "robust",
        "rope_scaling": None,
        "time_feat": network.use_time_feat,
        "dropout": 0.0,
        "num_parallel_samples": 10,
    }
    state = {f"model.{k}": v.detach().clone() for k, v in network.state_dict().items()}
    return {"state_dict": state, "hyper_parameters": {"model_kwargs": model_kwargs}}


def torch_bytes(obj: object, scratch: Path) -> bytes:
    torch.save(obj, scratch)
    return scratch.read_bytes()


def checkpoint_tamperings(ckpt: dict, scratch: Path) -> Iterator[tuple[str, bytes]]:
    kwargs = ckpt["hyper_parameters"]["model_kwargs"]
    for name, value in json_tamperings(kwargs, 1):
        changed = {**ckpt, "hyper_parameters": {"model_kwargs": value}}
        yield f"model_kwargs {name}", torch_bytes(changed, scratch)
    for name in ("n_head", "n_layer", "n_embd_per_head", "context_length"):
        for bad in (0, -3, 10**6):
            changed_kwargs = {**kwargs, name: bad}
            changed = {**ckpt, "hyper_parameters": {"model_kwargs": changed_kwargs}}
            yield f"model_kwargs.{name} = {bad}", torch_bytes(changed, scratch)
    for wrong in ([], "x", None):
        yield (
            f"hyper_parameters = {wrong!r}",
            torch_bytes({**ckpt, "hyper_parameters": wrong}, scratch),
        )
        yield f"state_dict = {wrong!r}", torch_bytes({**ckpt, "state_dict": wrong}, scratch)
    state = ckpt["state_dict"]
    for key in list(state)[:4]:
        yield (
            f"{key} removed",
            torch_bytes(
                {**ckpt, "state_dict": {k: v for k, v in state.items() if k != key}}, scratch
            ),
        )
        yield (
            f"{key} wrong shape",
            torch_bytes({**ckpt, "state_dict": {**state, key: torch.zeros(3)}}, scratch),
        )
        yield (
            f"{key} NaN",
            torch_bytes(
                {**ckpt, "state_dict": {**state, key: torch.full_like(state[key], float("nan"))}},
                scratch,
            ),
        )
    yield "a list", torch_bytes([1, 2], scratch)
    yield "a text file", b"model_kwargs: {n_head: 0}\n"


def test_lagllama_checkpoint(tmp_path: Path, rng, sweep: Sweep) -> None:
    good = tmp_path / "lag-llama.ckpt"
    ckpt = checkpoint_dict(tiny_network())
    torch.save(ckpt, good)
    cases = [
        *byte_mutations(good.read_bytes(), rng, sweep.flips),
        *checkpoint_tamperings(ckpt, tmp_path / "scratch.ckpt"),
    ]
    assert_no_failures(
        fuzz_file(good, lambda p: network_from_checkpoint(p, expected_sha256=None), iter(cases))
    )


def test_finetuned_lagllama_folder(tmp_path: Path, rng, sweep: Sweep) -> None:
    folder = tmp_path / "run"
    save_network(tiny_network(), folder, {"epochs": 1})
    assert_no_failures(fuzz_folder(folder, load_network, rng, sweep.flips, sweep.depth))


# ---------------------------------------------------------------------------- models, pipelines
@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):
    """A run folder with pipeline/ and model/ (ridge), as `kinemyo fit` writes them, and the
    signal windows they were fitted on."""
    folder = tmp_path_factory.mktemp("fitted")
    cohort = generate_cohort(CohortConfig(subjects=1, motions=("DNS",), seconds=3.0, seed=2))
    pipeline = SignalPipeline(load_config("seed-siat"))
    windows = pipeline.window(list(cohort.recordings))
    dataset = pipeline.fit_transform(windows)
    pipeline.save(folder / "pipeline")
    RidgeRegression().fit(dataset).save(folder / "model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the GP's optimiser warns on so few windows
        for name, params in MODELS.items():
            create(name, **params).fit(dataset).save(folder / name)
    return folder, windows, dataset


MODELS = {
    "gpr": {"max_exact": 50, "approximation": "exact"},
    "lstm": {"hidden": 4, "layers": 1, "sequence_length": 4, "epochs": 1, "device": "cpu"},
}
"""Other models saved by the `fitted` fixture, small."""


@pytest.mark.parametrize("name", ["model", *MODELS])
def test_saved_model(fitted, tmp_path: Path, rng, sweep: Sweep, name: str) -> None:
    saved, _, dataset = fitted
    folder = shutil.copytree(saved / name, tmp_path / "model")

    def load_and_predict(path: Path) -> object:
        return load_model(path).predict(dataset)

    assert_no_failures(fuzz_folder(folder, load_and_predict, rng, sweep.flips, sweep.depth))


def test_saved_pipeline(fitted, tmp_path: Path, rng, sweep: Sweep) -> None:
    saved, windows, _ = fitted
    folder = shutil.copytree(saved / "pipeline", tmp_path / "pipeline")

    def load_and_transform(path: Path) -> object:
        return SignalPipeline.load(path).transform(windows)

    assert_no_failures(fuzz_folder(folder, load_and_transform, rng, sweep.flips, sweep.depth))


# ---------------------------------------------------------------------------- config YAML
def yaml_cases() -> Iterator[tuple[str, bytes]]:
    yield "a list", b"- 1\n- 2\n"
    yield "a number", b"3\n"
    yield "unknown key", b"foo: 1\n"
    yield "nested 5000 deep (flow)", b"[" * 5000 + b"]" * 5000
    yield "nested 5000 deep (block)", "".join(f"{' ' * i}a:\n" for i in range(5000)).encode()
    yield "window.step 10**400", b"window:\n  step: 1" + b"0" * 400 + b"\n"
    yield "window.step 1e400", b"window:\n  step: 1e400\n"
    yield "bandpass.high 1.0e+400", b"bandpass:\n  high: 1.0e+400\n"
    yield "bandpass.high .nan", b"bandpass:\n  high: .nan\n"
    yield "denoise.level 10**30", b"denoise:\n  level: 1" + b"0" * 30 + b"\n"
    yield "python tag", b"window: !!python/object:os.system {}\n"
    yield "recursive alias", b"channels: &a [*a]\n"
    yield "two documents", b"window: {}\n---\nwindow: {}\n"
    yield "tab indentation", b"window:\n\tstep: 3\n"


def test_config_yaml(tmp_path: Path, rng, sweep: Sweep) -> None:
    good = tmp_path / "config.yaml"
    save_config(PipelineConfig(), good)
    document = yaml.safe_load(good.read_text())
    cases = [
        *byte_mutations(good.read_bytes(), rng, sweep.flips),
        *yaml_cases(),
        *(
            (name, yaml.safe_dump(value).encode())
            for name, value in json_tamperings(document, sweep.depth)
        ),
    ]
    assert_no_failures(fuzz_file(good, load_config, iter(cases)))


# ---------------------------------------------------------------------------- through the CLI
@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cohort")
    write_foreign_trial(root, "Sub01", "DNS", n=5760, label_shortfall=0)
    write_foreign_subject_table(root, {"Sub01": 70.0})
    return root


def refused(capsys: pytest.CaptureFixture, *args: object) -> str:
    """Run the CLI, check it failed with one error paragraph and no traceback; the message."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in out + err and "internal error" not in err, err
    assert err.startswith("error: ") or "\nerror: " in err, err
    return " ".join(err.split())


def test_cli_refuses_a_bad_config_file(capsys, cohort: Path, tmp_path: Path) -> None:
    config = tmp_path / "utf16.yaml"
    config.write_bytes("window: {step: 50}\n".encode("utf-16"))
    message = refused(capsys, "preprocess", cohort, "--config", config, "--out", tmp_path / "o")
    assert f"{config}: is UTF-16 text" in message
    config.write_bytes(b"window: {step: 1" + b"0" * 400 + b"}\n")
    message = refused(capsys, "preprocess", cohort, "--config", config, "--out", tmp_path / "o")
    assert f"{config}: invalid configuration: 'window.step' must be <= 100000" in message


@pytest.mark.parametrize(
    ("model", "param", "expected"),
    [
        ("lstm", "hidden=abc", "'hidden' must be a valid integer (got 'abc')"),
        ("ridge", "alpha=1e999", "'alpha' must be a finite number (got inf)"),
        ("ridge", "alpha=-1", "'alpha' must be > 0 (got -1)"),
        ("gpr", 'approximation="best"', "'approximation' must be 'auto', 'exact' or 'fitc'"),
    ],
)
def test_cli_refuses_a_bad_model_parameter(
    capsys, cohort: Path, tmp_path: Path, model: str, param: str, expected: str
) -> None:
    message = refused(capsys, "fit", model, cohort, "--param", param, "--out", tmp_path / "o")
    assert f"Model '{model}': invalid configuration: {expected}" in message
    assert not (tmp_path / "o").exists()


def test_cli_refuses_damaged_run_folders(capsys, cohort: Path, fitted, tmp_path: Path) -> None:
    saved, _, _ = fitted
    run = shutil.copytree(saved, tmp_path / "run")
    (run / "run.json").write_text(json.dumps({"model": "ridge", "params": {}}))
    message = refused(capsys, "evaluate", run, cohort)
    assert f"{run / 'run.json'}: invalid 'run record': 'trials' is required" in message
    header = json.loads((run / "model" / "model.json").read_text())
    (run / "model" / "model.json").write_text(json.dumps({**header, "params": [1.0]}))
    message = refused(capsys, "predict", run, cohort, "--out", tmp_path / "p.csv")
    assert f"{run / 'model' / 'model.json'}: invalid 'model file': 'params'" in message
    assert not (tmp_path / "p.csv").exists()


def test_cli_refuses_a_text_file_as_checkpoint(capsys, tmp_path: Path) -> None:
    knee = tmp_path / "knee.npz"
    cycles = np.sin(np.linspace(0, 6, 101))[None].repeat(30, axis=0)
    np.savez(knee, **{KNEE_CYCLE_KEYS["angle"]: cycles, KNEE_CYCLE_KEYS["moment"]: cycles})
    ckpt = tmp_path / "lag-llama.ckpt"
    ckpt.write_text("model_kwargs:\n  n_head: 0\n")
    message = refused(capsys, "forecast", knee, "--ckpt", ckpt, "--out", tmp_path / "f")
    assert f"{ckpt}: does not start like a PyTorch checkpoint" in message
