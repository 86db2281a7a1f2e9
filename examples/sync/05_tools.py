"""Using tools (function calling) with the blocking client."""

import os

from nomyo_web import SyncSecureChatCompletion

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get weather information for a location",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "City name"}},
            "required": ["location"],
        },
    },
}


def main() -> None:
    with SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        response = client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "What's the weather in Paris?"}],
            tools=[WEATHER],
            tool_choice="auto",
            temperature=0.7,
        )
    message = response["choices"][0]["message"]
    if message.get("tool_calls"):
        call = message["tool_calls"][0]
        print("Tool called:", call["function"]["name"])
        print("Arguments:", call["function"]["arguments"])


if __name__ == "__main__":
    main()
