"""acreate() is an alias of create(), for code that follows OpenAI's naming."""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))  # (as before)
    response = await client.acreate(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Hello!"}],
    )
    print(response["choices"][0]["message"]["content"])  # (added)
    client.dispose()  # (added)


if __name__ == "__main__":
    asyncio.run(main())
