"""Archive pages, one module per concern: the register (home, communities, buildings, units,
search), the catalogue, the roster import, the confidential archive and its look-ups."""

from archives.views.register import building, community, home, unit, unit_search, unit_transfer, unit_use

__all__ = ["building", "community", "home", "unit", "unit_search", "unit_transfer", "unit_use"]
