"""Error handling with the blocking client: the same typed errors as the async one."""

import os
import sys

from nomyo_web import (
    APIConnectionError,
    AuthenticationError,
    ForbiddenError,
    InvalidRequestError,
    RateLimitError,
    SecurityError,
    ServerError,
    ServiceUnavailableError,
    SyncSecureChatCompletion,
)


def main() -> None:
    with SyncSecureChatCompletion(api_key=os.environ.get("NOMYO_API_KEY")) as client:
        try:
            response = client.create(
                model="Qwen/Qwen3-0.6B",
                messages=[{"role": "user", "content": "Hello!"}],
            )
            print(response["choices"][0]["message"]["content"])
        except AuthenticationError as err:
            print("Bad API key:", err.message, file=sys.stderr)
        except RateLimitError as err:
            print("Rate limit exceeded after retries:", err.message, file=sys.stderr)
        except ForbiddenError as err:
            print("Forbidden:", err.message, file=sys.stderr)
        except InvalidRequestError as err:
            print("Bad request:", err.message, file=sys.stderr)
        except (ServerError, ServiceUnavailableError) as err:
            print("Server error (retries exhausted):", err.message, file=sys.stderr)
        except APIConnectionError as err:
            print("Network error (retries exhausted):", err.message, file=sys.stderr)
        except SecurityError as err:
            print("Encryption/decryption failure:", err.message, file=sys.stderr)


if __name__ == "__main__":
    main()
