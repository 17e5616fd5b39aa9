"""gate.report.caps: the GitHub step summary and $GITHUB_OUTPUT kept under GitHub's caps (issue 30)."""

from __future__ import annotations

from gate.report.caps import KEPT, cut_markdown, shed


def test_a_summary_under_the_cap_is_untouched() -> None:
    text = "# title\n\n| a | b |\n" * 10
    assert cut_markdown(text, max_bytes=len(text.encode())) == text


def test_a_summary_over_the_cap_is_cut_at_a_line_and_says_so() -> None:
    text = "".join(f"line {i} " + "é" * 50 + "\n" for i in range(1000))
    cut = cut_markdown(text, max_bytes=10_000)
    assert len(cut.encode()) <= 10_000
    body, _, note = cut.rpartition("\n\n")
    assert text.startswith(body) and body.endswith("é")  # whole lines
    assert note.startswith(f"*The summary was cut here: it was {len(text.encode())} bytes")


def test_a_code_block_left_open_by_the_cut_is_closed() -> None:
    text = "intro\n```mermaid\n" + "bar\n" * 5000 + "```\n"
    cut = cut_markdown(text, max_bytes=2000)
    assert len(cut.encode()) <= 2000
    assert cut.count("```") == 2 and "\n```\n\n*The summary was cut here" in cut


def test_shed_empties_the_large_values_in_order_and_keeps_the_verdict() -> None:
    values = {"result": "success", "exit-code": "0", "status": "SUCCEEDED", "run-id": "r", "workflow-name": "w" * 50,
              "response": "x" * 100, "runs": "", "status-reasons": "y" * 100}

    def size(v: dict[str, str]) -> int:
        return sum(len(x) for x in v.values())

    kept, emptied = shed(values, size=size, max_bytes=200)
    assert emptied == ["response"] and kept["status-reasons"] == "y" * 100
    kept, emptied = shed(values, size=size, max_bytes=20)
    assert emptied == ["response", "status-reasons", "workflow-name"]
    assert all(kept[key] == values[key] for key in KEPT)
    assert shed(values, size=size, max_bytes=10_000) == (values, [])
