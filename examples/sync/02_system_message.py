"""With a system message, with the blocking client."""

import os

from nomyo_web import SyncSecureChatCompletion


def main() -> None:
    with SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        response = client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is the capital of France?"},
            ],
            temperature=0.7,
        )
        print(response["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
