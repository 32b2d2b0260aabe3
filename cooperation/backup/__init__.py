"""Portal backups (`manage.py export_data`, `import_data`).

`archive.py` is what a backup holds, how it is written, read back and checked;
`restore.py` writes a checked backup into an empty portal, in one transaction.
"""
