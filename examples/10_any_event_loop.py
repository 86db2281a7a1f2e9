"""One client, many event loops: made once at module level, each call in its own asyncio.run().

This is how scripts, Flask and Django views call async code. The client keeps one
connection pool per event loop and closes each inside its loop when the loop ends;
the key pair and the server's key are shared by all of them.
"""

import asyncio
import os

from nomyo_web import SecureChatCompletion

client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))


def answer(question: str) -> str:
    response = asyncio.run(
        client.create(model="Qwen/Qwen3-0.6B", messages=[{"role": "user", "content": question}])
    )
    return response["choices"][0]["message"]["content"]


if __name__ == "__main__":
    print(answer("Hello!"))
    print(answer("Hello again!"))
    client.dispose()
