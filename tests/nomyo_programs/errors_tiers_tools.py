"""The error classes, security tiers and tools, as nomyo's README shows them."""

import asyncio
import json
import os

from nomyo import (
    APIError,
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    RateLimitError,
    SecureChatCompletion,
    SecurityError,
    ServerError,
    ServiceUnavailableError,
)

for cls in (
    AuthenticationError,
    InvalidRequestError,
    ForbiddenError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    APIError,
):
    error = cls("made by hand")
    print(cls.__name__, error.status_code, str(error), isinstance(error, APIError))
print("SecurityError is an Exception:", issubclass(SecurityError, Exception))

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a location",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
    }
]


async def main() -> None:
    client = SecureChatCompletion(
        base_url=os.environ["ROUTER_URL"], allow_http=True, api_key=os.environ["ROUTER_API_KEY"]
    )
    messages = [{"role": "user", "content": "What's the weather in Paris?"}]
    try:
        await client.create(model="allowed-model", messages=messages, security_tier="ultra")
    except ValueError as error:
        print("bad tier:", error)
    try:
        await client.create(model="other-model", messages=messages, security_tier="maximum")
    except ForbiddenError as error:
        print(type(error).__name__, error.status_code, error)
    response = await client.create(
        model="allowed-model",
        messages=messages,
        security_tier="maximum",
        tools=TOOLS,
        tool_choice="auto",
        temperature=0.7,
    )
    call = response["choices"][0]["message"]["tool_calls"][0]
    print(call["function"]["name"], json.loads(call["function"]["arguments"]))
    print(response["_metadata"]["security_tier"], sorted(response["_metadata"]))


asyncio.run(main())
