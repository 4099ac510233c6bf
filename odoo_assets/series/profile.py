"""The series profile: everything that differs between Odoo series, in one value per series.

Every stage asks the workspace's profile instead of comparing version numbers. Lower stages
define the knobs (compilation.rules, versions.UrlScheme); each `vNN` module fills them in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.resolution import BundleEntry
from odoo_assets.series.shared import lazy_bundle_names
from odoo_assets.versions import AssetType, BundleUrl, UrlScheme

Scope = Literal["backend", "frontend"]
VersionFunction = Callable[[Sequence[BundleEntry], AssetType, bool], str]


@dataclass(frozen=True)
class PageBundle:
    """A bundle a page asks for: the backend web client, or each website's layout."""

    bundle: str
    asset_type: AssetType
    scope: Scope


@dataclass(frozen=True)
class SeriesProfile:
    """One Odoo series as odoo-assets needs to know it.

    - buildable: bundles can be built and stored; otherwise the series is repair-only
      (list, check, purge, regenerate by deleting broken rows so the server rebuilds them);
    - version: the bundle version ("unique") of resolved entries for a type and direction;
    - urls: how bundle rows are addressed and recognised;
    - page_bundles: what the backend page and each website's layout load;
    - lazy_loader: a pattern whose `name` group finds, in the page bundles' scripts, the
      bundles the client loads on demand;
    - signals: (kind, name) pairs signalled after writing, so running workers drop cached
      links: a "sequence" to bump, or an insert-only "table" to add a row to;
    - legacy_shard: blobs already stored under a 3-character directory are reused;
    - map_mimetype: the type the server's content sniffing gives source maps;
    - index_other_types: rows of non-text types get their major type as index_content
      (19.0 leaves it empty);
    - asset_element: data files may declare ir.asset records with the `<asset>` element
      (19.0); earlier series refuse such a file;
    - rows_carry_website: a website bundle's rows have its website_id (16.0; later series
      leave it empty and keep the website in the URL only).
    """

    series: str
    buildable: bool
    scripts: ScriptRules
    styles: StyleRules
    version: VersionFunction
    urls: UrlScheme
    page_bundles: tuple[PageBundle, ...]
    lazy_loader: re.Pattern[str] | None
    signals: tuple[tuple[Literal["sequence", "table"], str], ...]
    legacy_shard: bool
    map_mimetype: str = "application/octet-stream"
    index_other_types: bool = True
    rows_carry_website: bool = False
    asset_element: bool = False
    not_buildable_hint: str = ""

    def parse_url(self, url: str) -> BundleUrl | None:
        return self.urls.parse(url)

    def bundles_of(self, scope: Scope) -> tuple[PageBundle, ...]:
        return tuple(page for page in self.page_bundles if page.scope == scope)

    def lazy_bundles_in(self, script: str) -> list[str]:
        """Bundle names the client loads on demand, as written in one script."""
        if self.lazy_loader is None:
            return []
        return lazy_bundle_names(self.lazy_loader, script)
