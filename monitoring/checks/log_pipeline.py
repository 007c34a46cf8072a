#!/usr/bin/env python3
"""Feeds real log lines through monitoring/promtail.yml's pipeline: the same JSON fields,
regular expressions, drop expressions, multiline first-line pattern and timestamp formats
promtail applies (read from the file, not copied here). Lines come from a run of the graph
and of nginx (deploy/checks/nginx.sh passes its logs).

    log_pipeline.py --app FILE... --nginx-access FILE --nginx-error FILE
"""
import argparse
import datetime
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
PINO_LEVELS = {"10": "trace", "20": "debug", "30": "info", "40": "warn", "50": "error", "60": "fatal"}


def go_time(value, layout):
    if layout in ("RFC3339", "RFC3339Nano"):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    python = layout.replace("2006", "%Y").replace("01", "%m").replace("02", "%d").replace("15", "%H").replace("04", "%M").replace("05", "%S")
    return datetime.datetime.strptime(value, python)


def stages_for(pipeline, selector_part):
    for stage in pipeline:
        if "match" in stage and selector_part in stage["match"]["selector"]:
            yield from stage["match"]["stages"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", nargs="+", required=True)
    parser.add_argument("--nginx-access", required=True)
    parser.add_argument("--nginx-error", required=True)
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "monitoring/promtail.yml").read_text())
    pipeline = config["scrape_configs"][0]["pipeline_stages"]
    problems, counts = [], {}

    def problem(text):
        if len(problems) < 20:
            problems.append(text)

    # ---------------------------------------------------------------- the app's JSON lines
    app_lines = [line for path in args.app for line in pathlib.Path(path).read_text().splitlines() if line.startswith("{")]
    app_stages = list(stages_for(pipeline, 'logformat="json"'))
    multiline = next(stage["multiline"] for stage in app_stages if "multiline" in stage)
    fields = next(stage["json"]["expressions"] for stage in app_stages if "json" in stage)
    timestamp = next(stage["timestamp"] for stage in app_stages if "timestamp" in stage)
    labels = set().union(*(stage["labels"].keys() for stage in app_stages if "labels" in stage))
    firstline = re.compile(multiline["firstline"])
    if firstline.match("    at Object.<anonymous> (/app/dist/gateway/main.js:12:7)"):
        problem("multiline: a stack-trace line would start a new entry")
    for line in app_lines:
        if not firstline.match(line):
            problem(f"multiline: a JSON line would be glued to the previous one: {line[:80]}")
        record = json.loads(line)
        extracted = {name: record.get(key) for name, key in fields.items()}
        level = PINO_LEVELS.get(str(extracted.get("level")))
        if not level:
            problem(f"app line without a pino level: {line[:80]}")
        service = extracted.get("service") or extracted.get("process")
        if not service:
            problem(f"app line with neither service nor process: {line[:80]}")
        try:
            go_time(extracted["time"], timestamp["format"])
        except (KeyError, TypeError, ValueError) as error:
            problem(f"app timestamp {extracted.get('time')!r} does not parse as {timestamp['format']}: {error}")
        counts[f"app level={level} service={service}"] = counts.get(f"app level={level} service={service}", 0) + 1
    if "requestId" in labels:
        problem("requestId is a label")
    if not app_lines:
        problem("no JSON line from the graph to test")

    # ---------------------------------------------------------------- nginx access log (JSON)
    access_stages = list(stages_for(pipeline, 'logformat="nginx", stream="stdout"'))
    access_fields = next(stage["json"]["expressions"] for stage in access_stages if "json" in stage)
    drop = next(stage["drop"] for stage in access_stages if "drop" in stage)
    status_regex = re.compile(next(stage["regex"]["expression"] for stage in access_stages if "regex" in stage))
    access_time = next(stage["timestamp"] for stage in access_stages if "timestamp" in stage)
    access_lines = pathlib.Path(args.nginx_access).read_text().splitlines()
    for line in access_lines:
        record = json.loads(line)
        extracted = {name: record.get(key) for name, key in access_fields.items()}
        match = status_regex.match(str(extracted["status"]))
        if not match:
            problem(f"nginx status {extracted['status']!r} gives no status_class")
            continue
        if re.search(drop["expression"], extracted["uri"]):
            problem(f"an API request would be dropped as a health check: {extracted['uri']}")
        go_time(extracted["time"], access_time["format"])
        key = f"nginx status_class={match.group('status_class')}xx"
        counts[key] = counts.get(key, 0) + 1
    if access_lines:
        health = json.loads(access_lines[0])
        health["uri"] = "/health/ready"
        if not re.search(drop["expression"], health["uri"]):
            problem("a /health/ready access line is not dropped")
    else:
        problem("no nginx access line to test")

    # ---------------------------------------------------------------- nginx error log (regex)
    error_stages = list(stages_for(pipeline, 'logformat="nginx", stream="stderr"'))
    error_regex = re.compile(next(stage["regex"]["expression"] for stage in error_stages if "regex" in stage))
    error_time = next(stage["timestamp"] for stage in error_stages if "timestamp" in stage)
    error_lines = [l for l in pathlib.Path(args.nginx_error).read_text().splitlines() if l.strip()]
    for line in error_lines:
        match = error_regex.match(line)
        if not match:
            problem(f"nginx error line not matched: {line[:100]}")
            continue
        go_time(match.group("time"), error_time["format"])
        key = f"nginx-error level={match.group('level')}"
        counts[key] = counts.get(key, 0) + 1
    if not error_lines:
        problem("no nginx error line to test")

    for key, count in sorted(counts.items()):
        print(f"     {count:5d}  {key}")
    for text in problems:
        print(f"PROBLEM {text}")
    print(f"{len(app_lines)} app lines, {len(access_lines)} nginx access lines, {len(error_lines)} nginx error lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
