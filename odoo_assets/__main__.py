from odoo_assets.cli import main

main()
