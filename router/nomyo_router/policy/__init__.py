"""Who may ask what, how often, and what was already answered.

* ``admission``: the order of the three checks below that decide who is served.
* ``api_keys``: bearer keys (401).
* ``tiers``: which models a security tier may use (403).
* ``rate_limit``: token buckets per API key or client address, for requests and for
  failed authentications (429 with ``Retry-After``).
* ``replay``: answered ``X-Payload-ID``s and their sealed answers (409 on reuse).

Buckets and answers live in a ``state`` store, so they hold across the workers
and routers that share it.
"""
