"""Runs the official reference client (nomyo==0.2.9, unchanged) against nomyo-router.

Usage: python reference_client_suite.py '<json config>'
The config names the routers the Node test started (see test/reference-client.test.mjs).
Prints one JSON object per case, one per line, in a fixed order.
"""
import asyncio
import json
import sys
import warnings

import nomyo
from nomyo import SecureChatCompletion

warnings.simplefilter("ignore")  # the HTTP-for-local-development warning is expected here

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["location"],
        },
    },
}


def client(url, **kwargs):
    return SecureChatCompletion(base_url=url, allow_http=True, **kwargs)


def summary(response):
    choice = response["choices"][0]
    message = choice["message"]
    return {
        "ok": True,
        "content": message.get("content"),
        "finish_reason": choice.get("finish_reason"),
        "tool_calls": message.get("tool_calls"),
        "model": response.get("model"),
        "metadata": response.get("_metadata"),
    }


async def run_case(name, coro):
    try:
        result = summary(await coro)
    except Exception as error:  # the class name is what the test asserts
        result = {
            "ok": False,
            "error_class": type(error).__name__,
            "status_code": getattr(error, "status_code", None),
            "error_details": getattr(error, "error_details", None),
        }
    return {"case": name, **result}


async def rate_limited(url):
    c = client(url)
    await c.create(model="test-model", messages=[{"role": "user", "content": "first of one"}])
    return await c.create(model="test-model", messages=[{"role": "user", "content": "one too many"}])


async def main(config):
    plain = client(config["plain"])
    cases = {
        "simple": plain.create(model="test-model", messages=[{"role": "user", "content": "What is the capital of France?"}], temperature=0.7),
        "system_message": plain.create(
            model="test-model",
            messages=[
                {"role": "system", "content": "You are a terse assistant."},
                {"role": "user", "content": "Say hello to the router"},
            ],
        ),
        "tools": plain.create(
            model="test-model",
            messages=[{"role": "user", "content": "What's the weather in Paris?"}],
            tools=[WEATHER_TOOL],
            tool_choice="auto",
        ),
        "auth_failure": client(config["auth"], api_key="not-the-key").create(
            model="test-model", messages=[{"role": "user", "content": "let me in"}]
        ),
        "api_key_override": client(config["auth"], api_key="not-the-key").create(
            model="test-model", messages=[{"role": "user", "content": "override works"}], api_key=config["auth_key"]
        ),
        "tier_forbidden": client(config["tier"]).create(
            model="test-model", messages=[{"role": "user", "content": "classified"}], security_tier="maximum"
        ),
        "tier_allowed": client(config["tier"]).create(
            model="vetted-model", messages=[{"role": "user", "content": "vetted"}], security_tier="maximum"
        ),
        "rate_limited": rate_limited(config["rate"]),
        "upstream_unavailable": client(config["unavailable"]).create(
            model="test-model", messages=[{"role": "user", "content": "anyone there?"}]
        ),
    }
    results = await asyncio.gather(*(run_case(name, coro) for name, coro in cases.items()))
    for result in results:
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    print(json.dumps({"case": "version", "ok": True, "content": nomyo.__version__}), flush=True)
    asyncio.run(main(json.loads(sys.argv[1])))
