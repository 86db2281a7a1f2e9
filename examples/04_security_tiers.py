"""Security tiers: ``security_tier`` is sent as the X-Security-Tier header, never in the payload.

| tier       | use case                                            |
|------------|-----------------------------------------------------|
| "standard" | general secure inference (GPU)                      |
| "high"     | sensitive business data — enforces secure tokenizer |
| "maximum"  | HIPAA PHI, classified data — E2EE, max isolation    |

"high" and "maximum" add latency against "standard" (more isolation).
"""

import asyncio
import os

from nomyo_web import SecureChatCompletion


async def main() -> None:
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))  # (as before)

    # Standard — general use
    response = await client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "General query"}],
        security_tier="standard",
    )

    # High — sensitive business data
    response2 = await client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Summarise this contract clause..."}],
        security_tier="high",
    )

    # Maximum — PHI / classified data
    response3 = await client.create(
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Patient record summary..."}],
        security_tier="maximum",
    )

    # (added: show which tier answered what)
    for answer in (response, response2, response3):
        tier = answer["_metadata"]["security_tier"]
        print(f"{tier}: {answer['choices'][0]['message']['content']}")
    client.dispose()  # (added)


if __name__ == "__main__":
    asyncio.run(main())
