"""nomyo-router: the server side of the NOMYO secure-completion protocol.

It shares the wire code (``nomyo_web.protocol``, ``nomyo_web.crypto``) with the
client ``nomyo_web``; the client never imports this package.
"""

from ._version import __version__

__all__ = ["__version__"]
