"""A client made once at module level, each call through its own asyncio.run(),
as scripts and Flask or Django views call async code."""

import asyncio
import os

from nomyo import SecureChatCompletion

client = SecureChatCompletion(
    base_url=os.environ["ROUTER_URL"], allow_http=True, api_key=os.environ["ROUTER_API_KEY"]
)


def ask(question: str) -> str:
    response = asyncio.run(
        client.create(model="Qwen/Qwen3-0.6B", messages=[{"role": "user", "content": question}])
    )
    return response["choices"][0]["message"]["content"]


for question in ("What is the capital of France?", "Name a colour.", "Say hello."):
    print(ask(question))
