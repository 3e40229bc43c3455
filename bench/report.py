"""BENCHMARKS.md from the figures bench/scale.py measured: the machine, the date, every figure
and where each goal of issue 7 stands."""

from __future__ import annotations

from typing import Any


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _pages(run: dict[str, Any], goal: float) -> list[str]:
    lines = [
        "| page | path | p50 ms | p95 ms | requests | size kB | goal |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, timing in run["pages"].items():
        ok = timing["p95"] <= goal
        lines.append(
            f"| {name} | `{timing['path']}` | {timing['p50']} | {timing['p95']} | "
            f"{timing['requests']} | {timing['kilobytes']} | {_met(ok)} |"
        )
    return lines


def _queries(queries: dict[str, dict[str, int]], rows: list[int]) -> list[str]:
    few, many = (str(n) for n in rows)
    lines = [
        f"| page (who, path) | queries with {few} rows | with {many} rows | same |",
        "|---|---:|---:|---|",
    ]
    for page, counts in queries.items():
        same = counts[few] == counts[many]
        lines.append(f"| {page} | {counts[few]} | {counts[many]} | {'yes' if same else '**no**'} |")
    return lines


def markdown(results: dict[str, Any]) -> str:
    goals = results["goals"]
    settings = results["settings"]
    machine = results["machine"]
    out = [
        "# Benchmarks",
        "",
        "Written by `bench/scale.py` (issue 7): the figures of one run on the machine below. "
        "Server times are gunicorn's own (its access log's `%(D)s`), two sync workers; "
        "percentiles over the timed requests of each page, made one after the other after "
        "10 untimed ones.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "",
        f"Data set: `clinic-consent seed --sessions {settings['sessions']}`; "
        f"{settings['requests']} timed requests per page.",
    ]
    for run in results["databases"]:
        seeded = ", ".join(f"{table} {count:,}" for table, count in run["seeded"].items())
        out += [
            "",
            f"## {run['name']}",
            "",
            f"Seeded in {run['seed_seconds']} s ({seeded}).",
            "",
            *_pages(run, goals["page_p95_ms"]),
            "",
            f"Requests per second (wrk, 2 threads, 4 connections, 10 s): hello-world "
            f"{run['rps']['hello']}, the recording page `{run['rps']['read_page']}` "
            f"{run['rps']['read']}: {run['rps']['read'] / run['rps']['hello']:.0%} of it.",
            "",
            f"Worker memory (RSS, MB): {run['memory_mb']['after_warmup']} after a warm-up, "
            f"{run['memory_mb']['after_more']} after "
            f"{run['memory_mb']['more_requests']:,} more requests.",
        ]
        if run["large"]:
            large = run["large"]
            recordings = large["seeded"].get("recordings", 0)
            out += [
                "",
                f"With {recordings:,} recordings (seeded in {large['seed_seconds']} s):",
                "",
                "| page | p50 ms | p95 ms |",
                "|---|---:|---:|",
                *(
                    f"| {name} | {t['p50']} | {t['p95']} |"
                    for name, t in large.items()
                    if isinstance(t, dict) and "p95" in t
                ),
            ]
    forms = results["forms_pdf"]["forms"]
    out += [
        "",
        "## Queries per page (SQLite, through the operations)",
        "",
        *_queries(results["queries"], settings["rows"]),
        "",
        "## A sealed consent form beside raw WeasyPrint (bench/forms_pdf.py, median ms)",
        "",
        "| form | render + seal + store | raw WeasyPrint, same HTML | ratio |",
        "|---|---:|---:|---:|",
        *(
            f"| {f['form']} | {f['timings']['pipeline']['median_ms']} | "
            f"{f['timings']['raw WeasyPrint, reused fonts']['median_ms']} | "
            f"{f['ratio_pipeline_to_raw_reused_fonts']} |"
            for f in forms
        ),
        "",
        "## Where each goal stands",
        "",
        *_goals(results),
        "",
    ]
    return "\n".join(out)


def _goals(results: dict[str, Any]) -> list[str]:
    goals = results["goals"]
    lines = []
    for run in results["databases"]:
        worst = max(run["pages"].items(), key=lambda item: item[1]["p95"])
        lines.append(
            f"- {run['name']}: p95 ≤ {goals['page_p95_ms']} ms on every main page: "
            f"{_met(worst[1]['p95'] <= goals['page_p95_ms'])} (slowest: {worst[0]}, "
            f"{worst[1]['p95']} ms)."
        )
        ratio = run["rps"]["read"] / run["rps"]["hello"]
        lines.append(
            f"- {run['name']}: a read page ≥ {goals['read_to_hello']:.0%} of hello-world: "
            f"{_met(ratio >= goals['read_to_hello'])} ({ratio:.0%})."
        )
        memory = run["memory_mb"]
        before, after = memory["after_warmup"], memory["after_more"]
        growth = max(a - b for a, b in zip(after, before, strict=False)) if before else 0
        lines.append(
            f"- {run['name']}: worker memory flat: {_met(growth < 10)} (largest growth "
            f"{growth:.1f} MB over {memory['more_requests']:,} requests)."
        )
        if run["large"] and "API retention report" in run["large"]:
            p95 = run["large"]["API retention report"]["p95"]
            lines.append(
                f"- {run['name']}: retention report over "
                f"{run['large']['seeded'].get('recordings', 0):,} recordings ≤ "
                f"{goals['retention_ms']} ms: {_met(p95 <= goals['retention_ms'])} "
                f"(p95 {p95} ms)."
            )
        if run["name"] == "sqlite":
            lines.append(
                f"- seed of {results['settings']['sessions']:,} sessions on SQLite ≤ "
                f"{goals['seed_seconds']} s: {_met(run['seed_seconds'] <= goals['seed_seconds'])} "
                f"({run['seed_seconds']} s, the whole command)."
            )
    same = all(len(set(counts.values())) == 1 for counts in results["queries"].values())
    lines.append(f"- queries per page the same at both sizes: {_met(same)}.")
    ratios = [f["ratio_pipeline_to_raw_reused_fonts"] for f in results["forms_pdf"]["forms"]]
    lines.append(
        f"- a signed form ≤ {results['goals']['seal_to_raw']}× raw WeasyPrint: "
        f"{_met(max(ratios) <= results['goals']['seal_to_raw'])} ({', '.join(map(str, ratios))})."
    )
    return lines
