"""Series profiles: one module per Odoo series, each an instance of SeriesProfile.

profile_for("17.0") -> SeriesProfile
"""

from __future__ import annotations

from odoo_assets.errors import NotOdooDatabase
from odoo_assets.series import v12, v13, v14, v15, v16, v17, v18, v19
from odoo_assets.series.profile import PageBundle, SeriesProfile

__all__ = ["PROFILES", "PageBundle", "SeriesProfile", "profile_for", "supported_series"]

PROFILES: dict[str, SeriesProfile] = {
    module.PROFILE.series: module.PROFILE for module in (v12, v13, v14, v15, v16, v17, v18, v19)
}


def supported_series() -> tuple[str, ...]:
    return tuple(PROFILES)


def profile_for(series: str) -> SeriesProfile:
    try:
        return PROFILES[series]
    except KeyError:
        raise NotOdooDatabase(
            f"Odoo {series} is not a supported series (supported: {', '.join(PROFILES)})"
        ) from None
