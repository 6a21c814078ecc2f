"""Generated parts of the Markdown documents: marked sections and table cells.

A generated part sits between `<!-- BEGIN name -->` and `<!-- END name -->` lines; the
generators (`devices/*/doc.py`, `scripts/*.py`) rebuild it from the code's own tables, and the
tests fail when a document differs from what its generator writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re


def replace_sections(text: str, sections: Mapping[str, Callable[[], str]], *, document: str) -> str:
    """`text` with each named section's content replaced by what its builder returns.

    Raises ValueError naming `document` when the markers of a section are missing.
    """
    for name, build in sections.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.DOTALL)
        match = pattern.search(text)
        if match is None:
            raise ValueError(f"{document} has no {name} markers")
        section = f"{match.group(1)}{build()}\n{match.group(2)}"
        text = text[: match.start()] + section + text[match.end() :]
    return text


def table_cell(value: object) -> str:
    """A Markdown table cell: pipes escaped so they do not split the column."""
    return str(value).replace("|", "\\|")
