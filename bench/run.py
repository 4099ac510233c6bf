"""`make bench`: build-time benchmarks on a synthetic Odoo 17-sized tree, with a real PostgreSQL.

Every scenario runs the real command in a child process; wall time, CPU time (user + system)
and peak memory come from that process. Results go to bench/results.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import rcssmin
import rjsmin
import sass

from bench import synth
from tests import pgcluster

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"


def run_cli(conf: Path, db: str, *args: str) -> dict[str, float]:
    command = [sys.executable, "-m", "odoo_assets", "-c", str(conf), "-d", db, "-q", "bundle", *args]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(args)} failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    del children  # the pool workers are grandchildren; their CPU is folded into ru_* of wait4
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
    }


def raw_library_cpu(conf: Path, db: str) -> dict[str, float]:
    """CPU of libsass + rjsmin + rcssmin + hashing alone on the same inputs as the cold build."""
    from odoo_assets import operations
    from odoo_assets.config import load_settings

    settings = load_settings(config=str(conf), databases=(db,))
    with operations.open_workspace(settings, db) as ws:
        jobs: dict[str, operations.CompileJob] = {}
        for variant in operations.plan_variants(ws, operations.BuildRequest()):
            operations._prepare(ws, variant, True, jobs)
        include = [str(ws.compile_options().bootstrap_scss_dir)]
    start = time.process_time()
    for job in jobs.values():
        if job.asset_type == "css":
            scss = "\n".join(a.content or "" for a in job.assets if a.url.endswith(".scss"))
            css = sass.compile(string=scss, include_paths=include, output_style="expanded", precision=8)
            out = rcssmin.cssmin(css)
        else:
            out = ";\n".join(rjsmin.jsmin(a.content or "") for a in job.assets if a.url.endswith(".js"))
        hashlib.sha1(out.encode()).hexdigest()
        hashlib.sha512(out.encode()).hexdigest()
    return {"cpu_s": round(time.process_time() - start, 3), "jobs": len(jobs)}


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
        results: dict[str, dict[str, float]] = {}
        results["cold_serial_1_website"] = run_cli(conf1, db1, *cold, "--workers", "1")
        results["cold_parallel_1_website"] = run_cli(conf1, db1, *cold)
        results["warm_noop_1_website"] = run_cli(conf1, db1, "build")
        results["cold_parallel_50_websites"] = run_cli(conf50, db50, *cold)
        results["cached_force_1_website"] = run_cli(
            conf1, db1, "build", "--force", "--cache-dir", str(WORK / "cache")
        )
        results["cached_force_1_website"] = run_cli(
            conf1, db1, "build", "--force", "--cache-dir", str(WORK / "cache")
        )
        raw = raw_library_cpu(conf1, db1)
    finally:
        pgcluster.stop(WORK / "pg")
    ratios = {
        "warm_noop_over_cold": round(
            results["warm_noop_1_website"]["wall_s"] / results["cold_parallel_1_website"]["wall_s"], 3
        ),
        "websites_50_over_1_cold": round(
            results["cold_parallel_50_websites"]["wall_s"] / results["cold_parallel_1_website"]["wall_s"], 3
        ),
        "cold_cpu_over_raw_libraries": round(results["cold_serial_1_website"]["cpu_s"] / raw["cpu_s"], 3),
        "parallel_over_serial_wall": round(
            results["cold_parallel_1_website"]["wall_s"] / results["cold_serial_1_website"]["wall_s"], 3
        ),
    }
    targets = {
        "warm_noop_over_cold": 0.05,
        "websites_50_over_1_cold": 1.3,
        "cold_cpu_over_raw_libraries": 1.5,
        "parallel_over_serial_wall": 0.65,
    }
    print(f"{'scenario':32} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for name, values in results.items():
        print(f"{name:32} {values['wall_s']:>8} {values['cpu_s']:>8} {values['peak_mb']:>8}")
    print(f"raw libraries (libsass+rjsmin+rcssmin+hashing): cpu {raw['cpu_s']} s over {raw['jobs']} jobs")
    for name, value in ratios.items():
        verdict = "ok" if value <= targets[name] else "ABOVE TARGET"
        print(f"{name:32} {value:>8}  (target <= {targets[name]}) {verdict}")
    (HERE / "results.json").write_text(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "tree_files": len(files),
                "js_xml_bytes": size_js_xml,
                "scenarios": results,
                "raw_libraries": raw,
                "ratios": ratios,
                "targets": targets,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
