"""Compile jobs: one picklable unit per distinct compilation, run from the compilation cache
or on a pool of worker processes. No database here: building and offline compiling share it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field

from odoo_assets.compilation import CompiledFile, CompileOptions, SourceAsset, compile_css, compile_js
from odoo_assets.compilation.cache import CompileCache, compilation_key
from odoo_assets.errors import CompilationError, OdooAssetsError
from odoo_assets.installation import (
    Installation,
    Progress,
    Variant,
    entries_of_type,
    map_url,
    variant_url,
    warnings_of_type,
)
from odoo_assets.resolution import BundleEntry
from odoo_assets.versions import AssetType


@dataclass(frozen=True)
class CompileJob:
    """Everything one compilation needs; picklable, so it can run in another process."""

    bundle: str
    asset_type: AssetType
    assets: tuple[SourceAsset, ...]
    options: CompileOptions
    rtl: bool = False
    debug: bool = False
    map_url: str | None = None
    previous_css: str | None = None  # the last good CSS, for the error fallback

    def key(self) -> str:
        extra = () if self.previous_css is None else (SourceAsset("<previous>", self.previous_css),)
        return compilation_key(
            self.bundle,
            self.asset_type,
            (*self.assets, *extra),
            self.options,
            rtl=self.rtl,
            debug=self.debug,
            map_url=self.map_url,
        )

    def run(self) -> tuple[CompiledFile, ...]:
        if self.asset_type == "js":
            return compile_js(self.bundle, self.assets, self.options, debug=self.debug, map_url=self.map_url)
        return compile_css(
            self.bundle,
            self.assets,
            self.options,
            rtl=self.rtl,
            debug=self.debug,
            map_url=self.map_url,
            previous_css=self.previous_css,
        )


def run_job(job: CompileJob) -> tuple[CompiledFile, ...] | CompilationError:
    """Compile, returning the error instead of raising it (pool-friendly)."""
    try:
        return job.run()
    except CompilationError as exc:
        return exc


Output = tuple[CompiledFile, ...] | CompilationError


@dataclass
class Compiler:
    """Runs compile jobs: from the cache when it can, on several processes when asked.

    Jobs are submitted while the run is still preparing the next variants, so reading and
    resolving overlap with compiling.
    """

    workers: int = 1
    cache: CompileCache | None = None
    ran: list[str] = field(default_factory=list)  # keys of the jobs that really ran a compiler
    last_results: dict[str, Output] = field(default_factory=dict)
    last_jobs: dict[str, CompileJob] = field(default_factory=dict)

    @property
    def compiled(self) -> int:
        return len(self.ran)

    @contextmanager
    def session(self) -> Iterator[CompileSession]:
        # Forked workers only from a single-threaded process (fork copies one thread).
        session = CompileSession(self, self.workers if threading.active_count() == 1 else 1)
        try:
            yield session
        finally:
            if session.pool is not None:
                session.pool.shutdown(cancel_futures=True)

    def run(self, jobs: dict[str, CompileJob]) -> dict[str, Output]:
        with self.session() as session:
            for key, job in jobs.items():
                session.submit(key, job)
            return session.results()


@dataclass
class CompileSession:
    compiler: Compiler
    workers: int = 1
    pool: Executor | None = None  # started by the first job that has to be compiled
    jobs: dict[str, CompileJob] = field(default_factory=dict)
    done: dict[str, Output] = field(default_factory=dict)
    futures: dict[str, Future[Output]] = field(default_factory=dict)

    def submit(self, key: str, job: CompileJob) -> None:
        if key in self.jobs:
            return
        self.jobs[key] = job
        cache = self.compiler.cache
        cached = cache.get(key) if cache else None
        if cached is not None:
            self.done[key] = cached
        elif self.workers > 1:
            if self.pool is None:
                # Imported here: a run with nothing to compile should not pay for it.
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                context = multiprocessing.get_context("fork")
                self.pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_exit_with_parent,
                    initargs=(os.getpid(),),
                )
            self.futures[key] = self.pool.submit(run_job, job)

    def results(self, on_result: Callable[[str, Output], None] | None = None) -> dict[str, Output]:
        """Every job's output. `on_result` sees each one as soon as it is known: cached ones
        first, then pool results as they complete, so the caller's work on them overlaps
        with the compilations still running."""
        for key in list(self.done):
            if on_result is not None:
                on_result(key, self.done[key])
        pending = {future: key for key, future in self.futures.items()}
        for future in as_completed(pending):
            self._record(pending[future], future.result(), on_result)
        for key, job in self.jobs.items():
            if key not in self.done:
                self._record(key, run_job(job), on_result)
        self.compiler.last_results = {key: self.done[key] for key in self.jobs}
        self.compiler.last_jobs = dict(self.jobs)
        return self.compiler.last_results

    def _record(self, key: str, output: Output, on_result: Callable[[str, Output], None] | None) -> None:
        self.done[key] = output
        self.compiler.ran.append(key)
        if self.compiler.cache is not None and not isinstance(output, CompilationError):
            self.compiler.cache.put(key, output)
        if on_result is not None:
            on_result(key, output)


def _exit_with_parent(parent: int) -> None:
    """Start of a compile worker: end it when the build process is gone (killed, say).

    A forked worker holds a copy of the build's database socket; outliving the build, it would
    keep that session open, and with it the advisory locks the build held, blocking every
    later build of those bundles."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.1)
        os._exit(1)

    threading.Thread(target=watch, name="odoo-assets-parent-watch", daemon=True).start()


# --- Compiling variants in memory --------------------------------------------------------------


@dataclass
class CompiledVariant:
    """One variant compiled without storing it: its inputs, version, URL and files.

    `warnings` are the entries of its bundle that bring no file (resolution's warnings of its
    type), each naming the manifest line or ir.asset record that wrote it.
    """

    variant: Variant
    entries: tuple[BundleEntry, ...] = ()
    sources: tuple[SourceAsset, ...] = ()
    version: str | None = None
    url: str | None = None
    files: tuple[CompiledFile, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = ()
    key: str | None = None

    @property
    def status(self) -> str:
        """compiled, empty (no file of that type) or failed."""
        if self.error is not None:
            return "failed"
        return "compiled" if self.files else "empty"


def compile_variants(
    inst: Installation,
    variants: Sequence[Variant],
    compiler: Compiler,
    progress: Progress | None = None,
) -> list[CompiledVariant]:
    """Resolve, version and compile every variant (stylesheets first: libsass takes longest),
    each distinct input once; a failing variant does not stop the others."""
    progress = progress or Progress()
    progress.start(len(variants))
    items = [CompiledVariant(variant) for variant in dict.fromkeys(variants)]
    with compiler.session() as session:
        for item in sorted(items, key=lambda i: i.variant.asset_type != "css"):
            try:
                job = _job(inst, item)
                if job is not None:
                    item.key = job.key()
                    session.submit(item.key, job)
            except OdooAssetsError as exc:
                item.error = str(exc)
        results = session.results()
    for item in items:
        if item.key is not None:
            output = results[item.key]
            if isinstance(output, CompilationError):
                item.error = str(output)
            else:
                item.files = output
        progress.advance(item.variant.label())
    return items


def _job(inst: Installation, item: CompiledVariant) -> CompileJob | None:
    variant = item.variant
    resolved = inst.resolve(variant.bundle, variant.website_id)
    item.warnings = tuple(inst.warning_text(w) for w in warnings_of_type(resolved, variant.asset_type))
    item.entries = tuple(entries_of_type(resolved, variant.asset_type))
    if not item.entries:
        return None
    unique = inst.profile.version(resolved.entries, variant.asset_type, variant.rtl)
    item.version, item.url = unique, variant_url(inst, variant, unique)
    item.sources = tuple(inst.load_sources(item.entries, variant.website_id))
    return CompileJob(
        variant.bundle,
        variant.asset_type,
        item.sources,
        inst.compile_options(),
        rtl=variant.rtl,
        debug=variant.debug,
        map_url=map_url(inst, variant, unique),
    )
