"""A page that asks one question over NOMYO's end-to-end encrypted API.

Where to ask comes from the page's query string (``?base_url=…&api_key=…&pin=…``),
as a deployment would write its own settings into the page. Keep real API keys
off pages: in production the page talks to your backend, which holds the key.
"""

from pyscript import document, when, window

from nomyo_web import NomyoError, SecureChatCompletion

settings = window.URLSearchParams.new(window.location.search)
base_url = settings.get("base_url") or "https://api.nomyo.ai"
client = SecureChatCompletion(
    base_url=base_url,
    api_key=settings.get("api_key"),
    server_key_fingerprint=settings.get("pin") or None,
    allow_http=base_url.startswith("http://127.0.0.1"),  # a local test server only
)
answer = document.getElementById("answer")


def show(state: str, text: str) -> None:
    answer.dataset.state = state
    answer.textContent = text


@when("click", "#send")
async def ask(event):
    show("asking", "…")
    question = document.getElementById("question").value
    try:
        reply = await client.create(
            model="any-model", messages=[{"role": "user", "content": question}]
        )
    except NomyoError as error:
        show("error", f"Sorry, that failed ({type(error).__name__}).")
        return
    message = reply["choices"][0]["message"]
    if message.get("tool_calls"):
        names = ", ".join(call["function"]["name"] for call in message["tool_calls"])
        show("done", f"The model wants to call: {names}")
    else:
        show("done", message["content"])


document.getElementById("send").disabled = False
show("ready", "Ready.")
