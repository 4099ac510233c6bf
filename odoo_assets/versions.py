"""Bundle versions ("unique") and attachment URLs, computed as Odoo computes them.

17.0–19.0: the version hashes `url,mtime` descriptors, never contents, so it matches the
server's only when computed from the same files with the same mtimes under the same addons
paths. 16.0 hashes its files' absolute paths and dates (the functions after those). Each was
checked against a running server of its series. The URL schemes at the end build and recognise
bundle URLs; the series profiles say which a series uses.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, NamedTuple

from odoo_assets.resolution import BundleEntry

AssetType = Literal["js", "css"]
JS_EXTENSIONS = ("js",)
TEMPLATE_EXTENSIONS = ("xml",)
STYLESHEET_EXTENSIONS = ("css", "scss", "sass", "less")
BUNDLE_EXTENSIONS = ("min.js", "min.css", "js", "css", "js.map", "css.map")
CSS_BUNDLE_EXTENSIONS = ("css", "min.css", "css.map")
# Seven LIKE wildcards: any version in a bundle URL pattern.
ANY_UNIQUE = "_______"
UNKNOWN_MTIME = "-1"


def mtime_text(last_modified: float | None) -> str:
    """Python's str() of the float Odoo holds; -1 when neither file nor attachment gave one."""
    if last_modified is None:
        return UNKNOWN_MTIME
    if isinstance(last_modified, int) and last_modified != -1:
        last_modified = float(last_modified)
    return str(last_modified)


def checksum_descriptors(
    entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False, css_suffix: str = ""
) -> list[str]:
    """The strings Odoo joins and hashes: JS then XML entries, or stylesheets with direction
    (and `css_suffix`: 19.0 adds `,` and the autoprefix flag).

    Externals have no place in a bundle's files and never count.
    """
    local = [e for e in entries if e.kind != "external"]
    if asset_type == "js":
        scripts = [e for e in local if e.extension in JS_EXTENSIONS]
        templates = [e for e in local if e.extension in TEMPLATE_EXTENSIONS]
        return [f"{e.url},{mtime_text(e.last_modified)}" for e in (*scripts, *templates)]
    if asset_type != "css":
        raise ValueError(f"asset type must be 'js' or 'css', not {asset_type!r}")
    direction = "rtl" if rtl else "ltr"
    return [
        f"{e.url},{mtime_text(e.last_modified)},{direction}{css_suffix}"
        for e in local
        if e.extension in STYLESHEET_EXTENSIONS
    ]


def bundle_checksum(
    entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False, css_suffix: str = ""
) -> str:
    """SHA-512 of the descriptors joined by ',', first 64 hex digits."""
    text = ",".join(checksum_descriptors(entries, asset_type, rtl, css_suffix))
    return hashlib.sha512(text.encode("utf-8")).hexdigest()[:64]


def bundle_version(entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False) -> str:
    """The 7-character version ("unique") that appears in bundle URLs."""
    return bundle_checksum(entries, asset_type, rtl)[:7]


def _check_ext(ext: str) -> None:
    if ext not in BUNDLE_EXTENSIONS:
        raise ValueError(f"not a bundle file extension: {ext!r} (one of {', '.join(BUNDLE_EXTENSIONS)})")


def attachment_url(
    bundle: str, unique: str, ext: str, *, website_id: int | None = None, rtl: bool = False
) -> str:
    """`/web/assets/[<website>/]<unique>/<bundle>[.rtl].<ext>` (Odoo 17/18).

    `.rtl` only goes into stylesheet names; the website segment only with a website.
    """
    _check_ext(ext)
    name = f"{bundle}{'.rtl' if rtl and ext in CSS_BUNDLE_EXTENSIONS else ''}.{ext}"
    prefix = f"/web/assets/{website_id}" if website_id else "/web/assets"
    return f"{prefix}/{unique}/{name}"


def bundle_version_19(entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False) -> str:
    """19.0: as 17.0, each stylesheet descriptor ending with `,` and the (empty) autoprefix flag."""
    return bundle_checksum(entries, asset_type, rtl, css_suffix=",")[:7]


def debug_url(bundle: str, asset_type: AssetType, *, website_id: int | None = None, rtl: bool = False) -> str:
    """The link a debug=assets page uses (17/18): `/web/assets/[<W>/]debug/<bundle>[.rtl].<js|css>`."""
    name = f"{bundle}{'.rtl' if rtl and asset_type == 'css' else ''}.{asset_type}"
    prefix = f"/web/assets/{website_id}" if website_id else "/web/assets"
    return f"{prefix}/debug/{name}"


# --- 16.0 (read from the sources, not checked against a running server) -----------------------

_MIMETYPES_16 = {
    "js": "text/javascript",
    "css": "text/css",
    "scss": "text/scss",
    "sass": "text/sass",
    "less": "text/less",
    "xml": "text/xml",
}
_EPOCH_16 = "1970-01-01 00:00:00"


def _datetime_text_16(last_modified: float | None) -> str:
    # Odoo 16 runs with TZ=UTC; str() of a naive datetime drops a zero fraction.
    if last_modified is None or last_modified == -1:
        return _EPOCH_16
    moment = datetime.fromtimestamp(last_modified, tz=timezone.utc).replace(tzinfo=None)
    return str(moment)


def checksum_input_16(entries: Sequence[BundleEntry], media: str | None = None) -> str:
    """The text Odoo 16 hashes for a bundle: JSON of its file dicts, then the joined dates.

    One version per bundle (not per type): every local js/css/scss/sass/less/xml entry in
    bundle order, with its absolute file name (false for attachment URLs).
    """
    files = [
        {
            "atype": _MIMETYPES_16[e.extension],
            "content": "",
            "filename": e.filename or False,
            "media": media,
            "url": e.url,
        }
        for e in entries
        if e.kind != "external" and e.extension in _MIMETYPES_16
    ]
    dates = ",".join(
        _datetime_text_16(e.last_modified)
        for e in entries
        if e.kind != "external" and e.extension in _MIMETYPES_16
    )
    return json.dumps(files, sort_keys=True) + dates


def bundle_checksum_16(entries: Sequence[BundleEntry], media: str | None = None) -> str:
    return hashlib.sha512(checksum_input_16(entries, media).encode("utf-8")).hexdigest()[:64]


def bundle_version_16(entries: Sequence[BundleEntry], media: str | None = None) -> str:
    return bundle_checksum_16(entries, media)[:7]


def bundle_version_per_bundle_16(
    entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False
) -> str:
    """16.0: one version for the whole bundle, whatever the type or direction."""
    return bundle_version_16(entries)


# --- Recognising and building bundle URLs, per URL scheme ---------------------------------------


class BundleUrl(NamedTuple):
    website_id: int | None
    unique: str
    bundle: str
    ext: str
    rtl: bool
    attachment_id: int | None = None


_EXT = r"(?P<ext>min\.js|min\.css|js\.map|css\.map|js|css)"


@dataclass(frozen=True)
class UrlScheme:
    """The URLs a series gives its bundle rows, to build them and to recognise them exactly.

    - like: the SQL LIKE prefix every bundle row's url matches (Odoo's own selection);
    - pattern: the whole URL, with groups website, unique, name, ext and optionally id and rtl;
    - rtl_form: "suffix" (`<bundle>.rtl.<ext>`), "segment" (`rtl/<bundle>.<ext>`) or "none";
    - carries_id: the attachment id is part of the URL (written after the row exists).
    """

    like: str
    pattern: re.Pattern[str]
    rtl_form: Literal["suffix", "segment", "none"]
    carries_id: bool

    def parse(self, url: str) -> BundleUrl | None:
        match = self.pattern.match(url)
        if not match:
            return None
        groups = match.groupdict()
        bundle, ext = groups["name"], groups["ext"]
        rtl = False
        if self.rtl_form == "suffix" and ext in CSS_BUNDLE_EXTENSIONS and bundle.endswith(".rtl"):
            bundle, rtl = bundle[: -len(".rtl")], True
        elif self.rtl_form == "segment":
            rtl = bool(groups.get("rtl"))
        if not bundle:
            return None
        website = groups.get("website")
        ident = groups.get("id")
        return BundleUrl(
            int(website) if website else None,
            groups["unique"],
            bundle,
            ext,
            rtl,
            int(ident) if ident else None,
        )

    def build(
        self,
        bundle: str,
        unique: str,
        ext: str,
        *,
        website_id: int | None = None,
        rtl: bool = False,
        attachment_id: int | None = None,
    ) -> str:
        _check_ext(ext)
        rtl = rtl and ext in CSS_BUNDLE_EXTENSIONS
        if self.carries_id:
            ident = "%" if attachment_id is None else str(attachment_id)
            extra = f"{website_id}/" if website_id else ""
            if rtl and self.rtl_form == "segment":
                extra += "rtl/"
            return f"{self.like.rstrip('%')}{ident}-{unique}/{extra}{bundle}.{ext}"
        return attachment_url(bundle, unique, ext, website_id=website_id, rtl=rtl)

    def identity(self, url: str) -> str:
        """What names one bundle URL across rows: the URL, or with the row's id left out (`%`)
        where the URL carries it."""
        parsed = self.parse(url) if self.carries_id else None
        if parsed is None:
            return url
        return self.build(
            parsed.bundle, parsed.unique, parsed.ext, website_id=parsed.website_id, rtl=parsed.rtl
        )

    def any_version(self, url: str) -> str:
        """The LIKE pattern matching every version of the same bundle URL (same website and
        direction); the URL itself when it is not one of this scheme's."""
        parsed = self.parse(url)
        if parsed is None:
            return url
        return self.build(parsed.bundle, ANY_UNIQUE, parsed.ext, website_id=parsed.website_id, rtl=parsed.rtl)


# /web/assets/[<website>/]<unique>/<bundle>[.rtl].<ext>
UNIQUE_PATH = UrlScheme(
    like="/web/assets/%",
    pattern=re.compile(
        r"^/web/assets/(?:(?P<website>[1-9]\d*)/)?(?P<unique>[^/]{7})/(?P<name>[^/.][^/]*?)\." + _EXT + "$"
    ),
    rtl_form="suffix",
    carries_id=False,
)
# /web/assets/<id>-<unique>/[<website>/][rtl/]<bundle>.<ext>
ID_UNIQUE_16 = UrlScheme(
    like="/web/assets/%",
    pattern=re.compile(
        r"^/web/assets/(?P<id>\d+)-(?P<unique>[^/]{7})/(?:(?P<website>[1-9]\d*)/)?(?P<rtl>rtl/)?"
        r"(?P<name>[^/.][^/]*?)\." + _EXT + "$"
    ),
    rtl_form="segment",
    carries_id=True,
)
