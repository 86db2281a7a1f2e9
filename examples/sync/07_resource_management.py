"""Resource management with the blocking client: close() (or a with block) drops the keys,
closes the connections and stops the client's thread.

For long-running servers (WSGI apps, daemons), create one client and reuse it
from every thread — don't create a new one per request.
"""

import os

from nomyo_web import SyncSecureChatCompletion


def main() -> None:
    client = SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))
    try:
        response = client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello!"}],
        )
        print(response["choices"][0]["message"]["content"])
    finally:
        client.close()

    # The same, with the client as a context manager.
    with SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        response = client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello again!"}],
        )
        print(response["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
