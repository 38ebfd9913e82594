"""The OpenAI-compatible client: retries, backoff, Retry-After, failure reasons, usage, concurrency.

In-process transports (httpx2.MockTransport) and a virtual clock keep these fast; the real-HTTP behaviour is
covered by test_analyze.py against the fake server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from fake_llm import completion_body

from arxiv_digest.analysis.model import (
    OVERFLOW,
    TEMPLATE_MARGIN_TOKENS,
    ModelCallFailed,
    ModelConfig,
    ModelUnavailable,
    OpenAICompatibleModel,
    PromptTooLong,
    default_http_client,
    repeats_itself,
)
from arxiv_digest.analysis.prompting import message_tokens
from arxiv_digest.http_retry import Clock
from arxiv_digest.runtime import Runtime, endpoint_semaphore
from arxiv_digest.settings import Settings

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi."}]


class VirtualClock(Clock):
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        super().__init__(now=lambda: self.t, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def model_with(handler: Callable[[httpx2.Request], httpx2.Response], clock: VirtualClock | None = None,
               **config: object) -> OpenAICompatibleModel:
    values: dict[str, object] = dict(base_url=f"http://fake-{id(handler)}/v1", model="m", api_key="k",
                                     max_attempts=3, backoff_base_seconds=1.0, backoff_max_seconds=30.0)
    values.update(config)
    return OpenAICompatibleModel(ModelConfig(**values),  # type: ignore[arg-type]
                                 http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
                                 clock=clock or VirtualClock(), jitter=lambda: 1.0)


def scripted(*responses: httpx2.Response) -> tuple[Callable[[httpx2.Request], httpx2.Response], list[dict]]:
    queue = list(responses)
    seen: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return queue.pop(0) if queue else httpx2.Response(200, json=completion_body("hi", (12, 3)))

    return handler, seen


def test_completion_carries_text_usage_and_the_configured_request_parameters() -> None:
    handler, seen = scripted()
    completion = model_with(handler, temperature=0.7, max_output_tokens=321).complete(MESSAGES)
    assert (completion.text, completion.input_tokens, completion.output_tokens) == ("hi", 12, 3)
    assert completion.usage_reported and completion.failed_calls == ()
    assert seen[0]["model"] == "m" and seen[0]["temperature"] == 0.7 and seen[0]["max_tokens"] == 321
    assert seen[0]["messages"] == MESSAGES


def test_missing_usage_falls_back_to_the_offline_estimate() -> None:
    handler, _ = scripted(httpx2.Response(200, json=completion_body("hello there", None)))
    completion = model_with(handler).complete(MESSAGES)
    assert not completion.usage_reported
    assert completion.input_tokens > 0 and completion.output_tokens == 2


def test_retry_after_is_honoured_and_failed_tries_are_reported() -> None:
    clock = VirtualClock()
    handler, _ = scripted(httpx2.Response(429, json={"error": {"message": "slow"}}, headers={"Retry-After": "7"}))
    completion = model_with(handler, clock).complete(MESSAGES)
    assert clock.sleeps == [7.0]
    assert [c.reason for c in completion.failed_calls] == ["HTTP 429: slow"]


def test_retry_after_beyond_the_backoff_cap_is_capped() -> None:
    clock = VirtualClock()
    handler, _ = scripted(httpx2.Response(503, headers={"Retry-After": "3600"}))
    model_with(handler, clock, backoff_max_seconds=20.0).complete(MESSAGES)
    assert clock.sleeps == [20.0]


def test_5xx_backs_off_exponentially_then_gives_up_with_every_try_listed() -> None:
    clock = VirtualClock()
    handler, seen = scripted(*[httpx2.Response(500)] * 4)
    with pytest.raises(ModelCallFailed) as raised:
        model_with(handler, clock, max_attempts=4).complete(MESSAGES)
    assert clock.sleeps == [1.0, 2.0, 4.0]  # jitter pinned to its maximum: base * 2**(n-1)
    assert len(seen) == 4 and len(raised.value.failed_calls) == 4
    assert not raised.value.request_rejected
    assert "after 4 attempt(s): HTTP 500" in str(raised.value)


def test_authentication_error_is_not_retried_and_says_what_to_check() -> None:
    handler, seen = scripted(httpx2.Response(401, json={"error": {"message": "bad key"}}))
    with pytest.raises(ModelCallFailed) as raised:
        model_with(handler).complete(MESSAGES)
    assert len(seen) == 1 and "llm_api_key" in raised.value.reason
    assert not raised.value.request_rejected


def test_bad_request_is_marked_as_a_rejected_request() -> None:
    handler, _ = scripted(httpx2.Response(400, json={"error": {"message": "context length exceeded"}}))
    with pytest.raises(ModelCallFailed) as raised:
        model_with(handler).complete(MESSAGES)
    assert raised.value.request_rejected and "context length" in raised.value.reason


def test_timeouts_and_connection_errors_are_retried() -> None:
    calls = {"n": 0}

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx2.ReadTimeout("slow", request=request)
        if calls["n"] == 2:
            raise httpx2.ConnectError("refused", request=request)
        return httpx2.Response(200, json=completion_body("ok then", (1, 1)))

    completion = model_with(handler, timeout_seconds=5.0).complete(MESSAGES)
    reasons = [c.reason for c in completion.failed_calls]
    assert reasons[0] == "timed out after 5s" and reasons[1].startswith("connection failed")


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx2.Response(200, content=b'{"choices": [', headers={"content-type": "application/json"}),
         "not valid JSON"),
        (httpx2.Response(200, json={"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                                    "choices": []}), "no choices"),
        (httpx2.Response(200, json=completion_body("", (1, 0))), "content is empty"),
        (httpx2.Response(200, json=[1, 2]), "not a chat completion"),
    ],
    ids=["malformed-json", "empty-choices", "empty-content", "json-list"],
)
def test_unusable_bodies_are_failed_tries_with_a_reason(response: httpx2.Response, reason: str) -> None:
    handler, _ = scripted(response)
    completion = model_with(handler).complete(MESSAGES)
    assert completion.text == "hi"
    assert reason in completion.failed_calls[0].reason


def test_the_endpoint_semaphore_caps_concurrent_requests() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def handler(request: httpx2.Request) -> httpx2.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return httpx2.Response(200, json=completion_body("hi", (1, 1)))

    model = model_with(handler, concurrency=2)
    threads = [threading.Thread(target=model.complete, args=(MESSAGES,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state["peak"] == 2


def test_semaphore_is_shared_per_endpoint_and_size() -> None:
    assert endpoint_semaphore("http://a/v1/", 3) is endpoint_semaphore("http://a/v1", 3)
    assert endpoint_semaphore("http://a/v1", 3) is not endpoint_semaphore("http://b/v1", 3)


def test_default_http_client_has_explicit_timeouts() -> None:
    client = default_http_client(120.0)
    assert client.timeout.read == 120.0 and client.timeout.connect == 10.0


def test_settings_configure_the_model_and_one_is_shared_per_configuration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_model="qwen2.5:7b",
                        llm_temperature=0.0, llm_max_output_tokens=2048, llm_timeout_seconds=30,
                        llm_max_attempts=2, llm_concurrency=1, llm_cost_per_1k_input_tokens=0.5)
    model = Runtime(settings).model()
    assert model is Runtime(settings).model(), "runs in one process share the model's pool and slots"
    config = model.config
    assert (config.model, config.temperature, config.max_output_tokens, config.timeout_seconds) == (
        "qwen2.5:7b", 0.0, 2048, 30.0)
    assert config.api_key == "no-key", "local servers need no key, the SDK needs a value"
    assert config.cost_usd(2000, 0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="llm_base_url"):
        Runtime(Settings(data_dir=tmp_path)).model()


# -- context windows, permanent failures, streaming, preflight -----------------------------------------------

LLAMA_PROPS = {"default_generation_settings": {"n_ctx": 8192}, "total_slots": 4}
LLAMA_MODELS = {"object": "list", "data": [{"id": "smollm2", "meta": {"n_ctx": 8192, "n_ctx_train": 8192}}]}


def server(routes: dict[str, httpx2.Response], chat: list[httpx2.Response] | None = None
           ) -> tuple[Callable[[httpx2.Request], httpx2.Response], list[str]]:
    """A transport that answers GET/POST `routes` by path, and chat completions from `chat` (then "hi")."""
    replies = list(chat or [])
    log: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        log.append(f"{request.method} {path}")
        if path.endswith("/chat/completions"):
            return replies.pop(0) if replies else httpx2.Response(200, json=completion_body("hi", (12, 3)))
        return routes.get(path, httpx2.Response(404, json={"error": {"message": "not found"}}))

    return handler, log


def discovering(handler: Callable[[httpx2.Request], httpx2.Response], **config: object) -> OpenAICompatibleModel:
    return model_with(handler, discover=True, **config)


def test_llama_cpp_shared_context_is_divided_by_the_requests_we_run_at_once() -> None:
    routes = {"/props": httpx2.Response(200, json=LLAMA_PROPS), "/v1/models": httpx2.Response(200, json=LLAMA_MODELS)}
    four = discovering(server(routes)[0], concurrency=4).window()
    one = discovering(server(routes)[0], concurrency=1).window()
    assert (four.tokens, four.server_tokens, four.slots, four.shared) == (2048, 8192, 4, True)
    assert one.tokens == 8192 and not one.split_over_slots
    hint = four.slot_hint(4, 16096)
    assert "--parallel 4 -c 64384" in hint and "llm_concurrency = 1" in hint


def test_llama_cpp_split_slots_give_each_request_its_slot() -> None:
    routes = {"/props": httpx2.Response(200, json={"default_generation_settings": {"n_ctx": 2048}, "total_slots": 4}),
              "/v1/models": httpx2.Response(200, json=LLAMA_MODELS)}
    window = discovering(server(routes)[0]).window()
    assert (window.tokens, window.server_tokens, window.shared) == (2048, 8192, False)


def test_vllm_max_model_len_and_ollama_num_ctx_are_the_window() -> None:
    vllm = {"/v1/models": httpx2.Response(200, json={"data": [{"id": "m", "max_model_len": 32768}]})}
    assert discovering(server(vllm)[0]).window().tokens == 32768
    ollama = {"/api/show": httpx2.Response(200, json={"model_info": {"qwen2.context_length": 32768},
                                                      "parameters": "num_ctx 8192\ntemperature 0.7"})}
    assert discovering(server(ollama)[0]).window().tokens == 8192
    default = {"/api/show": httpx2.Response(200, json={"model_info": {"llama.context_length": 131072}})}
    assert discovering(server(default)[0]).window().tokens == 4096  # what Ollama gives unless told otherwise


def test_llm_context_tokens_overrides_what_the_server_says() -> None:
    routes = {"/props": httpx2.Response(200, json=LLAMA_PROPS)}
    window = discovering(server(routes)[0], context_tokens=3000).window()
    assert (window.tokens, window.source) == (3000, "llm_context_tokens")


def test_unknown_window_leaves_calls_as_configured() -> None:
    handler, _ = server({})
    model = discovering(handler)
    assert model.window().tokens == 0 and model.input_budget(12000) == 12000
    handler, seen = scripted()
    model_with(handler).complete(MESSAGES)
    assert seen[0]["max_tokens"] == 4096


def test_max_tokens_is_fitted_to_the_window_and_names_the_limit() -> None:
    handler, seen = scripted()
    completion = model_with(handler, context_tokens=1000, max_output_tokens=4096).complete(MESSAGES)
    assert seen[0]["max_tokens"] == 1000 - message_tokens(MESSAGES) - TEMPLATE_MARGIN_TOKENS
    assert completion.limit.startswith("the context window (1000 tokens")
    assert model_with(handler, context_tokens=1000).input_budget(12000) == 1000 - 500 - 64


def test_a_prompt_that_leaves_no_room_is_not_sent() -> None:
    handler, seen = scripted()
    with pytest.raises(PromptTooLong):
        model_with(handler, context_tokens=300).complete([{"role": "user", "content": "word " * 200}])
    assert seen == []


@pytest.mark.parametrize(
    ("status", "message", "numbers"),
    [
        (500, "Context size has been exceeded.", None),  # llama.cpp, while answering
        (400, "request (9589 tokens) exceeds the available context size (8192 tokens), try increasing it",
         (9589, 8192)),
        (400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9589 tokens.",
         (9589, 8192)),  # OpenAI (code context_length_exceeded)
        (400, "This model's maximum context length is 2048 tokens. However, you requested 5000 tokens (1000 in the "
              "messages, 4000 in the completion).", (5000, 2048)),  # vLLM
    ],
    ids=["llama-500", "llama-400", "openai", "vllm"],
)
def test_context_overflow_is_permanent_and_never_retried(status: int, message: str,
                                                         numbers: tuple[int, int] | None) -> None:
    handler, seen = scripted(*[httpx2.Response(status, json={"error": {"message": message}})] * 3)
    with pytest.raises(ModelCallFailed) as raised:
        model_with(handler).complete(MESSAGES)
    assert len(seen) == 1
    assert raised.value.kind == OVERFLOW and raised.value.request_rejected and raised.value.overflow == numbers


def sse(*chunks: dict, done: bool = True) -> httpx2.Response:
    body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + ("data: [DONE]\n\n" if done else "")
    return httpx2.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})


def delta(text: str, finish: str | None = None) -> dict:
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


def test_streamed_answer_is_assembled_with_usage_and_server_timings() -> None:
    usage = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [],
             "usage": {"prompt_tokens": 40, "completion_tokens": 5, "total_tokens": 45},
             "timings": {"prompt_ms": 120.0, "predicted_ms": 380.0}}
    handler, seen = scripted(sse(delta("Hello "), delta("there.", "stop"), usage))
    completion = model_with(handler, stream=True).complete(MESSAGES)
    assert completion.text == "Hello there." and completion.finish_reason == "stop"
    assert (completion.input_tokens, completion.output_tokens, completion.usage_reported) == (40, 5, True)
    assert completion.latency_ms == 500.0, "llama.cpp's own time, not our wall clock"
    assert seen[0]["stream"] is True and seen[0]["stream_options"] == {"include_usage": True}


def test_a_looping_stream_is_cut_and_marked() -> None:
    pieces = [delta("The method is good. ") for _ in range(200)]
    handler, _ = scripted(sse(*pieces))
    completion = model_with(handler, stream=True).complete(MESSAGES)
    assert completion.finish_reason == "repetition"
    assert len(completion.text) < 20 * 60


def test_repetition_check_passes_real_answers_and_catches_loops() -> None:
    from fake_llm import EN_METHOD, ZH_METHOD

    assert not repeats_itself(EN_METHOD) and not repeats_itself(ZH_METHOD)
    assert repeats_itself("Intro.\n" + "| a | b |\n" * 60)
    assert repeats_itself(ZH_METHOD + "本方法有效。" * 100)


def test_preflight_stops_on_a_bad_key_or_an_unknown_model_and_passes_llama_cpp() -> None:
    handler, _ = server({"/v1/models": httpx2.Response(401, json={"error": {"message": "bad key"}})})
    with pytest.raises(ModelUnavailable, match="llm_api_key"):
        discovering(handler).preflight()

    listed = {"/v1/models": httpx2.Response(200, json={"data": [{"id": "qwen2.5:14b"}]})}
    handler, log = server(listed, chat=[httpx2.Response(404, json={"error": {"message": "model 'm' not found"}})])
    with pytest.raises(ModelUnavailable, match=r"model 'm' .*not found.*the server lists: qwen2.5:14b"):
        discovering(handler).preflight()
    assert log.count("POST /v1/chat/completions") == 1

    handler, log = server({"/props": httpx2.Response(200, json=LLAMA_PROPS)})
    discovering(handler).preflight()
    assert "POST /v1/chat/completions" not in log, "llama.cpp serves its one model under any name: no call"
