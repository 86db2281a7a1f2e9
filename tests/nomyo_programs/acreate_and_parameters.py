"""acreate, OpenAI parameters, a per-request base_url, and what comes back."""

import asyncio
import os

from nomyo import SecureChatCompletion

URL = os.environ["ROUTER_URL"]


async def main() -> None:
    client = SecureChatCompletion(
        base_url="https://api.nomyo.ai", allow_http=True, api_key=os.environ["ROUTER_API_KEY"]
    )
    response = await client.acreate(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Reply with JSON."}],
        temperature=0.2,
        max_tokens=50,
        seed=7,
        response_format={"type": "json_object"},
        base_url=URL,
    )
    choice = response["choices"][0]
    print(response["object"], response["model"], choice["finish_reason"])
    print(choice["message"]["role"], choice["message"]["content"])
    print(sorted(response["usage"]))
    metadata = response["_metadata"]
    print(metadata["is_encrypted"], metadata["encryption_algorithm"], metadata["response_status"])


asyncio.run(main())
