"""Chat models behind one small interface, and its OpenAI-compatible implementation.

Any server that speaks the OpenAI chat-completions API works (OpenAI, vLLM, Ollama, llama.cpp, LM Studio):
base URL, model, key, temperature, output cap and timeouts come from Settings. The SDK's own retries are off;
ours retry 429, 5xx, timeouts, connection errors and unusable bodies with exponential backoff and jitter,
honour Retry-After, and report every failed try so the caller can store it. A process-wide semaphore per
endpoint caps how many requests run at once, whatever the number of task threads.

Local servers have small context windows, so the client learns the window when the server says it (llama.cpp
`/props`, vLLM's `max_model_len`, Ollama's `/api/show`; `llm_context_tokens` overrides) and fits every call
inside it: the answer's `max_tokens` is what the window leaves after the prompt. A context overflow, a bad
request, a wrong key or model name is permanent and never retried as if transient. Answers are streamed, so one
that loops on itself or outlives the paper's time cap is cut off at once instead of filling the window.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice

from arxiv_digest.analysis.answers import strip_reasoning
from arxiv_digest.analysis.prompting import Message, estimate_tokens, message_tokens
from arxiv_digest.errors import DigestError
from arxiv_digest.http_retry import RETRY_STATUSES, Clock, RetryPolicy, retry_after_seconds

log = logging.getLogger(__name__)

# Statuses where the same request may well succeed later; anything else (400, 401, 404, 422) will not. OpenAI
# answers 409 for a lock that timed out on its side, which its own SDK retries too.
RETRYABLE_STATUSES = RETRY_STATUSES | {409}
# A request the server refused as such (too long for its context, malformed): a shorter prompt may pass.
REQUEST_REJECTED_STATUSES = frozenset({400, 413, 422})
CONNECT_TIMEOUT_CAP_SECONDS = 10.0
PROBE_TIMEOUT_SECONDS = 5.0

# What kind of failure a call was: only a transient one is worth the same request again.
TRANSIENT, PERMANENT, OVERFLOW, TIME_CAP = "transient", "permanent", "overflow", "time_cap"
PERMANENT_KINDS = frozenset({PERMANENT, OVERFLOW})

# How the servers word "the prompt and the answer do not fit": llama.cpp (a 500 or a 400), OpenAI, vLLM, Ollama.
CONTEXT_OVERFLOW = re.compile(
    r"context size has been exceeded|exceeds the available context size|context_length_exceeded|"
    r"maximum context length|context length exceeded|prompt is too long|too many tokens",
    re.IGNORECASE,
)
# "request (9589 tokens) exceeds the available context size (8192 tokens)"; OpenAI/vLLM: "maximum context
# length is 8192 tokens. However, your messages resulted in 9589 tokens" / "you requested 9589 tokens".
_LLAMA_NUMBERS = re.compile(r"\((\d+) tokens\) exceeds the available context size \((\d+) tokens\)")
_OPENAI_NUMBERS = re.compile(r"maximum context length is (\d+) tokens.*?(?:resulted in|requested) (\d+) tokens",
                             re.IGNORECASE | re.DOTALL)

# Room the chat template takes around the messages, beyond our per-message estimate.
TEMPLATE_MARGIN_TOKENS = 64
# Less room than this for the answer is not worth a call: shrink the prompt instead.
MIN_OUTPUT_TOKENS = 256
# How often (in characters of answer) the stream is checked for a loop.
REPETITION_CHECK_CHARS = 200


@dataclass(frozen=True)
class FailedCall:
    """One request that produced no usable answer. Nothing was billed that we know of, so no tokens."""

    reason: str
    latency_ms: float
    kind: str = TRANSIENT
    queue_ms: float = 0.0


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    finish_reason: str | None  # stop | length | repetition (we cut a loop) | time_cap (we cut at the deadline)
    input_tokens: int
    output_tokens: int
    usage_reported: bool  # False: the token counts are our offline estimate
    latency_ms: float  # the server's own time when it says (llama.cpp timings), else the request's wall time
    failed_calls: tuple[FailedCall, ...] = ()  # the tries before this one
    queue_ms: float = 0.0  # waiting for a concurrency slot, before the request was sent
    estimated_input_tokens: int = 0  # our estimate of the prompt (scaled by the server's ratio), to check it
    max_tokens: int = 0  # the max_tokens sent
    limit: str = "llm_max_output_tokens"  # what set max_tokens: the setting, or the context window
    # Reasoning the server sent apart from the answer (reasoning_content / reasoning), never part of `text`:
    # its tokens (the server's count, else our estimate) and, when streamed, the time before the answer began.
    reasoning_tokens: int = 0
    reasoning_ms: float = 0.0


class ModelCallFailed(DigestError):
    """The model gave no usable answer within its attempts."""

    def __init__(self, model: str, reason: str, failed_calls: Sequence[FailedCall], request_rejected: bool,
                 kind: str = TRANSIENT, overflow: tuple[int, int] | None = None) -> None:
        super().__init__(f"model {model} gave no usable answer after {len(failed_calls)} attempt(s): {reason}")
        self.model = model
        self.reason = reason
        self.failed_calls = tuple(failed_calls)
        # True when the server refused this request itself (e.g. too long): a smaller prompt may still work.
        self.request_rejected = request_rejected
        self.kind = kind
        self.overflow = overflow  # (prompt tokens, context tokens) when the server said them


class PromptTooLong(DigestError):
    """The prompt leaves too little of the context window for an answer; nothing was sent."""

    def __init__(self, prompt_tokens: int, context_tokens: int) -> None:
        super().__init__(f"the prompt ({prompt_tokens} tokens) leaves less than {MIN_OUTPUT_TOKENS} tokens of the "
                         f"{context_tokens}-token context window for the answer")
        self.prompt_tokens = prompt_tokens
        self.context_tokens = context_tokens


class ModelUnavailable(DigestError):
    """The configured model cannot be used at all (wrong key, model name or URL): the run stops early."""


@dataclass(frozen=True)
class ContextWindow:
    """How many tokens one request may use (prompt + answer), and where that figure comes from."""

    tokens: int  # 0: unknown (the server did not say); calls are then not fitted
    source: str
    server_tokens: int = 0  # the server's whole context when it splits it over parallel slots
    slots: int = 0
    token_ratio: float = 1.0  # server tokens per estimated token on a sample (llama.cpp /tokenize), >= 1
    shared: bool = False  # llama.cpp's unified cache: the slots' requests share server_tokens

    @property
    def split_over_slots(self) -> bool:
        return self.slots > 1 and self.server_tokens > self.tokens

    def input_budget(self, configured: int, max_output_tokens: int) -> int:
        """The prompt budget (in estimated tokens) that leaves room for the answer inside the window."""
        if not self.tokens:
            return configured
        reserve = min(max_output_tokens, self.tokens // 2)
        room = (self.tokens - reserve - TEMPLATE_MARGIN_TOKENS) / self.token_ratio
        return max(MIN_OUTPUT_TOKENS, min(configured, int(room)))

    def slot_hint(self, concurrency: int, wanted_tokens: int) -> str:
        """What to change when the server's parallel slots split the context (empty when they do not)."""
        if not self.split_over_slots:
            return ""
        parallel = max(1, min(concurrency, self.slots))
        how = "shares" if self.shared else "splits"
        return (f"the server {how} its {self.server_tokens}-token context over {self.slots} parallel slots "
                f"(~{self.tokens} tokens per request with {parallel} at once); for {wanted_tokens} tokens per "
                f"request start llama-server with --parallel {parallel} -c {parallel * wanted_tokens}, or set "
                f"llm_concurrency = 1 (one request at a time gets all {self.server_tokens})")

    def describe(self) -> str:
        if not self.tokens:
            return f"context window unknown ({self.source}); calls are not fitted to it"
        text = f"context window {self.tokens} tokens per request ({self.source})"
        if self.split_over_slots:
            how = "shared by" if self.shared else "split over"
            text += f"; the server's {self.server_tokens} are {how} {self.slots} slots"
        if self.token_ratio > 1.0:
            text += f"; the server counts {self.token_ratio:.2f} tokens per estimated token"
        return text


class ChatModel(Protocol):
    """What the analyzers need from a model: a name for the cache key and one chat completion."""

    @property
    def name(self) -> str: ...

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None,
                 deadline: float | None = None) -> Completion: ...


class ConfiguredModel(ChatModel, Protocol):
    """A model as a run uses it: its configuration, its context window, the budget and key its calls depend on."""

    @property
    def config(self) -> ModelConfig: ...

    def window(self) -> ContextWindow: ...

    def input_budget(self, configured: int) -> int: ...

    def settings_key(self, input_budget: int) -> str: ...

    def preflight(self) -> ContextWindow: ...


class ModelSettings(Protocol):
    """What the model client needs of the settings (arxiv_digest.settings.Settings has it all;
    read-only, as the frozen settings are)."""

    @property
    def llm_base_url(self) -> str: ...

    @property
    def llm_model(self) -> str: ...

    @property
    def llm_api_key(self) -> str: ...

    @property
    def llm_temperature(self) -> float: ...

    @property
    def llm_max_output_tokens(self) -> int: ...

    @property
    def llm_timeout_seconds(self) -> float: ...

    @property
    def llm_max_attempts(self) -> int: ...

    @property
    def llm_concurrency(self) -> int: ...

    @property
    def http_backoff_base_seconds(self) -> float: ...

    @property
    def http_backoff_max_seconds(self) -> float: ...

    @property
    def llm_cost_per_1k_input_tokens(self) -> float: ...

    @property
    def llm_cost_per_1k_output_tokens(self) -> float: ...

    @property
    def llm_context_tokens(self) -> int: ...

    @property
    def llm_stream(self) -> bool: ...

    @property
    def llm_thinking_off(self) -> bool: ...


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
    context_tokens: int = 0  # llm_context_tokens: 0 = ask the server
    discover: bool = False  # ask the server for its window (llama.cpp, vLLM, Ollama) and its token counts
    stream: bool = False  # stream answers, so a looping answer is cut early
    thinking_off: bool = False  # ask the server to skip the model's reasoning (llm_thinking_off)

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> ModelConfig:
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
            context_tokens=settings.llm_context_tokens,
            discover=True,
            stream=settings.llm_stream,
            thinking_off=settings.llm_thinking_off,
        )

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.cost_per_1k_input_tokens + output_tokens * self.cost_per_1k_output_tokens) / 1000

    @property
    def server_root(self) -> str:
        """The server's own root, where llama.cpp and Ollama keep their non-OpenAI endpoints."""
        root = self.base_url.rstrip("/")
        return root[: -len("/v1")] if root.endswith("/v1") else root


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
    def __init__(self, reason: str, request_rejected: bool, kind: str = PERMANENT,
                 overflow: tuple[int, int] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request_rejected = request_rejected
        self.kind = kind
        self.overflow = overflow


# Where servers put the reasoning they send apart from the answer: DeepSeek and vLLM `reasoning_content`,
# llama.cpp `reasoning_content`, Ollama and OpenRouter `reasoning`. It is counted, never published.
REASONING_FIELDS = ("reasoning_content", "reasoning")
# What asks a server to skip the model's reasoning: the chat template switch of Qwen3 and similar models (vLLM,
# SGLang, llama.cpp), and Ollama's `think`. Sent only when llm_thinking_off is set: other servers may refuse
# unknown fields.
THINKING_OFF_BODY: dict[str, Any] = {"chat_template_kwargs": {"enable_thinking": False}, "think": False}


def reasoning_text(source: Any) -> str:
    """The reasoning a message or a stream delta carries beside its content ("" when none)."""
    for name in REASONING_FIELDS:
        value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
        if value is None and not isinstance(source, dict):
            extra = getattr(source, "model_extra", None) or {}
            value = extra.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def reasoning_tokens_reported(usage: Any) -> int | None:
    """completion_tokens_details.reasoning_tokens when the server reports it (OpenAI, DeepSeek, vLLM)."""
    details = getattr(usage, "completion_tokens_details", None) if usage is not None else None
    value = (details.get("reasoning_tokens") if isinstance(details, dict)
             else getattr(details, "reasoning_tokens", None))
    return int(value) if isinstance(value, int) else None


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


def overflow_numbers(message: str) -> tuple[int, int] | None:
    """(prompt tokens, context tokens) from a server's context-overflow message, when it names them."""
    match = _LLAMA_NUMBERS.search(message)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _OPENAI_NUMBERS.search(message)
    if match:
        return int(match.group(2)), int(match.group(1))
    return None


def is_context_overflow(message: str) -> bool:
    return bool(CONTEXT_OVERFLOW.search(message))


def repeats_itself(text: str, min_span: int = 300, repeats: int = 3, max_period: int = 400) -> bool:
    """True when the text ends in one piece said `repeats` times over (a degenerate loop), at least
    `min_span` characters long. Headings and list markers recur in a good answer, but never verbatim
    whole paragraphs three times in a row."""
    tail = text.rstrip()
    for period in range(8, max_period + 1):
        span = period * repeats
        if span > len(tail):
            break
        if span < min_span:
            continue
        unit = tail[-period:]
        if tail[-span:] == unit * repeats:
            return True
    # The same line eight times over, whatever whitespace the model puts between the copies.
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    last = lines[-8:]
    return len(last) == 8 and len(set(last)) == 1 and sum(len(line) for line in last) >= min_span // 2


_SDK_PREFIX = re.compile(r"^Error code: \d+ - ")


def _status_failure(exc: openai.APIStatusError) -> Exception:
    # The SDK prefixes "Error code: 429 - " to the server's message; the status is already in our reason.
    detail = _SDK_PREFIX.sub("", str(exc.message or ""))[:240]
    reason = f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
    if is_context_overflow(detail):
        # llama.cpp says it with a 500, which would otherwise look transient: it is not.
        return _FinalFailure(reason, request_rejected=True, kind=OVERFLOW, overflow=overflow_numbers(detail))
    if exc.status_code in RETRYABLE_STATUSES:
        # retry_after_seconds reads only .headers, which httpx2 responses have too.
        return _RetryableFailure(reason, retry_after_seconds(exc.response))  # type: ignore[arg-type]
    if exc.status_code in (401, 403):
        reason += " (check llm_api_key)"
    elif exc.status_code == 404:
        reason += " (check llm_base_url and llm_model)"
    return _FinalFailure(reason, request_rejected=exc.status_code in REQUEST_REJECTED_STATUSES)


def _timings_ms(source: Any) -> float | None:
    """llama.cpp's own time for a request (prompt + generation), from the `timings` it adds to a response."""
    timings = source.get("timings") if isinstance(source, dict) else getattr(source, "timings", None)
    if isinstance(timings, dict):
        parts = [timings.get("prompt_ms"), timings.get("predicted_ms")]
        numbers = [float(p) for p in parts if isinstance(p, int | float)]
        if numbers:
            return sum(numbers)
    return None


@dataclass
class _Answer:
    response: Any  # a ChatCompletion (or whatever a non-conforming server sent)
    server_ms: float | None
    reasoning: str = ""  # streamed reasoning (reasoning_content / reasoning deltas)
    reasoning_ms: float = 0.0

    def reasoning_of(self) -> str:
        """The reasoning sent beside the answer: streamed, or in the message of a plain completion."""
        if self.reasoning:
            return self.reasoning
        choices = getattr(self.response, "choices", None) or []
        message = getattr(choices[0], "message", None) if choices else None
        return reasoning_text(message) if message is not None else ""


def _json_of(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def discover_window(http: httpx2.Client, config: ModelConfig) -> ContextWindow:
    """The served model's context window, from whichever of the known servers answers; never raises."""
    if config.context_tokens:
        return ContextWindow(config.context_tokens, "llm_context_tokens", token_ratio=_token_ratio(http, config))
    headers = {"Authorization": f"Bearer {config.api_key}"}
    probes: list[str] = []
    for label, probe in _WINDOW_PROBES:
        try:
            window, status = probe(http, config, headers)
            if window is not None:
                return window
            probes.append(f"{label}: HTTP {status}")
        except (httpx2.HTTPError, ValueError, TypeError) as exc:
            probes.append(f"{label}: {type(exc).__name__}")
    return ContextWindow(0, "the server did not say: " + ", ".join(probes) + "; set llm_context_tokens")


# A probe asks one kind of server for its window: (the window, or None, and the HTTP status it answered).
_Probe = Callable[[httpx2.Client, ModelConfig, dict[str, str]], tuple[ContextWindow | None, int]]


def _llama_props(http: httpx2.Client, config: ModelConfig, headers: dict[str, str]) -> tuple[ContextWindow | None, int]:
    props = http.get(f"{config.server_root}/props", headers=headers, timeout=PROBE_TIMEOUT_SECONDS)
    body = _json_of(props) if props.status_code == 200 else None
    if isinstance(body, dict) and isinstance(body.get("default_generation_settings"), dict):
        per_slot = int(body["default_generation_settings"].get("n_ctx") or 0)
        slots = int(body.get("total_slots") or 1)
        if per_slot:
            total = _llama_total_context(http, config, per_slot, slots)
            return _llama_window(per_slot, total, slots, config.concurrency, _token_ratio(http, config)), 200
    return None, props.status_code


def _vllm_models(http: httpx2.Client, config: ModelConfig, headers: dict[str, str]) -> tuple[ContextWindow | None, int]:
    models = http.get(f"{config.base_url.rstrip('/')}/models", headers=headers, timeout=PROBE_TIMEOUT_SECONDS)
    body = _json_of(models) if models.status_code == 200 else None
    entries = body.get("data") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("max_model_len") and (
                entry.get("id") == config.model or len(entries) == 1):
            return ContextWindow(int(entry["max_model_len"]), "vLLM max_model_len in /v1/models"), 200
    return None, models.status_code


def _ollama_show(http: httpx2.Client, config: ModelConfig, headers: dict[str, str]) -> tuple[ContextWindow | None, int]:
    show = http.post(f"{config.server_root}/api/show", json={"model": config.model}, headers=headers,
                     timeout=PROBE_TIMEOUT_SECONDS)
    body = _json_of(show) if show.status_code == 200 else None
    return (_ollama_window(body) if isinstance(body, dict) else None), show.status_code


# The servers asked, in order: llama.cpp, vLLM, Ollama.
_WINDOW_PROBES: tuple[tuple[str, _Probe], ...] = (
    ("/props", _llama_props), ("/v1/models", _vllm_models), ("/api/show", _ollama_show))


OLLAMA_DEFAULT_NUM_CTX = 4096  # what Ollama gives a request unless num_ctx or OLLAMA_CONTEXT_LENGTH says otherwise


def _ollama_window(body: dict[str, Any]) -> ContextWindow | None:
    info = body.get("model_info")
    trained = 0
    if isinstance(info, dict):
        trained = next((int(v) for k, v in info.items() if k.endswith(".context_length") and v), 0)
    parameters = str(body.get("parameters") or "")
    match = re.search(r"^\s*num_ctx\s+(\d+)", parameters, re.MULTILINE)
    if match:
        return ContextWindow(int(match.group(1)), "Ollama /api/show num_ctx")
    if trained:
        # Ollama cuts the prompt to num_ctx silently, so the window is num_ctx, not what the model was trained on.
        return ContextWindow(min(trained, OLLAMA_DEFAULT_NUM_CTX),
                             f"Ollama default num_ctx (the model was trained for {trained}; raise num_ctx or "
                             "OLLAMA_CONTEXT_LENGTH and set llm_context_tokens)")
    return None


def _llama_total_context(http: httpx2.Client, config: ModelConfig, per_slot: int, slots: int) -> int:
    """The llama.cpp server's whole KV cache: `meta.n_ctx` of its model in /v1/models."""
    try:
        response = http.get(f"{config.base_url.rstrip('/')}/models",
                            headers={"Authorization": f"Bearer {config.api_key}"}, timeout=PROBE_TIMEOUT_SECONDS)
        body = _json_of(response) if response.status_code == 200 else None
        for entry in (body.get("data") or []) if isinstance(body, dict) else []:
            meta = entry.get("meta") if isinstance(entry, dict) else None
            if isinstance(meta, dict) and meta.get("n_ctx"):
                return int(meta["n_ctx"])
    except (httpx2.HTTPError, ValueError, TypeError):
        pass  # an older server without `meta`: assume each slot has a share of its own
    return per_slot * slots


def _llama_window(per_slot: int, total: int, slots: int, concurrency: int, ratio: float) -> ContextWindow:
    """What one request may use on llama.cpp, given how many of ours run at once.

    With a split cache (older servers, --no-kv-unified) each slot owns n_ctx/slots. With the unified cache
    (the default now) every slot reports the whole n_ctx, but all running requests share it: four requests
    at once get a quarter each before the server answers "Context size has been exceeded".
    """
    at_once = max(1, min(concurrency, slots))
    if slots > 1 and per_slot * slots > total:
        share = total // at_once
        source = (f"llama.cpp /props: {total} tokens shared by {slots} slots, {at_once} of our requests at once "
                  "(llm_concurrency)")
        return ContextWindow(min(per_slot, share), source, total, slots, ratio, shared=True)
    return ContextWindow(per_slot, "llama.cpp /props (per slot)", total, slots, ratio)


# Text like what the prompts carry: English paper prose with its numbers, symbols and URLs, and the Chinese of
# the zh instructions. Tokenizers differ most on the second (SmolLM2's spends ~1.5 tokens per CJK character,
# Qwen's under one), so the ratio is the larger of the two: the budget then errs high for either language.
CALIBRATION_TEXTS = (
    "We propose STR, a sparse token router for video object segmentation (VOS). On DAVIS-2017 it reduces FLOPs "
    "by 41.3% while keeping J&F within 0.3 points; see https://github.com/sample-lab/str-vos. Let x_t ∈ R^{d} "
    "denote the token at step t, and L = L_mask + λ·L_route with λ=0.05. Ablations (Tab. 3) confirm that "
    "routing 25% of tokens suffices; ViT-B/16 backbones pretrained on ImageNet-1k converge in 40k iterations.",
    "你是一名计算机视觉研究员。请根据论文内容撰写方法分析，使用中文，保留专有名词的英文原文。"
    "请按七个部分组织回答：摘要翻译、方法动机分析、方法设计详解、方法对比分析、实验分析、实用指南、总结。",
)


def _token_ratio(http: httpx2.Client, config: ModelConfig) -> float:
    """Server tokens per estimated token on CALIBRATION_TEXTS (llama.cpp /tokenize), the larger, never below 1."""
    ratios = []
    for text in CALIBRATION_TEXTS:
        count = _server_token_count(http, config, text)
        if count:
            ratios.append(count / estimate_tokens(text))
    return max(1.0, math.ceil(max(ratios) * 100) / 100) if ratios else 1.0


def _server_token_count(http: httpx2.Client, config: ModelConfig, text: str) -> int | None:
    try:
        response = http.post(f"{config.server_root}/tokenize", json={"content": text},
                             headers={"Authorization": f"Bearer {config.api_key}"}, timeout=PROBE_TIMEOUT_SECONDS)
        body = _json_of(response) if response.status_code == 200 else None
    except (httpx2.HTTPError, ValueError, TypeError):
        return None
    tokens = body.get("tokens") if isinstance(body, dict) else None
    return len(tokens) if isinstance(tokens, list) else None


def _plain_answer(stream: Any, content_type: str) -> _Answer:
    """A server that ignores `stream` answers with one body: read it as the SDK would a plain answer."""
    raw = stream.response.read()
    stream.close()
    body: Any = json.loads(raw or b"null") if "json" in content_type else raw.decode(errors="replace")
    if isinstance(body, dict):
        return _Answer(ChatCompletion.construct(**body), _timings_ms(body))
    return _Answer(body, None)


@dataclass
class _StreamState:
    """What a streamed answer has said so far: the answer's pieces, the reasoning (counted, never part of the
    answer), when the answer began, the finish reason, the usage and the server's timings."""

    parts: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    answer_began: float | None = None
    started: float = field(default_factory=time.monotonic)
    finish: str | None = None
    usage: Any = None
    server_ms: float | None = None
    checked: int = 0  # the answer's length when it was last checked for a loop

    def take(self, chunk: Any) -> None:
        self.server_ms = _timings_ms(chunk) or self.server_ms
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices or []:
            if choice.delta is not None:
                thought = reasoning_text(choice.delta)
                if thought:
                    self.reasoning.append(thought)
                if choice.delta.content:
                    self.answer_began = self.answer_began or time.monotonic()
                    self.parts.append(choice.delta.content)
            self.finish = choice.finish_reason or self.finish

    def cut_reason(self, deadline: float | None) -> str | None:
        """"repetition" when the answer loops, "time_cap" past the deadline, else None (keep reading)."""
        length = sum(len(p) for p in self.parts)
        if length - self.checked >= REPETITION_CHECK_CHARS:
            self.checked = length
            # Judged on the answer: a reasoning block may circle before the answer begins.
            if repeats_itself(strip_reasoning("".join(self.parts)).text):
                return "repetition"
        if deadline is not None and time.monotonic() > deadline:
            return "time_cap"
        return None


class OpenAICompatibleModel:
    """A chat model reached through the `openai` SDK at any OpenAI-compatible base URL."""

    def __init__(
        self,
        config: ModelConfig,
        http_client: httpx2.Client | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] | None = None,
        semaphore: threading.BoundedSemaphore | None = None,
    ) -> None:
        """`semaphore`: the endpoint's concurrency slots, shared by every client of it in the process (the
        runtime's); by default this client's own `config.concurrency` slots."""
        self.config = config
        self.clock = clock or Clock()
        self.policy = RetryPolicy(
            max_attempts=config.max_attempts,
            backoff_base=config.backoff_base_seconds,
            backoff_max=config.backoff_max_seconds,
        )
        if jitter is not None:
            self.policy.jitter = jitter
        self._http = http_client or default_http_client(config.timeout_seconds)
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            max_retries=0,
            timeout=config.timeout_seconds,
            http_client=self._http,
        )
        self._semaphore = semaphore or threading.BoundedSemaphore(config.concurrency)
        self._window: ContextWindow | None = None
        self._window_lock = threading.Lock()
        self._tokenize_works: bool | None = None

    @property
    def name(self) -> str:
        return self.config.model

    def window(self) -> ContextWindow:
        """The context window, learned once per model object (every task thread shares it)."""
        with self._window_lock:
            if self._window is None:
                if self.config.discover:
                    self._window = discover_window(self._http, self.config)
                    log.info("model %s at %s: %s", self.name, self.config.base_url, self._window.describe())
                elif self.config.context_tokens:
                    self._window = ContextWindow(self.config.context_tokens, "llm_context_tokens")
                else:
                    self._window = ContextWindow(0, "not asked")
            return self._window

    def input_budget(self, configured: int) -> int:
        return self.window().input_budget(configured, self.config.max_output_tokens)

    def settings_key(self, input_budget: int) -> str:
        """What shapes a call besides the prompt: a permanent failure stands until one of these changes."""
        window = self.window()
        return (f"{self.config.base_url}|{self.name}|ctx={window.tokens}|out={self.config.max_output_tokens}|"
                f"in={input_budget}")

    def preflight(self) -> ContextWindow:
        """One cheap check before any paper is sent: the key, the URL and the model name.

        Raises ModelUnavailable for what no retry can fix (401/403, an unknown model); an unreachable or busy
        server is only logged, because papers then fall back and are asked again after the cool-down.
        """
        window = self.window()
        base = self.config.base_url.rstrip("/")
        listed: list[str] = []
        try:
            response = self._http.get(f"{base}/models", headers={"Authorization": f"Bearer {self.config.api_key}"},
                                      timeout=PROBE_TIMEOUT_SECONDS)
        except httpx2.HTTPError as exc:
            log.warning("model server %s is not reachable (%s: %s); papers will use the extractive analysis",
                        base, type(exc).__name__, exc)
            return window
        if response.status_code in (401, 403):
            raise ModelUnavailable(f"the model server {base} refused the key (HTTP {response.status_code}): check "
                                   "llm_api_key (ARXIV_DIGEST_LLM_API_KEY)")
        body = _json_of(response) if response.status_code == 200 else None
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            listed = [str(entry.get("id")) for entry in body["data"] if isinstance(entry, dict)]
        if self.name in listed or window.source.startswith("llama.cpp"):
            return window  # llama.cpp serves its one model under any name
        try:
            self._client.chat.completions.create(model=self.name, max_tokens=1, temperature=0,
                                                 messages=[{"role": "user", "content": "Reply with OK."}])
        except openai.APIStatusError as exc:
            failure = _status_failure(exc)
            if isinstance(failure, _FinalFailure) and failure.kind == PERMANENT:
                hint = f"; the server lists: {', '.join(listed[:10])}" if listed else ""
                raise ModelUnavailable(f"model {self.name!r} at {base} cannot be used: {failure.reason}{hint}") \
                    from None
            log.warning("model preflight at %s: %s", base, getattr(failure, "reason", exc))
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            log.warning("model server %s did not answer the preflight (%s)", base, type(exc).__name__)
        return window

    def _count_prompt(self, messages: Sequence[Message]) -> tuple[int, int]:
        """(our estimate scaled by the server's tokenizer ratio, the tokens to plan with: the server's own count
        when it offers /tokenize, else that estimate)."""
        window = self.window()
        estimate = math.ceil(message_tokens(messages) * window.token_ratio)
        if self.config.discover and window.source.startswith("llama.cpp") and self._tokenize_works is not False:
            counted = _server_token_count(self._http, self.config, "\n".join(m["content"] for m in messages))
            self._tokenize_works = counted is not None
            if counted is not None:
                return estimate, counted + 8 * len(messages)  # role markers of the chat template
        return estimate, estimate

    def _fit(self, messages: Sequence[Message], max_tokens: int | None) -> tuple[int, int, str]:
        """(estimate, max_tokens to send, the limit that set it); PromptTooLong when no answer would fit."""
        estimate, planned = self._count_prompt(messages)
        cap = min(self.config.max_output_tokens, max_tokens or self.config.max_output_tokens)
        limit = "llm_max_output_tokens" if cap == self.config.max_output_tokens else "the answer cap of this prompt"
        window = self.window()
        if window.tokens:
            room = window.tokens - planned - TEMPLATE_MARGIN_TOKENS
            if room < MIN_OUTPUT_TOKENS:
                raise PromptTooLong(planned, window.tokens)
            if room < cap:
                cap, limit = room, f"the context window ({window.tokens} tokens, ~{planned} taken by the prompt)"
        return estimate, cap, limit

    def _request(self, messages: Sequence[Message], max_tokens: int, deadline: float | None) -> tuple[_Answer, float]:
        """(the answer, ms spent waiting for a concurrency slot)."""
        queued = time.monotonic()
        timeout = self.config.timeout_seconds
        try:
            with self._semaphore:
                queue_ms = (time.monotonic() - queued) * 1000
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0.5:
                        raise _FinalFailure("the paper's model time cap (llm_paper_time_cap_seconds) ran out",
                                            request_rejected=False, kind=TIME_CAP)
                    timeout = min(timeout, remaining)
                if self.config.stream:
                    return self._stream(messages, max_tokens, timeout, deadline), queue_ms
                response = self._create(messages, max_tokens, timeout)
                return _Answer(response, _timings_ms(response)), queue_ms
        except openai.APITimeoutError as exc:
            raise _RetryableFailure(f"timed out after {timeout:g}s") from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise _RetryableFailure(f"connection failed: {type(cause).__name__}: {cause}") from exc
        except openai.APIStatusError as exc:
            raise _status_failure(exc) from exc
        except (json.JSONDecodeError, openai.APIResponseValidationError) as exc:
            raise _RetryableFailure(f"the response body is not valid JSON: {exc}") from exc

    def _create(self, messages: Sequence[Message], max_tokens: int, timeout: float, **extra: Any) -> Any:
        """The one chat-completions call, with the configured model and temperature."""
        if self.config.thinking_off:
            extra["extra_body"] = THINKING_OFF_BODY
        return self._client.chat.completions.create(
            model=self.config.model,
            messages=list(messages),  # type: ignore[arg-type]
            temperature=self.config.temperature,
            max_tokens=max_tokens,
            timeout=timeout,
            **extra,
        )

    def _stream(self, messages: Sequence[Message], max_tokens: int, timeout: float,
                deadline: float | None) -> _Answer:
        """A streamed answer, cut when it loops or the deadline passes; the pieces become one ChatCompletion."""
        stream = self._create(messages, max_tokens, timeout, stream=True, stream_options={"include_usage": True})
        content_type = stream.response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            return _plain_answer(stream, content_type)
        state = _StreamState()
        try:
            for chunk in stream:
                state.take(chunk)
                finish = state.cut_reason(deadline)
                if finish:
                    state.finish = finish
                    break
        finally:
            stream.close()  # closing the connection makes llama.cpp stop generating
        completion = ChatCompletion.construct(
            id="stream", object="chat.completion", created=0, model=self.config.model,
            choices=[Choice.construct(index=0, finish_reason=state.finish,
                                      message=ChatCompletionMessage.construct(role="assistant",
                                                                              content="".join(state.parts)))],
            usage=state.usage,
        )
        thought = "".join(state.reasoning)
        thinking_ms = ((state.answer_began or time.monotonic()) - state.started) * 1000 if thought else 0.0
        return _Answer(completion, state.server_ms, thought, thinking_ms)

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None,
                 deadline: float | None = None) -> Completion:
        estimate, cap, limit = self._fit(messages, max_tokens)
        failed: list[FailedCall] = []
        for attempt in range(1, self.policy.max_attempts + 1):
            started = self.clock.now()
            queue_ms = 0.0
            try:
                answer, queue_ms = self._request(messages, cap, deadline)
                text, finish_reason, prompt_tokens, completion_tokens = parse_completion(answer.response)
            except _RetryableFailure as failure:
                failed.append(FailedCall(failure.reason, max(0.0, (self.clock.now() - started) * 1000 - queue_ms),
                                         TRANSIENT, queue_ms))
                if attempt == self.policy.max_attempts:
                    break
                delay = self.policy.backoff(attempt)
                if failure.retry_after is not None:
                    # Honour the server, but a Retry-After of an hour is not worth blocking a task thread.
                    delay = min(max(delay, failure.retry_after), self.policy.backoff_max)
                if deadline is not None and time.monotonic() + delay >= deadline:
                    break  # no time left in the paper's cap for another try
                self.clock.sleep(delay)
                continue
            except _FinalFailure as failure:
                failed.append(FailedCall(failure.reason, max(0.0, (self.clock.now() - started) * 1000 - queue_ms),
                                         failure.kind, queue_ms))
                raise ModelCallFailed(self.name, failure.reason, failed, failure.request_rejected,
                                      kind=failure.kind, overflow=failure.overflow) from None
            reported = prompt_tokens is not None and completion_tokens is not None
            wall_ms = (self.clock.now() - started) * 1000 - queue_ms
            thought = answer.reasoning_of()
            reasoning_tokens = reasoning_tokens_reported(getattr(answer.response, "usage", None))
            if reasoning_tokens is None:
                reasoning_tokens = estimate_tokens(thought) if thought else 0
            return Completion(
                text=text,
                model=self.name,
                finish_reason=finish_reason,
                input_tokens=prompt_tokens if prompt_tokens is not None else estimate,
                output_tokens=completion_tokens if completion_tokens is not None else estimate_tokens(text),
                usage_reported=reported,
                latency_ms=answer.server_ms if answer.server_ms is not None else max(0.0, wall_ms),
                failed_calls=tuple(failed),
                queue_ms=queue_ms,
                estimated_input_tokens=estimate,
                max_tokens=cap,
                limit=limit,
                reasoning_tokens=reasoning_tokens,
                reasoning_ms=answer.reasoning_ms,
            )
        raise ModelCallFailed(self.name, failed[-1].reason, failed, request_rejected=False)
