"""Error handling: typed error classes distinguish the failure modes.

Every typed error exposes ``message`` (human-readable), ``status_code`` (the
HTTP status, or None) and ``error_details`` (the parsed response body, or None).
"""

import asyncio
import os
import sys

from nomyo_web import (
    APIConnectionError,
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    RateLimitError,
    SecureChatCompletion,
    SecurityError,
    ServerError,
    ServiceUnavailableError,
)


async def main() -> None:
    client = SecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY"))
    try:
        response = await client.create(
            model="Qwen/Qwen3-0.6B",
            messages=[{"role": "user", "content": "Hello!"}],
        )
        print(response["choices"][0]["message"]["content"])
    except AuthenticationError as err:
        print("Bad API key:", err.message, file=sys.stderr)
    except RateLimitError as err:
        # The client already retried automatically (default: 2 retries).
        # If you reach here, all retries were exhausted.
        print("Rate limit exceeded after retries:", err.message, file=sys.stderr)
    except ForbiddenError as err:
        # Model not allowed for the requested security_tier
        print("Forbidden:", err.message, file=sys.stderr)
    except InvalidRequestError as err:
        print("Bad request:", err.message, file=sys.stderr)
    except (ServerError, ServiceUnavailableError) as err:
        print("Server error (retries exhausted):", err.message, file=sys.stderr)
    except APIConnectionError as err:
        print("Network error (retries exhausted):", err.message, file=sys.stderr)
    except SecurityError as err:
        print("Encryption/decryption failure:", err.message, file=sys.stderr)
    # Anything else is unexpected and propagates.
    finally:
        client.dispose()  # (added)


if __name__ == "__main__":
    asyncio.run(main())
