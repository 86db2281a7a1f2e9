"""Testing helpers for nomyo-web users: a scripted NOMYO server and an offline Pyodide.

The pytest plugin (``nomyo_router.testing.plugin``, registered as ``nomyo_router``)
provides the fixtures; the README's "Testing your page" section shows them in use.
"""
