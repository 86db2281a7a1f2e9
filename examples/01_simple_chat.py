"""Simple chat completion — the getting-started guide's first snippet, in Python."""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))
    response = await client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Hello! How are you today?"}],
        temperature=0.7,
    )
    # Extract what you need, then let the response go out of scope promptly.
    # This minimises the time decrypted data lives in process memory
    # (reduces exposure from swap files, core dumps, or memory inspection).
    reply = response["choices"][0]["message"]["content"]
    print(reply)
    client.dispose()  # (added: stop key rotation, drop the keys)


if __name__ == "__main__":
    asyncio.run(main())
