"""Security tiers with the blocking client: sent as the X-Security-Tier header only."""

import os

from nomyo_web import SyncSecureChatCompletion

QUESTIONS = {
    "standard": "General query",
    "high": "Summarise this contract clause...",
    "maximum": "Patient record summary...",
}


def main() -> None:
    with SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        for tier, question in QUESTIONS.items():
            answer = client.create(
                model="Qwen/Qwen3-0.6B",
                messages=[{"role": "user", "content": question}],
                security_tier=tier,
            )
            answered = answer["_metadata"]["security_tier"]
            print(f"{answered}: {answer['choices'][0]['message']['content']}")


if __name__ == "__main__":
    main()
