"""API key authentication: the constructor's key, and a per-request override."""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    # Constructor-level key (used for all requests from this instance)
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))

    # Per-request key override (takes precedence over constructor key)
    response = await client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Hello!"}],
        api_key="override-key-for-this-request",
    )
    print(response["choices"][0]["message"]["content"])  # (added: show the answer)
    client.dispose()  # (added)


if __name__ == "__main__":
    asyncio.run(main())
