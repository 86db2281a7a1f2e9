"""The constructor's positional arguments, and api_key as a settable attribute."""

import asyncio
import os

from nomyo import AuthenticationError, SecureChatCompletion

URL, KEY = os.environ["ROUTER_URL"], os.environ["ROUTER_API_KEY"]
MESSAGES = [{"role": "user", "content": "Hello!"}]


async def main() -> None:
    client = SecureChatCompletion(URL, True, "not-the-right-key")
    try:
        await client.create(model="Qwen/Qwen3-0.6B", messages=MESSAGES)
    except AuthenticationError as error:
        print("refused:", type(error).__name__, error.status_code, error, error.error_details)

    client.api_key = KEY
    response = await client.create(model="Qwen/Qwen3-0.6B", messages=MESSAGES)
    print("after setting api_key:", response["choices"][0]["message"]["content"])

    client.api_key = "not-the-right-key"
    response = await client.create(model="Qwen/Qwen3-0.6B", messages=MESSAGES, api_key=KEY)
    print("per-request key:", response["choices"][0]["message"]["content"])

    retrying = SecureChatCompletion(URL, True, KEY, False, None, 0)
    response = await retrying.create(model="Qwen/Qwen3-0.6B", messages=MESSAGES)
    print("all six positional:", response["choices"][0]["message"]["content"])


asyncio.run(main())
