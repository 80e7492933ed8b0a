"""--format html: a self-contained report, checked as a person sees it in headless Chromium.

The test renders the report with Debian's chromium (``.ci/run`` installs it when
absent), takes a screenshot and asserts on the rendered page: the DOM after
layout has the summary, the findings and the highlights, and the screenshot
shows the highlight colours and the findings' severity labels.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from notelint.interfaces.cli import cli
from notelint.report.html import HIGHLIGHTS

NOTE = ("Right hamstring contracture with popliteal angle 60 degrees and knee flexion 4-/5.\n"
        "Left biceps contracture with palpable shortening.\n"
        "Crouch gait from spastic diplegic cerebral palsy. EMG ordered.\n"
        "Assessment: M62.48\n")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    (folder / "a.txt").write_text(NOTE, encoding="utf-8")
    (folder / "b.txt").write_text("Knee exam normal. <script>alert(1)</script>\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(folder), "--format", "html"])
    path = folder / "report.html"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def test_html_is_self_contained_and_escaped(report):
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for remote in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert remote not in page.replace("&lt;script&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _chromium(*args):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, timeout=120, check=True)


def test_html_renders_findings_and_highlights(report, tmp_path):
    profile = tmp_path / "profile"
    dom = _chromium(f"--user-data-dir={profile}", "--dump-dom", report.as_uri()).stdout.decode()
    assert dom.count('<li id="n0-f') == dom.count('class="marker"') >= 4
    for css in ("muscle", "rom", "strength", "myogenic", "cause", "study", "side"):
        assert f'class="ev {css}"' in dom
    shot = tmp_path / "shot.png"
    _chromium(f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1400,900",
              report.as_uri())
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    pixels = list(image.getdata())

    def visible(hex_colour, tolerance=12, at_least=40):
        target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        near = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, target, strict=True)) <= tolerance)
        return near >= at_least

    colours = {css: colour for _, css, _, colour in HIGHLIGHTS}
    for css in ("muscle", "rom", "strength", "myogenic", "side"):
        assert visible(colours[css]), f"{css} highlight not visible in the screenshot"
    assert visible("#b71c1c", tolerance=40, at_least=15), "finding markers/labels not visible"


def test_html_summary_leads_with_the_verdict_and_the_code_to_use_instead(tmp_path):
    (tmp_path / "knee.txt").write_text(
        "Left knee flexion contracture with hard end-feel and effusion.\n"
        "Assessment: M62.452\n", encoding="utf-8")
    page = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "html"]).stdout
    assert "<th>Note</th><th>Verdict</th>" in page
    row = page.split('<tbody>')[1].split("</tr>")[0]
    assert '<td class="verdict">not-m62.4</td><td>M62.452</td><td>M24.562</td>' in row
    assert '<b class="verdict">not-m62.4</b>' in page


def test_html_overlapping_evidence_shows_every_type_and_the_legend_explains_marks(tmp_path):
    (tmp_path / "a.txt").write_text(NOTE.replace("Left biceps contracture", "No biceps contracture"),
                                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "a.txt"), "--format", "json"])
    evidence = json.loads(result.stdout)["results"][0]["evidence"]
    rom = next(i for i in evidence["rom"] if "popliteal" in i["text"])
    myogenic = next(i for i in evidence["myogenic"] if "popliteal" in i["text"])
    both = NOTE[max(rom["start"], myogenic["start"]):min(rom["end"], myogenic["end"])]
    assert both  # the pipeline reads the popliteal angle as both
    page = CliRunner().invoke(cli, ["check", str(tmp_path / "a.txt"), "--format", "html"]).stdout
    segment = ('<span class="ev rom" title="ROM (degrees); Myogenic evidence">'
               f'<span class="also l1 myogenic">{both}</span></span>')
    assert segment in page
    assert "Contracture mention (negated)" in page and 'class="ev contracture not-affirmed"' in page
    legend = page.split('<p class="legend">', 2)[2].split("</p>")[0]
    assert "struck through" in legend and "negated" in legend and "underline" in legend


def test_html_note_header_names_the_codes_to_use_instead(tmp_path):
    (tmp_path / "knee.txt").write_text(
        "Left knee flexion contracture with hard end-feel and effusion.\n"
        "Assessment: M62.452\n", encoding="utf-8")
    page = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "html"]).stdout
    assert "suggested none; instead M24.562</p>" in page
