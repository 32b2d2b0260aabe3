"""The records' JSON export and its round trip (docs/api.md#the-json-export).

`export.py` writes the document, streamed, for whoever asks (the web lists, the API,
`export_records`); `document.py` reads one back and checks it before anything is written;
`cooperation.services.exchange.records_import` writes it through the services.
"""

from cooperation.fieldspec import SPECS

FORMAT = "contours-export"
VERSION = 1

# The kinds by the name a record's `kind` gives, in the order an import creates them
# (a kind links only to kinds before it: deals to agreements, challenges to deals…).
KINDS = {model._meta.model_name: model for model in SPECS}
