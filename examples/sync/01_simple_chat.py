"""Simple chat completion, with the blocking client."""

import os

from nomyo_web import SyncSecureChatCompletion


def main() -> None:
    client = SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))
    response = client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Hello! How are you today?"}],
        temperature=0.7,
    )
    # Extract what you need, then let the response go out of scope promptly.
    reply = response["choices"][0]["message"]["content"]
    print(reply)
    client.close()  # drop the keys, close the connections, stop the client's thread


if __name__ == "__main__":
    main()
