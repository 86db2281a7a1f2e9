"""Who may ask what, how often, and what was already answered.

* ``api_keys``: bearer keys (401).
* ``tiers``: which models a security tier may use (403).
* ``rate_limit``: a token bucket per API key (429 with ``Retry-After``).
* ``replay``: answered ``X-Payload-ID``s and their sealed answers (409 on reuse).
"""
