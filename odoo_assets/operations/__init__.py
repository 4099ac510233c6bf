"""The library behind the commands: build, list, purge, regenerate, check and inspect bundles.

Everything a command does is a function taking a Workspace (one open Odoo database seen through
its server's configuration) and a request, and returning a result record:

    workspace    the database, addons and filestore of one server; bundle variants and URLs
    building     plan (odoo_assets.planning), compile once per distinct input (cached, in
                 parallel), store in order
    maintenance  list, purge, regenerate and check what is stored
    reporting    the size report of a database's bundles, compiled in memory
    inspection   one bundle's files, origins, versions and stored rows
"""

from odoo_assets.operations.building import (
    BuildRequest,
    BuildResult,
    CompileJob,
    Compiler,
    CompileSession,
    Outcome,
    build,
    ensure_writable,
    run_job,
    run_variants,
)
from odoo_assets.operations.building import _prepare as _prepare
from odoo_assets.operations.inspection import explain, inspect_bundle
from odoo_assets.operations.maintenance import (
    CheckResult,
    Problem,
    PurgeRequest,
    PurgeResult,
    RegenerateRequest,
    StoredBundle,
    check,
    list_bundles,
    purge,
    regenerate,
    remove_rows,
    select_for_purge,
)
from odoo_assets.operations.reporting import size_report
from odoo_assets.operations.workspace import (
    Progress,
    Variant,
    Workspace,
    current_version,
    entries_of_type,
    list_databases,
    open_workspace,
    row_status,
    variant_url,
)
from odoo_assets.planning import Plan, plan_variants
from odoo_assets.versions import ANY_UNIQUE

__all__ = [
    "ANY_UNIQUE",
    "BuildRequest",
    "BuildResult",
    "CheckResult",
    "CompileJob",
    "CompileSession",
    "Compiler",
    "Outcome",
    "Plan",
    "Problem",
    "Progress",
    "PurgeRequest",
    "PurgeResult",
    "RegenerateRequest",
    "StoredBundle",
    "Variant",
    "Workspace",
    "build",
    "check",
    "current_version",
    "ensure_writable",
    "entries_of_type",
    "explain",
    "inspect_bundle",
    "list_bundles",
    "list_databases",
    "open_workspace",
    "plan_variants",
    "purge",
    "regenerate",
    "remove_rows",
    "row_status",
    "run_job",
    "run_variants",
    "select_for_purge",
    "size_report",
    "variant_url",
]
