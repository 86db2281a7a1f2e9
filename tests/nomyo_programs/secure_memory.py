"""secure_memory and the memory helpers, and messages as any sequence of dicts."""

import asyncio
import os

from nomyo import SecureChatCompletion, get_memory_protection_info, secure_bytearray

client = SecureChatCompletion(
    base_url=os.environ["ROUTER_URL"],
    allow_http=True,
    api_key=os.environ["ROUTER_API_KEY"],
    secure_memory=False,
)

info = get_memory_protection_info()
print("protection info keys:", sorted(info))
print("platform:", info["platform"])

with secure_bytearray(bytearray(b"a secret")) as buffer:
    print("inside:", len(buffer), bytes(buffer.data))
print("zeroed after:", bytes(buffer.data) == bytes(8))

messages = (
    {"role": "system", "content": "You are brief."},
    {"role": "user", "content": "Messages in a tuple."},
)
response = asyncio.run(client.create(model="Qwen/Qwen3-0.6B", messages=messages))
print(response["choices"][0]["message"]["content"])
