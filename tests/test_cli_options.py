"""Every option of every command refuses a bad value with a short message naming it: no traceback.

The walker reads the commands and their options from the Typer app itself, so a new command or
option is tested the day it is added.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main

from kinemyo.cli import app, main

OUTPUTS = {"out", "cohort"}
"""Path parameters that name what a command writes; every other path is an input."""


def leaf_commands() -> Iterator[tuple[tuple[str, ...], object]]:
    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                yield from walk(child, (*path, name))
        else:
            yield path, command

    yield from walk(typer.main.get_command(app), ())


def annotation(param: object) -> type:
    return param.type_descriptor.annotation


def is_flag(param: object) -> bool:
    return bool(getattr(param, "is_flag", False))


def bad_values(param: object) -> list[str]:
    """Values ``param`` must refuse, from its type and declared bounds."""
    kind = annotation(param)
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if kind in (int, float):
        values = ["abc", "nan", "1e400"] + (["1.5"] if kind is int else ["inf", "-inf"])
        if low is not None:
            values.append(str(low - 1))
        if high is not None:
            values.append(str(high + 1))
        return values
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return ["no-such-choice"]
    if kind is Path and param.name not in OUTPUTS:
        return ["/no/such/path/anywhere"]
    return []


def baseline(command: object, tmp: Path) -> list[str]:
    """Arguments that satisfy every required parameter, so that only the bad one fails."""
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        value = str(tmp / "new-output") if param.name in OUTPUTS else str(tmp)
        if type(param).__name__ == "TyperArgument":
            args.append(value)
        else:
            args += [param.opts[0], value]
    return args


CASES = [
    pytest.param(path, param.name, value, id=f"{' '.join(path)} {param.name}={value}")
    for path, command in leaf_commands()
    for param in command.params
    if not is_flag(param)
    for value in bad_values(param)
]


def test_every_numeric_option_declares_its_bounds() -> None:
    unbounded = [
        f"{' '.join(path)} {param.opts[0]}"
        for path, command in leaf_commands()
        for param in command.params
        if annotation(param) in (int, float) and getattr(param, "min", None) is None
    ]
    assert unbounded == []


def test_the_walker_covers_every_command() -> None:
    names = {" ".join(path) for path, _ in leaf_commands()}
    assert {"demo", "fit", "predict", "forecast", "finetune", "data generate"} <= names
    assert len(CASES) > 100


@pytest.mark.parametrize(("path", "name", "value"), CASES)
def test_a_bad_value_is_refused_with_a_short_message_naming_the_option(
    path: tuple[str, ...], name: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    command = dict(leaf_commands())[path]
    param = next(p for p in command.params if p.name == name)
    args = [a for a in baseline(command, tmp_path)]
    if type(param).__name__ == "TyperArgument":
        position = [p for p in command.params if p.required].index(param)
        args[position] = value
        label = name.upper()
    else:
        args = [*args, param.opts[0], value]
        label = param.opts[0]
    code = main([*path, *args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (1, 2), text
    assert "Traceback" not in text
    assert label.lower() in text.lower().replace("'", ""), text
    assert "\n\n" not in text.strip(), text


@pytest.mark.parametrize("bad", ["²", "1,²", "-1", "1.5", "4294967296", ",", "٣"])
def test_bad_seeds_are_a_usage_error_naming_the_option(bad: str, tmp_path, capsys) -> None:
    from kinemyo.cli import main

    code = main(["compare", str(tmp_path), "--seeds", bad, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "--seeds" in err and "Traceback" not in err


def test_seeds_are_parsed_in_order_without_repeats() -> None:
    from kinemyo.cli.options import parse_seeds

    assert parse_seeds("2, 0,2,1") == (2, 0, 1)
