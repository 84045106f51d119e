"""Reading times of the book, from the chapters' own tables.

Every chapter's first cell has a ``| section | time |`` table (``| 6.5 ... | 25 min |``).
This script sums each table, and the tables along the three reading paths of the landing
page (a path may take a chapter whole or only some of its sections), and writes the totals
into ``book/intro.md``: at the end of each entry of the chapter list ("*Reading time:
...*") and between the ``% reading paths`` comment lines. Run it after editing a table:

    python tools/reading_times.py            # print the times
    python tools/reading_times.py --write    # and update book/intro.md
    python tools/reading_times.py --check    # exit 1 if book/intro.md is out of date
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent / "book"
INTRO = BOOK / "intro.md"

# (name, [(chapter file stem, section prefixes or None for the whole chapter)], how it reads)
PATHS = [
    (
        "Deep learning",
        [
            ("01", None),
            ("02", None),
            ("03", None),
            ("04", None),
            ("06", ["6.5"]),
            ("07", None),
            ("11", None),
            ("12", None),
        ],
        "1 → 2 → 3 → 4 → 6 (§6.5 only) → 7 → 11 → 12",
    ),
    (
        "Signal processing",
        [
            ("01", None),
            ("05", None),
            ("06", None),
            ("07", None),
            ("09", None),
            ("10", None),
            ("appendix_benchmarks", None),
        ],
        "1 → 5 → 6 → 7 → 9 → 10, and appendix A",
    ),
    (
        "Quantum computing",
        [("01", None), ("05", None), ("06", None), ("07", None), ("08", None)],
        "1 → 5 → 6 → 7 → 8",
    ),
]
ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*(\d+)\s*min\s*\|\s*$", re.M)


def notebook(key: str) -> Path:
    """The chapter file whose stem starts with ``key`` ("01", "appendix_benchmarks")."""
    (path,) = [p for p in BOOK.glob("*.ipynb") if p.stem == key or p.stem.startswith(key + "_")]
    return path


def sections(path: Path) -> list[tuple[str, int]]:
    """The (section, minutes) rows of the chapter's first cell; empty if it has no table."""
    first = "".join(json.loads(path.read_text())["cells"][0]["source"])
    return [(name, int(minutes)) for name, minutes in ROW.findall(first)]


def minutes(key: str, prefixes: list[str] | None = None) -> int | None:
    """Minutes of a chapter (or of its sections starting with a prefix); None without a table."""
    rows = sections(notebook(key))
    if not rows:
        return None
    if prefixes is not None:
        rows = [(n, m) for n, m in rows if n.split()[0] in prefixes]
        assert rows, f"{key}: no section {prefixes} in its table"
    return sum(m for _, m in rows)


def spoken(total: int) -> str:
    """125 -> '2 h 5 min'."""
    hours, rest = divmod(total, 60)
    return f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"


def title(key: str) -> str:
    """'03' -> 'chapter 3', 'appendix_benchmarks' -> 'appendix A' (its title's letter)."""
    if key[:2].isdigit():
        return f"chapter {int(key[:2])}"
    first = json.loads(notebook(key).read_text())["cells"][0]["source"][0]
    return f"appendix {first.split('.')[0].lstrip('# ')}"


def paths_block() -> str:
    lines = []
    for name, steps, reads in PATHS:
        times = [minutes(key, prefixes) for key, prefixes in steps]
        untimed = [title(key) for (key, _), t in zip(steps, times, strict=True) if t is None]
        total = spoken(sum(t for t in times if t is not None))
        note = f" (not counting {' and '.join(untimed)}, not yet timed)" if untimed else ""
        lines.append(f"- **{name}**: {reads}; about {total}{note}.")
    return "\n".join(lines)


def updated(text: str) -> str:
    for path in sorted(BOOK.glob("*.ipynb")):
        t = minutes(path.stem)
        time = f" *Reading time: {spoken(t)}.*" if t is not None else ""
        entry = re.compile(
            rf"(^- \{{doc\}}`/book/{re.escape(path.stem)}`: (?:.|\n(?!- |\n))*?)"
            r"(?: \*Reading time: [^*]*\*)?$(?=\n- |\n\n|\Z)",
            re.M,
        )
        text, found = entry.subn(lambda m, time=time: m.group(1) + time, text, count=1)
        assert found, f"book/intro.md lists no {path.stem}"
    begin, end = "% reading paths: begin\n", "% reading paths: end\n"
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return head + begin + paths_block() + "\n" + end + tail


def main(argv: list[str]) -> int:
    for path in sorted(BOOK.glob("*.ipynb")):
        t = minutes(path.stem)
        print(f"{path.stem:40s} {spoken(t) if t is not None else 'no table'}")
    print(paths_block())
    text = INTRO.read_text()
    new = updated(text)
    if "--write" in argv:
        INTRO.write_text(new)
    elif "--check" in argv and new != text:
        print("book/intro.md is out of date: run python tools/reading_times.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
