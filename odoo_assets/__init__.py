"""odoo-assets: build, inspect, repair and purge Odoo asset bundles outside the Odoo server.

The package follows the pipeline an asset goes through:

    config → addons → resolution → sources → compilation → storage → operations → cli
"""

__version__ = "0.1.0"
