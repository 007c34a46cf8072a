#!/usr/bin/env python3
"""Every metric an alert rule or a dashboard query uses must exist somewhere real.

Reads the PromQL of monitoring/alerts.yml and of every dashboard under monitoring/grafana,
extracts the metric names, and looks each one up in the /metrics text of the running graph
and of the exporters (URLs given as arguments). A name nobody exposes fails the check,
unless monitoring/metrics-expected-elsewhere.txt lists it with the reason (a metric another
piece of work adds); those are printed, never silently skipped.

    metric_names.py URL [URL...]
"""
import json
import pathlib
import re
import sys
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan", "le",
    # aggregation operators, written before their `by (...)` clause
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group",
}


def expressions():
    rules = yaml.safe_load((ROOT / "monitoring/alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield f"alert {rule.get('alert') or rule.get('record')}", rule["expr"]
    for path in sorted((ROOT / "monitoring/grafana").rglob("*.json")):
        board = json.loads(path.read_text())
        panels = list(board.get("panels", []))
        for panel in list(panels):
            panels.extend(panel.get("panels", []))
        for panel in panels:
            for target in panel.get("targets", []):
                if "expr" in target and (target.get("datasource") or {}).get("type", "prometheus") == "prometheus":
                    yield f"{path.name} panel {panel.get('title')!r}", target["expr"]
        for variable in board.get("templating", {}).get("list", []):
            query = variable.get("query")
            if isinstance(query, dict):
                query = query.get("query")
            if variable.get("type") == "query" and isinstance(query, str):
                match = re.search(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,", query)
                if match:
                    yield f"{path.name} variable {variable.get('name')}", match.group(1)


def names_in(expr):
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", text)
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in KEYWORDS or re.fullmatch(r"\d+\w*", name):
            continue
        yield name


def exposed(urls):
    names = set()
    for url in urls:
        body = urllib.request.urlopen(url, timeout=20).read().decode()
        for line in body.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split()[:4]
                names.add(name)
                if kind in ("histogram", "summary"):
                    names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
            elif line and not line.startswith("#"):
                names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
        print(f"     {url}: {len(names)} names so far")
    return names


def main(urls):
    allowed = {}
    listed = ROOT / "monitoring/metrics-expected-elsewhere.txt"
    for line in listed.read_text().splitlines() if listed.exists() else []:
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            allowed[name] = reason.strip()
    available = exposed(urls) | {"up", "scrape_duration_seconds", "ALERTS"}
    used, missing, elsewhere = {}, [], set()
    for where, expr in expressions():
        for name in names_in(expr):
            used.setdefault(name, where)
    for name, where in sorted(used.items()):
        if name in available:
            continue
        if name in allowed:
            elsewhere.add(name)
            print(f"NOTE {name} ({where}) is not exposed yet: {allowed[name]}")
        else:
            missing.append(f"{name} (used by {where})")
    print(f"     {len(used)} metric names used by rules and dashboards; {len(used) - len(missing) - len(elsewhere)} exposed")
    for item in missing:
        print(f"MISSING {item}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
