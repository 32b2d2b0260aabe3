"""A WSGI app for the bench's drain test: `/slow` takes half a second and, when done,
appends a line to the file named by SLOW_APP_DONE; `/healthz` answers at once."""

import os
import time


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/slow":
        time.sleep(0.5)
        with open(os.environ["SLOW_APP_DONE"], "a") as done:
            done.write("done\n")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
