"""Resource management: dispose() stops key rotation and drops the in-memory keys.

For long-running servers (HTTP handlers, daemons), create one client and reuse
it — don't create a new one per request.
"""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))
    try:
        response = await client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello!"}],
        )
        print(response["choices"][0]["message"]["content"])
    finally:
        client.dispose()

    # The same, with the client as an async context manager: it is disposed
    # (and its HTTP connections closed) when the block ends, however it ends.
    async with SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        response = await client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello again!"}],
        )
        print(response["choices"][0]["message"]["content"])


if __name__ == "__main__":
    asyncio.run(main())
