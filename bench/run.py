"""`make bench`: build-time benchmarks on a synthetic Odoo 17-sized tree, with a real PostgreSQL.

Every scenario runs the real command in a child process, REPEAT times; the median run is kept.
Wall time, CPU time (user + system, pool workers included) and peak memory come from that
process; `build_s` is the wall time the command itself reports (`elapsed_s` of --json: the
run without interpreter start-up and imports). Children may write bytecode caches, as an
installed package has them. Results go to bench/results.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rcssmin
import rjsmin
import sass

from bench import synth
from tests import pgcluster

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
REPEAT = 5
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(conf: Path, db: str, *args: str) -> dict[str, float]:
    command = [sys.executable, "-m", "odoo_assets", "-c", str(conf), "-d", db, "bundle", *args, "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=CHILD_ENV)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {err.read().decode()}")
        build = float(json.loads(out.read())["elapsed_s"])
    return {
        "wall_s": wall,
        "build_s": build,
        # ru_* of wait4 include the pool workers, which the command waits for.
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def run_cli(conf: Path, db: str, *args: str) -> dict[str, float]:
    """The median of REPEAT runs, by wall time; the peak memory of them all."""
    runs = [run_once(conf, db, *args) for _ in range(REPEAT)]
    median = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    result = {key: round(value, 3) for key, value in median.items()}
    result["peak_mb"] = round(max(r["peak_mb"] for r in runs), 1)
    result["wall_s_runs"] = [round(r["wall_s"], 3) for r in runs]  # type: ignore[assignment]
    return result


def raw_library_cpu(conf: Path, db: str) -> dict[str, float]:
    """CPU of libsass + rjsmin + rcssmin + hashing alone on the same inputs as the cold build,
    with the minifier the build uses (rjsmin's pure-Python one by default, as Odoo runs it)."""
    from odoo_assets import operations
    from odoo_assets.config import load_settings

    settings = load_settings(config=str(conf), databases=(db,))
    with operations.open_workspace(settings, db) as ws:
        jobs: dict[str, operations.CompileJob] = {}
        for variant in operations.plan_variants(ws, operations.BuildRequest()).variants:
            operations._prepare(ws, variant, True, jobs, {})
        include = [str(ws.compile_options().bootstrap_scss_dir)]
        jsmin = rjsmin._make_jsmin(python_only=ws.compile_options().js_minifier == "python")
    runs = []
    for _ in range(REPEAT):
        start = time.process_time()
        for job in jobs.values():
            if job.asset_type == "css":
                scss = "\n".join(a.content or "" for a in job.assets if a.url.endswith(".scss"))
                css = sass.compile(string=scss, include_paths=include, output_style="expanded", precision=8)
                out = rcssmin.cssmin(css)
            else:
                out = ";\n".join(jsmin(a.content or "") for a in job.assets if a.url.endswith(".js"))
            hashlib.sha1(out.encode()).hexdigest()
            hashlib.sha512(out.encode()).hexdigest()
        runs.append(time.process_time() - start)
    return {"cpu_s": round(statistics.median(runs), 3), "jobs": len(jobs)}


def main() -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    tree = WORK / "tree"
    addons = synth.generate(tree)
    files = list((tree / "addons").rglob("*.*"))
    size_js_xml = sum(p.stat().st_size for p in files if p.suffix in (".js", ".xml"))
    print(
        f"synthetic tree: {len(files)} files, JS+XML {size_js_xml / 1e6:.1f} MB,"
        f" SCSS files {sum(1 for p in files if p.suffix == '.scss')}"
    )
    cluster = pgcluster.start(WORK / "pg")
    confs = {}
    try:
        for websites in (1, 50):
            db = f"bench_{websites}"
            pgcluster.create_database(cluster, db, files=(pgcluster.SCHEMA_SQL, pgcluster.BARE_SQL))
            with cluster.connect(db) as conn:
                conn.execute(synth.database_sql(addons, websites).encode())
            conf = WORK / f"odoo-{websites}.conf"
            conf.write_text(
                f"[options]\naddons_path = {tree / 'addons'}\ndata_dir = {WORK / 'data'}\n"
                f"db_host = {cluster.host}\ndb_port = {cluster.port}\ndb_user = {cluster.user}\n"
            )
            confs[websites] = (conf, db)
        conf1, db1 = confs[1]
        conf50, db50 = confs[50]
        cold = ("build", "--force", "--no-cache")
        run_once(conf1, db1, "build", "--dry-run")  # writes the bytecode caches
        results: dict[str, dict[str, float]] = {}
        results["cold_serial_1_website"] = run_cli(conf1, db1, *cold, "--workers", "1")
        results["cold_parallel_1_website"] = run_cli(conf1, db1, *cold)
        results["warm_noop_1_website"] = run_cli(conf1, db1, "build")
        results["cold_parallel_50_websites"] = run_cli(conf50, db50, *cold)
        cached = ("build", "--force", "--cache-dir", str(WORK / "cache"))
        run_once(conf1, db1, *cached)  # fills the cache
        results["cached_force_1_website"] = run_cli(conf1, db1, *cached)
        raw = raw_library_cpu(conf1, db1)
    finally:
        pgcluster.stop(WORK / "pg")
    cold1, cold50 = results["cold_parallel_1_website"], results["cold_parallel_50_websites"]
    serial, noop = results["cold_serial_1_website"], results["warm_noop_1_website"]
    # name: (value, target, what is divided by what)
    ratios = {
        "warm_noop_over_cold": (
            noop["build_s"] / cold1["build_s"],
            0.05,
            "build_s: the run itself, interpreter start-up and imports left out",
        ),
        "warm_noop_over_cold_command": (
            noop["wall_s"] / cold1["wall_s"],
            0.10,
            "wall_s of the whole command, interpreter start-up and imports included",
        ),
        "websites_50_over_1_cold": (cold50["wall_s"] / cold1["wall_s"], 1.3, "wall_s of the command"),
        "cold_cpu_over_raw_libraries": (
            serial["cpu_s"] / raw["cpu_s"],
            1.5,
            "cpu_s of the serial command / the libraries' own calls in one process",
        ),
        "parallel_over_serial_wall": (cold1["wall_s"] / serial["wall_s"], 0.65, "wall_s of the command"),
    }
    head = f"scenario (median of {REPEAT})"
    print(f"{head:32} {'wall s':>8} {'build s':>8} {'cpu s':>8} {'peak MB':>8}")
    for name, v in results.items():
        print(f"{name:32} {v['wall_s']:>8} {v['build_s']:>8} {v['cpu_s']:>8} {v['peak_mb']:>8}")
    print(f"raw libraries (libsass+rjsmin+rcssmin+hashing): cpu {raw['cpu_s']} s over {raw['jobs']} jobs")
    for name, (value, target, _) in ratios.items():
        verdict = "" if target is None else ("ok" if value <= target else "ABOVE TARGET")
        goal = "" if target is None else f"(target <= {target})"
        print(f"{name:32} {value:>8.3f}  {goal} {verdict}")
    (HERE / "results.json").write_text(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "repeat": REPEAT,
                "tree_files": len(files),
                "js_xml_bytes": size_js_xml,
                "scenarios": results,
                "raw_libraries": raw,
                "ratios": {
                    name: {"value": round(value, 3), "target": target, "basis": basis}
                    for name, (value, target, basis) in ratios.items()
                },
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
