"""Local development (HTTP): a local router over plain HTTP needs allow_http=True.

Start one with `python -m nomyo_router` (embedded model, port 12435).
Never use allow_http=True in production: over plain HTTP the server's key
itself could be substituted.
"""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    client = SecureChatCompletion(
        base_url=os.environ.get("NOMYO_BASE_URL", "http://localhost:12435"),
        allow_http=True,  # required; emits one security warning
    )
    response = await client.create(  # (added: use it)
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Hello!"}],
    )
    print(response["choices"][0]["message"]["content"])  # (added)
    client.dispose()  # (added)


if __name__ == "__main__":
    asyncio.run(main())
