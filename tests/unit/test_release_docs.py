"""What the README and RELEASING.md say about releases agrees with the version `main` carries (issue 23): every tag
they name is one the release workflow will create from it, and until a release exists the README says so and shows
the forms that work from source first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate import __version__

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
RELEASING = (REPO / "RELEASING.md").read_text(encoding="utf-8")
MAJOR = int(__version__.split(".")[0])
# Whether a release has been published: True from the first one on (RELEASING.md, "After the first release").
RELEASED = False
NOTICE = "No release has been published yet"
# `uses: …@v1`, `…:v1.2.3`, `git tag … v1.2.3`: the references to a release tag (not `v6.0.2` pins of other actions,
# which the README does not carry).
TAG = re.compile(r"(?:[@:]v(\d+)(?:\.\d+\.\d+)?\b)|(?:\bv(\d+)\.\d+\.\d+\b)")


def install_section() -> str:
    return README[README.index("\n## Install\n"):README.index("\n## Quickstart\n")]


def test_the_version_is_a_release_number_from_1_0_0_on() -> None:
    """Exit codes and outputs are a public contract from the first release: no 0.x, whose tag would be v0."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert MAJOR >= 1


def test_every_release_tag_named_is_of_the_versions_major() -> None:
    for name, text in (("README.md", README), ("RELEASING.md", RELEASING)):
        majors = {int(a or b) for a, b in TAG.findall(text)}
        assert majors, f"{name} names no release tag"
        assert majors == {MAJOR}, f"{name} names tags of majors {sorted(majors)}; the version is {__version__}"


def test_the_readme_says_whether_a_release_exists() -> None:
    said = [line for line in install_section().splitlines() if NOTICE in line]
    assert bool(said) is not RELEASED, "the README's Install section should say no release exists while none does"


@pytest.mark.skipif(RELEASED, reason="a release exists: the tagged forms may come first")
def test_until_a_release_the_readme_says_so_and_shows_the_source_forms_first() -> None:
    install = install_section()
    assert NOTICE in install
    notice, rest = install.split("\n\n", 2)[1:]
    assert f"v{__version__}" in notice, "the notice should name the first release to come"
    first_tag = min(rest.index(f"@v{MAJOR}"), rest.index(f":v{MAJOR}"))
    for source_form in ("codecatalyst-gate@main", "pip install 'git+https://", "docker build -t codecatalyst-gate"):
        assert rest.index(source_form) < first_tag, f"{source_form!r} should come before the tagged forms"
