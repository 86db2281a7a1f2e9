"""The getting-started guide's "Browser Usage" snippet, in Python with nomyo_web.

Runs unchanged on PyScript's main thread (pyscript.html) and in a PyScript
worker (pyscript-worker.html). The router that served this page is the
server: in production ``base_url`` is ``"https://api.nomyo.ai"`` and
``allow_http`` stays False.
"""

from pyscript import document, window

from nomyo_web import SecureChatCompletion

output = document.getElementById("answer")
page = window.location  # the page's, also from a worker (whose own location is a blob: URL)
local_http = page.protocol == "http:"  # the local router speaks plain HTTP

# An API key written into a page is visible to everyone who can open the page:
# in a real application, send through a relay (nomyo-router --relay), which adds the key.
client = SecureChatCompletion(
    base_url=page.origin,
    api_key="your-api-key",
    allow_http=local_http,
)
try:
    response = await client.create(  # noqa: F704 (PyScript runs top-level await)
        model="Qwen/Qwen3-0.6B",
        messages=[{"role": "user", "content": "Hello from the browser!"}],
    )
    answer = response["choices"][0]["message"]["content"]
    print(answer)
    output.textContent = answer
    output.dataset.state = "done"
except Exception as error:  # every nomyo_web error has a name and a message
    status = getattr(error, "status_code", None)
    output.textContent = f"{type(error).__name__} ({status}): {error}"
    output.dataset.state = "error"
finally:
    client.dispose()
