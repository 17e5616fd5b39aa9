"""Mermaid's own renderer for the tests: `mmdc` (@mermaid-js/mermaid-cli) driving Debian's chromium, installed on
demand by scripts/render/ensure-mermaid.sh and cached; and the few things a test reads back from its SVG."""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
ENSURE = ROOT / "scripts" / "render" / "ensure-mermaid.sh"
SVG = "{http://www.w3.org/2000/svg}"
# Chromium runs as root here, and in CI containers: no sandbox then. The browser is the wrapper's
# PUPPETEER_EXECUTABLE_PATH.
PUPPETEER_CONFIG = {"args": ["--no-sandbox", "--disable-gpu"]}


@functools.cache
def ensure_mmdc() -> tuple[str | None, str]:
    """The `mmdc` to run, or None and why it cannot be had (once per session; the install is cached on disk)."""
    done = subprocess.run([str(ENSURE)], capture_output=True, text=True, timeout=1200, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit {done.returncode}"
    return done.stdout.strip().splitlines()[-1], ""


@dataclass(frozen=True)
class Bar:
    label: str
    classes: str  # its rectangle's: task, done0, crit1, active2...
    x: float  # where it starts and how long it is, in SVG units
    width: float

    @property
    def end(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Drawing:
    svg: str
    sections: list[str]  # the section titles, top to bottom
    tasks: dict[str, Bar]  # by task id: r0b1, r0u...
    ticks: list[str]  # the time axis' labels


def render(mmdc: str, text: str, folder: Path, *, name: str = "diagram", png: bool = False,
           timezone: str = "UTC") -> Drawing:
    """Renders `text` to `folder/name.svg` (and `.png`) as a browser in `timezone` would; fails the test with
    mmdc's output unless it succeeded."""
    source, config = folder / f"{name}.mmd", folder / "puppeteer.json"
    source.write_text(text, encoding="utf-8")
    config.write_text(json.dumps(PUPPETEER_CONFIG), encoding="utf-8")
    outputs = [folder / f"{name}.svg", *([folder / f"{name}.png"] if png else [])]
    for output in outputs:
        done = subprocess.run([mmdc, "-p", str(config), "-i", str(source), "-o", str(output), "-w", "1000",
                               "-b", "white"], capture_output=True, text=True, timeout=180, check=False,
                              env={**os.environ, "TZ": timezone})
        assert done.returncode == 0 and output.is_file(), f"mmdc failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return read(outputs[0].read_text(encoding="utf-8"))


def read(svg: str) -> Drawing:
    root = ElementTree.fromstring(svg)
    texts = list(root.iter(f"{SVG}text"))
    sections = ["".join(t.itertext()).strip() for t in texts if "sectionTitle" in t.get("class", "").split()]
    labels = {t.get("id", "").removesuffix("-text").rpartition("-")[2]: "".join(t.itertext()).strip()
              for t in texts if t.get("id", "").endswith("-text")}
    tasks = {rect.get("id", "").rpartition("-")[2]: rect for rect in root.iter(f"{SVG}rect")
             if "task" in rect.get("class", "").split()}
    ticks = ["".join(t.itertext()).strip() for g in root.iter(f"{SVG}g") if "tick" in g.get("class", "").split()
             for t in g.iter(f"{SVG}text")]
    return Drawing(svg, sections, {key: Bar(labels.get(key, ""), rect.get("class", ""), float(rect.get("x", "nan")),
                                            float(rect.get("width", "nan"))) for key, rect in tasks.items()}, ticks)
