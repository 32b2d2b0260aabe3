"""Charts drawn on the server as SVG: no script, no library, no CDN.

`data.py` reads what a chart shows (only what the user may read, through the selectors'
visible querysets) and says where each mark leads (the lists' own filters);
`svg.py` draws it, escaping every piece of text. Views and templates join the two.
"""
