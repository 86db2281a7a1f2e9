"""The benchmark of issue 13: ``python -m bench`` (``--quick`` for the smoke run).

It starts everything itself on loopback, measures nomyo_web against the
official client and against the protocol's floor in alternating blocks, and
writes bench/results/latest.json, latest.md and chart.svg.
"""
