"""Local development (HTTP) with the blocking client: allow_http=True for a local router.

Start one with `python -m nomyo_router` (embedded model, port 12435).
Never use allow_http=True in production.
"""

import os

from nomyo_web import SyncSecureChatCompletion


def main() -> None:
    with SyncSecureChatCompletion(
        base_url=os.environ.get("NOMYO_BASE_URL", "http://localhost:12435"),
        allow_http=True,  # required; emits one security warning
    ) as client:
        response = client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello!"}],
        )
        print(response["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
