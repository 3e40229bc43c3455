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
            "Requests per second (wrk, 2 threads, 4 connections, 10 s, on the same two cores):",
            "",
            "| endpoint | path | requests/s | of hello-world |",
            "|---|---|---:|---:|",
            *(
                f"| {name} | `{r['path']}` | {r['rps']} | "
                f"{r['rps'] / run['rps']['hello']['rps']:.0%} |"
                for name, r in run["rps"].items()
            ),
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
        "Raw WeasyPrint renders the same HTML with the same fetcher: as called plainly (a new"
        " font configuration each call, WeasyPrint's default), and with one font configuration"
        " kept between calls, as the application keeps one per thread.",
        "",
        "| form | render + seal + store | raw WeasyPrint | ratio | raw, fonts kept | ratio |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {f['form']} | {f['timings']['pipeline']['median_ms']} | "
            f"{f['timings']['raw WeasyPrint, fresh fonts']['median_ms']} | "
            f"{f['ratio_pipeline_to_raw_fresh_fonts']} | "
            f"{f['timings']['raw WeasyPrint, reused fonts']['median_ms']} | "
            f"{f['ratio_pipeline_to_raw_reused_fonts']} |"
            for f in forms
        ),
        "",
        "Where the pipeline's time goes (the same steps timed one by one, median ms):",
        "",
        "| form | " + " | ".join(forms[0]["stages"]) + " |",
        "|---|" + "---:|" * len(forms[0]["stages"]),
        *(
            f"| {f['form']} | "
            + " | ".join(str(stage["median_ms"]) for stage in f["stages"].values())
            + " |"
            for f in forms
        ),
        "",
        "## Where each goal stands",
        "",
        *_goals(results),
        "",
        "## What stands in the way where a goal is close or not met",
        "",
        *OBSTACLES,
        "",
    ]
    return "\n".join(out)


# What profiling showed (issue 7's closing note has the figures); true of the code, not of a run.
OBSTACLES = [
    "- **A read page's floor.** A read of health data is authenticated, checked against what"
    " the user may see, and written to the NEN 7513 access log in a transaction that is"
    " committed durably; the hello-world does none of it. The API's client read is the"
    " lightest such page: on PostgreSQL six round trips (the pool's ping, BEGIN, the token"
    " with its user, the client with whether the user may see it, the log's INSERT, COMMIT),"
    " each also costing the server's CPU on the same two cores; on SQLite one sync of the"
    " write-ahead log per commit (`synchronous = FULL`: with NORMAL it reaches about 20% more"
    " requests per second, but a power cut may lose the last commits). The recording page"
    " adds its verdict and a Jinja page of about 13 kB.",
    "- **The manager's dashboard** counts eight lists and twelve months, each a range of an"
    " index that grows with what it counts, and shows ten rows of each list: about 14 ms of"
    " PostgreSQL's time in 19 statements at 100,000 sessions, and 80 table rows to render."
    " Its statements are built once per shape of filters. Counters kept per list would answer"
    " in constant time only without filters, and a counter that drifts would misreport what"
    " is overdue.",
    "- **A sealed form** adds the practice's PAdES seal (12–15 ms here, most of it pyHanko"
    " assembling the CMS signature with asn1crypto) and its storage to the render: a fifth of"
    " a one-page form rendered with fonts kept, less of a larger one.",
]


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
        hello = run["rps"]["hello"]["rps"]
        ratios = ", ".join(
            f"{name} {r['rps'] / hello:.0%}" for name, r in run["rps"].items() if name != "hello"
        )
        best = max(r["rps"] for name, r in run["rps"].items() if name != "hello") / hello
        lines.append(
            f"- {run['name']}: a read page ≥ {goals['read_to_hello']:.0%} of hello-world: "
            f"{_met(best >= goals['read_to_hello'])} ({ratios})."
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
    grown = [page for page, counts in results["queries"].items() if len(set(counts.values())) > 1]
    lines.append(
        f"- queries per page the same at both sizes: {_met(not grown)}"
        + (f" (grew: {', '.join(grown)})." if grown else ".")
    )
    forms = results["forms_pdf"]["forms"]
    plain = [f["ratio_pipeline_to_raw_fresh_fonts"] for f in forms]
    kept = [f["ratio_pipeline_to_raw_reused_fonts"] for f in forms]
    goal = results["goals"]["seal_to_raw"]
    lines.append(
        f"- a signed form ≤ {goal}× raw WeasyPrint: {_met(max(plain) <= goal)} "
        f"({', '.join(map(str, plain))}); beside WeasyPrint with its fonts kept between calls, "
        f"as ours are: {_met(max(kept) <= goal)} ({', '.join(map(str, kept))})."
    )
    return lines
