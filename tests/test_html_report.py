"""report.html: self-contained, escaped, and working in a real headless Chromium (tables sort,
curves zoom, no console error), for a hand-built Report and for a real comparison run."""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kinemyo.cli import main
from kinemyo.reporting.html import MAX_CURVE_POINTS, render_html
from kinemyo.reporting.report import Report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary (make test installs Debian's when root and apt)"
)
NETWORK_LINK = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", re.I)


def leading_number(text: str) -> float:
    """The number a cell starts with: '1.23 ± 0.4' -> 1.23, '1,234' -> 1234 (the test's own)."""
    return float(re.match(r"-?[\d,]*\.?\d+(e-?\d+)?", text.strip()).group(0).replace(",", ""))


def hand_report(folder: Path) -> Report:
    """A report with two tables, a PNG figure, two curve plots, a model card and run info; its
    texts carry markup that must be escaped."""
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 1])
    png = folder / "figures" / "fig1.png"
    png.parent.mkdir(parents=True)
    figure.savefig(png, format="png")
    plt.close(figure)
    report = Report("Hand <b>report</b>")
    report.text("What was done", "Inputs **EMG**; config `<script>alert(1)</script>`.")
    report.table(
        pd.DataFrame(
            {
                "model": ["b<i>", "a", "c", "d"],
                "RMSE (N·m)": ["10.5 ± 1", "9.2 ± 0.4", "100 ± 3", "-1.5 ± 0.2"],
                "parameters": ["1,234", "56", "7", "12,000"],
            }
        ),
        "Table 1. Scores",
    )
    report.table(pd.DataFrame({"joint": ["knee", "hip"], "r2": [0.5, 0.25]}), "Table 2. R2")
    report.figure(png, "Figure 1. A line", folder)
    time = np.linspace(0.0, 10.0, 501)
    report.curves("hip moment", time, {"measured": np.sin(time), "predicted": np.cos(time)}, "N·m")
    hostile = "measured <!--<script></script>"  # must neither end nor hide the data's script
    series = {hostile: np.where(time > 5, np.nan, time)}  # a gap must not break the plot
    report.curves("knee angle", time, series, "deg")
    report.model_card("2 subjects", "leave-one-subject-out", "training windows", ["only 2 <x>"])
    report.run_info({"command": "kinemyo compare </script><script>alert(2)</script>"})
    return report


def test_page_is_self_contained_and_escaped(tmp_path: Path) -> None:
    report = hand_report(tmp_path)
    report.write(tmp_path / "report.md")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert NETWORK_LINK.search(page) is None
    png = base64.b64encode((tmp_path / "figures" / "fig1.png").read_bytes()).decode()
    assert f'src="data:image/png;base64,{png}"' in page
    for raw in ("<script>alert(1)", "<b>report</b>", "b<i>", "only 2 <x>", "<script>alert(2)"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "b&lt;i&gt;" in page
    assert "<strong>EMG</strong>" in page
    markdown = (tmp_path / "report.md").read_text()
    assert "![Figure 1. A line](figures/fig1.png)" in markdown
    assert "| b<i> | 10.5 ± 1 | 1,234 |" in markdown and "## Model card" in markdown


def test_table_notes_follow_the_table_escaped() -> None:
    frame = pd.DataFrame({"gait": ["walk"], "knee R2": ["0.5 ± 0.1 [1]"]})
    frame.attrs["notes"] = ["[1] walk, knee: 2 R2 value(s) need a remark; the lowest (S<1>): low."]
    report = Report("Notes")
    report.table(frame, "Table 1. With notes")
    page = render_html(report)
    table = page[page.index('<figure class="table">') :]
    table = table[: table.index("</figure>")]
    assert "0.5 ± 0.1 [1]" in table
    note = "[1] walk, knee: 2 R2 value(s) need a remark; the lowest (S&lt;1&gt;): low."
    assert table.index(note) > table.index("</table>")
    assert "S<1>" not in page


def test_long_curves_are_thinned(tmp_path: Path) -> None:
    report = Report("Long")
    time = np.arange(10 * MAX_CURVE_POINTS) / 100.0
    report.curves("long", time, {"y": time}, "deg")
    report.write(tmp_path / "report.md")
    page = (tmp_path / "report.html").read_text()
    data = re.search(r'class="curve-data">(.*?)</script>', page).group(1)
    assert MAX_CURVE_POINTS // 2 < data.count(",") // 2 <= MAX_CURVE_POINTS + 1


def test_curves_need_one_value_per_time(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'bad'"):
        Report("x").curves("bad", np.arange(5.0), {"y": np.arange(4.0)}, "deg")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if CHROMIUM is None:
        pytest.skip("no chromium binary (make test installs Debian's when root and apt)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


def open_page(browser, html: Path):
    """The page loaded from file://, and the console errors and page errors it raised."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(html.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, errors


def column(page, table: int, col: int) -> list[str]:
    return page.eval_on_selector_all(
        f"table.sortable >> nth={table}",
        f"t => Array.from(t[0].tBodies[0].rows, r => r.cells[{col}].textContent)",
    )


def x_range(plot) -> tuple[float, float, list[str]]:
    svg = plot.locator("svg")
    ticks = svg.locator("text.x-tick").all_text_contents()
    return float(svg.get_attribute("data-x0")), float(svg.get_attribute("data-x1")), ticks


@needs_browser
def test_hand_report_sorts_zooms_and_has_everything(browser, tmp_path: Path) -> None:
    report = hand_report(tmp_path)
    report.write(tmp_path / "report.md")
    page, errors = open_page(browser, tmp_path / "report.html")
    assert page.locator("table.sortable").count() == 2
    assert page.locator("figure.image img").count() == 1
    assert page.locator("figure.curves svg").count() == 2
    assert page.locator("figure.image img").evaluate("img => img.naturalWidth") > 0
    assert page.locator(".model-card li").all_text_contents() == ["only 2 <x>"]
    legend = page.locator("figure.curves >> nth=1").locator("text.legend").all_text_contents()
    assert legend == ["measured <!--<script></script>"]

    shown = column(page, 0, 1)
    assert shown == ["10.5 ± 1", "9.2 ± 0.4", "100 ± 3", "-1.5 ± 0.2"]
    page.locator("table.sortable >> nth=0").locator("th >> nth=1").click()
    assert column(page, 0, 1) == ["-1.5 ± 0.2", "9.2 ± 0.4", "10.5 ± 1", "100 ± 3"]
    assert column(page, 0, 0) == ["d", "a", "b<i>", "c"]  # rows move whole
    page.locator("table.sortable >> nth=0").locator("th >> nth=1").click()
    assert column(page, 0, 1) == ["100 ± 3", "10.5 ± 1", "9.2 ± 0.4", "-1.5 ± 0.2"]
    page.locator("table.sortable >> nth=0").locator("th >> nth=2").click()
    assert column(page, 0, 2) == ["7", "56", "1,234", "12,000"]  # thousands, not text order

    plot = page.locator("figure.curves >> nth=0")
    plot.scroll_into_view_if_needed()
    x0, x1, ticks = x_range(plot)
    assert (x0, x1) == (0.0, 10.0)
    box = plot.locator("svg").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
    page.mouse.up()
    dragged = x_range(plot)
    assert 1.0 < dragged[0] < dragged[1] < 7.0 and dragged[2] != ticks
    page.mouse.move(box["x"] + box["width"] * 0.45, y)
    page.mouse.wheel(0, -200)
    page.wait_for_function(
        f"() => parseFloat(document.querySelector('figure.curves svg').dataset.x1) < {dragged[1]}"
    )
    wheeled = x_range(plot)
    assert dragged[0] < wheeled[0] < wheeled[1] < dragged[1]
    plot.locator("button").click()
    assert x_range(plot)[:2] == (0.0, 10.0)
    assert errors == []


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real comparison (mean and ridge, within-trial) on a small synthetic cohort."""
    root = tmp_path_factory.mktemp("html")
    data, out = root / "cohort", root / "cmp"
    args = ["data", "generate", "--out", data, "--subjects", "2", "--motions", "DNS"]
    assert main([str(a) for a in [*args, "--seconds", "3", "--seed", "2"]]) == 0
    args = ["compare", data, "--models", "mean,ridge", "--motions", "DNS", "--out", out]
    assert main([str(a) for a in args]) == 0
    return out


@needs_browser
def test_comparison_report_opens_cleanly_in_chromium(browser, compared: Path) -> None:
    markdown = (compared / "report.md").read_text()
    page_text = (compared / "report.html").read_text(encoding="utf-8")
    assert NETWORK_LINK.search(page_text) is None
    page, errors = open_page(browser, compared / "report.html")
    assert page.locator("table.sortable").count() == markdown.count("\n|---")
    assert page.locator("figure.image img").count() == markdown.count("![")
    scores = pd.read_csv(compared / "scores.csv")
    plots = scores[["joint", "quantity"]].drop_duplicates()
    assert page.locator("figure.curves svg").count() == len(plots)  # one per joint and quantity
    assert page.locator(".model-card dd").count() == 4
    rmse = scores[(scores["metric"] == "rmse") & (scores["quantity"] == "moment")]
    winner = rmse.groupby("model")["value"].mean().idxmin()
    per_subject = rmse[rmse["model"] == winner].groupby("subject")["value"].mean()
    limit = f"from {per_subject.min():.3g} N·m ({per_subject.idxmin()}) to {per_subject.max():.3g}"
    assert limit in page.locator(".model-card").inner_text()
    assert page.locator(".run-info pre").inner_text().count('"data_fingerprint"') == 1

    table = pd.read_csv(compared / "table.csv")
    header = list(table.columns).index("moment RMSE (N·m)")
    page.locator("table.sortable >> nth=0").locator(f"th >> nth={header}").click()
    expected = sorted(table["moment RMSE (N·m)"], key=leading_number)
    assert column(page, 0, header) == expected
    assert errors == []

    page.screenshot(path=str(compared / "report.png"), full_page=True)
    png = (compared / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
