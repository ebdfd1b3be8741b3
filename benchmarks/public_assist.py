"""The public Assist benchmark (allenporter/home-assistant-datasets: `assist-mini`, `assist`) run by its own
pytest harness (pytest-homeassistant-custom-component + the synthetic-home custom component), Home
Assistant's built-in agent beside EdgeLM (HA's `wyoming` integration pointed at the agent), per HA release:

    python benchmarks/public_assist.py --dataset assist-mini --ha 2025.4.4 --ha 2026.2.3 \
        [--datasets-repo URL-OR-GIT-DIR] [--synthetic-home-repo URL-OR-GIT-DIR]

The harness code and the custom component are taken from their repositories at pinned commits (git archive
of a clone, or of a local mirror); the dataset files are the vendored copy (benchmarks/public/); the three
changes the harness needs are benchmarks/public/harness/harness.patch, and benchmarks/public/harness/
edgelm_home.py gives EdgeLM each synthetic home as `edgelm home sync` would. Each HA release gets its own
venv under ~/.cache/edgelm-bench (Python 3.13 from pyenv). `assist-mini` is the development set; `assist`
is run once per candidate. Verdicts are the harness's own (its eval step: reports.yaml, report.csv).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from public_assist_report import summarize, table  # noqa: E402

from edgelm.agent_process import start_agent_process  # noqa: E402
from edgelm.demo_broker import Mosquitto, free_port  # noqa: E402

PUBLIC = REPO / "benchmarks" / "public"
DATASETS_REPO = "https://github.com/allenporter/home-assistant-datasets"
DATASETS_COMMIT = "d5ebbf09893d5753e051cdda76c6dbba479fa116"
SYNTHETIC_HOME_REPO = "https://github.com/allenporter/home-assistant-synthetic-home"
SYNTHETIC_HOME_COMMIT = "421cdd91badcc8fedfa63ac156f409772b316e14"
CACHE = Path.home() / ".cache" / "edgelm-bench"
# per release: HA and the pytest plugin built for it; the harness's own pins beside them
RELEASES = {"2025.4.4": ("homeassistant==2025.4.4", "pytest-homeassistant-custom-component==0.13.236"),
            "2026.2.3": ("homeassistant==2026.2.3", "pytest-homeassistant-custom-component==0.13.316")}
HARNESS_PINS = ("synthetic_home==5.0.3", "hass-client==1.3.0", "mashumaro==3.23", "pyrate-limiter==4.4.0",
                "voluptuous-openapi==0.0.6", "syrupy==4.8.1", "PyYAML==6.0.2", "tqdm==4.67.1")
# a release's own pins where the harness's clash with them (HA 2026.2.3 pins these three itself)
RELEASE_PINS = {"2026.2.3": ("PyYAML==6.0.3", "syrupy==5.0.0", "voluptuous-openapi==0.2.0")}


def harness_pins(release: str) -> list[str]:
    own = RELEASE_PINS.get(release, ())
    names = {pin.split("==")[0].lower() for pin in own}
    return [*(pin for pin in HARNESS_PINS if pin.split("==")[0].lower() not in names), *own]


# the integrations the run loads, whose manifest requirements HA would install at start
def pytest_command(python: Path) -> list[str]:
    return [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]


INTEGRATIONS = ("wyoming", "conversation", "assist_pipeline", "todo")
# run by the venv's python: those integrations' requirements and their dependencies', from HA's manifests
MANIFEST_REQUIREMENTS = f"""
import json, pathlib, homeassistant.components as components
root, todo, seen, found = pathlib.Path(components.__path__[0]), list({INTEGRATIONS!r}), set(), set()
while todo:
    name = todo.pop()
    if name in seen or not (root / name / "manifest.json").exists():
        continue
    seen.add(name)
    manifest = json.loads((root / name / "manifest.json").read_text())
    found.update(manifest.get("requirements", []))
    todo += manifest.get("dependencies", []) + manifest.get("after_dependencies", [])
print(" ".join(sorted(found)))
"""


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="assist-mini", choices=["assist-mini", "assist"])
    parser.add_argument("--ha", action="append", choices=sorted(RELEASES), help="repeat for several releases")
    parser.add_argument("--agents", default="assistant,edgelm")
    parser.add_argument("--datasets-repo", default=DATASETS_REPO)
    parser.add_argument("--synthetic-home-repo", default=SYNTHETIC_HOME_REPO)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "public-assist")
    return parser.parse_args()


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, **kw)


def harness_venv(release: str) -> Path:
    """A cached venv (Python 3.13) with this HA release, its test plugin, the harness's pins and the
    requirements of the integrations the run loads (read from HA's own manifests)."""
    target = CACHE / f"venv-{release}"
    python = target / "bin" / "python"
    if (target / ".complete").exists():
        return python
    shutil.rmtree(target, ignore_errors=True)
    interpreter = sorted((Path.home() / ".pyenv" / "versions").glob("3.13.*/bin/python3"))[-1]
    _run([str(interpreter), "-m", "venv", str(target)])
    pip = [str(python), "-m", "pip", "install", "-q", "--ignore-requires-python"]
    _run([*pip, *RELEASES[release], *harness_pins(release)])
    requirements = _run([str(python), "-c", MANIFEST_REQUIREMENTS], capture_output=True).stdout.split()
    if requirements:
        _run([*pip, *requirements])
    (target / ".complete").write_text(release)
    return python


def _archive(repo: str, commit: str, paths: list[str], dest: Path) -> None:
    """Files of `repo` (a URL or a local git directory) at `commit`, without a work tree."""
    source = Path(repo)
    if not source.exists():
        source = dest.parent / f".{dest.name}.git"
        if not source.exists():
            _run(["git", "clone", "--quiet", "--bare", "--filter=blob:none", repo, str(source)])
    # file by file, not `git archive`: a mirror may lack the blobs of large files outside `paths`, and
    # git archive reads the whole tree (it fails on them even when they are not asked for)
    git = ["git", "-C", str(source)]
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", commit, "--", *paths], capture_output=True, check=False)
    if listing.returncode != 0 or not listing.stdout:
        raise SystemExit(f"{commit} of {repo} has none of {paths}: {listing.stderr.decode().strip()}")
    for entry in filter(None, listing.stdout.decode().split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            blob = subprocess.run([*git, "cat-file", "blob", sha], capture_output=True, check=True).stdout
            (dest / path).parent.mkdir(parents=True, exist_ok=True)
            (dest / path).write_bytes(blob)


def harness_tree(args: argparse.Namespace, work: Path) -> tuple[Path, Path]:
    """(the harness checkout with the vendored datasets and the patch applied, the custom component's root)."""
    harness, component = work / "harness", work / "synthetic-home"
    patch = (PUBLIC / "harness" / "harness.patch").read_text()
    if not (harness / ".complete").exists() or (harness / ".complete").read_text() != patch:
        shutil.rmtree(harness, ignore_errors=True)
        _archive(args.datasets_repo, DATASETS_COMMIT, ["home_assistant_datasets", "models/assistant.yaml",
                                                        "pyproject.toml", "pytest.ini"], harness)
        shutil.copytree(PUBLIC / "home-assistant-datasets" / "datasets", harness / "datasets")
        _run(["git", "apply", str(PUBLIC / "harness" / "harness.patch")], cwd=harness)
        (harness / ".complete").write_text(patch)
    if not (component / ".complete").exists():
        shutil.rmtree(component, ignore_errors=True)
        _archive(args.synthetic_home_repo, SYNTHETIC_HOME_COMMIT, ["custom_components", "LICENSE"], component)
        (component / ".complete").touch()
    return harness, component


def edgelm_agent(broker: Mosquitto, home_file: Path, ha_port: int) -> tuple[subprocess.Popen, int]:
    """The shipped home model behind Wyoming, reading the home file the plugin writes and HA's states from
    the plugin's websocket server."""
    port = free_port()
    config, token = home_file.with_name("agent.toml"), home_file.with_name("ha-token")
    token.write_text("in-process\n")
    home_file.write_text(json.dumps({"areas": [], "floors": [], "names": []}))
    config.write_text(f'home_file = "{home_file}"\nhome_reload_s = 0.2\n'
                      f'ha_url = "http://127.0.0.1:{ha_port}"\nha_token_file = "{token}"\n')
    proc, _ = start_agent_process(None, broker.url, "public-assist", "--config", str(config),
                                  "--wyoming", f"tcp://127.0.0.1:{port}", die_with_parent=True)
    return proc, port


def collect(python: Path, harness: Path, component: Path, agent: str, dataset: str, out: Path,
            env_extra: dict[str, str]) -> None:
    """The harness's collect step: the agent answers every sentence; the plugin records what HA did."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "events").mkdir(parents=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYTHONPATH": f"{component}:{PUBLIC / 'harness'}",
           "EDGELM_EVENTS_DIR": str(out / "events"), **env_extra}
    with (out / "collect.log").open("w") as log:
        subprocess.run([*pytest_command(python), "-p", "edgelm_home", "home_assistant_datasets/tool/assist/collect",
                        f"--models={agent}", f"--dataset=datasets/{dataset}/", f"--model_output_dir={out}"],
                       cwd=harness, env=env, stdout=log, stderr=subprocess.STDOUT)


def collect_and_eval(python: Path, harness: Path, component: Path, agent: str, dataset: str, out: Path,
                     env_extra: dict[str, str]) -> Path:
    """collect, then the harness's eval step (its verdicts: reports.yaml, report.csv)."""
    collect(python, harness, component, agent, dataset, out, env_extra)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYTHONPATH": f"{component}:{PUBLIC / 'harness'}"}
    with (out / "eval.log").open("w") as log:
        subprocess.run([*pytest_command(python), "home_assistant_datasets/tool/assist/eval", f"--model_output_dir={out}"],
                       cwd=harness, env=env, stdout=log, stderr=subprocess.STDOUT)
    if not (out / "report.csv").exists():
        raise SystemExit(f"{agent}: the harness wrote no report; see {out}/collect.log and eval.log")
    return out


def edgelm_model_file(harness: Path, port: int) -> None:
    (harness / "models" / "edgelm.yaml").write_text(
        "model_id: edgelm\ndomain: wyoming\ndescription: EdgeLM's shipped home model over Wyoming\n"
        f"agent_id: conversation.edgelm\nconfig_entry_data:\n  host: 127.0.0.1\n  port: {port}\n")


@contextlib.contextmanager
def served(agent: str, broker: Mosquitto, harness: Path) -> Iterator[dict[str, str]]:
    """What the harness needs to ask `agent`: for EdgeLM, its agent running (the shipped home model behind
    Wyoming, reading the home file the plugin writes) and the plugin's settings."""
    if agent != "edgelm":
        yield {}
        return
    home, ha_port = Path(tempfile.mkdtemp(prefix="edgelm-assist-")) / "home.json", free_port()
    proc, port = edgelm_agent(broker, home, ha_port)
    edgelm_model_file(harness, port)
    try:
        # the settle after a new home is written: the agent sees it within 0.2 s, then compiles HA's templates
        # for the new names (0.5 s on an idle machine; with 1.0 s, two first sentences of a new home were
        # refused under a training run's load)
        yield {"EDGELM_REPO": str(REPO), "EDGELM_HOME_FILE": str(home), "EDGELM_HOME_SETTLE_S": "3.0",
               "EDGELM_HA_PORT": str(ha_port)}
    finally:
        proc.terminate()
        proc.wait(10)


def run_release(args: argparse.Namespace, release: str, broker: Mosquitto) -> dict:
    python = harness_venv(release)
    harness, component = harness_tree(args, CACHE / f"harness-{release}")  # its own models/: runs may overlap
    results = {}
    for agent in args.agents.split(","):
        out = args.out / args.dataset / release / agent
        started = time.perf_counter()
        with served(agent, broker, harness) as env:
            collect_and_eval(python, harness, component, agent, args.dataset, out, env)
        results[agent] = summarize(out, agent)
        results[agent]["seconds"] = round(time.perf_counter() - started, 1)
        print(f"{release} {agent}: {results[agent]['good']}/{results[agent]['total']} "
              f"({results[agent]['seconds']} s)", flush=True)
    return results


def main() -> None:
    args = _args()
    args.out = args.out.resolve()  # the harness runs in its own directory
    releases = args.ha or ["2025.4.4"]
    with Mosquitto() as broker:
        runs = {release: run_release(args, release, broker) for release in releases}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.dataset}.json").write_text(json.dumps(runs, indent=2))
    print(table(args.dataset, runs))


if __name__ == "__main__":
    main()
