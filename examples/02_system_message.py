"""With a system message."""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))  # (as before)
    response = await client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the capital of France?"},
        ],
        temperature=0.7,
    )
    print(response["choices"][0]["message"]["content"])
    client.dispose()  # (added)


if __name__ == "__main__":
    asyncio.run(main())
