"""Chat models behind one small interface, and its OpenAI-compatible implementation.

Any server that speaks the OpenAI chat-completions API works (OpenAI, vLLM, Ollama, llama.cpp, LM Studio):
base URL, model, key, temperature, output cap and timeouts come from Settings. The SDK's own retries are off;
ours retry 429, 5xx, timeouts, connection errors and unusable bodies with exponential backoff and jitter,
honour Retry-After, and report every failed try so the caller can store it. A process-wide semaphore per
endpoint caps how many requests run at once, whatever the number of task threads.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2
import openai
from openai.types.chat import ChatCompletion

from arxiv_digest.errors import DigestError
from arxiv_digest.http_retry import Clock, RetryPolicy, retry_after_seconds
from arxiv_digest.prompting import Message, estimate_tokens, message_tokens
from arxiv_digest.settings import Settings

# Statuses where the same request may well succeed later; anything else (400, 401, 404, 422) will not.
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# A request the server refused as such (too long for its context, malformed): a shorter prompt may pass.
REQUEST_REJECTED_STATUSES = frozenset({400, 413, 422})
CONNECT_TIMEOUT_CAP_SECONDS = 10.0


@dataclass(frozen=True)
class FailedCall:
    """One request that produced no usable answer. Nothing was billed that we know of, so no tokens."""

    reason: str
    latency_ms: float


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    finish_reason: str | None
    input_tokens: int
    output_tokens: int
    usage_reported: bool  # False: the token counts are our offline estimate
    latency_ms: float
    failed_calls: tuple[FailedCall, ...] = ()  # the tries before this one


class ModelCallFailed(DigestError):
    """The model gave no usable answer within its attempts."""

    def __init__(self, model: str, reason: str, failed_calls: Sequence[FailedCall], request_rejected: bool) -> None:
        super().__init__(f"model {model} gave no usable answer after {len(failed_calls)} attempt(s): {reason}")
        self.model = model
        self.reason = reason
        self.failed_calls = tuple(failed_calls)
        # True when the server refused this request itself (e.g. too long): a smaller prompt may still work.
        self.request_rejected = request_rejected


class ChatModel(Protocol):
    """What the analyzers need from a model: a name for the cache key and one chat completion."""

    @property
    def name(self) -> str: ...

    def complete(self, messages: Sequence[Message]) -> Completion: ...


@dataclass(frozen=True)
class ModelConfig:
    base_url: str
    model: str
    api_key: str = field(repr=False)
    temperature: float = 0.2
    max_output_tokens: int = 4096
    timeout_seconds: float = 120.0
    max_attempts: int = 3
    concurrency: int = 4
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 60.0
    cost_per_1k_input_tokens: float = 0.0
    cost_per_1k_output_tokens: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelConfig:
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            # Local servers (Ollama, llama.cpp) need no key, but the SDK insists on one.
            api_key=settings.llm_api_key or "no-key",
            temperature=settings.llm_temperature,
            max_output_tokens=settings.llm_max_output_tokens,
            timeout_seconds=settings.llm_timeout_seconds,
            max_attempts=settings.llm_max_attempts,
            concurrency=settings.llm_concurrency,
            backoff_base_seconds=settings.http_backoff_base_seconds,
            backoff_max_seconds=settings.http_backoff_max_seconds,
            cost_per_1k_input_tokens=settings.llm_cost_per_1k_input_tokens,
            cost_per_1k_output_tokens=settings.llm_cost_per_1k_output_tokens,
        )

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.cost_per_1k_input_tokens + output_tokens * self.cost_per_1k_output_tokens) / 1000


_SEMAPHORES: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


def endpoint_semaphore(base_url: str, size: int) -> threading.BoundedSemaphore:
    """One semaphore per endpoint and size for the whole process: every task thread shares it."""
    with _SEMAPHORES_LOCK:
        key = (base_url.rstrip("/"), size)
        if key not in _SEMAPHORES:
            _SEMAPHORES[key] = threading.BoundedSemaphore(size)
        return _SEMAPHORES[key]


def default_http_client(timeout_seconds: float) -> httpx2.Client:
    """Explicit timeouts: connecting may take a few seconds, an answer up to the whole timeout."""
    connect = min(CONNECT_TIMEOUT_CAP_SECONDS, timeout_seconds)
    return httpx2.Client(timeout=httpx2.Timeout(timeout_seconds, connect=connect))


class _RetryableFailure(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _FinalFailure(Exception):
    def __init__(self, reason: str, request_rejected: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request_rejected = request_rejected


def parse_completion(response: Any) -> tuple[str, str | None, int | None, int | None]:
    """(text, finish_reason, prompt_tokens, completion_tokens) of a chat completion, or a retryable failure.

    Servers that are not quite OpenAI send a body the SDK returns as a str or a list, or a completion without
    choices or content; each is a failed try with a reason a user can act on.
    """
    if not isinstance(response, ChatCompletion):
        shown = str(response)[:80].replace("\n", " ")
        raise _RetryableFailure(f"the response is not a chat completion ({type(response).__name__}: {shown!r})")
    if not response.choices:
        raise _RetryableFailure("the response has no choices")
    message = response.choices[0].message
    content = message.content if message is not None else None
    if not content or not content.strip():
        refusal = getattr(message, "refusal", None)
        raise _RetryableFailure(f"the model refused: {refusal}" if refusal else "the response content is empty")
    usage = response.usage
    prompt_tokens = usage.prompt_tokens if usage is not None and usage.prompt_tokens is not None else None
    completion_tokens = usage.completion_tokens if usage is not None and usage.completion_tokens is not None else None
    return content, response.choices[0].finish_reason, prompt_tokens, completion_tokens


_SDK_PREFIX = re.compile(r"^Error code: \d+ - ")


def _status_failure(exc: openai.APIStatusError) -> Exception:
    # The SDK prefixes "Error code: 429 - " to the server's message; the status is already in our reason.
    detail = _SDK_PREFIX.sub("", str(exc.message or ""))[:160]
    reason = f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
    if exc.status_code in RETRYABLE_STATUSES:
        # retry_after_seconds reads only .headers, which httpx2 responses have too.
        return _RetryableFailure(reason, retry_after_seconds(exc.response))  # type: ignore[arg-type]
    if exc.status_code in (401, 403):
        reason += " (check llm_api_key)"
    elif exc.status_code == 404:
        reason += " (check llm_base_url and llm_model)"
    return _FinalFailure(reason, request_rejected=exc.status_code in REQUEST_REJECTED_STATUSES)


class OpenAICompatibleModel:
    """A chat model reached through the `openai` SDK at any OpenAI-compatible base URL."""

    def __init__(
        self,
        config: ModelConfig,
        http_client: httpx2.Client | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.policy = RetryPolicy(
            max_attempts=config.max_attempts,
            backoff_base=config.backoff_base_seconds,
            backoff_max=config.backoff_max_seconds,
        )
        if jitter is not None:
            self.policy.jitter = jitter
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            max_retries=0,
            timeout=config.timeout_seconds,
            http_client=http_client or default_http_client(config.timeout_seconds),
        )
        self._semaphore = endpoint_semaphore(config.base_url, config.concurrency)

    @property
    def name(self) -> str:
        return self.config.model

    def _request(self, messages: Sequence[Message]) -> Any:
        try:
            with self._semaphore:
                return self._client.chat.completions.create(
                    model=self.config.model,
                    messages=list(messages),  # type: ignore[arg-type]
                    temperature=self.config.temperature,
                    max_tokens=self.config.max_output_tokens,
                )
        except openai.APITimeoutError as exc:
            raise _RetryableFailure(f"timed out after {self.config.timeout_seconds:g}s") from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise _RetryableFailure(f"connection failed: {type(cause).__name__}: {cause}") from exc
        except openai.APIStatusError as exc:
            raise _status_failure(exc) from exc
        except (json.JSONDecodeError, openai.APIResponseValidationError) as exc:
            raise _RetryableFailure(f"the response body is not valid JSON: {exc}") from exc

    def complete(self, messages: Sequence[Message]) -> Completion:
        failed: list[FailedCall] = []
        for attempt in range(1, self.policy.max_attempts + 1):
            started = self.clock.now()
            try:
                response = self._request(messages)
                text, finish_reason, prompt_tokens, completion_tokens = parse_completion(response)
            except _RetryableFailure as failure:
                failed.append(FailedCall(failure.reason, (self.clock.now() - started) * 1000))
                if attempt == self.policy.max_attempts:
                    break
                delay = self.policy.backoff(attempt)
                if failure.retry_after is not None:
                    # Honour the server, but a Retry-After of an hour is not worth blocking a task thread.
                    delay = min(max(delay, failure.retry_after), self.policy.backoff_max)
                self.clock.sleep(delay)
                continue
            except _FinalFailure as failure:
                failed.append(FailedCall(failure.reason, (self.clock.now() - started) * 1000))
                raise ModelCallFailed(self.name, failure.reason, failed, failure.request_rejected) from None
            reported = prompt_tokens is not None and completion_tokens is not None
            return Completion(
                text=text,
                model=self.name,
                finish_reason=finish_reason,
                input_tokens=prompt_tokens if prompt_tokens is not None else message_tokens(messages),
                output_tokens=completion_tokens if completion_tokens is not None else estimate_tokens(text),
                usage_reported=reported,
                latency_ms=(self.clock.now() - started) * 1000,
                failed_calls=tuple(failed),
            )
        raise ModelCallFailed(self.name, failed[-1].reason, failed, request_rejected=False)


_MODELS: dict[ModelConfig, OpenAICompatibleModel] = {}
_MODELS_LOCK = threading.Lock()


def shared_model(settings: Settings, http_client: httpx2.Client | None = None) -> OpenAICompatibleModel:
    """The configured model, one per configuration in the process, so task threads share its connection pool.

    An explicit `http_client` (tests, proxies) always gets a model of its own.
    """
    if not settings.uses_llm:
        raise ValueError("llm_base_url is empty: no model is configured (the extractive analyzer is used)")
    config = ModelConfig.from_settings(settings)
    if http_client is not None:
        return OpenAICompatibleModel(config, http_client=http_client)
    with _MODELS_LOCK:
        if config not in _MODELS:
            _MODELS[config] = OpenAICompatibleModel(config)
        return _MODELS[config]
