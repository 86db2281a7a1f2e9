"""Drives the reference client (nomyo==0.2.9) against a router for bench/run.mjs.

A long-lived worker, so that blocks of Python calls can alternate with blocks of
nomyo-js calls without paying interpreter start-up inside a block. Reads commands
from stdin, one per line, and answers each with one JSON line on stdout:

  run N   -> {"latencies_ms": [...], "wall_ms": W}   N sequential create() calls
  quit    -> exits

The client is used as its README shows: one SecureChatCompletion, awaited calls.
Usage: python_client_bench.py BASE_URL MODEL
"""
import asyncio
import json
import logging
import sys
import time
import warnings

from nomyo import SecureChatCompletion

MESSAGES = [{"role": "user", "content": "Say hello in one short sentence."}]


async def run(client, model, count):
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        answer = await client.create(model=model, messages=MESSAGES)
        latencies.append((time.perf_counter() - t0) * 1000)
        if not answer["choices"][0]["message"]["content"]:
            raise RuntimeError("empty answer")
    return {"latencies_ms": latencies, "wall_ms": (time.perf_counter() - start) * 1000}


async def main(base_url, model):
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    client = SecureChatCompletion(base_url=base_url, allow_http=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        command = line.split()
        if not command or command[0] == "quit":
            return
        if command[0] == "run":
            result = await run(client, model, int(command[1]))
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
