#!/usr/bin/env python3
"""Replays a Dockerfile stage without Docker: copies exactly the files its COPY lines name
(minus what the .dockerignore beside the Dockerfile drops) into an empty directory, then runs
its RUN commands there in order. `npm ci` is replaced by a link to the repository's
node_modules, which `npm ci` installed from the same package-lock.json (no registry access
needed); everything else runs as written. Also checks the runtime stage's rules: non-root
USER, HEALTHCHECK, and that its own COPY sources exist.

    dockerfile_replay.py DOCKERFILE STAGE WORKDIR
"""
import fnmatch
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def instructions(path):
    text = re.sub(r"\\\n", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            yield word.upper(), rest.strip()


def stages(path):
    current, out = None, {}
    for word, rest in instructions(path):
        if word == "FROM":
            match = re.search(r"\bAS\s+(\S+)", rest, re.I)
            current = match.group(1) if match else rest
            out[current] = []
        elif current:
            out[current].append((word, rest))
    return out


def matches(relative, pattern):
    """.dockerignore semantics, enough for this file: a pattern matches the path or a parent
    directory of it; `**/name` matches at any depth."""
    prefixes = ["/".join(relative.split("/")[: i + 1]) for i in range(relative.count("/") + 1)]
    if pattern.startswith("**/"):
        return any(fnmatch.fnmatch(part, pattern[3:]) for part in relative.split("/"))
    return any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes)


def ignored(relative, patterns):
    verdict = False
    for pattern in patterns:  # the last matching pattern wins, as in Docker
        if pattern.startswith("!"):
            if matches(relative, pattern[1:]):
                verdict = False
        elif matches(relative, pattern):
            verdict = True
    return verdict


def copy(sources, dest, workdir, patterns):
    copied = 0
    for source in sources:
        src = ROOT / source
        if not src.exists():
            sys.exit(f"COPY source missing: {source}")
        files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if ignored(relative, patterns):
                continue
            if dest.endswith("/") or len(sources) > 1 or src.is_dir():
                inner = file.name if src.is_file() else file.relative_to(src).as_posix()
                target = workdir / dest / inner
            else:
                target = workdir / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
            copied += 1
    return copied


def main(dockerfile, stage, workdir):
    dockerfile, workdir = ROOT / dockerfile, pathlib.Path(workdir)
    ignore_file = dockerfile.with_name(dockerfile.name + ".dockerignore")
    patterns = [l.strip() for l in ignore_file.read_text().splitlines() if l.strip() and not l.startswith("#")]
    all_stages = stages(dockerfile)
    env = dict(os.environ, PATH=f"{workdir / 'node_modules/.bin'}:{os.environ['PATH']}")
    for word, rest in all_stages[stage]:
        if word == "COPY":
            args = [a for a in shlex.split(rest) if not a.startswith("--")]
            if any(a.startswith("--from") for a in shlex.split(rest)):
                continue
            count = copy(args[:-1], args[-1], workdir, patterns)
            print(f"     COPY {' '.join(args)}: {count} files")
        elif word == "RUN":
            command = re.sub(r"--mount=\S+\s*", "", rest).strip()
            if re.search(r"\bnpm ci\b", command):
                (workdir / "node_modules").symlink_to(ROOT / "node_modules")
                print(f"     RUN {command}\n       -> node_modules linked to the repository's (installed by npm ci from the same lock file)")
                continue
            print(f"     RUN {command}")
            result = subprocess.run(["sh", "-c", command], cwd=workdir, env=env)
            if result.returncode != 0:
                sys.exit(f"RUN failed with exit code {result.returncode}: {command}")
    runtime = dict(all_stages["runtime"]) if "runtime" in all_stages else {}
    problems = []
    users = [rest for word, rest in all_stages.get("runtime", []) if word == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("the runtime stage does not switch to a non-root USER")
    if "HEALTHCHECK" not in runtime:
        problems.append("the runtime stage has no HEALTHCHECK")
    for word, rest in all_stages.get("runtime", []):
        if word == "COPY" and "--from" not in rest:
            for source in shlex.split(rest)[:-1]:
                if not (ROOT / source).exists():
                    problems.append(f"runtime COPY source missing: {source}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
