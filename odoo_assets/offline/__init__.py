"""Bundles without a database: what `odoo-bin -i` would install on a new database, the ir.asset
records its data files create, and the compiled bundles (`bundle compile`, for CI).

    install    the modules a new database gets for `-i M…`, in load order; the tree's series
    datafiles  ir.asset records from the installed modules' data files (XML, CSV)
    compile    resolve, compile and write the bundles, with a size manifest
"""
