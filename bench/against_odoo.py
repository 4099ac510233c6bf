"""Time a live Odoo 17 server generating its page bundles, then `bundle build` cold, same database.

    python -m bench.against_odoo -c odoo.conf -d DB --url http://127.0.0.1:8069 [--rounds 3]

Each round removes every bundle row (`bundle purge --all`, which also tells the server's
workers to drop their caches), requests the URL of each page bundle once, in turn, and times
the answer: that is Odoo compiling and storing it, as on a first page view. Then it runs
`bundle build --force --no-cache` and times the whole command. Medians are printed.

The server must run the database's code with the same addons path. The bundle rows are
rewritten (Odoo rebuilds the same ones), so point it at a copy, not at production.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def odoo_assets(conf: str, db: str, *args: str) -> tuple[float, dict[str, object]]:
    command = [sys.executable, "-m", "odoo_assets", "-c", conf, "-d", db, "bundle", *args, "--json"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True, env=ENV)
    return time.perf_counter() - start, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--url", required=True, help="the Odoo server serving that database")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _, first = odoo_assets(args.config, args.database, "build", "--dry-run", "--force")
    urls = [str(b["url"]) for b in first["bundles"] if b["url"]]  # type: ignore[index, union-attr]
    odoo_runs, our_runs = [], []
    for round_ in range(args.rounds):
        odoo_assets(args.config, args.database, "purge", "--all")
        times = []
        for url in urls:
            start = time.perf_counter()
            with urllib.request.urlopen(args.url.rstrip("/") + url, timeout=300) as answer:
                answer.read()
            times.append(time.perf_counter() - start)
        wall, _ = odoo_assets(args.config, args.database, "build", "--force", "--no-cache")
        odoo_runs.append(sum(times))
        our_runs.append(wall)
        detail = ", ".join(f"{url.rsplit('/', 1)[1]} {t:.2f}" for url, t in zip(urls, times, strict=True))
        print(f"round {round_ + 1}: Odoo {sum(times):.2f} s ({detail}); odoo-assets {wall:.2f} s")
    odoo, ours = statistics.median(odoo_runs), statistics.median(our_runs)
    print(f"median: Odoo {odoo:.2f} s, odoo-assets {ours:.2f} s, ratio {ours / odoo:.3f}")


if __name__ == "__main__":
    main()
