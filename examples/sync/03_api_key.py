"""API key authentication with the blocking client: the constructor's key, a per-request
override, and the ``api_key`` attribute."""

import os

from nomyo_web import SyncSecureChatCompletion


def main() -> None:
    with SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        # Per-request key override (takes precedence over constructor key)
        response = client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello!"}],
            api_key="override-key-for-this-request",
        )
        print(response["choices"][0]["message"]["content"])

        # Or set the client's key: later calls use it
        client.api_key = "override-key-for-this-request"
        response = client.create(
            model="Qwen/Qwen3-0.6B", messages=[{"role": "user", "content": "Hello again!"}]
        )
        print(response["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
