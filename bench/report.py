"""Collect every benchmark's results into one page, docs/benchmarks.md.

    python -m bench.report [--results bench/results] [--out docs/benchmarks.md]

Each benchmark writes bench/results/<name>.md. This page puts them together: a summary
table (what is measured, the command, the date, and every figure that has a goal, with
the ratio of result to goal), the machine, then each result file in full. Figures
whose goal is stated in a table with `result` and `goal` columns get a computed ratio.
Goals written as sentences are quoted as they are.
"""

import argparse
import os
import platform
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "docs" / "benchmarks.md"
RELAY_PLOT = "summary-relay.png"

# Benchmark name -> (measured quantities, command that reruns it). A result file
# without an entry here is still included, under its own title.
BENCHMARKS = {
    "lambda": (
        "bootstrap function: cold import and warm handler time",
        "python -m bench lambda",
    ),
    "admin": (
        "admin app: CLI replay rate, save and page times",
        "python -m bench admin",
    ),
    "bridge": (
        "bridge: edits accepted, publish rate, write to subscriber latency, memory",
        "python -m bench bridge",
    ),
    "relay": (
        "SSE relay against Mosquitto WebSockets: latency and memory per client",
        "python bench/relay.py",
    ),
    "page": (
        "viewer page against a plain-JavaScript page: load, bytes, publish to DOM",
        "python -m bench page",
    ),
    "latency": (
        "admin save to DOM, with pages and 1,000 subscribers attached",
        "python -m bench latency",
    ),
}

DATE = re.compile(r"\b(20\d\d-\d\d-\d\d(?: \d\d:\d\d(?: UTC)?)?)")
COMMAND = re.compile(r"(?:Command|with):? `([^`]+)`")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
GOAL_BOUND = re.compile(r"(at most|<=|≤|at least|>=|≥)\s*(\d[\d,]*(?:\.\d+)?)")
GOAL_SENTENCE = re.compile(r"^\s*(?:- )?(?:goals?\b|met\b|missed\b)", re.IGNORECASE)
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)/]+)\)")


@dataclass(frozen=True)
class Figure:
    """One measured value with its goal; `ratio` is result / goal when both parse."""

    benchmark: str
    name: str
    result: str
    goal: str
    ratio: float | None
    met: bool | None


def number(text):
    match = NUMBER.search(text)
    return float(match.group().replace(",", "")) if match else None


def parse_goal(goal_text, result_text):
    """Return (ratio, met) for a goal such as "at most 50 ms" or "p50 at most 50 ms".

    The result's first number is compared, so "5.1 / 60.3 ms" against "p50 at most
    50 ms" compares 5.1. None, None when either side has no number.
    """
    bound = GOAL_BOUND.search(goal_text)
    value = number(result_text)
    if bound is None or value is None:
        return None, None
    limit = float(bound.group(2).replace(",", ""))
    if limit == 0:
        return None, None
    at_most = bound.group(1) in ("at most", "<=", "≤")
    return value / limit, (value <= limit) if at_most else (value >= limit)


def table_rows(text):
    """Yield each markdown table as (header cells, list of row cells)."""
    table = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if len(table) > 2:
            yield [cell.lower() for cell in table[0]], table[2:]
        table = []


# Column headers that hold the measured value, in order of preference; else column 2.
RESULT_COLUMNS = ("result", "with subscribers p50 / p99 (n)", "p50")


def result_column(header):
    for name in RESULT_COLUMNS:
        if name in header:
            return header.index(name)
    return 1


def table_figures(name, text):
    """Return the figures of tables that have a goal column."""
    figures = []
    for header, rows in table_rows(text):
        if "goal" not in header:
            continue
        goal_index = header.index("goal")
        result_index = result_column(header)
        for cells in rows:
            if len(cells) <= goal_index or not cells[goal_index]:
                continue
            ratio, met = parse_goal(cells[goal_index], cells[result_index])
            figures.append(
                Figure(
                    name, cells[0], cells[result_index], cells[goal_index], ratio, met
                )
            )
    return figures


def goal_sentences(text):
    """Return the lines that state a goal or a verdict in words."""
    sentences = []
    for line in text.splitlines():
        sentence = line.strip().removeprefix("- ")
        # A line ending in a colon introduces a list whose items are matched alone.
        if (
            GOAL_SENTENCE.match(line)
            and not line.startswith("|")
            and not sentence.endswith(":")
        ):
            sentences.append(sentence)
    return sentences


@dataclass(frozen=True)
class Result:
    name: str
    title: str
    what: str
    command: str
    date: str
    text: str


def read_result(path):
    text = path.read_text()
    name = path.stem
    lines = text.splitlines()
    title = lines[0].lstrip("# ").strip() if lines else name
    what, command = BENCHMARKS.get(name, (title, f"python -m bench {name}"))
    found = COMMAND.search(text)
    date = DATE.search(text)
    if date is None:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        date_text = f"{modified:%Y-%m-%d} (file date)"
    else:
        date_text = date.group(1)
    return Result(
        name, title, what, found.group(1) if found else command, date_text, text
    )


def machine_lines():
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory = f"{int(meminfo.read_text().split()[1]) // 1024} MiB"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (`nproc`)",
        f"- Memory: {memory}",
        (
            f"- System: {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}"
        ),
    ]


def ratio_text(figure):
    if figure.ratio is None:
        return ""
    verdict = "met" if figure.met else "missed"
    return f"{figure.ratio:.2f}x ({verdict})"


def summary_lines(results):
    lines = [
        "| benchmark | what it measures | command | date |",
        "| --- | --- | --- | --- |",
    ]
    for result in results:
        lines.append(
            f"| [{result.name}](#{anchor(result.title)}) | {result.what} | "
            f"`{result.command}` | {result.date} |"
        )
    lines += [
        "",
        (
            "Figures with a goal (ratio = result / goal; below 1 is better for times, "
            "above 1 for rates):"
        ),
        "",
        "| benchmark | figure | result | goal | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        for figure in table_figures(result.name, result.text):
            lines.append(
                f"| {figure.benchmark} | {figure.name} | {figure.result} | "
                f"{figure.goal} | {ratio_text(figure)} |"
            )
    lines += ["", "Goals stated in words:", ""]
    for result in results:
        for sentence in goal_sentences(result.text):
            lines.append(f"- {result.name}: {sentence}")
    return lines


def anchor(title):
    """Return the anchor GitHub gives a heading."""
    slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    return slug


def section(result, results_link):
    """Return a result file with its headings one level down and image paths fixed."""
    lines = []
    for line in result.text.splitlines():
        if line.startswith("#"):
            line = "#" + line
        lines.append(IMAGE.sub(rf"![\1]({results_link}/\2)", line))
    return "\n".join(lines).rstrip() + "\n"


def relay_plot(results, folder):
    """Plot the relay table's p50 and p99 against clients; return the file name or None."""
    relay = next((r for r in results if r.name == "relay"), None)
    if relay is None:
        return None
    series = relay_series(relay.text)
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axis = pyplot.subplots(figsize=(7, 4))
    for index, (server, points) in enumerate(sorted(series.items())):
        clients = [point[0] for point in points]
        color = f"C{index}"
        axis.plot(clients, [p[1] for p in points], marker="o", color=color,
                  label=f"{server} p50")  # fmt: skip
        axis.plot(clients, [p[2] for p in points], marker="o", color=color,
                  linestyle="--", label=f"{server} p99")  # fmt: skip
    axis.set_xlabel("clients held by one load generator")
    axis.set_ylabel("publish to client, ms")
    axis.set_title("SSE relay and Mosquitto (WebSockets) under load")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(folder / RELAY_PLOT, dpi=100)
    pyplot.close(figure)
    return RELAY_PLOT


def relay_series(text):
    """Return {server: [(clients, p50, p99), ...]} from the relay's results table."""
    series = {}
    for header, rows in table_rows(text):
        if not {"server", "clients", "p50 ms", "p99 ms"} <= set(header):
            continue
        columns = [header.index(key) for key in ("clients", "p50 ms", "p99 ms")]
        for cells in rows:
            values = [number(cells[index]) for index in columns]
            if None not in values:
                series.setdefault(cells[header.index("server")], []).append(values)
    return series


def render(results, results_link, plot_name):
    lines = [
        "# Benchmarks",
        "",
        "Every benchmark of the project on one page, generated by `python -m bench.report`",
        "from the files in `bench/results/` (`make bench` runs every benchmark and then",
        "this report). Each section below is one benchmark's own result file; it names",
        "the machine and setup it ran on.",
        "",
        f"Page generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on:",
        "",
        *machine_lines(),
        "",
        "## Summary",
        "",
        *summary_lines(results),
        "",
    ]
    if plot_name:
        lines += [
            "SSE relay and Mosquitto latency by client count (from the relay results):",
            "",
            f"![relay latency by clients]({results_link}/{plot_name})",
            "",
        ]
    for result in results:
        lines.append(section(result, results_link))
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="folder of <benchmark>.md result files")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT, help="page to write")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    order = list(BENCHMARKS)
    paths = sorted(
        args.results.glob("*.md"),
        key=lambda path: (order.index(path.stem) if path.stem in order else len(order),
                          path.stem),
    )  # fmt: skip
    results = [read_result(path) for path in paths]
    plot_name = relay_plot(results, args.results)
    link = os.path.relpath(args.results.resolve(), args.out.resolve().parent)
    args.out.write_text(render(results, link, plot_name))
    print(f"wrote {args.out} from {len(results)} result files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
